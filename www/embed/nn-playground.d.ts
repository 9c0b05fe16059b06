// Types of the <nn-playground> element (nn-playground.js): its methods, its `settings` and `run`, and
// the events it dispatches. Importing the module defines the element; `document.createElement('nn-playground')`
// and `querySelector('nn-playground')` are typed by the tag-name map below.
//
//   import 'nn-playground';
//   const w = document.querySelector('nn-playground')!;
//   w.addEventListener('done', (e) => console.log(e.detail.testAccuracy));
//   w.settings = { lr: 0.01, epochs: 1 };
//   await w.play();

import type { Summary, Dims } from '../engine/nn_playground.js';

export type Activation = 'relu' | 'leaky_relu' | 'elu' | 'tanh' | 'sigmoid' | 'linear';

/** A layer of the settings (the output layer is always added after them). */
export type Layer =
  | { type: 'conv2d'; filters: number; kernel: number; stride: number; padding: 'same' | 'valid'; activation: Activation }
  | { type: 'maxpool2d' | 'avgpool2d'; size: number; stride: number }
  | { type: 'dense'; units: number; activation: Activation }
  | { type: 'dropout'; rate: number }
  | { type: 'flatten' }
  | { type: 'activation'; fn: Activation };

/** A layer given to `settings`: fields left out take their defaults. */
export type LayerInput = Loose<Layer>;
type Loose<L> = L extends { type: infer T } ? { type: T } & Partial<Omit<L, 'type'>> : never;

/** The widget's settings: the same names and values as the playground's links and the element's attributes. */
export interface Settings {
  dataset: 'mnist' | 'fashion' | 'custom';
  /** Training examples to use (0: all). */
  trainLimit: number;
  /** Random shifts of up to 2 pixels. */
  augment: boolean;
  layers: Layer[];
  optimizer: 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta';
  lr: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  rmsAlpha: number;
  rmsMomentum: number;
  eps: number;
  /** Adagrad's lr_decay. */
  lrDecay: number;
  /** Adagrad's initial_accumulator_value. */
  adagradInit: number;
  adagradEps: number;
  /** Adadelta's rho. */
  rho: number;
  adadeltaEps: number;
  weightDecay: number;
  schedule: 'constant' | 'step' | 'cosine';
  stepEvery: number;
  stepGamma: number;
  minLr: number;
  batchSize: number;
  l2: number;
  /** 0: no clipping. */
  clipNorm: number;
  epochs: number;
  seed: number;
  logScale: boolean;
  smoothing: number;
  /** A setting of the page only; a widget ignores it. */
  projector: boolean;
}

/**
 * What `settings` takes: some settings, as values or as the attributes' text (`layers: 'dense:64:relu'`,
 * `lr: '0.01'`). The attributes' spellings (`batch-size`) are read too.
 */
export type SettingsInput = {
  [K in keyof Settings]?: K extends 'layers' ? LayerInput[] | string : Settings[K] | string;
};

/** A store: the current state, and a call after each change with the names of the keys that changed. */
export interface Store<T> {
  get(): Readonly<T>;
  set(patch: Partial<T>): string[];
  subscribe(fn: (state: Readonly<T>, changed: string[], meta: object) => void, keys?: (keyof T)[] | null): () => void;
}

/** A training report, as the run store keeps it. */
export interface Report {
  runId: number;
  /** Mean loss and training accuracy since the previous report. */
  loss: number;
  accuracy: number;
  /** Batches trained since the start of the run. */
  steps: number;
  /** Completed epochs. */
  epoch: number;
  epochProgress: number;
  /** Epochs trained, as a fraction. */
  position: number;
  examplesSeen: number;
  examplesPerSecond: number;
  gradNorm: number;
  /** The learning rate in effect (after the schedule). */
  lr: number;
  done: boolean;
  nonFinite: boolean;
  /** A loaded model's saved position, not a step of this run. */
  restored?: boolean;
}

/** An evaluation on the test split, as the run store keeps it. */
export interface RunEvaluation {
  runId: number;
  loss: number;
  accuracy: number;
  /** Test images evaluated (the first n of the test split). */
  n: number;
  steps: number;
  examplesSeen: number;
  epoch: number;
  confusion: Uint32Array;
  predictions: Uint8Array;
  confidences: Float32Array;
}

export type Phase = 'loading' | 'idle' | 'training' | 'paused' | 'done' | 'diverged' | 'error';

