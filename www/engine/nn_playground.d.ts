// Types of the engine's JavaScript API: the ES module pkg/nn_playground.js that `./dev build` makes
// from src/wasm.rs (README, "The engine's JavaScript API"). The generated pkg/nn_playground.d.ts
// types its results as `any`; this file says what they hold. In the npm package it is also
// pkg/nn_playground.d.ts, so an import of the engine's module is typed:
//
//   import init, { Engine, validateSpec } from 'nn-playground/pkg/nn_playground.js';
//
// Every error the engine throws is an `Error` that is also an {@link EngineError}.

// Engine has [Symbol.dispose] (for `using`), which the compiler knows from this library on (TypeScript 5.2):
// a project whose `lib` stops at ES2022 can use these declarations as they are.
/// <reference lib="esnext.disposable" />

/** Loads the WebAssembly module (by default nn_playground_bg.wasm next to the JavaScript). Call once, first. */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;
/** Loads the module from bytes or a compiled module, at once. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** The engine crate's version, such as "0.1.0". */
export function engineVersion(): string;
/** Whether this module was compiled with WebAssembly SIMD128. */
export function simdEnabled(): boolean;
/** Checks a spec without building it. Throws (an {@link EngineError}) only for a spec that cannot be read at all. */
export function validateSpec(spec: ModelSpec): Validation;
/** What an IDX file holds, read by the engine's parser; an error (code "data") names the file `name`. */
export function idxInfo(bytes: Uint8Array | number[], name: string): IdxInfo;

/** A model being trained: the network, its optimizer and its data. */
export class Engine {
  /** Validates the spec and builds the network, its weights drawn from `spec.seed`. */
  constructor(spec: ModelSpec);
  /** Rebuilds an engine from {@link Engine.save}'s bytes (spec, weights, optimizer state, position in the data). */
  static load(bytes: Uint8Array | number[]): Engine;
  /** Frees the engine's memory in the WebAssembly instance; the object is unusable after. */
  free(): void;
  [Symbol.dispose](): void;

  /** Shapes, parameter counts and costs of the built network. */
  summary(): Summary;
  /** The spec the engine was built from, with every default filled in. */
  spec(): ModelSpec;
  /** One IDX images/labels pair (uncompressed bytes), split by a seeded shuffle. On error nothing changes. */
  setData(imagesIdx: Uint8Array | number[], labelsIdx: Uint8Array | number[], splitSeed: number, nTrain: number, nTest: number): void;
  /** Separate training and test IDX pairs (a person's own files). On error nothing changes. */
  setDataSplits(
    trainImages: Uint8Array | number[], trainLabels: Uint8Array | number[],
    testImages: Uint8Array | number[], testLabels: Uint8Array | number[],
  ): void;
  /** Takes `other`'s data, already parsed and split; `other` is left without any. If it does not fit, nothing moves. */
  takeDataFrom(other: Engine): void;
  /** Runs up to `n` batches; stops early at the end of the run or on a non-finite loss. */
  trainSteps(n: number): TrainSteps;
  /** Loss, accuracy, confusion matrix and per-example predictions on the first `max` test examples. */
  evaluate(max: number): Evaluation;
  /** Class probabilities of one image (c·h·w values in 0..1). */
  predict(image: Float32Array | number[]): Float32Array;
  /** One image through the network: the input and every layer's output. */
  activations(image: Float32Array | number[]): Activation[];
  /**
   * The gradient of class `cls`'s score (its logit; negative: the predicted class) with respect to
   * every input value of one image. Leaves the training state as it was.
   */
  saliency(image: Float32Array | number[], cls: number): { class: number; predicted: number; probabilities: Float32Array; gradient: Float32Array };
  /** Where each parameter tensor sits in {@link Engine.paramValues}. */
  paramLayout(): ParamSlot[];
  /** A copy of every parameter value (conv weights are [filters, channels, kh, kw]). */
  paramValues(): Float32Array;
  /**
   * A copy of the layers' state, which is not parameters: for each batch-norm layer in order, its
   * running means, then its running variances (one per channel or unit).
   */
  layerState(): Float32Array;
  /** A copy of one tensor's values (`index` into {@link Engine.paramLayout}; empty past the end). */
  paramTensor(index: number): Float32Array;
  /** The test split's images as bytes (n·c·h·w). */
  testImages(): Uint8Array;
  testLabels(): Uint8Array;
  /** The first `k` training images as bytes. */
  trainSample(k: number): Uint8Array;
  trainLabelsSample(k: number): Uint8Array;
  /** Changes the learning rate from the next step on (the schedule scales it). Validated. */
  setLearningRate(lr: number): void;
  /** Changes L2 from the next step on. Validated. */
  setL2(l2: number): void;
  /** Changes how many epochs the run lasts; returns whether it is done at the new length. */
  setEpochs(epochs: number): boolean;
  /** The spec, every parameter and the optimizer state, in one versioned binary with a CRC-32. */
  save(): Uint8Array;
  /** Batches per epoch at the current data and batch size. */
  stepsPerEpoch(): number;
  /** Per-layer statistics at every `every`-th step from now on (0: none); training's numbers stay the same. */
  setStatsEvery(every: number): void;
  /** The statistics taken since the last call, oldest first. */
  takeStats(): StepStats[];
}

