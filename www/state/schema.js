//! Every setting of the playground: name, type, default, range, label and a course-style explanation.
//!
//! The URL hash, the controls and the engine spec are all derived from this one list, so adding a
//! setting here is enough for it to be saved in links and validated when a link is opened.

import { LIMITS } from './limits.js';

/**
 * @typedef {object} Setting
 * @property {string} name
 * @property {'int'|'number'|'bool'|'enum'|'layers'} type
 * @property {*} default
 * @property {number} [min]
 * @property {number} [max]
 * @property {boolean} [minExclusive]   min itself is not allowed (a learning rate of 0)
 * @property {string[]} [options]       for enums
 * @property {Record<string,string>} [optionLabels]
 * @property {string} label             short name shown next to the control
 * @property {string} help              what it does, in the words of a course
 * @property {string} [formula]         the rule it enters, where there is one
 * @property {'data'|'network'|'training'|'view'} group
 * @property {boolean} [live]           takes effect while training without a rebuild
 * @property {(s: object) => boolean} [when]  shown only when this holds
 */

export const ACTIVATIONS = ['relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid', 'linear'];

export const ACTIVATION_HELP = {
  relu: 'ReLU(x) = max(0, x): passes positive values, zeroes negative ones.',
  leaky_relu: 'Leaky ReLU(x) = x if x > 0, else 0.01·x: like ReLU, but negative inputs keep a small slope.',
  elu: 'ELU(x) = x if x > 0, else eˣ − 1: smooth below zero.',
  tanh: 'tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ) squashes any value into (−1, 1).',
  sigmoid: 'σ(x) = 1 / (1 + e⁻ˣ) squashes any value into (0, 1).',
  linear: 'No activation: the output is the weighted sum itself.',
};

