//! The one input every exporter takes, checked and with its defaults filled in.
//!
//! An export model is { spec, summary, layout?, values?, data?, title? }:
//! - spec: the engine's spec() (or buildSpec's output): the hyperparameters;
//! - summary: the engine's summary() for that spec: the layers and their shapes;
//! - layout, values: the engine's paramLayout() and paramValues(), needed for weights files and ONNX;
//! - state: the engine's layerState() (batch norm's running statistics), needed with them when the
//!   network has batch norm;
//! - data: which data the page trained on (see `dataDescription`);
//! - title: a few words for the scripts' first line (default: the dataset's name).

import { shortestF32 } from '../state/spec.js';
import { namedLayers } from './network.js';

/** The files the page ships for its datasets (www/data/<id>/), and their names in the full sets. */
export const BUILTIN_DATASETS = {
  mnist: {
    title: 'MNIST digits',
    images: 'images-idx3-ubyte.gz', labels: 'labels-idx1-ubyte.gz',
  },
  fashion: {
    title: 'Fashion-MNIST',
    images: 'images-idx3-ubyte.gz', labels: 'labels-idx1-ubyte.gz',
  },
};

/**
 * The data the page trained on, with defaults.
 * @param {object} [data]
 * @param {'mnist'|'fashion'|'custom'} [data.name]   default 'mnist'
 * @param {number} [data.nTrain]        training images used (after the page's "Training examples" limit)
 * @param {number} [data.nTest]         test images
 * @param {number} [data.splitSeed]     seed of the page's split of one images/labels pair (default 0)
 * @param {boolean} [data.separateTest] a separate test pair was given (no split)
 * @param {{ images: string, labels: string, testImages?: string, testLabels?: string }} [data.files]
 *        file names (for 'custom': the person's own files)
 */
export function dataDescription(data = {}) {
  const name = data.name ?? 'mnist';
  const builtin = BUILTIN_DATASETS[name];
  const files = data.files ?? (builtin ? { images: builtin.images, labels: builtin.labels } : null);
  if (!files?.images || !files?.labels) throw new Error(`the data "${name}" needs the names of its images and labels files`);
  const separateTest = !!(data.separateTest ?? (files.testImages && files.testLabels));
  if (separateTest && !(files.testImages && files.testLabels)) throw new Error('a separate test split needs the names of its images and labels files');
  const count = (v, what) => {
    if (v === undefined || v === null) return null;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a whole number of at least 1, got ${v}`);
    return v;
  };
  return {
    name,
    title: builtin?.title ?? 'your own IDX files',
    files: { images: files.images, labels: files.labels, testImages: separateTest ? files.testImages : null, testLabels: separateTest ? files.testLabels : null },
    separateTest,
    splitSeed: data.splitSeed ?? 0,
    // The shipped sets hold 10,000 images split 8,000 / 2,000 (www/data/datasets.json).
    nTrain: count(data.nTrain, 'nTrain') ?? (builtin ? 8000 : null),
    nTest: count(data.nTest, 'nTest') ?? (builtin ? 2000 : null),
  };
}

const f = (x) => shortestF32(Number(x));

/** The spec's optimizer with the engine's defaults filled in and f32 values written shortest. */
function optimizerOf(o = { type: 'adam', lr: 0.001 }) {
  switch (o.type) {
    case 'sgd':
      return { type: 'sgd', lr: f(o.lr), momentum: f(o.momentum ?? 0), nesterov: !!o.nesterov };
    case 'adam':
      return { type: 'adam', lr: f(o.lr), beta1: f(o.beta1 ?? 0.9), beta2: f(o.beta2 ?? 0.999), eps: f(o.eps ?? 1e-8) };
    case 'adamw':
      return {
        type: 'adamw', lr: f(o.lr), beta1: f(o.beta1 ?? 0.9), beta2: f(o.beta2 ?? 0.999), eps: f(o.eps ?? 1e-8),
        weightDecay: f(o.weightDecay ?? o.weight_decay ?? 0.01),
      };
    case 'rmsprop':
      return { type: 'rmsprop', lr: f(o.lr), alpha: f(o.alpha ?? 0.99), eps: f(o.eps ?? 1e-8), momentum: f(o.momentum ?? 0) };
    case 'adagrad':
      return {
        type: 'adagrad', lr: f(o.lr), lrDecay: f(o.lrDecay ?? o.lr_decay ?? 0),
        initialAccumulatorValue: f(o.initialAccumulatorValue ?? o.initial_accumulator_value ?? 0), eps: f(o.eps ?? 1e-10),
      };
    case 'adadelta':
      return { type: 'adadelta', lr: f(o.lr ?? 1), rho: f(o.rho ?? 0.9), eps: f(o.eps ?? 1e-6) };
    default:
      throw new Error(`the optimizer "${o.type}" is not one the engine has`);
  }
}

function scheduleOf(s = { type: 'constant' }) {
  switch (s.type) {
    case 'constant':
      return { type: 'constant' };
    case 'step':
      return { type: 'step', everyEpochs: s.everyEpochs ?? s.every_epochs, gamma: f(s.gamma ?? 0.5) };
    case 'cosine':
      return { type: 'cosine', minLr: f(s.minLr ?? s.min_lr ?? 0) };
    default:
      throw new Error(`the schedule "${s.type}" is not one the engine has`);
  }
}

/** How the engine trains this spec (defaults as in src/model/spec.rs). */
export function trainingSettings(spec) {
  return {
    optimizer: optimizerOf(spec.optimizer),
    l2: f(spec.l2 ?? 0),
    schedule: scheduleOf(spec.schedule),
    clipNorm: spec.clipNorm ? f(spec.clipNorm) : null,
    batchSize: spec.batchSize ?? 32,
    epochs: spec.epochs ?? 1,
    seed: spec.seed ?? 0,
    augment: !!spec.augment,
    shuffle: spec.shuffle ?? true,
  };
}

/**
 * Checks an export model and fills in what the exporters share.
 * @returns {{ spec, summary, layers: ReturnType<typeof namedLayers>, training: ReturnType<typeof trainingSettings>,
 *             data: ReturnType<typeof dataDescription>, title: string, layout?, values? }}
 */
export function prepare(model) {
  const { spec, summary } = model ?? {};
  if (!spec || !Array.isArray(spec.layers)) throw new Error('an export needs the model spec (the engine\'s spec())');
  if (!summary || !Array.isArray(summary.layers)) throw new Error('an export needs the summary of the built network (the engine\'s summary())');
  const input = summary.input;
  const want = spec.input ?? [1, 28, 28];
  if (input.c !== want[0] || input.h !== want[1] || input.w !== want[2]) {
    throw new Error(`the summary's input ${input.c}×${input.h}×${input.w} is not the spec's ${want.join('×')}: they belong to different networks`);
  }
  const layers = namedLayers(summary);
  const counted = layers.reduce((n, l) => n + l.params, 0);
  if (counted !== summary.totalParams) throw new Error(`the summary's layers hold ${counted} parameters but its total says ${summary.totalParams}`);
  const data = dataDescription(model.data);
  return {
    spec, summary, layers, data,
    training: trainingSettings(spec),
    title: model.title ?? data.title,
    layout: model.layout, values: model.values, state: model.state,
  };
}
