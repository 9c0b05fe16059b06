// The peers' split of the shipped digits (bench/data.js): node --test bench/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { mulberry32, splitMnist, splitPermutation } from '../data.js';

const file = (name) => new Uint8Array(gunzipSync(readFileSync(new URL(`../../www/data/mnist/${name}`, import.meta.url))));

test('mulberry32 matches the reference generator', () => {
  // mulberry32(1) from its published JavaScript definition
  const r = mulberry32(1);
  assert.equal(Math.round(r() * 4294967296), 2693262067);
});

test('the split permutation is a permutation', () => {
  const p = splitPermutation(1234, 10_000);
  assert.equal(new Set(p).size, 10_000);
  assert.equal(Math.min(...p), 0);
  assert.equal(Math.max(...p), 9_999);
});

test('8,000 / 2,000 split of the shipped digits, seed 1234', () => {
  const d = splitMnist({ imagesIdx: file('images-idx3-ubyte.gz'), labelsIdx: file('labels-idx1-ubyte.gz') }, 1234, 8000, 2000);
  assert.equal(d.trainX.length, 8000 * 784);
  assert.equal(d.testY.length, 2000);
  const counts = (y) => Array.from(y).reduce((c, k) => ((c[k] += 1), c), new Array(10).fill(0));
  // The shipped file holds 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 of each digit (datasets.json).
  const all = counts(d.trainY).map((n, k) => n + counts(d.testY)[k]);
  assert.ok(all.every((n, k) => n <= [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978][k]));
  assert.ok(d.trainX.every((v) => v >= 0 && v <= 1));
  // The file is sorted by class; the split is shuffled.
  assert.notEqual(new Set(d.trainY.subarray(0, 50)).size, 1);
});
