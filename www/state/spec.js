//! Turns the page's settings into the engine's model spec (the JSON the Rust `ModelSpec` reads).
//!
//! The layer list in the settings holds only the hidden layers; the output layer (one unit per class,
//! softmax) is always appended here, so it can never be edited into something that cannot train.

/** One editor layer → one spec layer, with exactly the fields the engine accepts. */
export function specLayer(layer) {
  switch (layer.type) {
    case 'conv2d':
      return {
        type: 'conv2d', filters: layer.filters, kernel: layer.kernel, stride: layer.stride,
        padding: layer.padding, activation: layer.activation,
      };
    case 'maxpool2d':
    case 'avgpool2d':
      return { type: layer.type, size: layer.size, stride: layer.stride };
    case 'dense':
      return { type: 'dense', units: layer.units, activation: layer.activation };
    case 'dropout':
      return { type: 'dropout', rate: layer.rate };
    case 'flatten':
      return { type: 'flatten' };
    case 'activation':
      return { type: 'activation', fn: layer.fn };
    default:
      throw new Error(`unknown layer type "${layer.type}"`);
  }
}

export function optimizerSpec(s) {
  switch (s.optimizer) {
    case 'sgd':
      return { type: 'sgd', lr: s.lr, momentum: s.momentum, nesterov: s.nesterov };
    case 'adamw':
      return { type: 'adamw', lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay };
    case 'rmsprop':
      return { type: 'rmsprop', lr: s.lr, alpha: s.rmsAlpha, eps: s.eps, momentum: s.rmsMomentum };
    case 'adam':
    default:
      return { type: 'adam', lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.eps };
  }
}

export function scheduleSpec(s) {
  switch (s.schedule) {
    case 'step':
      return { type: 'step', everyEpochs: s.stepEvery, gamma: s.stepGamma };
    case 'cosine':
      return { type: 'cosine', minLr: s.minLr };
    default:
      return { type: 'constant' };
  }
}

/**
 * The full spec for the engine.
 * @param {object} s        the settings (see schema.js)
 * @param {{shape: number[], classes: string[]|number}} data  the loaded dataset's image shape and classes
 */
export function buildSpec(s, data) {
  const classes = typeof data.classes === 'number' ? data.classes : data.classes.length;
  const spec = {
    input: [...data.shape],
    classes,
    layers: [...s.layers.map(specLayer), { type: 'dense', units: classes, activation: 'softmax' }],
    optimizer: optimizerSpec(s),
    l2: s.l2,
    schedule: scheduleSpec(s),
    batchSize: s.batchSize,
    epochs: s.epochs,
    seed: s.seed,
    augment: s.augment,
  };
  if (s.clipNorm > 0) spec.clipNorm = s.clipNorm;
  return spec;
}

/**
 * Which layer card an engine message is about. The engine numbers layers from 1 ("layer 3 (conv2d): …")
 * in the spec's list, whose last entry is the output layer the page adds.
 * @returns {number|null} 0-based index into the spec's layers, or null if the message names none
 */
export function layerOfMessage(message) {
  const m = /^layer (\d+) \(/.exec(message);
  return m ? Number(m[1]) - 1 : null;
}
