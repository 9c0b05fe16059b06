//! A drawing → the 28×28 image the network expects, prepared the way MNIST's digits were:
//! crop to the ink's bounding box, scale it to fit a 20×20 box keeping its aspect ratio (averaging
//! the covered area, which anti-aliases), and place it in 28×28 so its centre of mass is at the
//! centre (LeCun et al., "The MNIST database": size-normalised to 20×20, centred by centre of mass).

const BOX = 20;
const SIZE = 28;

/**
 * @param {Float32Array|Uint8ClampedArray|number[]} ink  width·height values, 0 = paper, 1 (or 255) = ink
 * @param {number} width
 * @param {number} height
 * @param {number} [scale=1]  the value that means full ink (255 for bytes)
 * @returns {Float32Array|null} 784 values in 0..1, or null when nothing is drawn
 */
export function preprocessDrawing(ink, width, height, scale = 1) {
  // 1. Bounding box of the ink.
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  const threshold = 0.02 * scale;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;

  // 2. Area-average into a box whose longer side is 20: source pixel (x, y) covers
  //    [x·s, (x+1)·s) × [y·s, (y+1)·s) of the target grid and adds value × overlap to each cell.
  const s = BOX / Math.max(bw, bh);
  const tw = Math.ceil(bw * s - 1e-9);
  const th = Math.ceil(bh * s - 1e-9);
  const box = new Float64Array(tw * th);
  for (let y = 0; y < bh; y++) {
    const ty0 = y * s, ty1 = (y + 1) * s;
    for (let x = 0; x < bw; x++) {
      const v = ink[(y0 + y) * width + (x0 + x)] / scale;
      if (v <= 0) continue;
      const tx0 = x * s, tx1 = (x + 1) * s;
      for (let cy = Math.floor(ty0); cy < Math.min(th, Math.ceil(ty1)); cy++) {
        const oy = Math.min(ty1, cy + 1) - Math.max(ty0, cy);
        if (oy <= 0) continue;
        for (let cx = Math.floor(tx0); cx < Math.min(tw, Math.ceil(tx1)); cx++) {
          const ox = Math.min(tx1, cx + 1) - Math.max(tx0, cx);
          if (ox > 0) box[cy * tw + cx] += v * ox * oy;
        }
      }
    }
  }

  // 3. Centre of mass of the box, then the integer shift that puts it at (14, 14).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = box[y * tw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass <= 0) return null;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const ox = clamp(Math.round(SIZE / 2 - mx / mass), 0, SIZE - tw);
  const oy = clamp(Math.round(SIZE / 2 - my / mass), 0, SIZE - th);

  const out = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) out[(oy + y) * SIZE + (ox + x)] = Math.min(1, box[y * tw + x]);
  }
  return out;
}

/** Bytes (0..255) of one image → floats in 0..1, as the engine's predict() takes them. */
export function bytesToFloats(bytes, offset, length) {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes[offset + i] / 255;
  return out;
}
