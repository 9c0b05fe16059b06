//! The cooperative training loop: run about a frame's worth of batches, post a report, yield, repeat,
//! so the worker answers requests (pause, edits) between chunks. Along the way it collects the
//! curves' points, evaluates the test split now and then, and posts the conv weights for the filter
//! pictures. Play, Pause and Step start, stop and advance it.
import { Push, STATS_EVERY } from './protocol.js';
import { session, run } from './worker-state.js';
import { post, own } from './worker-post.js';
import { ready, trainSteps, workersInUse, workersReason, takeLoss } from './team.js';

/** Wall time of one chunk of training steps: about one frame, so pause and edits feel immediate. */
const CHUNK_MS = 20;
/** At most this many reports per second reach the page. */
const REPORT_MS = 50;
/** Evaluate the test split at least this often (and at every epoch's end), but spend at most ~15% of the time on it. */
const EVAL_MS = 2000;
const EVAL_SHARE = 0.15;
/** An epoch's end triggers an evaluation only if the last one is at least this old. */
const EVAL_EPOCH_MS = 150;
/** Test images evaluated while training; the whole test split is evaluated when the run ends. */
export const EVAL_MAX = 2000;
/** The training curves get at least this many points per epoch, however fast the network trains. */
const POINTS_PER_EPOCH = 50;
/** Conv weights are posted for the filter pictures at most this often. */
const PARAMS_MS = 300;

const now = () => performance.now();

/** The engine's sums for the curve point being collected (see tick). */
function emptyPoint() {
  return { lossSum: 0, batches: 0, correct: 0, seen: 0 };
}

/** A new run's progress: nothing trained yet (the training flag and watchParams carry over). */
export function resetRun() {
  run.speed.reset();
  run.chunk = 1;
  run.last = { loss: NaN, accuracy: NaN, steps: 0, epoch: 0, epochProgress: 0, examplesSeen: 0, lr: session.spec?.optimizer?.lr ?? NaN, done: false, nonFinite: false };
  run.pending = { steps: 0, loss: 0, accuracy: 0 };
  run.points = [];
  run.pointEvery = 0;
  run.point = emptyPoint();
  run.until = 0; // PLAY's step budget (0: until the last epoch)
  run.lastEval = now();
  run.lastEpoch = 0;
  run.lastParams = 0;
  run.convLayout = null;
  run.stats = [];
}

/** Starts or stops the per-layer statistics of the current engine (a new engine gets the same). */
export function watchStats(on) {
  run.watchStats = on;
  run.stats = [];
  session.engine?.setStatsEvery(on ? STATS_EVERY : 0);
}

/** Moves the statistics the engine took into the next report. */
function collectStats(engine) {
  if (run.watchStats) for (const s of engine.takeStats()) run.stats.push(s);
}

const channel = new MessageChannel();
channel.port1.onmessage = () => tick();
let scheduled = false;

/** Runs the next chunk after the messages already waiting (a pause among them) are handled. */
export function schedule() {
  if (scheduled) return;
  scheduled = true;
  channel.port2.postMessage(null);
}

/** Where in the run a report is, in epochs (the engine reports progress 1 of the last epoch when done). */
export function position(r) {
  return r.done ? r.epoch : r.epoch + r.epochProgress;
}

function report(r, force = false) {
  const p = run.pending;
  const t = now();
  if (!force && t - run.lastPost < REPORT_MS) return;
  // No batch since the last report: nothing to say (a pause right after play used to post a loss
  // of NaN, which the page took for a diverged run).
  if (p.steps === 0) return;
  const examplesPerSecond = run.speed.summary()?.perSecond ?? 0;
  post({
    type: Push.REPORT,
    runId: session.runId,
    loss: p.steps ? p.loss / p.steps : r.loss,
    accuracy: p.steps ? p.accuracy / p.steps : r.accuracy,
    steps: r.steps,
    epoch: r.epoch,
    epochProgress: r.epochProgress,
    position: position(r),
    examplesSeen: r.examplesSeen,
    examplesPerSecond,
    gradNorm: r.gradNorm,
    lr: r.lr,
    done: r.done,
    nonFinite: r.nonFinite,
    workers: workersInUse(),
    workersReason: workersReason(),
    workersLost: takeLoss() || undefined,
    // [position, loss, accuracy, …] of the pieces since the last report, for the curves.
    points: run.points,
    stats: run.watchStats ? run.stats : undefined,
  });
  run.pending = { steps: 0, loss: 0, accuracy: 0 };
  run.points = [];
  run.stats = [];
  run.lastPost = t;
}

