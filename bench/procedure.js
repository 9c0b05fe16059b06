// The measurement procedure of one (engine × workload) case, the same for every engine, as the "bench"
// and "epoch" conventions of workloads.json define it:
//
// 1. Epoch 1 over the training split in stored order, in batches of batchSize:
//    - warm-up: the first `warmupBatches` batches, untimed. Warm-up ends early once it has used 10% of
//      the time budget (after at least 2 batches);
//    - then consecutive timed windows of `windowBatches` batches; each window is one throughput sample
//      (forward + backward + update + everything the engine does per batch, until it is done);
//    - the rest of the epoch, untimed.
// 2. Test accuracy on the whole test split, right after epoch 1.
// 3. `extraWindows` more timed windows (epoch 2, same order), counted for throughput only.
// Reported: the median over the windows (www/engine/throughput.js), with min and max.
//
// Time budget: after the warm-up the rest of the work is projected from the time per batch (excluding
// the first batch). If it is over the budget, the case is "reduced": three shorter windows, and NO
// accuracy (null, with the reason) — a partial-epoch accuracy is never passed off as a one-epoch one.
// A case that runs past 3× the budget (and at least 2 minutes) stops with status "timeout".
//
// --quick: windows of a quarter of the batches, no extra windows, and the epoch stops after the warm-up
// and two windows (its accuracy is labelled as a partial epoch).
import { Throughput } from '../www/engine/throughput.js';

const now = () => performance.now();

/**
 * @param model  { train(first, n): trains batches first..first+n-1 of the epoch (stored order) and
 *                 resolves when they are done; accuracy(): test accuracy on the whole test split }
 * @param workload  an entry of workloads.json (after any optimizer fallback)
 * @param opts { nTrain, quick, budgetSeconds, log(msg), onFirstBatch() }
 */
export async function measure(model, workload, { nTrain, quick = false, budgetSeconds = 150, log = () => {}, onFirstBatch = () => {} }) {
  const B = workload.batchSize;
  const nb = Math.floor(nTrain / B);
  const bench = { ...workload.bench };
  if (quick) {
    bench.windowBatches = Math.max(2, Math.ceil(bench.windowBatches / 4));
    bench.extraWindows = 0;
  }
  const epochBatches = quick ? Math.min(nb, bench.warmupBatches + 2 * bench.windowBatches) : nb;
  const budgetMs = 1000 * budgetSeconds;
  const out = { status: 'ok', procedure: { ...bench, batchSize: B, epochBatches, batchesPerEpoch: nb, quick, budgetSeconds } };
  const meter = new Throughput();
  const windows = [];
  const t0 = now();
  const limitMs = Math.max(3 * budgetMs, 120_000);
  const overTime = () => now() - t0 > limitMs;

  // ---- warm-up ----
  let b = 0;
  let tFirst = null;
  const warmup = Math.min(bench.warmupBatches, epochBatches);
  while (b < warmup) {
    await model.train(b, 1);
    b++;
    if (b === 1) {
      tFirst = now();
      onFirstBatch(tFirst - t0);
    }
    if (b >= 2 && now() - t0 > 0.1 * budgetMs) break;
  }
  const tw = now();
  const secPerBatch = b > 1 ? (tw - tFirst) / 1000 / (b - 1) : (tw - t0) / 1000 / b;
  const projected = secPerBatch * (epochBatches - b + (bench.extraWindows || 0) * bench.windowBatches);
  out.warmup = { batches: b, seconds: (tw - t0) / 1000, firstBatchSeconds: (tFirst - t0) / 1000, secondsPerBatch: secPerBatch };
  out.projectedRemainingSeconds = projected;
  let reduced = false;
  if (projected > budgetSeconds) {
    reduced = true;
    bench.windowBatches = Math.max(1, Math.min(bench.windowBatches, Math.floor((0.8 * budgetSeconds) / 3 / secPerBatch)));
    bench.extraWindows = 0;
    out.procedure.reducedWindowBatches = bench.windowBatches;
    log(`reduced: the rest would take ~${projected.toFixed(0)} s > budget ${budgetSeconds} s; 3 windows of ${bench.windowBatches} batches, no accuracy`);
  }

  const timedWindow = async (first, phase) => {
    const ts = now();
    await model.train(first, bench.windowBatches);
    const ms = now() - ts;
    const w = meter.add(bench.windowBatches * B, ms);
    windows.push({ phase, firstBatch: first, ...w });
    log(`${phase} window ${windows.length}: ${w.perSecond.toFixed(1)} ex/s (${(ms / 1000).toFixed(2)} s)`);
  };

  // ---- timed windows of epoch 1 ----
  while (b + bench.windowBatches <= epochBatches && !(reduced && windows.length >= 3)) {
    await timedWindow(b, 'epoch1');
    b += bench.windowBatches;
    if (overTime()) {
      out.status = 'timeout';
      out.error = `exceeded the time limit (${(limitMs / 1000).toFixed(0)} s) after ${b} batches`;
      break;
    }
  }
  // ---- the rest of epoch 1, untimed ----
  if (!reduced && out.status === 'ok' && b < epochBatches) {
    await model.train(b, epochBatches - b);
    b = epochBatches;
  }
  const te = now();
  out.epoch = { batches: b, examples: b * B, seconds: (te - t0) / 1000, complete: b === nb };

  // ---- accuracy ----
  if (reduced) {
    out.reduced = true;
    out.accuracy = null;
    out.accuracyNote = `not measured: the epoch would take ~${(projected + out.warmup.seconds).toFixed(0)} s > budget ${budgetSeconds} s (a larger --budget measures it)`;
  } else if (out.status === 'ok') {
    const ta = now();
    out.accuracy = await model.accuracy();
    out.evalSeconds = (now() - ta) / 1000;
    out.accuracyAfter = out.epoch.complete ? '1 full epoch' : `${out.epoch.examples} examples (partial epoch, --quick)`;
    log(`test accuracy ${(100 * out.accuracy).toFixed(2)}% after ${out.accuracyAfter} (${out.epoch.seconds.toFixed(1)} s)`);

    // ---- extra windows: epoch 2, same order ----
    let bb = 0;
    for (let k = 0; k < (bench.extraWindows || 0) && !overTime(); k++) {
      await timedWindow(bb % nb, 'epoch2');
      bb += bench.windowBatches;
    }
  }
  out.windows = windows;
  out.throughput = meter.summary(); // { perSecond (median), min, max, windows, examples, ms } or null
  return out;
}

/** Errors an engine raises for something it lacks become "unsupported"; everything else is an error. */
export function classifyError(e) {
  const message = String((e && (e.message || e)) || 'unknown error').slice(0, 600);
  const m = /Kernel '([^']+)' not registered for backend '([^']+)'/.exec(message);
  if (m) return { status: 'unsupported', error: message, missing: `kernel ${m[1]} (backend ${m[2]})` };
  return { status: 'error', error: message, stack: e && e.stack ? String(e.stack).split('\n').slice(0, 6).join('\n') : undefined };
}
