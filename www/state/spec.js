//! Turns the page's settings into the engine's model spec (the JSON the Rust `ModelSpec` reads).
//!
//! The layer list in the settings holds only the hidden layers; the output layer (one unit per class,
//! softmax) is always appended here, so it can never be edited into something that cannot train.

import { SETTINGS, checkLayer, checkValue } from './schema.js';

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
    case 'batchnorm':
      return { type: 'batchnorm' };
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
    case 'adagrad':
      return { type: 'adagrad', lr: s.lr, lrDecay: s.lrDecay, initialAccumulatorValue: s.adagradInit, eps: s.adagradEps };
    case 'adadelta':
      return { type: 'adadelta', lr: s.lr, rho: s.rho, eps: s.adadeltaEps };
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
 * The setting that edits each field of the engine's spec (the inverse of buildSpec's naming). The
 * optimizer's momentum is a different setting for SGD and RMSProp.
 */
const SETTING_OF_FIELD = new Map([
  ['optimizer.lr', 'lr'], ['l2', 'l2'], ['optimizer.nesterov', 'nesterov'], ['optimizer.beta1', 'beta1'],
  ['optimizer.beta2', 'beta2'], ['optimizer.eps', 'eps'], ['optimizer.weightDecay', 'weightDecay'],
  ['optimizer.alpha', 'rmsAlpha'], ['optimizer.lrDecay', 'lrDecay'], ['optimizer.initialAccumulatorValue', 'adagradInit'],
  ['optimizer.rho', 'rho'], ['schedule.everyEpochs', 'stepEvery'], ['schedule.gamma', 'stepGamma'],
  ['schedule.minLr', 'minLr'], ['clipNorm', 'clipNorm'], ['batchSize', 'batchSize'], ['epochs', 'epochs'],
]);

/**
 * Where one of the engine's problems shows: on a layer card (`layer`, 0-based in the spec's layers,
 * whose last entry is the output layer the page adds), on a training setting (`setting`), or on the
 * network as a whole. Placed by the engine's field, never by its words.
 * @param {{code: string, layer: number|null, field: string|null, message: string, hint: string|null}} problem
 * @param {object} s  the settings the spec was built from
 * @returns {{code, layer, field, message, hint, setting: string|null, scope: 'network'|'training'}}
 */
export function placeProblem(problem, s) {
  let setting = SETTING_OF_FIELD.get(problem.field) ?? null;
  if (problem.field === 'optimizer.momentum') setting = s.optimizer === 'rmsprop' ? 'rmsMomentum' : 'momentum';
  if (problem.field === 'optimizer.eps') setting = { adagrad: 'adagradEps', adadelta: 'adadeltaEps' }[s.optimizer] ?? 'eps';
  return { ...problem, layer: problem.layer ?? null, setting, scope: setting ? 'training' : 'network' };
}

/** The problems an engine error carries (a spec's), or the error itself as one problem of the network. */
export function problemsOf(err, s) {
  const problems = Array.isArray(err?.problems) ? err.problems : [{ code: err?.code ?? 'error', layer: null, field: null, message: String(err?.message ?? err), hint: null }];
  return problems.map((p) => placeProblem(p, s));
}

/** The shortest decimal that is the same 32-bit float (the engine keeps f32: 0.0099999998 → 0.01). */
export function shortestF32(x) {
  if (!Number.isFinite(x)) return x;
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return x;
}

/**
 * The page's settings for a spec the engine hands back (a loaded model): the inverse of buildSpec.
 * Throws an Error in words when the model has something the page cannot show, such as a
 * non-square kernel or a last layer that is not the softmax output the page adds.
 * @param {object} spec  the engine's spec(), every default filled in
 * @param {object} base  the settings to start from (view settings and the dataset stay)
 * @returns {object} the full settings
 */
