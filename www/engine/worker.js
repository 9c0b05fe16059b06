//! The engine worker: owns the wasm Engine, answers the page's requests, and trains in a cooperative
//! loop that never blocks the page (run a frame's worth of batches, post a report, yield, repeat).
//!
//! This is the one place that knows the engine's JS API; if the engine's calls change, adapt here.
import { Request, Push, errorReply } from './protocol.js';
import { inflate, readIdx, pairFiles, sliceIdx } from './idx.js';
import { Throughput } from './throughput.js';

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt drop)): validates only where SIMD128 exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

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
const EVAL_MAX = 2000;
/** The training curves get at least this many points per epoch, however fast the network trains. */
const POINTS_PER_EPOCH = 50;
/** Conv weights are posted for the filter pictures at most this often. */
const PARAMS_MS = 300;

let wasm = null;
/** The wasm instance's exports (its memory, for STATS). */
let exports = null;
/** Engines alive in wasm memory: every one made is freed when it is replaced or not used. */
let liveEngines = 0;

function created(e) {
  liveEngines += 1;
  return e;
}

function free(e) {
  e.free();
  liveEngines -= 1;
}
/** @type {any} the Engine of the current run */
let engine = null;
let spec = null;
let runId = 0;
/** Data in use and data waiting for a build: { train: {images, labels}, test, shape, classes, count, nTest, splitSeed }. */
let current = null;
let staged = null;
let trainLimit = 0;
let crashed = false;
/** The model file the current network was loaded from (Reset goes back to it), or null for a build. */
let loadedModel = null;
/** Work to do right after the current request's reply is posted. */
const afterReply = [];

const run = {
  training: false,
  chunk: 1,
  last: null, // the latest trainSteps result
  pending: { steps: 0, loss: 0, accuracy: 0 }, // batches trained since the last report
  lastPost: 0,
  lastEval: 0,
  evalMs: 0,
  lastEpoch: 0,
  lastParams: 0,
  watchParams: true,
  convLayout: null, // the conv weights' entries of paramLayout(), read once per run
  stepEvalTimer: 0,
};

const now = () => performance.now();

async function loadEngine() {
  if (wasm) return wasm;
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new Error(
      'This browser does not support WebAssembly SIMD, which the engine needs. ' +
        'Use a current Chrome, Edge, Firefox or Safari (16.4 or newer).',
    );
  }
  const module = await import('../pkg/nn_playground.js');
  exports = await module.default();
  wasm = module;
  return wasm;
}

/** A typed array that owns its whole buffer (so it can be transferred), whatever the engine returned. */
function own(Type, value) {
  if (value instanceof Type && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
  return Type.from(value);
}

function post(msg, transfer = []) {
  self.postMessage(msg, transfer);
}

// Training speed, measured as the benchmark measures it (www/engine/throughput.js): the time of the
// trainSteps chunks only, in windows of at least half a second, the median of the last five.
const speed = new Throughput({ windowMs: 500, keep: 5 });

/** The engine's sums for the curve point being collected (see tick). */
function emptyPoint() {
  return { lossSum: 0, batches: 0, correct: 0, seen: 0 };
}

function emptyRun() {
  speed.reset();
  run.chunk = 1;
  run.last = { loss: NaN, accuracy: NaN, steps: 0, epoch: 0, epochProgress: 0, examplesSeen: 0, lr: spec?.optimizer?.lr ?? NaN, done: false, nonFinite: false };
  run.pending = { steps: 0, loss: 0, accuracy: 0 };
  run.points = [];
  run.pointEvery = 0;
  run.point = emptyPoint();
  run.until = 0; // PLAY's step budget (0: until the last epoch)
  run.lastEval = now();
  run.lastEpoch = 0;
  run.lastParams = 0;
  run.convLayout = null;
}

// ---------------------------------------------------------------------------------------------
// Data

const builtinCache = new Map();

async function fetchBytes(path) {
  const url = new URL(`../data/${path}`, import.meta.url);
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    // fetch rejects only when nothing came back at all: no network, or the server is gone.
    throw new Error(`${path} could not be downloaded: the server did not answer (${err.message}). Is this computer offline? The data in use stays.`);
  }
  if (!response.ok) throw new Error(`Could not load ${path} (${response.status} ${response.statusText}).`);
  return inflate(new Uint8Array(await response.arrayBuffer()), path);
}

