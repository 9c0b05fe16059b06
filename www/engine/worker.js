//! The engine worker's entry point: owns the wasm Engine, answers the page's requests (the handler
//! table below), and trains in a cooperative loop that never blocks the page (training-loop.js).
//!
//! The worker's modules: wasm-engine.js (loading the engine), worker-state.js (the shared state),
//! worker-data.js (the data), worker-build.js (a new run's engine), training-loop.js (training and
//! its pushes), worker-saliency.js (saliency maps), worker-slow-motion.js (one step traced), worker-weights.js (weight sizes), worker-post.js (posting). They are the one place that knows the engine's JS API; if
//! the engine's calls change, adapt there.
import { Request, Push, errorReply } from './protocol.js';
import { session, run, afterReply } from './worker-state.js';
import { wasm, loadEngine, engineLoaded, created, free, memoryStats } from './wasm-engine.js';
import { loadSource, counts } from './worker-data.js';
import { requireEngine, build, loadModel } from './worker-build.js';
import { EVAL_MAX, evaluate, postParams, play, pause, step, failInLoop, crash, watchStats } from './training-loop.js';
import { post, own } from './worker-post.js';
import { saliency } from './worker-saliency.js';
import { traceStep } from './worker-slow-motion.js';
import { weights } from './worker-weights.js';
import { setWorkers, describe, markStale, injectFault } from './team.js';

/** Requests that leave the engine's state as it is, so the run's other workers keep their copies. */
const KEEPS_STATE = new Set([
  Request.INIT, Request.VALIDATE, Request.LOAD_DATA, Request.PLAY, Request.PAUSE, Request.EVALUATE, Request.PREDICT,
  Request.ACTIVATIONS, Request.WATCH_PARAMS, Request.WATCH_STATS, Request.SAVE_MODEL, Request.EXPORT_MODEL, Request.READ_MODEL,
  Request.STATS, Request.SET_WORKERS, Request.INJECT_FAULT, Request.SALIENCY, Request.TRACE_STEP, Request.WEIGHTS,
]);

const handlers = {
  async [Request.INIT]({ firstRunId = 0 } = {}) {
    // Run ids continue across a restarted worker, so the page never mistakes a new run for an old one.
    session.runId = Math.max(session.runId, firstRunId);
    const m = await loadEngine();
    return { version: m.engineVersion(), simd: m.simdEnabled(), build: 'simd128' };
  },

  [Request.VALIDATE]({ spec: s }) {
    return wasm.validateSpec(s);
  },

  async [Request.LOAD_DATA]({ source }) {
    const d = await loadSource(source);
    session.staged = d;
    const { nTrain, nTest } = counts(d, 0);
    return { shape: d.shape, classes: d.classes, count: d.count, separateTest: !!d.test, nTrain, nTest, files: d.notes };
  },

  [Request.BUILD]({ spec: s, data, trainLimit: limit = 0 }) {
    const d = data === 'staged' ? session.staged : session.current;
    if (!d) throw new Error('No data is loaded yet.');
    const result = build(s, d, limit);
    if (data === 'staged') session.staged = null;
    return result;
  },

  [Request.RESET]({ fresh = false } = {}) {
    const { spec, current, trainLimit, loadedModel } = session;
    if (!spec || !current) throw new Error('The network is not built yet.');
    return loadedModel && !fresh ? loadModel(loadedModel, current, trainLimit) : build(spec, current, trainLimit);
  },

  [Request.PLAY]({ until = 0 } = {}) {
    requireEngine();
    play(until);
    return null;
  },

  [Request.PAUSE]() {
    pause();
    return null;
  },

  [Request.STEP]() {
    requireEngine();
    return step();
  },

  [Request.SET_LR]({ lr }) {
    requireEngine().setLearningRate(lr);
    if (session.spec) session.spec = { ...session.spec, optimizer: { ...session.spec.optimizer, lr } };
    return null;
  },

  [Request.SET_EPOCHS]({ epochs }) {
    const done = requireEngine().setEpochs(epochs);
    if (session.spec) session.spec = { ...session.spec, epochs };
    run.last = { ...run.last, done };
    return { done };
  },

  [Request.SET_L2]({ l2 }) {
    requireEngine().setL2(l2);
    if (session.spec) session.spec = { ...session.spec, l2 };
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

  [Request.SALIENCY]: saliency,

  [Request.TRACE_STEP]: traceStep,

  [Request.WEIGHTS]: weights,

  [Request.SAVE_MODEL]() {
    const bytes = own(Uint8Array, requireEngine().save());
    return { value: { bytes, steps: run.last.steps, runId: session.runId }, transfer: [bytes.buffer] };
  },

  [Request.EXPORT_MODEL]() {
    const e = requireEngine();
    const d = session.current;
    const values = own(Float32Array, e.paramValues());
    const state = own(Float32Array, e.layerState());
    const { nTrain, nTest } = counts(d, session.trainLimit);
    const data = { name: d.id, nTrain, nTest, splitSeed: d.splitSeed, separateTest: !!d.test, files: d.id === 'custom' ? d.names : null };
    return { value: { spec: e.spec(), summary: e.summary(), layout: e.paramLayout(), values, state, data }, transfer: [values.buffer, state.buffer] };
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
    const d = data === 'staged' ? session.staged : session.current;
    if (!d) throw new Error('No data is loaded yet.');
    const result = loadModel(new Uint8Array(bytes), d, limit);
    if (data === 'staged') session.staged = null;
    return result;
  },

  [Request.STATS]() {
    return { ...memoryStats(), runId: session.runId, training: run.training, steps: run.last.steps, workers: describe() };
  },

  [Request.SET_WORKERS]({ count }) {
    return setWorkers(count);
  },

  [Request.INJECT_FAULT]({ worker, atSync = false }) {
    injectFault(worker, atSync);
    return null;
  },

  [Request.WATCH_STATS]({ on }) {
    watchStats(!!on);
    return null;
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
    if (session.crashed) throw new Error('The engine stopped after an internal error and is restarting.');
    // A request sent right after INIT (the page does not always wait for its reply) waits for the
    // engine INIT is loading; one before any INIT fails.
    if (type !== Request.INIT && !wasm && !(await engineLoaded())) throw new Error('The engine is not loaded yet.');
    if (!KEEPS_STATE.has(type)) markStale();
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
