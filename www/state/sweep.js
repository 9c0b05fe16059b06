// A sweep's plan: one or two settings ("axes"), the values each takes, and a budget; every
// combination of the values is a job with its own full settings, trained with the same seed and
// data order. Pure data, no DOM: the runner (sweep-runner.js) trains the jobs, views draw them.
import { defaultWorkers } from './workers.js';
import { SETTING, checkValue, parseValue, describeRange, ACTIVATIONS } from './schema.js';
import { formatSetting } from '../lib/format.js';

/** Jobs in one sweep, at most: a plan over this is refused with the count. */
export const MAX_JOBS = 36;
/** Values on one axis, at most. */
export const MAX_VALUES = 12;

const HIDDEN = (l) => l.type === 'conv2d' || l.type === 'dense';

const conv = (filters, kernel, padding) => ({ type: 'conv2d', filters, kernel, stride: 1, padding, activation: 'relu' });
const pool = (size) => ({ type: 'maxpool2d', size, stride: size });
const dense = (units) => ({ type: 'dense', units, activation: 'relu' });

/** Update rules as a course names them: plain SGD and SGD with momentum are one optimizer with two settings. */
export const RULES = {
  sgd: { label: 'SGD', settings: { optimizer: 'sgd', momentum: 0, nesterov: false } },
  momentum: { label: 'SGD + momentum 0.9', settings: { optimizer: 'sgd', momentum: 0.9, nesterov: false } },
  nesterov: { label: 'SGD + Nesterov 0.9', settings: { optimizer: 'sgd', momentum: 0.9, nesterov: true } },
  rmsprop: { label: 'RMSProp', settings: { optimizer: 'rmsprop' } },
  adam: { label: 'Adam', settings: { optimizer: 'adam' } },
};

/**
 * Whole networks a sweep can compare (the output layer is always added):
 * - `dense40` and `conv16` have about the same number of parameters (31,810 and 31,786), one
 *   connecting every pixel to every neuron, the other sharing 5×5 filters across the image;
 * - `mlp` and `cnn` are the textbook MLP (784→128→10) and CNN (conv 32 3×3, pool, conv 64 3×3,
 *   pool, dense 128, dropout 0.5, dense 10).
 */
export const NETWORKS = {
  dense40: { label: 'dense 40', layers: [dense(40)] },
  conv16: { label: 'conv 16 5×5 + pool', layers: [conv(16, 5, 'same'), pool(2)] },
  mlp: { label: 'MLP 784→128→10', layers: [dense(128)] },
  cnn: { label: 'CNN 32-64-128', layers: [conv(32, 3, 'valid'), pool(2), conv(64, 3, 'valid'), pool(2), dense(128), { type: 'dropout', rate: 0.5 }] },
};

/**
 * What a sweep can vary. Each axis reads its values from text and applies one value to a copy of
 * the settings; `applies(settings)` says whether the current network has what the axis changes.
 */
