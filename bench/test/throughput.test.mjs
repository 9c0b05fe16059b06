// Sanity checks of the speed arithmetic (no browser, no timing): node --test bench/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throughput, examplesPerSecond, median } from '../../www/engine/throughput.js';

test('median of odd and even counts, and of nothing', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

test('examples per second', () => {
  assert.equal(examplesPerSecond(640, 500), 1280);
  assert.ok(Number.isNaN(examplesPerSecond(10, 0)));
});

test('one sample per window: the median of the window speeds, with min and max', () => {
  const t = new Throughput();
  for (const ms of [100, 200, 400]) t.add(100, ms);
  assert.deepEqual(t.summary(), { perSecond: 500, min: 250, max: 1000, windows: 3, examples: 300, ms: 700 });
});

test('samples are summed into windows of at least windowExamples and windowMs', () => {
  const t = new Throughput({ windowExamples: 64, windowMs: 50 });
  assert.equal(t.add(32, 10), null);
  assert.equal(t.add(32, 10), null); // 64 examples but only 20 ms
  const w = t.add(32, 40); // 96 examples in 60 ms
  assert.deepEqual(w, { examples: 96, ms: 60, perSecond: 1600 });
  assert.equal(t.summary().windows, 1);
});

test('keep bounds the history (a moving median)', () => {
  const t = new Throughput({ keep: 2 });
  t.add(10, 1000);
  t.add(20, 1000);
  t.add(30, 1000);
  assert.deepEqual(t.windows.map((w) => w.perSecond), [20, 30]);
  assert.equal(t.summary().perSecond, 25);
  t.reset();
  assert.equal(t.summary(), null);
});

test('negative samples are refused', () => {
  assert.throws(() => new Throughput().add(-1, 10), RangeError);
});

test('flush closes a short open window (a run that stops before a full window), and only one with work', () => {
  const t = new Throughput({ windowMs: 500 });
  t.add(1000, 100);
  assert.equal(t.summary(), null);
  t.flush();
  assert.equal(t.summary().perSecond, 10000);
  t.flush(); // nothing open: nothing added
  assert.equal(t.summary().windows, 1);
  t.add(10, 100); // a short leftover after a full window stays out of the median
  t.flush();
  assert.equal(t.summary().windows, 1);
});
