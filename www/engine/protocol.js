//! The messages between the page and the engine worker, declared in one place.
//!
//! Every request is { type, id, ...payload } and gets exactly one reply with the same id:
//! { type: 'result', id, value } or { type: 'error', id, message, code?, problems? } (see errorReply). The worker also pushes
//! unsolicited messages (no id): training reports, evaluations, weights, status changes.
//! Typed arrays cross as transferred buffers, never as clones.
//!
//! A run has an id (`runId`), new at every build or reset; pushes carry it, so the page can drop
//! a report that was already in flight from the network it just replaced.

/** Requests the page sends. */
export const Request = Object.freeze({
  /** Load the wasm module: { firstRunId } (run ids continue above it). Reply: {@link EngineInfo}. */
  INIT: 'init',
  /**
   * Check a spec without building it: { spec }. Reply: { summary: {@link Summary}|null, problems: {@link Problem}[] },
   * the summary whenever the layers fit together; error only for a spec that cannot be read.
   */
  VALIDATE: 'validate',
  /**
   * Fetch or receive IDX files, inflate them, read their headers and keep them aside ("staged"),
   * changing nothing yet: { source: {@link DataSource} }. Reply: {@link DataInfo}.
   */
  LOAD_DATA: 'loadData',
  /**
   * Build a new engine for { spec, data: 'staged' | 'current', trainLimit } and give it the data.
   * On success the staged data becomes current; on failure nothing changes.
   * Training keeps going if it was going. Reply: {@link BuildResult}.
   */
  BUILD: 'build',
  /**
   * Start the run again: { fresh }: the current spec with the same seed (the same initial weights),
   * or, for a loaded model and not `fresh`, the model as it was loaded. Reply: {@link BuildResult} (a loaded model's as LOAD_MODEL's).
   */
  RESET: 'reset',
  /**
   * Start the cooperative training loop: { until } (0: to the last epoch; else stop, paused with
   * `budget: true`, after evaluating the whole test split, once that many steps are trained). Reply: null.
   */
  PLAY: 'play',
  /** Stop after the current chunk of steps. Reply: null. */
  PAUSE: 'pause',
  /** Train exactly one batch (when paused). Reply: {@link TrainReport}. */
  STEP: 'step',
  /** Change the learning rate, also while training: { lr }. Reply: null. */
  SET_LR: 'setLearningRate',
  /** Change L2, also while training: { l2 }. Reply: null. */
  SET_L2: 'setL2',
  /** Change how many epochs the run lasts, also when it is done: { epochs }. Reply: { done } at the new length. */
  SET_EPOCHS: 'setEpochs',
  /** Evaluate the test split now: { max }. Reply: {@link Evaluation} (also pushed). */
  EVALUATE: 'evaluate',
  /** Class probabilities of one image: { image: Float32Array(c·h·w, 0..1) }. Reply: Float32Array. */
  PREDICT: 'predict',
  /** Every layer's output for one image: { image }. Reply: {@link Activation}[]. */
  ACTIVATIONS: 'activations',
  /**
   * What one image's class score is sensitive to: { image, class } (class −1: the predicted one).
   * Reply: {@link Saliency}. Training state is left as it was.
   */
  SALIENCY: 'saliency',
  /**
   * One training step on one image alone, in slow motion: { image, label, weight } (weight: the index
   * into paramValues() of the weight whose update to show, or −1 for the one with the largest gradient
   * in the last layer). Reply: {@link StepTrace}. The run is left as it was.
   */
  TRACE_STEP: 'traceStep',
  /** Push conv weights while training (for the filter pictures): { on }. Reply: null. */
  WATCH_PARAMS: 'watchParams',
  /**
   * Take per-layer statistics every STATS_EVERY steps and send them with the reports (`stats`), while
   * a view shows them: { on }. Reply: null.
   */
  WATCH_STATS: 'watchStats',
  /**
   * How large each layer's weights are now, and one layer's weights in full: { full } (a layer's index in
   * the spec's layers, its summary `specIndex`; −1 for none). Reply: {@link WeightSizes}. Training state is left as it was.
   */
  WEIGHTS: 'weights',
  /**
   * The current network as the engine's versioned binary (spec, parameters, optimizer state), also
   * while training. Reply: {@link SavedModel}, its bytes transferred.
   */
  SAVE_MODEL: 'saveModel',
  /**
   * The current network for the exports (www/export/), also while training: { spec, summary, layout,
   * values and state (batch norm's running statistics; Float32Arrays, transferred), data: { name, nTrain, nTest, splitSeed, separateTest, files } }.
   */
  EXPORT_MODEL: 'exportModel',
  /**
   * Read a saved model without using it: { bytes: ArrayBuffer } (transferred). Reply: {@link ModelInfo};
   * error: the engine's message (not a model file, truncated, another format version).
   */
  READ_MODEL: 'readModel',
  /**
   * Use a saved model: { bytes: ArrayBuffer (transferred), data: 'staged' | 'current', trainLimit }.
   * Its network gets that data and replaces the current one; training stops. On failure nothing
   * changes. Reply: {@link BuildResult} with `spec` and `progress` ({@link TrainReport} of the saved
   * position, loss NaN).
   */
  LOAD_MODEL: 'loadModel',
  /**
   * How much the engine holds and where its run is: { memoryBytes (the wasm memory), engines (alive,
   * 1 once built), runId, training, steps }. Its reply comes after every push sent before it.
   */
  STATS: 'stats',
  /**
   * How many workers one run trains on, this one included: { count } (1…32). The numbers are the
   * same bits on any number. Reply: {@link Workers}.
   */
  SET_WORKERS: 'setWorkers',
  /** For the tests: worker number { worker } (2 = the first helper) fails at its next shard. Reply: null. */
  INJECT_FAULT: 'injectFault',
});

