// The measurement procedure (bench/procedure.js) driven by a model on a simulated clock: which batches
// are trained in which order, how windows are sized and how many there are. No real time is measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { measure, timingFor, windowSize } from '../procedure.js';

const table = JSON.parse(readFileSync(new URL('../workloads.json', import.meta.url), 'utf8'));

/** A model whose every batch takes `msPerBatch` on the simulated clock; it records the batches it trains. */
function simulated(msPerBatch, nb) {
  const clock = { t: 0 };
  const trained = [];
  return {
    clock,
    trained,
    now: () => clock.t,
    model: {
      train(first, n) {
        for (let k = 0; k < n; k++) trained.push((first + k) % nb);
        clock.t += n * msPerBatch;
      },
      accuracy() {
        clock.t += 10;
        return 0.5;
      },
    },
  };
}

const workload = { batchSize: 10, bench: { warmupBatches: 4, windowBatches: 8, extraWindows: 0 } };
const timing = { windowSeconds: 1, measuredSeconds: 10, minWindows: 5 };

test('window size: the batches asked for, or enough for the seconds asked for', () => {
  assert.equal(windowSize(8, 1, 0.5), 8);
  assert.equal(windowSize(8, 1, 0.001), 1000);
  assert.equal(windowSize(8, 1, 0.3), 8);
  assert.equal(windowSize(2, 1, 0.3), 4);
});

test('a fast network: windows of whole seconds, after the epoch, until the case is long enough', async () => {
  const nb = 100;
  const s = simulated(2, nb); // 2 ms per batch: a window needs 500 batches
  const out = await measure(s.model, workload, { nTrain: nb * 10, timing, now: s.now });
  assert.equal(out.status, 'ok');
  assert.equal(out.accuracyAfter, '1 full epoch');
  assert.equal(out.procedure.windowBatches, 500);
  assert.ok(out.windows.every((w) => w.phase === 'after' && w.ms >= 1000));
  assert.ok(out.windows.length >= 5);
  assert.ok(out.windows.reduce((a, w) => a + w.ms, 0) >= 10_000);
  // Stored order throughout, wrapping at the end of each epoch.
  assert.deepEqual(s.trained, s.trained.map((_, i) => i % nb));
  assert.equal(out.throughput.perSecond, 5000);
});

test('a slow network: windows of windowBatches inside epoch 1, then more after the evaluation', async () => {
  const nb = 100;
  const s = simulated(200, nb); // 8 batches take 1.6 s ≥ 1 s
  const out = await measure(s.model, workload, { nTrain: nb * 10, timing, now: s.now, budgetSeconds: 1000 });
  assert.equal(out.procedure.windowBatches, 8);
  const epoch1 = out.windows.filter((w) => w.phase === 'epoch1');
  assert.equal(epoch1.length, Math.floor((nb - 4) / 8));
  assert.deepEqual(epoch1.map((w) => w.firstBatch), epoch1.map((_, i) => 4 + 8 * i));
  assert.ok(out.windows.length >= 5);
  assert.deepEqual(s.trained, s.trained.map((_, i) => i % nb));
});

test('over the budget: three windows and no accuracy', async () => {
  const nb = 100;
  const s = simulated(200, nb);
  const out = await measure(s.model, workload, { nTrain: nb * 10, timing, now: s.now, budgetSeconds: 10 });
  assert.equal(out.reduced, true);
  assert.equal(out.accuracy, null);
  assert.equal(out.windows.length, 3);
});

test('--quick uses the quick timing and a partial epoch', async () => {
  const quickTiming = timingFor(table, true);
  assert.ok(quickTiming.windowSeconds < timingFor(table, false).windowSeconds);
  const nb = 400;
  const s = simulated(20, nb);
  const out = await measure(s.model, workload, { nTrain: nb * 10, timing: quickTiming, quick: true, now: s.now });
  assert.match(out.accuracyAfter, /partial epoch/);
  assert.ok(out.windows.length >= quickTiming.minWindows);
  assert.deepEqual(s.trained, s.trained.map((_, i) => i % nb));
});