/** Evaluates at most `max` test images and posts the result. */
export function evaluate(max) {
  const { engine } = session;
  const t0 = now();
  const ev = engine.evaluate(max);
  run.evalMs = now() - t0;
  run.lastEval = now();
  const confusion = own(Uint32Array, ev.confusion);
  const predictions = own(Uint8Array, ev.predictions);
  const confidences = own(Float32Array, ev.confidences);
  post(
    {
      type: Push.EVALUATION, runId: session.runId,
      loss: ev.loss, accuracy: ev.accuracy, n: ev.n,
      steps: run.last.steps, examplesSeen: run.last.examplesSeen, epoch: position(run.last),
      confusion, predictions, confidences,
    },
    [confusion.buffer, predictions.buffer, confidences.buffer],
  );
}

/** Posts the conv weights for the filter pictures, while the page watches them. */
export function postParams() {
  const { engine } = session;
  if (!run.watchParams || !engine) return;
  run.lastParams = now();
  // The layout is fixed for a run: read it once, not at every push.
  run.convLayout ??= engine.paramLayout().map((p, index) => ({ ...p, index })).filter((p) => p.shape.length === 4);
  const layout = run.convLayout;
  if (layout.length === 0) return;
  const tensors = layout.map((p) => ({ layer: p.layer, name: p.name, shape: p.shape, data: own(Float32Array, engine.paramTensor(p.index)) }));
  post({ type: Push.PARAMS, runId: session.runId, tensors }, tensors.map((t) => t.data.buffer));
}

function stop(status, message, extra = {}) {
  run.training = false;
  run.until = 0;
  run.speed.flush(); // a run shorter than a speed window still gets a speed
  post({ type: Push.STATUS, runId: session.runId, status, message, examplesPerSecond: run.speed.summary()?.perSecond ?? 0, ...extra });
}

