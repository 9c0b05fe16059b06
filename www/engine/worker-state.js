//! The worker's shared state, all of it here: the engine of the current run and what it was made
//! from (`session`), and where the run's training is (`run`). worker-build.js replaces the engine and
//! the data; training-loop.js moves the run on; worker.js's request handlers read both.
import { Throughput } from './throughput.js';

export const session = {
  /** @type {any} the Engine of the current run */
  engine: null,
  spec: null,
  /** Counts the runs (every build, reset and loaded model is a new one); pushes carry it. */
  runId: 0,
  /** Data in use and data waiting for a build: { train: {images, labels}, test, shape, classes, count, nTest, splitSeed }. */
  current: null,
  staged: null,
  trainLimit: 0,
  /** The instance trapped: no request is answered until the client restarts the worker. */
  crashed: false,
  /** The model file the current network was loaded from (Reset goes back to it), or null for a build. */
  loadedModel: null,
};

export const run = {
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
  watchStats: false,
  stats: [], // statistics taken since the last report
  convLayout: null, // the conv weights' entries of paramLayout(), read once per run
  stepEvalTimer: 0,
  // Training speed, measured as the benchmark measures it (www/engine/throughput.js): the time of the
  // trainSteps chunks only, in windows of at least half a second, the median of the last five.
  speed: new Throughput({ windowMs: 500, keep: 5 }),
};

/** Work to do right after the current request's reply is posted. */
export const afterReply = [];
