// The page's IDX inflating: a valid gzipped file unpacks whole; a small file that unpacks to far more
// than its header promises (a "gzip bomb") is stopped early with a message; damaged gzip says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { inflate } from '../../www/engine/idx.js';

/** An IDX images header for n images of rows×cols. */
function header(n, rows, cols) {
  const h = new Uint8Array(16);
  const view = new DataView(h.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, n);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  return h;
}

test('a gzipped IDX file unpacks to its bytes', async () => {
  const raw = new Uint8Array([...header(3, 2, 2), ...Array.from({ length: 12 }, (_, i) => i)]);
  const out = await inflate(new Uint8Array(gzipSync(raw)), 'tiny.gz');
  assert.deepEqual([...out], [...raw]);
});

test('a gzip bomb stops as soon as it unpacks past what its header promises', async () => {
  // A header for 10 images of 28×28 (7,856 bytes) followed by 200 MB of zeros, about 200 KB packed.
  const zeros = Buffer.alloc(200_000_000);
  const bomb = gzipSync(Buffer.concat([Buffer.from(header(10, 28, 28)), zeros]), { level: 9 });
  await assert.rejects(inflate(new Uint8Array(bomb), 'bomb.gz'), /bomb\.gz unpacks to more than its header says \(7,856 bytes\)/);
});

test('damaged gzip is named as such', async () => {
  const good = gzipSync(Buffer.from(header(1, 1, 1)));
  const cut = new Uint8Array(good.subarray(0, good.length - 6));
  cut[12] ^= 0xff;
  await assert.rejects(inflate(cut, 'cut.gz'), /cut\.gz looks gzipped but could not be decompressed/);
});