// ---------------------------------------------------------------------------------------------
// The spec

export type ActivationName = 'relu' | 'leaky_relu' | 'elu' | 'tanh' | 'sigmoid' | 'linear' | 'softmax';
/** A kernel's side, or [height, width]. */
export type Kernel = number | [number, number];
/** "valid" (none), "same" (the output keeps the input's size at stride 1) or pixels on each side. */
export type Padding = 'valid' | 'same' | number;

export type LayerSpec =
  | { type: 'conv2d'; filters: number; kernel: Kernel; stride?: number; padding?: Padding; activation?: ActivationName; alpha?: number }
  | { type: 'maxpool2d' | 'avgpool2d'; size: number; stride?: number }
  | { type: 'dense'; units: number; activation?: ActivationName; alpha?: number }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'activation'; fn: ActivationName; alpha?: number };

export type OptimizerSpec =
  | { type: 'sgd'; lr: number; momentum?: number; nesterov?: boolean }
  | { type: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number }
  | { type: 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { type: 'rmsprop'; lr: number; alpha?: number; eps?: number; momentum?: number }
  | { type: 'adagrad'; lr: number; lrDecay?: number; initialAccumulatorValue?: number; eps?: number }
  | { type: 'adadelta'; lr?: number; rho?: number; eps?: number };

export type ScheduleSpec =
  | { type: 'constant' }
  | { type: 'step'; everyEpochs: number; gamma?: number }
  | { type: 'cosine'; minLr?: number };

/** What the engine builds; the output layer (one unit per class, softmax) is added after `layers`. */
export interface ModelSpec {
  /** [channels, height, width]; default [1, 28, 28]. */
  input?: [number, number, number];
  /** Default 10. */
  classes?: number;
  layers: LayerSpec[];
  /** Default Adam at 0.001. */
  optimizer?: OptimizerSpec;
  /** L2 added to the gradient (λ·θ); default 0. */
  l2?: number;
  schedule?: ScheduleSpec;
  /** Clip the global gradient norm to this; default none. */
  clipNorm?: number | null;
  /** Default 32. */
  batchSize?: number;
  /** Default 1. */
  epochs?: number;
  /** Draws the weights, the shuffles and dropout; default 0. */
  seed?: number;
  /** Random shifts of up to 2 pixels; default false. */
  augment?: boolean;
  /** Default true. */
  shuffle?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface Dims { c: number; h: number; w: number }

/** A resolved layer's operation, sizes worked out. */
export type Op =
  | { op: 'conv2d'; filters: number; kh: number; kw: number; stride: number; pad: { top: number; bottom: number; left: number; right: number } }
  | { op: 'maxpool2d' | 'avgpool2d'; size: number; stride: number }
  | { op: 'dense'; units: number }
  | { op: 'flatten' }
  | { op: 'dropout'; rate: number }
  | { op: 'activation'; function: ActivationName; alpha: number };

export interface LayerSummary {
  /** Index in the spec's `layers` (a conv or dense layer's activation shares it). */
  specIndex: number;
  op: Op;
  inDims: Dims;
  outDims: Dims;
  params: number;
  /** Forward FLOPs per example. */
  flops: number;
  /** Added by the engine (an implicit flatten), not asked for by the spec. */
  implicit: boolean;
}

export interface Summary {
  input: Dims;
  classes: number;
  layers: LayerSummary[];
  totalParams: number;
  forwardFlops: number;
  /** Counted as 3× forward. */
  trainingFlops: number;
  /** Estimated bytes the engine allocates at the spec's batch size. */
  memoryBytes: number;
}

/** One thing wrong with a spec, placed where it belongs. */
export interface Problem {
  /** What kind: "kernel_too_large", "value_out_of_range", "unreadable_spec", … */
  code: string;
  /** Index into the spec's `layers`, or null for the network or training as a whole. */
  layer: number | null;
  /** The spec field to change: "kernel", "optimizer.lr", "batchSize"; "layers" for the network as a whole. */
  field: string | null;
  /** The whole sentence, for a person. */
  message: string;
  /** The usual fix, if there is one. */
  hint: string | null;
}

/** {@link validateSpec}'s answer: the summary whenever the layers fit together, and every problem. */
export interface Validation {
  summary: Summary | null;
  problems: Problem[];
}

/** What every call of the engine throws: an `Error` whose message is meant for a person. */
export interface EngineError extends Error {
  code: 'spec' | 'data' | 'format' | 'usage';
  /** A spec's error: every problem found. */
  problems?: Problem[];
}

/** One step's per-layer statistics (src/stats.rs). */
export interface StepStats {
  /** Steps trained, this one included. */
  step: number;
  /** Where that is in epochs: `epoch + epochProgress` of a report of that step. */
  position: number;
  /** Mean training loss of the steps since the previous statistics. */
  loss: number;
  layers: {
    /** The layer's index in the spec's layers, and its label ("1 dense"). */
    layer: number;
    label: string;
    /** ‖∂L/∂W‖₂ of the weights (after clipping, before L2). */
    gradNorm: number;
    /** ‖ΔW‖₂ / ‖W‖₂ of this step's update. */
    updateRatio: number;
    /** Share of the ReLUs after the layer never active on the batch (per unit, or per channel); null without a ReLU. */
    dead: number | null;
    /** Nine quantiles (0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100%) of the weights and of the layer's output. */
    weights: number[];
    activations: number[];
  }[];
}

export interface TrainSteps {
  /** Mean loss over these batches. */
  loss: number;
  /** Fraction of these examples classified correctly (before the update). */
  accuracy: number;
  /** Sums over these batches, to join several calls into one mean. */
  lossSum: number;
  batches: number;
  correct: number;
  seen: number;
  /** Batches since the start. */
  steps: number;
  /** Completed epochs. */
  epoch: number;
  /** 0..1 within the current epoch. */
  epochProgress: number;
  examplesSeen: number;
  /** The learning rate of the last step (after the schedule). */
  lr: number;
  /** All epochs ran. */
  done: boolean;
  /** The loss became NaN or infinite: training stopped. */
  nonFinite: boolean;
  /** Global gradient norm of the last step (before clipping). */
  gradNorm: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  /** Test examples evaluated. */
  n: number;
  /** classes² counts, row = true class, column = predicted. */
  confusion: Uint32Array;
  predictions: Uint8Array;
  /** n·classes probabilities. */
  confidences: Float32Array;
}

export interface Activation {
  /** "input", then each layer's label. */
  label: string;
  dims: Dims;
  data: Float32Array;
}

export interface ParamSlot {
  name: string;
  layer: number;
  offset: number;
  len: number;
  shape: number[];
  /** L2 applies to it (weights, not biases). */
  decay: boolean;
}

export interface IdxInfo {
  kind: 'images' | 'labels';
  count: number;
  /** Image sides (0 for labels). */
  rows: number;
  cols: number;
  /** The largest label (labels files only). */
  maxLabel: number | null;
  /** Bytes before the first element. */
  headerBytes: number;
}