async function loadBuiltin(source) {
  if (builtinCache.has(source.id)) return builtinCache.get(source.id);
  const [images, labels] = await Promise.all([fetchBytes(source.images), fetchBytes(source.labels)]);
  const pair = pairFiles([
    { name: source.images, bytes: images },
    { name: source.labels, bytes: labels },
  ]);
  const count = readIdx(images).count;
  const data = {
    train: pair.train, test: null, shape: pair.shape, classes: pair.classes, count,
    splitSeed: source.split?.seed ?? 0,
    nTest: source.split?.test ?? Math.round(count * 0.2),
    notes: pair.notes,
  };
  builtinCache.set(source.id, data);
  return data;
}

async function loadFiles(source) {
  const files = [];
  for (const f of source.files) files.push({ name: f.name, bytes: await inflate(new Uint8Array(f.bytes), f.name) });
  const pair = pairFiles(files);
  const count = readIdx(pair.train.images).count + (pair.test ? readIdx(pair.test.images).count : 0);
  return {
    train: pair.train, test: pair.test, shape: pair.shape, classes: pair.classes, count,
    splitSeed: 0,
    nTest: pair.test ? readIdx(pair.test.images).count : Math.max(1, Math.round(count * 0.2)),
    notes: pair.notes,
  };
}

function counts(d, limit) {
  const available = d.test ? readIdx(d.train.images).count : d.count - d.nTest;
  return { nTrain: limit > 0 ? Math.min(limit, available) : available, nTest: d.nTest, available };
}

function giveData(e, d, limit) {
  const { nTrain, nTest } = counts(d, limit);
  if (d.test) {
    const images = sliceIdx(d.train.images, nTrain);
    const labels = sliceIdx(d.train.labels, nTrain);
    e.setDataSplits(images, labels, d.test.images, d.test.labels);
  } else {
    if (d.count - d.nTest < 1) throw new Error(`The data holds ${d.count} examples, too few to keep ${d.nTest} for testing.`);
    e.setData(d.train.images, d.train.labels, d.splitSeed, nTrain, nTest);
  }
}

// ---------------------------------------------------------------------------------------------
// Building

function buildResult() {
  const d = current;
  const { nTrain, nTest } = counts(d, trainLimit);
  const sample = own(Uint8Array, engine.trainSample(Math.min(32, nTrain)));
  const testImages = own(Uint8Array, engine.testImages());
  const testLabels = own(Uint8Array, engine.testLabels());
  const value = {
    runId,
    summary: engine.summary(),
    layout: engine.paramLayout(),
    data: { nTrain, nTest: testLabels.length || nTest, shape: d.shape, classes: d.classes, sample, testImages, testLabels },
  };
  return { value, transfer: [sample.buffer, testImages.buffer, testLabels.buffer] };
}

function replaceEngine(next, nextSpec) {
  if (engine) {
    try {
      free(engine);
    } catch {
      // a freed or trapped instance: nothing left to release
    }
  }
  engine = next;
  spec = nextSpec;
  runId += 1;
  emptyRun();
}