function tick() {
  scheduled = false;
  const { engine } = session;
  if (!run.training || !engine || session.crashed) return;
  try {
    // The run's other workers are copying this one's state: the loop goes on when they are ready.
    if (!ready(engine, schedule)) return;
    const t0 = now();
    // A point of the curves is the mean of the steps between two multiples of pointEvery
    // (1/POINTS_PER_EPOCH of an epoch): a small network that trains an epoch in a few milliseconds
    // still draws a detailed curve, and the points do not depend on how fast the machine is (the
    // same run gives the same points, alone or in a sweep). A chunk may end inside a point's steps:
    // the point collects the engine's sums until its last step, so it is the number one call over
    // all of them would give.
    run.pointEvery ||= Math.max(1, Math.floor(engine.stepsPerEpoch() / POINTS_PER_EPOCH));
    let left = run.chunk;
    const start = run.last;
    let r = start;
    do {
      const before = r.steps;
      let piece = Math.min(left, run.pointEvery - (r.steps % run.pointEvery));
      if (run.until > 0) piece = Math.min(piece, run.until - r.steps);
      r = trainSteps(engine, piece);
      run.last = r; // kept current piece by piece, so an error in a later piece loses no step
      collectStats(engine);
      const did = r.steps - before;
      left -= Math.max(1, did);
      if (did > 0) {
        run.pending.steps += did;
        run.pending.loss += r.loss * did;
        run.pending.accuracy += r.accuracy * did;
        const p = run.point;
        p.lossSum += r.lossSum;
        p.batches += r.batches;
        p.correct += r.correct;
        p.seen += r.seen;
        if (r.steps % run.pointEvery === 0 || r.done || r.nonFinite || (run.until > 0 && r.steps >= run.until)) {
          const loss = Math.fround(p.lossSum / p.batches);
          if (Number.isFinite(loss)) run.points.push(position(r), loss, Math.fround(p.correct / p.seen));
          run.point = emptyPoint();
        }
      }
    } while (left > 0 && !r.done && !r.nonFinite && !(run.until > 0 && r.steps >= run.until));
    const dt = Math.max(0.1, now() - t0);
    run.speed.add(Math.max(0, r.examplesSeen - start.examplesSeen), dt);
    // Size the next chunk to about CHUNK_MS of work, growing at most 2× at a time.
    const ran = Math.max(1, r.steps - start.steps);
    run.chunk = Math.max(1, Math.min(run.chunk * 2, Math.round((CHUNK_MS * ran) / dt)));

    const epochEnded = r.epoch > run.lastEpoch;
    run.lastEpoch = r.epoch;
    const budgetSpent = run.until > 0 && r.steps >= run.until;
    report(r, r.done || r.nonFinite || epochEnded || budgetSpent);
    if (r.nonFinite) {
      stop('diverged', 'The loss became infinite or not a number.');
      return;
    }
    if (r.done) {
      evaluate(Math.max(EVAL_MAX, session.current?.nTest ?? 0));
      postParams();
      stop('done');
      return;
    }
    if (budgetSpent) {
      // The step budget of a sweep: the whole test split, as at the end of a run.
      evaluate(Math.max(EVAL_MAX, session.current?.nTest ?? 0));
      stop('paused', undefined, { budget: true });
      return;
    }
    // Every couple of seconds, and at an epoch's end unless that comes too often (small training
    // sets end an epoch every few batches): evaluating must not take over the training time.
    const interval = Math.max(EVAL_MS, run.evalMs / EVAL_SHARE);
    const sinceEval = now() - run.lastEval;
    if (sinceEval > interval || (epochEnded && sinceEval > Math.max(EVAL_EPOCH_MS, run.evalMs / EVAL_SHARE))) evaluate(EVAL_MAX);
    if (now() - run.lastParams > PARAMS_MS) postParams();
  } catch (err) {
    failInLoop(err);
    return;
  }
  schedule();
}

/** An error while training: a trap crashes the worker; anything else pauses the run with its message. */
export function failInLoop(err) {
  if (err instanceof WebAssembly.RuntimeError) {
    crash(err);
    return;
  }
  stop('paused', err instanceof Error ? err.message : String(err));
}

/** The instance trapped: it cannot be trusted any more. The client restarts this worker. */
export function crash(err) {
  session.crashed = true;
  run.training = false;
  post({ type: Push.CRASHED, message: err.message });
}

/** Starts training, for at most `until` steps in all if that is set (a sweep's budget). */
export function play(until) {
  if (run.training) return;
  run.training = true;
  run.until = Number.isInteger(until) && until > 0 ? until : 0;
  run.speed.reset(); // a pause is not training time, and the machine may have changed meanwhile
  run.lastPost = now();
  post({ type: Push.STATUS, runId: session.runId, status: 'training' });
  schedule();
}

export function pause() {
  if (run.training) {
    report(run.last, true);
    stop('paused');
  }
}

/** One training step, when not training; returns the engine's result (null while training). */
export function step() {
  if (run.training) return null;
  const r = session.engine.trainSteps(1);
  collectStats(session.engine);
  run.pending = { steps: 1, loss: r.loss, accuracy: r.accuracy };
  run.last = r;
  report(r, true);
  if (r.nonFinite) stop('diverged', 'The loss became infinite or not a number.');
  else if (r.done) stop('done');
  // Evaluate once the person stops stepping, not after every single step.
  clearTimeout(run.stepEvalTimer);
  const id = session.runId;
  run.stepEvalTimer = setTimeout(() => {
    if (id !== session.runId || run.training || !session.engine) return;
    try {
      evaluate(EVAL_MAX);
      postParams();
    } catch (err) {
      failInLoop(err);
    }
  }, 250);
  return r;
}