/** @type {Setting[]} */
export const SETTINGS = [
  // Data
  {
    name: 'dataset', type: 'enum', default: 'mnist', options: ['mnist', 'fashion', 'custom'],
    optionLabels: { mnist: 'MNIST digits', fashion: 'Fashion-MNIST', custom: 'Your own IDX files' },
    label: 'Dataset', group: 'data',
    help: 'The pictures the network learns from. Each is 28×28 grey pixels with one correct label.',
  },
  {
    name: 'trainLimit', type: 'int', default: 0, min: 0, max: 1_000_000, group: 'data',
    label: 'Training examples',
    help: 'How many training images the network may learn from (0 = all). Fewer examples make overfitting easy to see: the network memorises them and does worse on new images.',
  },
  {
    name: 'augment', type: 'bool', default: false, group: 'data', label: 'Augment (random shifts)',
    help: 'Each time a training image is used, shift it by up to 2 pixels in a random direction. The network sees more variety, which reduces overfitting; the test images are never shifted.',
  },

  // Network
  {
    name: 'layers', type: 'layers', group: 'network', label: 'Layers',
    default: [
      { type: 'conv2d', filters: 8, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'maxpool2d', size: 2, stride: 2 },
      { type: 'conv2d', filters: 16, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'maxpool2d', size: 3, stride: 3 },
    ],
    help: 'The network, from the input image to the class scores. The last layer (one output per class, softmax) is always there.',
  },

  // Training
  {
    name: 'optimizer', type: 'enum', default: 'adam', options: ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta'],
    optionLabels: { sgd: 'SGD (momentum)', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSProp', adagrad: 'Adagrad', adadelta: 'Adadelta' },
    label: 'Optimizer', group: 'training',
    help: 'The rule that turns the gradient g (for each weight θ, which way and how steeply the loss rises) into a change of the weights. SGD steps against the gradient, with momentum to smooth it; Adam and RMSProp also divide each weight\'s step by the size of its recent gradients, so every weight moves at a similar pace. Adagrad divides by the size of all its gradients so far, so its steps only shrink; Adadelta (ConvNetJS\'s default) scales each step by the size of its recent steps, so it needs no learning rate (η = 1). The rules are PyTorch\'s; g includes λ·θ when L2 is on, and t counts the updates.',
    formula: 'SGD with momentum μ: v ← μ·v + g;  θ ← θ − η·v.   Adam: m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ) (bias correction: m and v start at 0);  θ ← θ − η·m̂ / (√v̂ + ε).   AdamW: θ ← (1 − η·wd)·θ, then the Adam step.   RMSProp: s ← α·s + (1 − α)·g²;  θ ← θ − η·g / (√s + ε).   Adagrad: s ← s + g²;  θ ← θ − η·g / (√s + ε).   Adadelta: s ← ρ·s + (1 − ρ)·g²;  Δ ← √(a + ε) / √(s + ε) · g;  a ← ρ·a + (1 − ρ)·Δ²;  θ ← θ − η·Δ.',
  },
  {
    name: 'lr', type: 'number', default: 0.001, min: 0, minExclusive: true, max: LIMITS.lr, group: 'training', live: true,
    label: 'Learning rate η',
    help: 'Learning rate — how big a step each update takes. Too small: learning crawls. Too large: the loss jumps around or explodes. It can be changed while training.',
    formula: 'θ ← θ − η · (the step direction the optimizer makes from g)',
  },
  {
    name: 'momentum', type: 'number', default: 0.9, min: 0, max: 0.999, group: 'training',
    label: 'Momentum μ', when: (s) => s.optimizer === 'sgd',
    help: 'How much of the previous step is kept: the updates roll like a ball downhill, smoothing out noisy gradients. 0 is plain SGD; 0.9 is typical.',
    formula: 'v ← μ·v + g;  θ ← θ − η·v',
  },
  {
    name: 'nesterov', type: 'bool', default: false, group: 'training', label: 'Nesterov',
    when: (s) => s.optimizer === 'sgd',
    help: 'Nesterov momentum looks ahead: the step uses the gradient plus the momentum it is about to apply. Needs momentum above 0.',
    formula: 'v ← μ·v + g;  θ ← θ − η·(g + μ·v)',
  },
  {
    name: 'beta1', type: 'number', default: 0.9, min: 0, max: 0.9999, group: 'training', label: 'β₁',
    when: (s) => s.optimizer === 'adam' || s.optimizer === 'adamw',
    help: 'How long Adam remembers the average gradient (its momentum). 0.9 is typical. Because m starts at 0, it is divided by 1 − β₁ᵗ, which makes the first steps full size.',
    formula: 'm ← β₁·m + (1 − β₁)·g;  m̂ = m / (1 − β₁ᵗ)',
  },
  {
    name: 'beta2', type: 'number', default: 0.999, min: 0, max: 0.99999, group: 'training', label: 'β₂',
    when: (s) => s.optimizer === 'adam' || s.optimizer === 'adamw',
    help: 'How long Adam remembers the average squared gradient, which sets each weight\'s own step size. 0.999 is typical. Like m, v starts at 0 and is corrected by 1 − β₂ᵗ.',
    formula: 'v ← β₂·v + (1 − β₂)·g²;  v̂ = v / (1 − β₂ᵗ);  θ ← θ − η·m̂ / (√v̂ + ε)',
  },
  {
    name: 'rmsAlpha', type: 'number', default: 0.99, min: 0, max: 0.9999, group: 'training', label: 'α (decay)',
    when: (s) => s.optimizer === 'rmsprop',
    help: 'How long RMSProp remembers the average squared gradient. 0.99 is typical.',
    formula: 's ← α·s + (1 − α)·g²;  θ ← θ − η·g / (√s + ε)',
  },
  {
    name: 'rmsMomentum', type: 'number', default: 0, min: 0, max: 0.999, group: 'training', label: 'Momentum',
    when: (s) => s.optimizer === 'rmsprop',
    help: 'Momentum on top of RMSProp\'s scaled steps. 0 turns it off.',
    formula: 'b ← μ·b + g / (√s + ε);  θ ← θ − η·b',
  },
  {
    name: 'eps', type: 'number', default: 1e-8, min: 0, minExclusive: true, max: 0.1, group: 'training', label: 'ε',
    when: (s) => s.optimizer === 'adam' || s.optimizer === 'adamw' || s.optimizer === 'rmsprop',
    help: 'A tiny number added to the denominator so a step never divides by zero. 1e-8 is typical.',
    formula: 'Adam: θ ← θ − η·m̂ / (√v̂ + ε).   RMSProp: θ ← θ − η·g / (√s + ε)',
  },
  {
    name: 'lrDecay', type: 'number', default: 0, min: 0, max: 0.999, group: 'training', label: 'Learning-rate decay',
    when: (s) => s.optimizer === 'adagrad',
    help: 'Adagrad\'s own shrinking of the learning rate with the update count t (PyTorch\'s lr_decay). 0 turns it off.',
    formula: 'η_t = η / (1 + (t − 1)·decay)',
  },
  {
    name: 'adagradInit', type: 'number', default: 0, min: 0, max: 999, group: 'training', label: 'Initial sum s₀',
    when: (s) => s.optimizer === 'adagrad',
    help: 'What Adagrad\'s sum of squared gradients starts from. 0 is PyTorch\'s default (the first step then moves every weight by about η); Keras starts at 0.1, which makes the first steps smaller.',
    formula: 's ← s₀ + g₁² + g₂² + … + g_t²;  θ ← θ − η·g / (√s + ε)',
  },
  {
    name: 'adagradEps', type: 'number', default: 1e-10, min: 0, minExclusive: true, max: 0.1, group: 'training', label: 'ε',
    when: (s) => s.optimizer === 'adagrad',
    help: 'A tiny number added to the denominator so a step never divides by zero. 1e-10 is PyTorch\'s default for Adagrad.',
    formula: 'θ ← θ − η·g / (√s + ε)',
  },
  {
    name: 'rho', type: 'number', default: 0.9, min: 0, max: 0.9999, group: 'training', label: 'ρ (decay)',
    when: (s) => s.optimizer === 'adadelta',
    help: 'How long Adadelta remembers its average squared gradient and its average squared step. 0.9 is PyTorch\'s default, 0.95 ConvNetJS\'s.',
    formula: 's ← ρ·s + (1 − ρ)·g²;  a ← ρ·a + (1 − ρ)·Δ²',
  },
  {
    name: 'adadeltaEps', type: 'number', default: 1e-6, min: 0, minExclusive: true, max: 0.1, group: 'training', label: 'ε',
    when: (s) => s.optimizer === 'adadelta',
    help: 'Added inside both square roots. Besides avoiding a division by zero it sets the size of the very first steps, when the average squared step a is still 0: about √ε. 1e-6 is typical.',
    formula: 'Δ ← √(a + ε) / √(s + ε) · g',
  },
  {
    name: 'weightDecay', type: 'number', default: 0.01, min: 0, max: 0.999, group: 'training', label: 'Weight decay',
    when: (s) => s.optimizer === 'adamw',
    help: 'AdamW shrinks every weight (not the biases) a little each step, apart from the gradient: "decoupled" weight decay, unlike L2, which goes through Adam\'s scaling. 0.01 is typical.',
    formula: 'θ ← (1 − η·wd)·θ, then the Adam step',
  },
  {
    name: 'schedule', type: 'enum', default: 'constant', options: ['constant', 'step', 'cosine'],
    optionLabels: { constant: 'Constant', step: 'Step decay', cosine: 'Cosine' },
    label: 'Learning-rate schedule', group: 'training',
    help: 'How the learning rate changes during the run. Big steps early and small steps late often end lower.',
    formula: 'step: η·γ^⌊epoch / every⌋.   cosine: η_min + ½·(η − η_min)·(1 + cos(π·t/T)), t = updates so far, T = updates in the whole run',
  },
  {
    name: 'stepEvery', type: 'int', default: 2, min: 1, max: 1000, group: 'training', label: 'Every (epochs)',
    when: (s) => s.schedule === 'step',
    help: 'Multiply the learning rate by γ after this many epochs.',
  },
  {
    name: 'stepGamma', type: 'number', default: 0.5, min: 0, minExclusive: true, max: 1, group: 'training', label: 'γ',
    when: (s) => s.schedule === 'step',
    help: 'The factor the learning rate is multiplied by at each step (0.5 halves it).',
  },
  {
    name: 'minLr', type: 'number', default: 0, min: 0, max: 10, group: 'training', label: 'Final η',
    when: (s) => s.schedule === 'cosine',
    help: 'The learning rate the cosine schedule ends at. It must not exceed the learning rate.',
  },
  {
    name: 'batchSize', type: 'int', default: 32, min: 1, max: LIMITS.batchSize, group: 'training', label: 'Batch size',
    help: 'How many images are averaged for one update. Small batches give noisy but frequent updates; large ones are smoother but fewer per epoch.',
    formula: 'g = (1/B) · Σᵢ ∇ loss(xᵢ)',
  },
  {
    name: 'l2', type: 'number', default: 0, min: 0, max: LIMITS.l2, group: 'training', live: true, label: 'L2 λ',
    help: 'L2 regularisation — a penalty on large weights that pulls them toward zero and reduces overfitting (biases are left alone). 0 turns it off; 0.0001–0.001 is typical. It can be changed while training.',
    formula: 'loss + λ/2·Σθ²  (over the weights)   ⇒   g ← g + λ·θ',
  },
  {
    name: 'clipNorm', type: 'number', default: 0, min: 0, max: 1000, group: 'training', label: 'Clip gradient norm',
    help: 'If the gradient of all the weights together is longer than this, scale it down to this length; it guards against single huge steps. 0 turns it off.',
    formula: '‖g‖ = √(Σ g²) over every weight and bias;  g ← g · min(1, c / ‖g‖)',
  },
  {
    name: 'epochs', type: 'int', default: 5, min: 1, max: LIMITS.epochs, group: 'training', label: 'Epochs', live: true,
    help: 'How many times the training runs through all its training images. It changes while training: a finished run given more epochs trains on from where it stopped.',
  },
  {
    name: 'seed', type: 'int', default: 42, min: 0, max: 4_294_967_295, group: 'training', label: 'Seed',
    help: 'The seed of the random numbers: the initial weights, the order of the images, dropout and augmentation. The same seed and settings give the same run; a link keeps it.',
  },

  // View
  { name: 'logScale', type: 'bool', default: false, group: 'view', label: 'Log scale', help: 'Show the loss on a logarithmic axis, where late, small improvements stay visible.' },
  { name: 'smoothing', type: 'number', default: 0.6, min: 0, max: 0.99, group: 'view', label: 'Smoothing', help: 'Averages each training point with the ones before it (an exponential moving average), so the trend is easier to see. The test points are never smoothed.' },
  { name: 'projector', type: 'bool', default: false, group: 'view', label: 'Projector text size', help: 'Larger text and controls for a projector or a big screen.' },
];

export const SETTING = Object.fromEntries(SETTINGS.map((s) => [s.name, s]));

/**
 * The setting called `name`, or undefined. Names come from links and attributes, so only own
 * properties count: "__proto__" or "toString" must not find Object.prototype's members.
 */
export function settingNamed(name) {
  return Object.hasOwn(SETTING, name) ? SETTING[name] : undefined;
}

/** Hidden layers a network may have: the engine's limit, less the output layer the page adds. */
export const MAX_LAYERS = LIMITS.layers - 1;
/**
 * Characters a link's settings may have. MAX_LAYERS of the longest layers and every setting fit in
 * it; a longer link is refused before it is read, so it cannot hold up the page.
 */
export const MAX_LINK_CHARS = 4096;
/** Characters of a value a notice repeats: enough to recognise it, short enough never to flood the page. */
const MAX_ECHO_CHARS = 40;

/**
 * A value as a notice repeats it: its first MAX_ECHO_CHARS characters, then "…" if it was longer.
 * Counted in code points, so the cut never splits an emoji in two.
 */
export function shortenForNotice(value) {
  const chars = Array.from(String(value));
  return chars.length > MAX_ECHO_CHARS ? `${chars.slice(0, MAX_ECHO_CHARS).join('')}…` : chars.join('');
}

/** The learning rate each optimizer usually starts from, offered when the optimizer changes. */
export const TYPICAL_LR = { sgd: 0.01, adam: 0.001, adamw: 0.001, rmsprop: 0.001, adagrad: 0.01, adadelta: 1 };

/** Max and average pooling take the same two settings. */
const POOL_FIELDS = [
  { name: 'size', type: 'int', default: 2, min: 1, max: LIMITS.pool, label: 'Size', help: 'The window is size×size pixels.' },
  { name: 'stride', type: 'int', default: 2, min: 1, max: LIMITS.pool, label: 'Stride', help: 'How far the window moves; usually equal to the size.' },
];

/** Layer kinds the editor offers, with their fields (same shape as a Setting). */
export const LAYER_TYPES = {
  conv2d: {
    label: 'Convolution', short: 'conv2d',
    help: 'Slides small learned filters over the image; each filter makes one feature map that lights up where its pattern appears.',
    formula: 'out[f, y, x] = act( b_f + Σ_c Σ_i Σ_j W[f, c, i, j] · in[c, y·s + i − p, x·s + j − p] ), with in = 0 outside the image (s = stride, p = padding)',
    fields: [
      { name: 'filters', type: 'int', default: 8, min: 1, max: LIMITS.filters, label: 'Filters', help: 'How many different patterns this layer learns (the number of output channels).' },
      { name: 'kernel', type: 'int', default: 5, min: 1, max: LIMITS.kernel, label: 'Kernel', help: 'The filter size in pixels (5 means 5×5).' },
      { name: 'stride', type: 'int', default: 1, min: 1, max: LIMITS.convStride, label: 'Stride', help: 'How many pixels the filter moves each time; 2 halves the output size.', formula: 'out = ⌊(h + 2p − k) / s⌋ + 1' },
      { name: 'padding', type: 'enum', default: 'same', options: ['same', 'valid'], optionLabels: { same: 'same', valid: 'valid' }, label: 'Padding', help: '"same" adds zeros around the border so the output keeps the input size (at stride 1); "valid" adds none, so the output shrinks by kernel − 1.', formula: 'valid: out = ⌊(h − k) / s⌋ + 1.   same: out = ⌈h / s⌉' },
      { name: 'activation', type: 'enum', default: 'relu', options: ACTIVATIONS, label: 'Activation', help: 'The function applied to every output value; without one, stacked layers collapse into one linear map.' },
    ],
  },
  maxpool2d: {
    label: 'Max pooling', short: 'maxpool',
    help: 'Keeps the largest value of each small window: the map gets smaller and small shifts of the input matter less.',
    formula: 'out[c, y, x] = max over 0 ≤ i, j < size of in[c, y·s + i, x·s + j]   (the gradient flows only to the largest value)',
    fields: POOL_FIELDS,
  },
  avgpool2d: {
    label: 'Average pooling', short: 'avgpool',
    help: 'Averages each small window: the map gets smaller and smoother.',
    formula: 'out[c, y, x] = (1 / size²) · Σ_i Σ_j in[c, y·s + i, x·s + j]',
    fields: POOL_FIELDS,
  },
  dense: {
    label: 'Dense', short: 'dense',
    help: 'Every output is a weighted sum of every input (a fully connected layer). Images are flattened into one long vector first.',
    formula: 'y = act(W·x + b):  y_j = act(b_j + Σ_i W[j, i] · x_i)',
    fields: [
      { name: 'units', type: 'int', default: 64, min: 1, max: LIMITS.units, label: 'Units', help: 'How many outputs (neurons) this layer has.' },
      { name: 'activation', type: 'enum', default: 'relu', options: ACTIVATIONS, label: 'Activation', help: 'The function applied to every output value.' },
    ],
  },
  dropout: {
    label: 'Dropout', short: 'dropout',
    help: 'During training, zeroes a random fraction p of the values and scales the rest up by 1/(1 − p), so the network cannot rely on any single one and the average signal stays the same. A new random mask every step; switched off for testing.',
    formula: 'training: y = m · x / (1 − p), each m = 1 with probability 1 − p, else 0.   testing: y = x',
    fields: [
      { name: 'rate', type: 'number', default: 0.25, min: 0, max: LIMITS.dropout, label: 'Rate p', help: 'The fraction of values dropped at each training step.' },
    ],
  },
  batchnorm: {
    label: 'Batch norm', short: 'batchnorm',
    help: 'Batch normalization: rescales each channel (after a convolution) or each unit (after a dense layer) to mean 0 and variance 1 over the batch, then lets the network scale it by a learned γ and shift it by a learned β. Every layer then gets inputs of a steady size, so deep networks train at larger learning rates. While training it uses the batch\'s own mean and variance (each part of a batch that a worker computes, at least 8 images, uses its own) and keeps running averages of them; testing and predictions use those running averages. PyTorch\'s definitions: ε = 10⁻⁵, momentum 0.1.',
    formula: 'training: μ = mean of the batch, σ² = (1/m)·Σ (x − μ)² (m values per channel);  y = γ·(x − μ) / √(σ² + ε) + β;  running μ̂ ← 0.9·μ̂ + 0.1·μ,  σ̂² ← 0.9·σ̂² + 0.1·σ²·m/(m − 1).   testing: y = γ·(x − μ̂) / √(σ̂² + ε) + β',
    fields: [],
  },
  flatten: {
    label: 'Flatten', short: 'flatten',
    help: 'Lays the feature maps out as one long vector (a dense layer does this by itself when needed).',
    fields: [],
  },
  activation: {
    label: 'Activation', short: 'activation',
    help: 'Applies a function to every value on its own.',
    fields: [
      { name: 'fn', type: 'enum', default: 'relu', options: ACTIVATIONS, label: 'Function', help: 'The function applied to every value.' },
    ],
  },
};

/** The layer kind called `type`, or undefined; like settingNamed, only own properties count. */
export function layerTypeNamed(type) {
  return Object.hasOwn(LAYER_TYPES, type) ? LAYER_TYPES[type] : undefined;
}

/** A new layer of the given type with default settings. */
export function defaultLayer(type) {
  const def = LAYER_TYPES[type];
  const layer = { type };
  for (const f of def.fields) layer[f.name] = f.default;
  return layer;
}

/** The default state: every setting's default value (layers deep-copied). */
export function defaultState() {
  const state = {};
  for (const s of SETTINGS) state[s.name] = s.type === 'layers' ? structuredClone(s.default) : s.default;
  return state;
}

/** What a value must look like, in words, for a notice. */
export function describeRange(def) {
  switch (def.type) {
    case 'bool': return 'on or off';
    case 'enum': return `one of ${def.options.join(', ')}`;
    case 'int': return `a whole number from ${def.min} to ${def.max}`;
    case 'number': return def.minExclusive ? `a number above ${def.min} and up to ${def.max}` : `a number from ${def.min} to ${def.max}`;
    default: return 'a valid value';
  }
}

/**
 * Checks one value against a setting or a layer field.
 * @returns {{ ok: true, value: any } | { ok: false, message: string }}
 */
export function checkValue(def, value) {
  const bad = () => ({ ok: false, message: `${def.label} must be ${describeRange(def)}` });
  switch (def.type) {
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, value } : bad();
    case 'enum':
      return def.options.includes(value) ? { ok: true, value } : bad();
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < def.min || value > def.max) return bad();
      return { ok: true, value };
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < def.min || value > def.max) return bad();
      if (def.minExclusive && value === def.min) return bad();
      return { ok: true, value };
    default:
      return { ok: true, value };
  }
}

/** Parses text (from a URL or an input box) for a setting or a layer field. */
export function parseValue(def, text) {
  switch (def.type) {
    case 'bool':
      if (text === '1' || text === 'true' || text === 'on') return checkValue(def, true);
      if (text === '0' || text === 'false' || text === 'off') return checkValue(def, false);
      return { ok: false, message: `${def.label} must be on or off` };
    case 'enum':
      return checkValue(def, text);
    case 'int':
    case 'number': {
      const t = String(text).trim();
      const v = t === '' ? NaN : Number(t);
      return checkValue(def, v);
    }
    default:
      return { ok: false, message: `${def.label} cannot be read from text` };
  }
}

/** Checks a whole layer object; unknown types and fields are rejected. */
export function checkLayer(layer) {
  const def = layerTypeNamed(layer?.type);
  if (!def) {
    return { ok: false, message: `unknown layer type "${shortenForNotice(layer?.type)}"; use one of ${Object.keys(LAYER_TYPES).join(', ')}` };
  }
  const out = { type: layer.type };
  for (const f of def.fields) {
    const r = checkValue(f, layer[f.name] ?? f.default);
    if (!r.ok) return r;
    out[f.name] = r.value;
  }
  return { ok: true, value: out };
}
