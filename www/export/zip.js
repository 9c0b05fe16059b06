//! ZIP archives without compression (method 0, "stored"): what numpy's np.savez writes and np.load reads.
//! Each file: a local header, its bytes; then the central directory and its end record. No ZIP64, so
//! every file and the whole archive must stay under 4 GB.

import { crc32 } from './crc32.js';

// 1980-01-01 00:00, the earliest DOS date: a fixed date keeps the same input giving the same bytes.
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;

/**
 * @param {{ name: string, bytes: Uint8Array }[]} files
 * @returns {Uint8Array}
 */
export function zipStored(files) {
  const encoder = new TextEncoder();
  const entries = files.map((f) => ({ name: encoder.encode(f.name), bytes: f.bytes, crc: crc32(f.bytes) }));
  const localSize = entries.reduce((n, e) => n + 30 + e.name.length + e.bytes.length, 0);
  const centralSize = entries.reduce((n, e) => n + 46 + e.name.length, 0);
  if (localSize + centralSize + 22 > 0xffffffff) throw new Error('the archive would be over 4 GB, more than a ZIP without ZIP64 holds');
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  let at = 0;
  const u16 = (v) => { view.setUint16(at, v, true); at += 2; };
  const u32 = (v) => { view.setUint32(at, v, true); at += 4; };
  const bytes = (b) => { out.set(b, at); at += b.length; };

  for (const e of entries) {
    e.offset = at;
    u32(0x04034b50); // local file header
    u16(20); u16(0); u16(0); // version needed 2.0, no flags, stored
    u16(DOS_TIME); u16(DOS_DATE);
    u32(e.crc); u32(e.bytes.length); u32(e.bytes.length);
    u16(e.name.length); u16(0);
    bytes(e.name);
    bytes(e.bytes);
  }
  const centralStart = at;
  for (const e of entries) {
    u32(0x02014b50); // central directory header
    u16(20); u16(20); u16(0); u16(0); // made by 2.0, needed 2.0, no flags, stored
    u16(DOS_TIME); u16(DOS_DATE);
    u32(e.crc); u32(e.bytes.length); u32(e.bytes.length);
    u16(e.name.length); u16(0); u16(0); // name, no extra field, no comment
    u16(0); u16(0); u32(0); // disk 0, no attributes
    u32(e.offset);
    bytes(e.name);
  }
  const centralLength = at - centralStart;
  u32(0x06054b50); // end of central directory
  u16(0); u16(0); u16(entries.length); u16(entries.length);
  u32(centralLength); u32(centralStart); u16(0);
  return out;
}
