// The measurement procedure of one (engine × workload) case, the same for every engine, as the "bench"
// conventions and the "timing" of workloads.json define it (examples/bench.rs and bench/pytorch_bench.py
// follow the same steps):
//
// 1. Warm-up: the first `warmupBatches` batches of epoch 1 (stored order, batches of batchSize), untimed.
//    Warm-up ends early once it has used 10% of the time budget (after at least 2 batches). It gives the
//    time per batch (excluding the first batch).
// 2. Window size: `windowBatches` batches, or more when those take less than `timing.windowSeconds`, so a
//    fast network is timed over whole seconds rather than over a few milliseconds (from the warm-up's
//    time per batch; a window that still comes out shorter makes the next ones longer).
// 3. Epoch 1: timed windows while they fit in it, then the rest of the epoch, untimed.
// 4. Test accuracy on the whole test split, right after epoch 1.
// 5. More windows, training on in the same stored order (epoch 2 and beyond), until the windows add up
//    to `timing.measuredSeconds`, there are `timing.minWindows` of them, and at least `extraWindows`
//    follow the evaluation.
// Reported: the median over the windows (www/engine/throughput.js), with min and max.
//
// Time budget: after the warm-up the rest of the work is projected from the time per batch. If it is over
// the budget, the case is "reduced": three shorter windows, and NO accuracy (null, with the reason) — a
// partial-epoch accuracy is never passed off as a one-epoch one. A case that runs past 3× the budget (and
// at least 2 minutes) stops with status "timeout".
//
// --quick: windows of a quarter of the batches and timing.quick's seconds, and epoch 1 stops after the
// warm-up and two windows (its accuracy is labelled as a partial epoch).
import { Throughput } from '../www/engine/throughput.js';

/** The timing of a run: workloads.json's "timing", or its "quick" part for a smoke run. */
export function timingFor(table, quick) {
  const { quick: short, ...full } = table.timing;
  return quick ? { ...full, ...short } : full;
}

/** Batches per window: at least `windowBatches`, and enough for `windowSeconds` at `secPerBatch`. */
export function windowSize(windowBatches, windowSeconds, secPerBatch) {
  const forTime = secPerBatch > 0 ? Math.ceil(windowSeconds / secPerBatch) : 1;
  return Math.max(1, windowBatches, forTime);
}

/**
 * @param model  { train(first, n): trains batches first..first+n-1 (stored order, wrapping at the end of
 *                 the epoch) and resolves when they are done; accuracy(): test accuracy on the whole test split }
 * @param workload  an entry of workloads.json (after any optimizer fallback)
 * @param opts { nTrain, timing ({ windowSeconds, measuredSeconds, minWindows }), quick, budgetSeconds,
 *               log(msg), onFirstBatch(), now() (the clock, performance.now by default) }
 */
export async function measure(model, workload, {
  nTrain, timing, quick = false, budgetSeconds = 150, log = () => {}, onFirstBatch = () => {}, now = () => performance.now(),
}) {
  const B = workload.batchSize;
  const nb = Math.floor(nTrain / B);
  const bench = { ...workload.bench };
  if (quick) bench.windowBatches = Math.max(2, Math.ceil(bench.windowBatches / 4));
  const budgetMs = 1000 * budgetSeconds;
  const out = { status: 'ok', procedure: { ...bench, ...timing, batchSize: B, batchesPerEpoch: nb, quick, budgetSeconds } };
  const meter = new Throughput();
  const windows = [];
  const t0 = now();
  const limitMs = Math.max(3 * budgetMs, 120_000);
  const overTime = () => now() - t0 > limitMs;

  // ---- warm-up ----
  let b = 0;
  let tFirst = null;
  const warmup = Math.min(bench.warmupBatches, nb);
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
  bench.windowBatches = windowSize(bench.windowBatches, timing.windowSeconds, secPerBatch);
  const epochBatches = quick ? Math.min(nb, b + 2 * bench.windowBatches) : nb;
  const measuredBatches = Math.max(timing.minWindows, bench.extraWindows || 0) * bench.windowBatches;
  const projected = secPerBatch * (epochBatches - b + Math.max(measuredBatches, timing.measuredSeconds / secPerBatch));
  out.procedure.windowBatches = bench.windowBatches;
  out.procedure.epochBatches = epochBatches;
  out.warmup = { batches: b, seconds: (tw - t0) / 1000, firstBatchSeconds: (tFirst - t0) / 1000, secondsPerBatch: secPerBatch };
  out.projectedRemainingSeconds = projected;
  let reduced = false;
  if (projected > budgetSeconds) {
    reduced = true;
    bench.windowBatches = Math.max(1, Math.min(bench.windowBatches, Math.floor((0.8 * budgetSeconds) / 3 / secPerBatch)));
    out.procedure.reducedWindowBatches = bench.windowBatches;
    log(`reduced: the rest would take ~${projected.toFixed(0)} s > budget ${budgetSeconds} s; 3 windows of ${bench.windowBatches} batches, no accuracy`);
  }

  const timedWindow = async (phase) => {
    const ts = now();
    await model.train(b % nb, bench.windowBatches);
    const ms = now() - ts;
    const w = meter.add(bench.windowBatches * B, ms);
    windows.push({ phase, firstBatch: b % nb, ...w });
    b += bench.windowBatches;
    log(`${phase} window ${windows.length}: ${w.perSecond.toFixed(1)} ex/s (${(ms / 1000).toFixed(2)} s)`);
    // The warm-up's time per batch can be off (a cold start): a short window lengthens the next ones.
    if (!reduced && ms < 1000 * timing.windowSeconds) bench.windowBatches = Math.ceil((bench.windowBatches * 1000 * timing.windowSeconds) / Math.max(ms, 1));
    if (overTime()) {
      out.status = 'timeout';
      out.error = `exceeded the time limit (${(limitMs / 1000).toFixed(0)} s) after ${b} batches`;
    }
  };

  // ---- timed windows of epoch 1 ----
  while (b + bench.windowBatches <= epochBatches && !(reduced && windows.length >= 3) && out.status === 'ok') {
    await timedWindow('epoch1');
  }
  // A reduced case that fitted fewer than three windows in the epoch takes the rest after it.
  while (reduced && windows.length < 3 && out.status === 'ok') await timedWindow('epoch1+');
  // ---- the rest of epoch 1, untimed ----
  if (!reduced && out.status === 'ok' && b < epochBatches) {
    await model.train(b, epochBatches - b);
    b = epochBatches;
  }
  const te = now();
  out.epoch = { batches: Math.min(b, epochBatches), examples: Math.min(b, epochBatches) * B, seconds: (te - t0) / 1000, complete: b >= nb };

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

    // ---- more windows, training on in the same order, until the case is measured long enough ----
    let after = 0;
    const measuredMs = () => windows.reduce((s, w) => s + w.ms, 0);
    while (out.status === 'ok' &&
      (measuredMs() < 1000 * timing.measuredSeconds || windows.length < timing.minWindows || after < (bench.extraWindows || 0))) {
      await timedWindow('after');
      after++;
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