/** What the widget's engine reports (only the fields a page is likely to read; the store holds more). */
export interface RunState {
  phase: Phase;
  engine: { version: string; simd: boolean; build: string } | { error: string } | null;
  runId: number;
  summary: Summary | null;
  report: Report | null;
  evaluation: RunEvaluation | null;
  /** Training examples per second. */
  speed: number;
  health: { kind: 'diverged' | 'exploding' | 'stuck' | 'overfitting'; pause: boolean; title: string; message: string; lr?: number } | null;
  notices: { id: number; kind: 'info' | 'warning' | 'error'; text: string; action: { label: string; run: () => void } | null }[];
  data: { id?: string; name?: string; nTrain: number; nTest: number; shape: number[]; classes: number | string[] } | null;
  [key: string]: unknown;
}

export interface StepDetail {
  /** Batches trained since the start of the run. */
  steps: number;
  /** Mean training loss and accuracy (0..1) since the previous report. */
  loss: number;
  accuracy: number;
  /** Epochs trained, as a fraction. */
  epoch: number;
}
export interface EpochDetail {
  /** The epoch completed: 1, 2, … */
  epoch: number;
  /** Accuracy on the test split, when it was evaluated at the epoch's end. */
  testAccuracy?: number;
}
export interface DoneDetail {
  steps: number;
  /** Accuracy on the whole test split; null if a new run began before it was measured. */
  testAccuracy: number | null;
}
export interface DivergedDetail {
  /** What the health check saw: the loss exploded, overflowed ("diverged") or stayed at chance ("stuck"). */
  kind: 'exploding' | 'diverged' | 'stuck';
  /** What happened and what to change, in a sentence for a person. */
  message: string;
}
export interface ErrorDetail {
  message: string;
}

/** The element's events: CustomEvents that bubble out of its shadow root (`bubbles` and `composed`). */
export interface NnPlaygroundEventMap {
  /** A training report: at most ~20 a second while training, one per step(). */
  step: CustomEvent<StepDetail>;
  /** An epoch completed. */
  epoch: CustomEvent<EpochDetail>;
  /** The run trained all its epochs. */
  done: CustomEvent<DoneDetail>;
  /** The health check paused the run. */
  diverged: CustomEvent<DivergedDetail>;
  /** The engine failed, or the widget showed an error notice. */
  error: CustomEvent<ErrorDetail>;
}

export declare class NnPlayground extends HTMLElement {
  static readonly observedAttributes: string[];

  /**
   * A copy of the settings. Assigning an object changes the settings it names, read as the attributes are:
   * a value that cannot be read keeps its setting, and the widget says so in a notice. `lr` and `l2` apply
   * while training, the others with a rebuild (a new run). Before the widget is on the page, what is
   * assigned applies over its attributes when it starts.
   */
  get settings(): Settings & SettingsCompat;
  set settings(patch: SettingsInput);

  /** What the engine reports (a store); null while the element is not on the page. */
  readonly run: Store<RunState> | null;

  /** Starts training (a finished or diverged run starts again first); nothing if it trains already. */
  play(): Promise<void>;
  /** Pauses after the current chunk of steps; nothing if it is not training. */
  pause(): Promise<void>;
  /** Trains one batch (not while training); the report is in `run` when it resolves. */
  step(): Promise<void>;
  /** Back to the run's initial weights (the same seed). */
  reset(): Promise<void>;

  addEventListener<K extends keyof NnPlaygroundEventMap>(type: K, listener: (this: NnPlayground, ev: NnPlaygroundEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: NnPlayground, ev: HTMLElementEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof NnPlaygroundEventMap>(type: K, listener: (this: NnPlayground, ev: NnPlaygroundEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: NnPlayground, ev: HTMLElementEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/**
 * The copy also answers as the settings store did before `settings` became a copy: `get()`, `set(patch)`
 * (read as an assignment to `settings` is) and `subscribe(fn, keys)`. Not enumerable.
 */
export interface SettingsCompat {
  /** @deprecated read `element.settings` */
  get(): Readonly<Settings>;
  /** @deprecated assign `element.settings = patch` */
  set(patch: SettingsInput): void;
  subscribe(fn: (state: Readonly<Settings>, changed: string[], meta: object) => void, keys?: (keyof Settings)[] | null): () => void;
}

/** The parts `hide` can leave out. */
export declare const PARTS: readonly string[];

declare global {
  interface HTMLElementTagNameMap {
    'nn-playground': NnPlayground;
  }
}

export type { Summary, Dims };