export const SWEEP_AXES = [
  setting('lr', 'lr', '0.0001, 0.001, 0.01, 0.1'),
  setting('batchSize', 'batch', '8, 32, 128'),
  setting('l2', 'L2', '0, 0.0001, 0.001, 0.01'),
  setting('optimizer', '', 'sgd, adam, rmsprop'),
  setting('momentum', 'μ', '0, 0.5, 0.9, 0.99'),
  {
    key: 'rule', label: 'Update rule', short: '', suggestion: 'sgd, momentum, adam',
    field: { type: 'enum', options: Object.keys(RULES), optionLabels: Object.fromEntries(Object.entries(RULES).map(([k, r]) => [k, r.label])), label: 'Update rule' },
    applies: () => true,
    read: (s) => Object.keys(RULES).find((k) => Object.entries(RULES[k].settings).every(([key, v]) => s[key] === v)),
    apply: (s, v) => ({ ...s, ...RULES[v].settings }),
  },
  setting('epochs', 'epochs', '1, 2, 4'),
  setting('trainLimit', 'train images', '500, 2000, 8000'),
  {
    key: 'activation', label: 'Activation (every layer)', short: '', suggestion: 'sigmoid, tanh, relu',
    field: { type: 'enum', options: ACTIVATIONS, label: 'Activation' },
    applies: (s) => s.layers.some(HIDDEN),
    read: (s) => s.layers.find(HIDDEN)?.activation,
    apply: (s, v) => ({ ...s, layers: s.layers.map((l) => (HIDDEN(l) ? { ...l, activation: v } : l)) }),
  },
  {
    key: 'pooling', label: 'Pooling (every pooling layer)', short: 'pooling', suggestion: 'max, avg',
    field: { type: 'enum', options: ['max', 'avg'], label: 'Pooling' },
    applies: (s) => s.layers.some((l) => l.type === 'maxpool2d' || l.type === 'avgpool2d'),
    read: (s) => s.layers.find((l) => l.type === 'maxpool2d' || l.type === 'avgpool2d')?.type.replace('pool2d', ''),
    apply: (s, v) => ({ ...s, layers: s.layers.map((l) => (l.type === 'maxpool2d' || l.type === 'avgpool2d' ? { ...l, type: `${v}pool2d` } : l)) }),
  },
  {
    key: 'dropout', label: 'Dropout rate (every dropout layer)', short: 'dropout', suggestion: '0, 0.25, 0.5',
    field: { type: 'number', min: 0, max: 0.95, label: 'Dropout rate' },
    applies: (s) => s.layers.some((l) => l.type === 'dropout'),
    read: (s) => s.layers.find((l) => l.type === 'dropout')?.rate,
    apply: (s, v) => ({ ...s, layers: s.layers.map((l) => (l.type === 'dropout' ? { ...l, rate: v } : l)) }),
  },
  {
    key: 'width', label: 'Size of the first hidden layer (filters or units)', short: 'width', suggestion: '8, 32, 128',
    field: { type: 'int', min: 1, max: 4096, label: 'Size' },
    applies: (s) => s.layers.some(HIDDEN),
    read: (s) => {
      const l = s.layers.find(HIDDEN);
      return l?.type === 'conv2d' ? l.filters : l?.units;
    },
    apply: (s, v) => {
      const i = s.layers.findIndex(HIDDEN);
      return { ...s, layers: s.layers.map((l, j) => (j !== i ? l : l.type === 'conv2d' ? { ...l, filters: v } : { ...l, units: v })) };
    },
  },
  {
    key: 'batchnorm', label: 'Batch norm (after every conv and dense layer)', short: 'batch norm', suggestion: 'off, on',
    field: { type: 'enum', options: ['off', 'on'], label: 'Batch norm' },
    applies: (s) => s.layers.some(HIDDEN),
    read: (s) => (s.layers.some((l) => l.type === 'batchnorm') ? 'on' : 'off'),
    apply: (s, v) => ({ ...s, layers: v === 'on' ? withBatchnorm(s.layers) : s.layers.filter((l) => l.type !== 'batchnorm') }),
  },
  {
    key: 'network', label: 'Whole network', short: '', suggestion: 'dense40, conv16',
    field: { type: 'enum', options: Object.keys(NETWORKS), optionLabels: Object.fromEntries(Object.entries(NETWORKS).map(([k, n]) => [k, n.label])), label: 'Network' },
    applies: () => true,
    read: (s) => Object.keys(NETWORKS).find((k) => JSON.stringify(NETWORKS[k].layers) === JSON.stringify(s.layers)),
    apply: (s, v) => ({ ...s, layers: structuredClone(NETWORKS[v].layers) }),
  },
  {
    key: 'depth', label: 'Number of hidden dense layers', short: 'dense layers', suggestion: '0, 1, 2, 4',
    field: { type: 'int', min: 0, max: 16, label: 'Dense layers' },
    applies: () => true,
    read: (s) => s.layers.filter((l) => l.type === 'dense').length,
    // The network's other layers stay; its dense layers become n copies of its first one (64 ReLU units if none).
    apply: (s, v) => {
      const first = s.layers.find((l) => l.type === 'dense') ?? { type: 'dense', units: 64, activation: 'relu' };
      const at = s.layers.findIndex((l) => l.type === 'dense');
      const rest = s.layers.filter((l) => l.type !== 'dense');
      const insert = at < 0 ? rest.length : s.layers.slice(0, at).filter((l) => l.type !== 'dense').length;
      return { ...s, layers: [...rest.slice(0, insert), ...Array.from({ length: v }, () => ({ ...first })), ...rest.slice(insert)] };
    },
  },
];

/**
 * Batch norm where it usually goes: each conv or dense layer without one becomes the layer without
 * its activation, a batch norm, then the activation (Ioffe & Szegedy: normalise before the nonlinearity).
 */