/** Messages the worker pushes on its own. */
export const Push = Object.freeze({
  /** The worker's script has loaded and accepts requests. */
  READY: 'ready',
  /** The worker cannot work (no WebAssembly SIMD, failed download): { message }. */
  FATAL: 'fatal',
  /** The wasm instance trapped (a bug): { message }. The client restarts the worker. */
  CRASHED: 'crashed',
  /** Progress of training, at most ~20 per second: {@link TrainReport}. */
  REPORT: 'report',
  /** The test split's metrics, every ~2 s while training and at each epoch's end: {@link Evaluation}. */
  EVALUATION: 'evaluation',
  /** Conv weights for the filter pictures: {@link ParamsPush}. */
  PARAMS: 'params',
  /** The loop started or stopped: {@link StatusPush}. */
  STATUS: 'status',
});

/**
 * @typedef {object} Workers
 * @property {number} wanted   the workers asked for
 * @property {number} workers  the workers the next steps use
 * @property {string} reason   why fewer than wanted ('' when as many)
 */

/**
 * @typedef {object} StepTrace
 * @property {number} label            the image's true class
 * @property {number} loss             −ln probabilities[label]
 * @property {Float32Array} probabilities
 * @property {{ label: string, dims: {c: number, h: number, w: number}, output: Float32Array, gradient: Float32Array }[]} layers
 *   the input, then each layer: its output for the image and ∂loss/∂output
 * @property {{ layer: number, name: string, offset: number, len: number, norm: number }[]} params
 *   every parameter tensor, with the norm of its gradient
 * @property {number} weight           the index of the weight `update` follows
 * @property {{ name: string, theta: number, gradient: number, l2: number, lr: number, step: number,
 *   stateNames: string[], before: Float32Array, after: Float32Array, thetaAfter: number,
 *   optimizer: object }} update       that weight's update by the optimizer's own rule and state
 */

/**
 * @typedef {object} Saliency
 * @property {number} class            the class whose score (logit) was differentiated
 * @property {number} predicted        the class the network predicts for the image
 * @property {Float32Array} probabilities
 * @property {Float32Array} gradient   ∂ score / ∂ input value, c·h·w values (NCHW)
 */