export function settingsFromSpec(spec, base) {
  const cannot = (what) => new Error(`This model cannot be shown on this page: ${what}.`);
  const layers = [...(spec.layers ?? [])];
  const out = layers.pop();
  if (!out || out.type !== 'dense' || out.activation !== 'softmax' || out.units !== spec.classes) {
    throw cannot(`its last layer is not a dense layer with one softmax output per class (${spec.classes})`);
  }
  const side = (v, name, i) => {
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && v.length === 2 && v[0] === v[1]) return v[0];
    throw cannot(`layer ${i + 1} has a ${name} of ${JSON.stringify(v)}; the editor has square ones only`);
  };
  const hidden = layers.map((l, i) => {
    let layer;
    switch (l.type) {
      case 'conv2d': {
        const kernel = side(l.kernel, 'kernel', i);
        let padding = l.padding;
        if (padding === 0) padding = 'valid';
        if (padding !== 'same' && padding !== 'valid') throw cannot(`layer ${i + 1} pads ${JSON.stringify(padding)} pixels; the editor has "same" and "valid"`);
        layer = { type: 'conv2d', filters: l.filters, kernel, stride: side(l.stride ?? 1, 'stride', i), padding, activation: l.activation ?? 'linear' };
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d':
        layer = { type: l.type, size: l.size, stride: l.stride ?? l.size };
        break;
      case 'dense':
        layer = { type: 'dense', units: l.units, activation: l.activation ?? 'linear' };
        break;
      case 'dropout':
        layer = { type: 'dropout', rate: shortestF32(l.rate) };
        break;
      case 'flatten':
        layer = { type: 'flatten' };
        break;
      case 'batchnorm':
        layer = { type: 'batchnorm' };
        break;
      case 'activation':
        layer = { type: 'activation', fn: l.fn };
        break;
      default:
        throw cannot(`layer ${i + 1} is a "${l.type}" layer`);
    }
    const r = checkLayer(layer);
    if (!r.ok) throw cannot(`layer ${i + 1} (${l.type}): ${r.message}`);
    return r.value;
  });

  const s = { ...base, layers: hidden };
  const o = spec.optimizer ?? {};
  const f = shortestF32;
  s.optimizer = o.type;
  s.lr = f(o.lr);
  if (o.type === 'sgd') Object.assign(s, { momentum: f(o.momentum ?? 0), nesterov: !!o.nesterov });
  else if (o.type === 'adam' || o.type === 'adamw') {
    Object.assign(s, { beta1: f(o.beta1), beta2: f(o.beta2), eps: f(o.eps) });
    if (o.type === 'adamw') s.weightDecay = f(o.weightDecay);
  } else if (o.type === 'rmsprop') Object.assign(s, { rmsAlpha: f(o.alpha), eps: f(o.eps), rmsMomentum: f(o.momentum ?? 0) });
  else if (o.type === 'adagrad') Object.assign(s, { lrDecay: f(o.lrDecay ?? 0), adagradInit: f(o.initialAccumulatorValue ?? 0), adagradEps: f(o.eps ?? 1e-10) });
  else if (o.type === 'adadelta') Object.assign(s, { rho: f(o.rho ?? 0.9), adadeltaEps: f(o.eps ?? 1e-6) });
  else throw cannot(`its optimizer "${o.type}" is unknown here`);
  const sch = spec.schedule ?? { type: 'constant' };
  s.schedule = sch.type;
  if (sch.type === 'step') Object.assign(s, { stepEvery: sch.everyEpochs, stepGamma: f(sch.gamma) });
  if (sch.type === 'cosine') s.minLr = f(sch.minLr ?? 0);
  Object.assign(s, {
    l2: f(spec.l2 ?? 0), clipNorm: f(spec.clipNorm ?? 0), batchSize: spec.batchSize, epochs: spec.epochs,
    seed: spec.seed, augment: !!spec.augment,
  });
  for (const def of SETTINGS) {
    if (def.type === 'layers') continue;
    const r = checkValue(def, s[def.name]);
    if (!r.ok) throw cannot(r.message.replace(/^./, (c) => c.toLowerCase()));
  }
  return s;
}
