// Made-up inputs the end-to-end tests hand to the page (generated here, never shipped).

/** A small, made-up IDX pair for the upload path (generated here, never shipped). */
export function idxPair(n, { side = 28, classes = 10 } = {}) {
  const images = Buffer.alloc(16 + n * side * side);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(side, 8);
  images.writeUInt32BE(side, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[8 + i] = k;
    // Class k: a bright horizontal band at row 2 + 2k.
    for (let x = 4; x < side - 4; x++) images[16 + i * side * side + (2 + 2 * k) * side + x] = 255;
  }
  return { images, labels };
}