/**
 * @typedef {object} WeightSizes
 * @property {number} runId
 * @property {{ layer: number, shape: number[], meanAbs: number, norms: Float32Array }[]} layers  one per
 *   layer with weights (not biases): `layer` is the spec layer's index (the summary's `specIndex`); mean |w| over the tensor; the
 *   L2 norm of each filter (conv) or unit (dense), its first axis
 * @property {{ layer: number, shape: number[], data: Float32Array } | null} tensor  the asked layer's weights
 */

/**
 * @typedef {object} EngineInfo
 * @property {string} version   the engine crate's version
 * @property {boolean} simd     the loaded module was compiled with SIMD128
 * @property {string} build     which module was loaded ("simd128")
 */

/**
 * @typedef {{ kind: 'builtin', id: string, images: string, labels: string, split: { seed: number, train: number, test: number } }
 *   | { kind: 'files', files: { name: string, bytes: ArrayBuffer }[] }} DataSource
 * Builtin paths are relative to www/data/. Files may be gzipped (detected by their first bytes).
 */

/**
 * @typedef {object} DataInfo
 * @property {number[]} shape       [c, h, w] of one image
 * @property {number} classes       largest label + 1
 * @property {number} count         images in all files
 * @property {boolean} separateTest a test pair was given (no split)
 * @property {number} nTrain        training images available
 * @property {number} nTest         test images
 * @property {string[]} files       how each file was understood, for the page to show
 */

/** @typedef {{ c: number, h: number, w: number }} Dims */

/**
 * @typedef {object} Summary
 * @property {Dims} input
 * @property {number} classes
 * @property {{ specIndex: number, op: object, inDims: Dims, outDims: Dims, params: number, flops: number, implicit: boolean }[]} layers
 * @property {number} totalParams
 * @property {number} forwardFlops
 * @property {number} trainingFlops
 * @property {number} memoryBytes
 */

/**
 * @typedef {object} BuildResult
 * @property {number} runId
 * @property {Summary} summary
 * @property {{ name: string, layer: number, offset: number, len: number, shape: number[], decay: boolean }[]} layout
 * @property {{ nTrain: number, nTest: number, shape: number[], classes: number, sample: Uint8Array, testImages: Uint8Array, testLabels: Uint8Array }} data
 * @property {object} [spec]          LOAD_MODEL only: the loaded spec
 * @property {TrainReport} [progress] LOAD_MODEL only: where the saved run was
 */

/**
 * @typedef {object} SavedModel
 * @property {Uint8Array} bytes   the engine's save() output
 * @property {number} steps       training steps the network has taken
 * @property {number} runId
 */

/**
 * @typedef {object} ModelInfo
 * @property {object} spec        the saved spec, every default filled in (the engine's spec())
 * @property {number} totalParams
 */

/**
 * @typedef {object} TrainReport
 * @property {number} runId
 * @property {number} loss            mean over the batches since the previous report
 * @property {number} accuracy        mean training accuracy over those batches (0..1)
 * @property {number} steps           batches trained since the start of the run
 * @property {number} epoch           completed epochs
 * @property {number} epochProgress   0..1 within the current epoch
 * @property {number} position        epochs trained, as a fraction (the charts' x)
 * @property {number} gradNorm        global gradient norm of the last step
 * @property {number} examplesSeen
 * @property {number} examplesPerSecond
 * @property {number} lr              the learning rate in effect (after the schedule)
 * @property {boolean} done           all epochs ran
 * @property {boolean} nonFinite      the loss became NaN or infinite; training stopped
 * @property {number[]} [points]      the curves' points since the previous report, flat
 *   [position, loss, accuracy, …]: one per piece of steps ending at a multiple of 1/50 epoch, so the
 *   same run gives the same points on any machine (empty after a Step)
 * @property {number} workers         workers that trained these batches
 * @property {string} workersReason   why fewer than asked for ('' when as many)
 * @property {string} [workersLost]   a worker failed and the run went on with fewer (its message)
 * @property {StepStats[]} [stats]    per-layer statistics of the steps since the previous report
 *   (every STATS_EVERY-th step, counted from the run's start), while the page watches them
 */

