//! The page's handle on the engine worker: one method per request, each returning a promise.
//! Views reach the worker only through this module.
//!
//! If the wasm instance traps (a bug in the engine), or the worker throws an uncaught error after the
//! engine has loaded, this client starts a fresh worker; listeners get a `{ type: 'restarted' }` push
//! and set it up again.
//!
//! `createWorker(url)` starts the worker from the module's URL; the default is a module Worker of that
//! URL. A page whose scripts come from another origin passes its own (the element: a same-origin blob
//! that imports the module), because browsers start workers only from the page's origin.
import { Request, Push, engineError } from './protocol.js';

/** The worker module every client starts. */
export const WORKER_URL = new URL('./worker.js', import.meta.url);

const moduleWorker = (url) => new Worker(url, { type: 'module' });

export class EngineClient {
  /** @param {{ createWorker?: (url: URL) => Worker }} [options] */
  constructor({ createWorker = moduleWorker } = {}) {
    this.createWorker = createWorker;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.start();
  }

  start() {
    this.initialized = false;
    this.worker = this.createWorker(WORKER_URL);
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      // After the engine has loaded, an uncaught error in the worker is a bug like a trap: a fresh
      // worker takes over. Before that (the script or the module cannot load) a new one would fail
      // the same way, so the page says why and stops.
      if (this.initialized) {
        this.restart(event.message || 'an uncaught error in the engine worker');
        return;
      }
      const error = new Error(`The engine worker failed: ${event.message || 'unknown error'}`);
      this.failAll(error);
      this.emit({ type: Push.FATAL, message: error.message });
    };
  }

  receive(msg) {
    if (msg.id !== undefined && this.pending.has(msg.id)) {
      const { resolve, reject } = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'error') reject(engineError(msg));
      else resolve(msg.value);
      return;
    }
    if (msg.type === Push.CRASHED) {
      this.restart(msg.message);
      return;
    }
    this.emit(msg);
  }

  emit(msg) {
    for (const listener of this.listeners) listener(msg);
  }

  restart(reason) {
    this.worker.terminate();
    this.failAll(new Error(`The engine stopped after an internal error (${reason}) and was restarted.`));
    this.start();
    this.emit({ type: 'restarted', message: reason });
  }

  failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /** Subscribes to messages the worker pushes (reports, evaluations, status). Returns an unsubscribe function. */
  onPush(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(type, payload = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type, id, ...payload }, transfer);
    });
  }

  /**
   * @param {number} [firstRunId]  runs of this worker get ids above it (after a restart: the last id seen)
   * @returns {Promise<import('./protocol.js').EngineInfo>}
   */
  init(firstRunId = 0) {
    return this.request(Request.INIT, { firstRunId }).then((info) => {
      this.initialized = true;
      return info;
    });
  }

  /** @returns {Promise<import('./protocol.js').Summary>} rejects with the engine's message */
  validate(spec) {
    return this.request(Request.VALIDATE, { spec });
  }

  /**
   * @param {import('./protocol.js').DataSource} source  file bytes are transferred (the caller's copies become empty)
   * @returns {Promise<import('./protocol.js').DataInfo>}
   */
  loadData(source) {
    const transfer = source.kind === 'files' ? source.files.map((f) => f.bytes) : [];
    return this.request(Request.LOAD_DATA, { source }, transfer);
  }

  /** @returns {Promise<import('./protocol.js').BuildResult>} */
  build(spec, { data = 'current', trainLimit = 0 } = {}) {
    return this.request(Request.BUILD, { spec, data, trainLimit });
  }

  /**
   * @param {{ fresh?: boolean }} [options]  fresh: the seed's initial weights even for a loaded model
   * @returns {Promise<import('./protocol.js').BuildResult>}
   */
  reset({ fresh = false } = {}) {
    return this.request(Request.RESET, { fresh });
  }

  /** @param {{ until?: number }} [options]  until: stop (paused, `budget: true`) once this many steps are trained */
  play({ until = 0 } = {}) {
    return this.request(Request.PLAY, { until });
  }

  pause() {
    return this.request(Request.PAUSE);
  }

  /** @returns {Promise<import('./protocol.js').TrainReport>} */
  step() {
    return this.request(Request.STEP);
  }

  setLearningRate(lr) {
    return this.request(Request.SET_LR, { lr });
  }

  setL2(l2) {
    return this.request(Request.SET_L2, { l2 });
  }

  /** @returns {Promise<{ done: boolean }>} */
  setEpochs(epochs) {
    return this.request(Request.SET_EPOCHS, { epochs });
  }

  evaluate(max) {
    return this.request(Request.EVALUATE, { max });
  }

  /** @param {Float32Array} image  c·h·w values in 0..1 (copied) @returns {Promise<Float32Array>} */
  predict(image) {
    const copy = image.slice();
    return this.request(Request.PREDICT, { image: copy }, [copy.buffer]);
  }

  /** @returns {Promise<import('./protocol.js').Activation[]>} */
  activations(image) {
    const copy = image.slice();
    return this.request(Request.ACTIVATIONS, { image: copy }, [copy.buffer]);
  }

  /**
   * @param {Float32Array} image  c·h·w values in 0..1 (copied)
   * @param {number} cls  the class whose score to follow, or −1 for the predicted one
   * @returns {Promise<import('./protocol.js').Saliency>}
   */
  saliency(image, cls = -1) {
    const copy = image.slice();
    return this.request(Request.SALIENCY, { image: copy, class: cls }, [copy.buffer]);
  }

  /**
   * @param {Float32Array} image  c·h·w values in 0..1 (copied)
   * @param {number} label  the image's true class
   * @param {number} [weight]  which weight's update to follow (−1: the engine picks)
   * @returns {Promise<import('./protocol.js').StepTrace>}
   */
  traceStep(image, label, weight = -1) {
    const copy = image.slice();
    return this.request(Request.TRACE_STEP, { image: copy, label, weight }, [copy.buffer]);
  }

  /**
   * @param {number} [full]  the spec layer whose weights to send in full (its index in the spec's layers; −1: none)
   * @returns {Promise<import('./protocol.js').WeightSizes>}
   */
  weights(full = -1) {
    return this.request(Request.WEIGHTS, { full });
  }

  watchParams(on) {
    return this.request(Request.WATCH_PARAMS, { on });
  }

  /** Per-layer statistics with the reports (Request.WATCH_STATS) or not. */
  watchStats(on) {
    return this.request(Request.WATCH_STATS, { on });
  }

  /** @returns {Promise<import('./protocol.js').SavedModel>} */
  saveModel() {
    return this.request(Request.SAVE_MODEL);
  }

  /** The current network as the exports take it (see Request.EXPORT_MODEL). */
  exportModel() {
    return this.request(Request.EXPORT_MODEL);
  }

  /**
   * @param {ArrayBuffer} bytes  a saved model (copied, so the caller keeps its own)
   * @returns {Promise<import('./protocol.js').ModelInfo>} rejects with the engine's message
   */
  readModel(bytes) {
    const copy = bytes.slice(0);
    return this.request(Request.READ_MODEL, { bytes: copy }, [copy]);
  }

  /**
   * @param {ArrayBuffer} bytes  a saved model (copied)
   * @returns {Promise<import('./protocol.js').BuildResult>}
   */
  loadModel(bytes, { data = 'current', trainLimit = 0 } = {}) {
    const copy = bytes.slice(0);
    return this.request(Request.LOAD_MODEL, { bytes: copy, data, trainLimit }, [copy]);
  }

  /** @returns {Promise<{ memoryBytes: number, engines: number }>} */
  /**
   * How many workers one run trains on (the same numbers on any count).
   * @returns {Promise<import('./protocol.js').Workers>}
   */
  setWorkers(count) {
    return this.request(Request.SET_WORKERS, { count });
  }

  stats() {
    return this.request(Request.STATS);
  }

  terminate() {
    this.worker.terminate();
    this.failAll(new Error('The engine was stopped.'));
  }
}
