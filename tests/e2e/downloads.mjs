// Reading what the page hands back as a download.

/** The names and contents of a ZIP's stored entries (local headers; the exports never compress). */
export function unzip(bytes) {
  const entries = new Map();
  for (let at = 0; bytes.readUInt32LE(at) === 0x04034b50;) {
    const size = bytes.readUInt32LE(at + 18);
    const nameLength = bytes.readUInt16LE(at + 26);
    const extra = bytes.readUInt16LE(at + 28);
    const name = bytes.subarray(at + 30, at + 30 + nameLength).toString('utf8');
    const start = at + 30 + nameLength + extra;
    entries.set(name, bytes.subarray(start, start + size));
    at = start + size;
  }
  return entries;
}