/**
 * One step's per-layer statistics (src/stats.rs).
 * @typedef {object} StepStats
 * @property {number} step   steps trained, this one included
 * @property {number} position  where that is in epochs, the same number as a report's `position` at that step
 * @property {number} loss   mean training loss of the steps since the previous statistics
 * @property {LayerStats[]} layers  each layer with parameters, in order
 */

/**
 * @typedef {object} LayerStats
 * @property {number} layer          index in the spec's layers
 * @property {string} label          "1 dense"
 * @property {number} gradNorm       ‖∂L/∂W‖₂ of the weights (after clipping, before L2)
 * @property {number} updateRatio    ‖ΔW‖₂ / ‖W‖₂ of the step's update
 * @property {number|null} dead      share of the ReLUs after it never active on the batch (null: no ReLU)
 * @property {number[]} weights      nine quantiles ({@link QUANTILES}) of the weights
 * @property {number[]} activations  nine quantiles of the layer's output on the batch
 */

/** The statistics' steps: every this many, counted from the start of the run (so the same on any machine). */
export const STATS_EVERY = 25;

/** The quantiles of a distribution in {@link LayerStats}: TensorBoard's (a normal's at 0, ±0.5σ, ±σ, ±1.5σ, ±∞). */
export const QUANTILES = Object.freeze([0, 0.0668, 0.1587, 0.3085, 0.5, 0.6915, 0.8413, 0.9332, 1]);

/**
 * @typedef {object} Evaluation
 * @property {number} runId
 * @property {number} loss
 * @property {number} accuracy
 * @property {number} n               test images evaluated (the first n of the test split)
 * @property {number} steps           training steps when it was taken
 * @property {number} examplesSeen
 * @property {number} epoch           epochs trained when it was taken (fraction)
 * @property {Uint32Array} confusion  classes² counts, row = true class, column = predicted
 * @property {Uint8Array} predictions
 * @property {Float32Array} confidences  n·classes probabilities
 */

/**
 * @typedef {object} Activation
 * @property {string} label
 * @property {Dims} dims
 * @property {Float32Array} data
 */

/**
 * @typedef {object} ParamsPush
 * @property {number} runId
 * @property {{ layer: number, name: string, shape: number[], data: Float32Array }[]} tensors  conv weights [f, c, kh, kw]
 */

/**
 * @typedef {object} StatusPush
 * @property {number} runId
 * @property {'training'|'paused'|'done'|'diverged'} status
 * @property {string} [message]
 * @property {number} [examplesPerSecond]  when it stops: the run's speed so far (0 if none yet)
 * @property {boolean} [budget]  paused because PLAY's step budget was reached
 */

/**
 * One thing wrong with a spec, as the engine reports it (src/error.rs).
 * @typedef {object} Problem
 * @property {string} code         what kind of problem ("kernel_too_large"), stable across rewordings
 * @property {number|null} layer   the layer's index in the spec's layers
 * @property {string|null} field   the spec field to change ("filters", "optimizer.lr"; "layers": the network as a whole)
 * @property {string} message      the whole sentence, hint included
 * @property {string|null} hint    what to do, when there is a usual fix
 */

/** An error as the worker replies with it: the message, and the engine's kind and problems when it has them. */
export function errorReply(err) {
  if (!(err instanceof Error)) return { message: String(err) };
  const reply = { message: err.message };
  if (typeof err.code === 'string') reply.code = err.code;
  if (Array.isArray(err.problems)) reply.problems = err.problems;
  return reply;
}

/** The Error a request rejects with, carrying the reply's `code` and `problems`. */
export function engineError({ message, code, problems }) {
  const err = new Error(message);
  if (code) err.code = code;
  if (problems) err.problems = problems;
  return err;
}