function withBatchnorm(layers) {
  return layers.flatMap((l, i) => {
    if (!HIDDEN(l) || layers[i + 1]?.type === 'batchnorm') return [l];
    const act = l.activation === 'linear' ? [] : [{ type: 'activation', fn: l.activation }];
    return [{ ...l, activation: 'linear' }, { type: 'batchnorm' }, ...act];
  });
}

function setting(key, short, suggestion) {
  const def = SETTING[key];
  return {
    key, label: def.label, short, suggestion, field: def,
    // A setting can always be swept (momentum with Adam changes nothing, but is not an error).
    applies: () => true,
    read: (s) => s[key],
    apply: (s, v) => ({ ...s, [key]: v }),
  };
}

export const SWEEP_AXIS = new Map(SWEEP_AXES.map((a) => [a.key, a]));

/** A value as it reads in a run's name or a table heading: "0.001", "sigmoid". */
export function valueText(value) {
  return typeof value === 'number' ? formatSetting(value) : String(value);
}

/** A value of an axis as people read it: an option's label ("MLP 784→128→10", "SGD (momentum)") or the value. */
export function valueLabel(key, value) {
  const labels = SWEEP_AXIS.get(key)?.field.optionLabels;
  return labels && Object.hasOwn(labels, value) ? labels[value] : valueText(value);
}

/** "lr 0.01 · batch 64", "sigmoid": a job's values, each named by its axis's short name. */
export function describeJob(axes, job) {
  return axes.map((a, i) => {
    const short = SWEEP_AXIS.get(a.key)?.short ?? a.key;
    const text = valueLabel(a.key, job.values[i]);
    return short ? `${short} ${text}` : text;
  }).join(' · ');
}

/**
 * Reads an axis's values from text ("0.001, 0.01 0.1"); duplicates are dropped, order kept.
 * @returns {{ ok: true, values: any[] } | { ok: false, message: string }}
 */
export function parseValues(axis, text) {
  const parts = String(text).split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { ok: false, message: `${axis.label}: give at least one value` };
  if (parts.length > MAX_VALUES) return { ok: false, message: `${axis.label}: at most ${MAX_VALUES} values` };
  const values = [];
  for (const part of parts) {
    const r = parseValue(axis.field, part);
    if (!r.ok) return { ok: false, message: `${axis.label}: "${part.slice(0, 20)}" must be ${describeRange(axis.field)}` };
    if (!values.includes(r.value)) values.push(r.value);
  }
  return { ok: true, values };
}

/**
 * Every combination of the axes' values, as jobs with full settings, in row-major order (the
 * first axis slowest).
 * @param {{ key: string, values: any[] }[]} axes  one or two
 * @param {object} base  the settings the sweep starts from
 * @param {{ kind: 'epochs'|'steps', n: number }} budget
 * @returns {{ ok: true, jobs: { index: number, coords: number[], values: any[], settings: object, until: number }[] } | { ok: false, message: string }}
 */
export function planSweep(axes, base, budget) {
  if (axes.length < 1 || axes.length > 2) return { ok: false, message: 'A sweep varies one or two settings.' };
  if (axes.length === 2 && axes[0].key === axes[1].key) return { ok: false, message: 'Pick two different settings to sweep.' };
  const resolved = [];
  for (const { key, values } of axes) {
    const axis = SWEEP_AXIS.get(key);
    if (!axis) return { ok: false, message: `"${String(key).slice(0, 20)}" cannot be swept.` };
    if (!axis.applies(base)) return { ok: false, message: `${axis.label}: the network has no such layer to change.` };
    for (const v of values) if (!checkValue(axis.field, v).ok) return { ok: false, message: `${axis.label}: ${valueText(v)} must be ${describeRange(axis.field)}` };
    resolved.push({ axis, values });
  }
  const count = resolved.reduce((n, a) => n * a.values.length, 1);
  if (count > MAX_JOBS) return { ok: false, message: `That makes ${count} runs; a sweep trains at most ${MAX_JOBS}. Use fewer values.` };
  const epochs = budget.kind === 'epochs' ? budget.n : null;
  if (!Number.isInteger(budget.n) || budget.n < 1 || (epochs !== null && epochs > SETTING.epochs.max)) {
    return { ok: false, message: `The budget must be a whole number of ${budget.kind} from 1${epochs !== null ? ` to ${SETTING.epochs.max}` : ''}.` };
  }
  const jobs = [];
  const [a, b] = resolved;
  const bValues = b ? b.values : [undefined];
  a.values.forEach((va, i) => {
    bValues.forEach((vb, j) => {
      let settings = structuredClone(base);
      if (epochs !== null && a.axis.key !== 'epochs' && b?.axis.key !== 'epochs') settings.epochs = epochs;
      settings = a.axis.apply(settings, va);
      if (b) settings = b.axis.apply(settings, vb);
      jobs.push({ index: jobs.length, coords: b ? [i, j] : [i], values: b ? [va, vb] : [va], settings, until: budget.kind === 'steps' ? budget.n : 0 });
    });
  });
  return { ok: true, jobs };
}