function build(nextSpec, d, limit) {
  // An edit of the network keeps the data as the engine already holds it, parsed and split.
  const sameData = engine && d === current && limit === trainLimit;
  const next = created(sameData ? engine.withSameData(nextSpec) : new wasm.Engine(nextSpec));
  if (!sameData) {
    try {
      giveData(next, d, limit);
    } catch (err) {
      free(next);
      throw err;
    }
  }
  replaceEngine(next, nextSpec);
  current = d;
  trainLimit = limit;
  loadedModel = null;
  const result = buildResult();
  // Pushes of the new run must arrive after the reply that tells the page its runId.
  afterReply.push(() => {
    if (run.training) {
      post({ type: Push.STATUS, runId, status: 'training' });
      schedule();
    }
    postParams();
  });
  return result;
}

/**
 * A network from a model file, with its weights, optimizer state and progress, on data `d`. On
 * error nothing changes. The reply is a build's plus the loaded spec and where the saved run was.
 */
function loadModel(bytes, d, limit) {
  const next = created(wasm.Engine.load(bytes));
  let nextSpec;
  let progress;
  try {
    nextSpec = next.spec();
    try {
      giveData(next, d, limit);
    } catch (err) {
      throw new Error(`The model does not fit this data: ${err.message}`);
    }
    // Where the saved run was (no step is taken): steps, epoch, whether it is done.
    progress = next.trainSteps(0);
  } catch (err) {
    free(next);
    throw err;
  }
  run.training = false;
  replaceEngine(next, nextSpec);
  current = d;
  trainLimit = limit;
  loadedModel = bytes;
  run.last = progress;
  run.lastEpoch = progress.epoch;
  const result = buildResult();
  result.value.spec = nextSpec;
  result.value.progress = { ...progress, runId, position: position(progress), examplesPerSecond: 0 };
  afterReply.push(() => postParams());
  return result;
}

// ---------------------------------------------------------------------------------------------
// Training loop

const channel = new MessageChannel();
channel.port1.onmessage = () => tick();
let scheduled = false;

function schedule() {
  if (scheduled) return;
  scheduled = true;
  channel.port2.postMessage(null);
}

/** Where in the run a report is, in epochs (the engine reports progress 1 of the last epoch when done). */
function position(r) {
  return r.done ? r.epoch : r.epoch + r.epochProgress;
}

function report(r, force = false) {
  const p = run.pending;
  const t = now();
  if (!force && t - run.lastPost < REPORT_MS) return;
  // No batch since the last report: nothing to say (a pause right after play used to post a loss
  // of NaN, which the page took for a diverged run).
  if (p.steps === 0) return;
  const examplesPerSecond = speed.summary()?.perSecond ?? 0;
  post({
    type: Push.REPORT,
    runId,
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
    // [position, loss, accuracy, …] of the pieces since the last report, for the curves.
    points: run.points,
  });
  run.pending = { steps: 0, loss: 0, accuracy: 0 };
  run.points = [];
  run.lastPost = t;
}

function evaluate(max) {
  const t0 = now();
  const ev = engine.evaluate(max);
  run.evalMs = now() - t0;
  run.lastEval = now();
  const confusion = own(Uint32Array, ev.confusion);
  const predictions = own(Uint8Array, ev.predictions);
  const confidences = own(Float32Array, ev.confidences);
  post(
    {
      type: Push.EVALUATION, runId,
      loss: ev.loss, accuracy: ev.accuracy, n: ev.n,
      steps: run.last.steps, examplesSeen: run.last.examplesSeen, epoch: position(run.last),
      confusion, predictions, confidences,
    },
    [confusion.buffer, predictions.buffer, confidences.buffer],
  );
}

function postParams() {
  if (!run.watchParams || !engine) return;
  run.lastParams = now();
  // The layout is fixed for a run: read it once, not at every push.
  run.convLayout ??= engine.paramLayout().map((p, index) => ({ ...p, index })).filter((p) => p.shape.length === 4);
  const layout = run.convLayout;
  if (layout.length === 0) return;
  const tensors = layout.map((p) => ({ layer: p.layer, name: p.name, shape: p.shape, data: own(Float32Array, engine.paramTensor(p.index)) }));
  post({ type: Push.PARAMS, runId, tensors }, tensors.map((t) => t.data.buffer));
}