/** How many workers a sweep uses: as many as the workers menu lets one run use (state/workers.js), at most one per job. */
export function sweepWorkers(wanted, jobs) {
  return Math.max(1, Math.min(jobs, Number.isInteger(wanted) && wanted > 0 ? wanted : defaultWorkers()));
}

/** The sweep as link text: "lr:0.001,0.01;batchSize:16,64" and "epochs:1" for the budget. */
export function encodeSweep(axes, budget) {
  return {
    sweep: axes.map(({ key, values }) => `${key}:${values.map(valueText).join(',')}`).join(';'),
    budget: `${budget.kind}:${budget.n}`,
  };
}

/**
 * Reads a sweep from link text; the reverse of encodeSweep.
 * @returns {{ ok: true, axes: { key: string, values: any[] }[], budget: { kind: string, n: number } } | { ok: false, message: string }}
 */
export function decodeSweep(sweepText, budgetText = 'epochs:1') {
  const axes = [];
  for (const part of String(sweepText).split(';').filter(Boolean).slice(0, 3)) {
    const [key, list = ''] = part.split(':');
    const axis = SWEEP_AXIS.get(key);
    if (!axis) return { ok: false, message: `The link's sweep names "${String(key).slice(0, 20)}", which cannot be swept.` };
    const r = parseValues(axis, list);
    if (!r.ok) return { ok: false, message: `The link's sweep could not be read (${r.message}).` };
    axes.push({ key, values: r.values });
  }
  if (axes.length < 1 || axes.length > 2) return { ok: false, message: 'The link\'s sweep must vary one or two settings.' };
  const [kind, n] = String(budgetText).split(':');
  const budget = { kind: kind === 'steps' ? 'steps' : 'epochs', n: Number(n) };
  if (!Number.isInteger(budget.n) || budget.n < 1 || budget.n > 100_000) return { ok: false, message: 'The link\'s sweep budget could not be read; it must be like "epochs:1" or "steps:500".' };
  return { ok: true, axes, budget };
}

/**
 * Splits a sweep out of a link's hash: "#lr=0.01&sweep=lr:0.1,0.01&budget=epochs:1" gives the
 * settings part ("#lr=0.01") and the sweep's text, or null when the link has none.
 */
export function takeSweep(hash) {
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  if (!params.has('sweep')) return { hash, sweep: null };
  const sweep = { sweep: params.get('sweep'), budget: params.get('budget') ?? 'epochs:1' };
  params.delete('sweep');
  params.delete('budget');
  return { hash: `#${params.toString().replace(/%3A/gi, ':').replace(/%2C/gi, ',')}`, sweep };
}

/**
 * "Compare with…": the current settings against the same with one setting changed, as a sweep of
 * two runs (the current value first) for the current number of epochs.
 * @returns {{ ok: true, axes: { key: string, values: any[] }[], budget: { kind: 'epochs', n: number } } | { ok: false, message: string }}
 */
export function comparePlan(key, text, settings) {
  const axis = SWEEP_AXIS.get(key);
  if (!axis) return { ok: false, message: `"${String(key).slice(0, 20)}" cannot be compared.` };
  if (!axis.applies(settings)) return { ok: false, message: `${axis.label}: the network has no such layer to change.` };
  const r = parseValues(axis, text);
  if (!r.ok) return r;
  if (r.values.length !== 1) return { ok: false, message: `${axis.label}: give one value to compare with.` };
  const now = axis.read(settings);
  if (r.values[0] === now) return { ok: false, message: `${axis.label} is ${valueText(now)} already: give another value.` };
  return { ok: true, axes: [{ key, values: [now, r.values[0]] }], budget: { kind: 'epochs', n: settings.epochs } };
}