function stop(status, message, extra = {}) {
  run.training = false;
  run.until = 0;
  speed.flush(); // a run shorter than a speed window still gets a speed
  post({ type: Push.STATUS, runId, status, message, examplesPerSecond: speed.summary()?.perSecond ?? 0, ...extra });
}

function tick() {
  scheduled = false;
  if (!run.training || !engine || crashed) return;
  try {
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
      r = engine.trainSteps(piece);
      run.last = r; // kept current piece by piece, so an error in a later piece loses no step
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
    speed.add(Math.max(0, r.examplesSeen - start.examplesSeen), dt);
    // Size the next chunk to about CHUNK_MS of work, growing at most 2× at a time.
    const ran = Math.max(1, r.steps - start.steps);
    run.chunk = Math.max(1, Math.min(run.chunk * 2, Math.round((CHUNK_MS * ran) / dt)));

    const epochEnded = r.epoch > run.lastEpoch;
    run.lastEpoch = r.epoch;
    report(r, r.done || r.nonFinite || epochEnded);
    if (r.nonFinite) {
      stop('diverged', 'The loss became infinite or not a number.');
      return;
    }
    if (r.done) {
      evaluate(Math.max(EVAL_MAX, current?.nTest ?? 0));
      postParams();
      stop('done');
      return;
    }
    if (run.until > 0 && r.steps >= run.until) {
      // The step budget of a sweep: the whole test split, as at the end of a run.
      evaluate(Math.max(EVAL_MAX, current?.nTest ?? 0));
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

function failInLoop(err) {
  if (err instanceof WebAssembly.RuntimeError) {
    crash(err);
    return;
  }
  stop('paused', err instanceof Error ? err.message : String(err));
}

/** The instance trapped: it cannot be trusted any more. The client restarts this worker. */
function crash(err) {
  crashed = true;
  run.training = false;
  post({ type: Push.CRASHED, message: err.message });
}

function requireEngine() {
  if (!engine) throw new Error('The network is not built yet.');
  return engine;
}

// ---------------------------------------------------------------------------------------------
// Requests

const handlers = {
  async [Request.INIT]({ firstRunId = 0 } = {}) {
    // Run ids continue across a restarted worker, so the page never mistakes a new run for an old one.
    runId = Math.max(runId, firstRunId);
    const m = await loadEngine();
    return { version: m.engineVersion(), simd: m.simdEnabled(), build: 'simd128' };
  },

  [Request.VALIDATE]({ spec: s }) {
    return wasm.validateSpec(s);
  },

  async [Request.LOAD_DATA]({ source }) {
    const d = source.kind === 'builtin' ? await loadBuiltin(source) : await loadFiles(source);
    staged = d;
    const { nTrain, nTest } = counts(d, 0);
    return { shape: d.shape, classes: d.classes, count: d.count, separateTest: !!d.test, nTrain, nTest, files: d.notes };
  },

  [Request.BUILD]({ spec: s, data, trainLimit: limit = 0 }) {
    const d = data === 'staged' ? staged : current;
    if (!d) throw new Error('No data is loaded yet.');
    const result = build(s, d, limit);
    if (data === 'staged') staged = null;
    return result;
  },

  [Request.RESET]({ fresh = false } = {}) {
    if (!spec || !current) throw new Error('The network is not built yet.');
    return loadedModel && !fresh ? loadModel(loadedModel, current, trainLimit) : build(spec, current, trainLimit);
  },

  [Request.PLAY]({ until = 0 } = {}) {
    requireEngine();
    if (run.training) return null;
    run.training = true;
    run.until = Number.isInteger(until) && until > 0 ? until : 0;
    speed.reset(); // a pause is not training time, and the machine may have changed meanwhile
    run.lastPost = now();
    post({ type: Push.STATUS, runId, status: 'training' });
    schedule();
    return null;
  },

  [Request.PAUSE]() {
    if (run.training) {
      report(run.last, true);
      stop('paused');
    }
    return null;
  },

  [Request.STEP]() {
    const e = requireEngine();
    if (run.training) return null;
    const r = e.trainSteps(1);
    run.pending = { steps: 1, loss: r.loss, accuracy: r.accuracy };
    run.last = r;
    report(r, true);
    if (r.nonFinite) stop('diverged', 'The loss became infinite or not a number.');
    else if (r.done) stop('done');
    // Evaluate once the person stops stepping, not after every single step.
    clearTimeout(run.stepEvalTimer);
    const id = runId;
    run.stepEvalTimer = setTimeout(() => {
      if (id !== runId || run.training || !engine) return;
      try {
        evaluate(EVAL_MAX);
        postParams();
      } catch (err) {
        failInLoop(err);
      }
    }, 250);
    return r;
  },

  [Request.SET_LR]({ lr }) {
    requireEngine().setLearningRate(lr);
    if (spec) spec = { ...spec, optimizer: { ...spec.optimizer, lr } };
    return null;
  },

  [Request.SET_L2]({ l2 }) {
    requireEngine().setL2(l2);
    if (spec) spec = { ...spec, l2 };
    return null;
  },

  [Request.EVALUATE]({ max = EVAL_MAX }) {
    requireEngine();
    evaluate(max);
    return null;
  },

  [Request.PREDICT]({ image }) {
    const p = own(Float32Array, requireEngine().predict(image));
    return { value: p, transfer: [p.buffer] };
  },

  [Request.ACTIVATIONS]({ image }) {
    const maps = requireEngine().activations(image).map((a) => ({ label: a.label, dims: a.dims, data: own(Float32Array, a.data) }));
    return { value: maps, transfer: maps.map((m) => m.data.buffer) };
  },

  [Request.SAVE_MODEL]() {
    const bytes = own(Uint8Array, requireEngine().save());
    return { value: { bytes, steps: run.last.steps, runId }, transfer: [bytes.buffer] };
  },

  [Request.READ_MODEL]({ bytes }) {
    const e = created(wasm.Engine.load(new Uint8Array(bytes)));
    try {
      return { spec: e.spec(), totalParams: e.summary().totalParams };
    } finally {
      free(e);
    }
  },

  [Request.LOAD_MODEL]({ bytes, data, trainLimit: limit = 0 }) {
    const d = data === 'staged' ? staged : current;
    if (!d) throw new Error('No data is loaded yet.');
    const result = loadModel(new Uint8Array(bytes), d, limit);
    if (data === 'staged') staged = null;
    return result;
  },

  [Request.STATS]() {
    return { memoryBytes: exports?.memory?.buffer.byteLength ?? 0, engines: liveEngines };
  },

  [Request.WATCH_PARAMS]({ on }) {
    run.watchParams = !!on;
    if (on) postParams();
    return null;
  },
};

self.onmessage = async (event) => {
  const { type, id, ...payload } = event.data;
  const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
  try {
    if (!handler) throw new Error(`unknown request "${type}"`);
    if (crashed) throw new Error('The engine stopped after an internal error and is restarting.');
    if (type !== Request.INIT && !wasm) throw new Error('The engine is not loaded yet.');
    let result = await handler(payload);
    let transfer = [];
    if (result && typeof result === 'object' && 'transfer' in result && 'value' in result) ({ value: result, transfer } = result);
    post({ type: 'result', id, value: result }, transfer);
  } catch (err) {
    afterReply.length = 0;
    if (err instanceof WebAssembly.RuntimeError) crash(err);
    post({ type: 'error', id, ...errorReply(err) });
  }
  for (const fn of afterReply.splice(0)) {
    try {
      fn();
    } catch (err) {
      failInLoop(err);
    }
  }
};

post({ type: Push.READY });
