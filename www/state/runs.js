// Run history: one record per run (a build or a reset that trained at least one step), with the
// settings it was made from, its curves, and its final and best numbers. Records are plain data, so
// they can be stored (state/run-archive.js), exported as CSV and compared; this module knows no DOM.
import { SETTING, SETTINGS, LAYER_TYPES, defaultState } from './schema.js';
import { encodeLayer, encodeState } from './url.js';
import { formatSetting } from '../lib/format.js';

/** The stored shape of a record; a record of another format is upgraded or dropped (RUN_UPGRADES). */
export const RUN_FORMAT = 1;
/** Runs kept: the oldest unpinned runs go first once there are more. */
export const MAX_RUNS = 60;
/** Points kept per curve: past this, every other point is dropped (the shape stays, the size is bounded). */
export const MAX_POINTS = 400;

/**
 * Colours of earlier runs (Okabe–Ito), in the order they are handed out. The current run keeps the
 * charts' own train/test colours, so blue and vermillion are not in this list.
 */
export const RUN_COLOURS = ['#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7a5c00', '#000000', '#b8860b', '#6f4e9e'];

/** Settings that describe a run (the view settings do not). */
export const RUN_KEYS = SETTINGS.filter((s) => s.group !== 'view').map((s) => s.name);

/**
 * @typedef {object} RunRecord
 * @property {number} format         RUN_FORMAT
 * @property {string} id
 * @property {number} created        ms since the epoch, when it first trained
 * @property {object} settings       every RUN_KEYS setting
 * @property {string} dataset        the data's name ("MNIST digits")
 * @property {number} params         trainable parameters
 * @property {number} colour         index into RUN_COLOURS
 * @property {boolean} checked       overlaid on the charts
 * @property {'training'|'paused'|'done'|'diverged'|'exploding'|'stuck'|'stopped'} status
 * @property {number[]} train        [epoch, loss, accuracy, …] on training batches
 * @property {number[]} test         [epoch, loss, accuracy, …] on the test split
 * @property {number} steps
 * @property {number} epochs         epochs trained (a fraction)
 * @property {number} seconds        training time
 * @property {number} examplesPerSecond
 */

/** A new record for a run that has just started training. */
export function newRun({ id, settings, dataset, params, colour, created = Date.now() }) {
  const kept = {};
  for (const key of RUN_KEYS) kept[key] = structuredClone(settings[key]);
  return {
    format: RUN_FORMAT, id, created, settings: kept, dataset, params, colour, checked: true,
    status: 'training', train: [], test: [], steps: 0, epochs: 0, seconds: 0, examplesPerSecond: 0,
  };
}

/** Appends [x, loss, accuracy] to a flat curve, halving it when it grows past MAX_POINTS. */
export function addPoint(curve, x, loss, accuracy) {
  const n = curve.length / 3;
  // A repeated evaluation at the same point (after a pause) replaces the previous one.
  if (n > 0 && Math.abs(curve[curve.length - 3] - x) < 1e-9) {
    curve.splice(curve.length - 3, 3, x, loss, accuracy);
    return curve;
  }
  curve.push(x, loss, accuracy);
  if (n + 1 > MAX_POINTS) {
    // Keep the first and the last point; drop every other one in between.
    const kept = [];
    const m = curve.length / 3;
    for (let i = 0; i < m; i++) if (i % 2 === 0 || i === m - 1) kept.push(curve[3 * i], curve[3 * i + 1], curve[3 * i + 2]);
    curve.length = 0;
    curve.push(...kept);
  }
  return curve;
}

/** Adds an engine report (TrainReport) to a record: its curve points, steps, position and status. */
export function recordReport(record, report, speed = report.examplesPerSecond) {
  const p = report.points;
  if (p?.length) {
    for (let i = 0; i < p.length; i += 3) addPoint(record.train, p[i], p[i + 1], p[i + 2]);
  } else {
    addPoint(record.train, report.position, report.loss, report.accuracy);
  }
  record.steps = report.steps;
  record.epochs = report.position;
  if (Number.isFinite(speed) && speed > 0) record.examplesPerSecond = speed;
  if (report.nonFinite) record.status = 'diverged';
  else if (report.done) record.status = 'done';
}

/** Adds an engine evaluation of the test split to a record. */
export function recordEvaluation(record, evaluation) {
  addPoint(record.test, evaluation.epoch ?? 0, evaluation.loss, evaluation.accuracy);
}

/** The last point of a curve as { loss, accuracy }, or nulls. */
function last(curve) {
  const n = curve.length;
  return n ? { loss: curve[n - 2], accuracy: curve[n - 1] } : { loss: null, accuracy: null };
}

/**
 * The numbers a runs table shows: final (the last point) and best (the highest test accuracy, the
 * lowest test loss) train and test loss and accuracy.
 */
export function runMetrics(run) {
  const train = last(run.train);
  const test = last(run.test);
  let bestTestAccuracy = null;
  let bestTestLoss = null;
  for (let i = 0; i < run.test.length; i += 3) {
    const loss = run.test[i + 1];
    const acc = run.test[i + 2];
    if (Number.isFinite(acc) && (bestTestAccuracy === null || acc > bestTestAccuracy)) bestTestAccuracy = acc;
    if (Number.isFinite(loss) && (bestTestLoss === null || loss < bestTestLoss)) bestTestLoss = loss;
  }
  let bestTrainLoss = null;
  for (let i = 0; i < run.train.length; i += 3) {
    const loss = run.train[i + 1];
    if (Number.isFinite(loss) && (bestTrainLoss === null || loss < bestTrainLoss)) bestTrainLoss = loss;
  }
  return {
    trainLoss: train.loss, trainAccuracy: train.accuracy, testLoss: test.loss, testAccuracy: test.accuracy,
    bestTestAccuracy, bestTestLoss, bestTrainLoss,
  };
}

/** The columns a runs table can be sorted by: key, heading, how to read it from a run, better when higher. */
export const RUN_COLUMNS = [
  { key: 'testAccuracy', label: 'Test acc.', read: (r, m) => m.testAccuracy, higher: true, kind: 'percent' },
  { key: 'bestTestAccuracy', label: 'Best test acc.', read: (r, m) => m.bestTestAccuracy, higher: true, kind: 'percent' },
  { key: 'testLoss', label: 'Test loss', read: (r, m) => m.testLoss, higher: false, kind: 'real' },
  { key: 'trainAccuracy', label: 'Train acc.', read: (r, m) => m.trainAccuracy, higher: true, kind: 'percent' },
  { key: 'trainLoss', label: 'Train loss', read: (r, m) => m.trainLoss, higher: false, kind: 'real' },
  { key: 'params', label: 'Params', read: (r) => r.params, higher: false, kind: 'int' },
  { key: 'epochs', label: 'Epochs', read: (r) => r.epochs, higher: true, kind: 'epochs' },
  { key: 'seconds', label: 'Time', read: (r) => r.seconds, higher: false, kind: 'duration' },
  { key: 'examplesPerSecond', label: 'ex/s', read: (r) => r.examplesPerSecond, higher: true, kind: 'int' },
  { key: 'created', label: 'Started', read: (r) => r.created, higher: true, kind: 'time' },
];

/** Runs sorted by a column (missing values last, ties by start time). */
export function sortRuns(runs, key, descending = true) {
  const column = RUN_COLUMNS.find((c) => c.key === key) ?? RUN_COLUMNS.at(-1);
  const withValue = runs.map((r) => ({ r, v: column.read(r, runMetrics(r)) }));
  withValue.sort((a, b) => {
    const av = Number.isFinite(a.v) ? a.v : null;
    const bv = Number.isFinite(b.v) ? b.v : null;
    if (av === null && bv === null) return a.r.created - b.r.created;
    if (av === null) return 1;
    if (bv === null) return -1;
    return (descending ? bv - av : av - bv) || a.r.created - b.r.created;
  });
  return withValue.map((x) => x.r);
}

// -----------------------------------------------------------------------------------------------
// Names: what differs

/** Short names for settings in a run's name ("lr 0.1 · batch 64"). */
const SHORT = {
  trainLimit: 'train images', augment: 'augment', lr: 'lr', momentum: 'μ', nesterov: 'Nesterov', beta1: 'β₁', beta2: 'β₂',
  rmsAlpha: 'α', rmsMomentum: 'momentum', eps: 'ε', lrDecay: 'lr decay', adagradInit: 's₀', adagradEps: 'ε', rho: 'ρ',
  adadeltaEps: 'ε', weightDecay: 'wd', schedule: 'schedule', stepEvery: 'every',
  stepGamma: 'γ', minLr: 'final lr', batchSize: 'batch', l2: 'L2', clipNorm: 'clip', epochs: 'epochs', seed: 'seed',
  dataset: 'data',
};

function settingText(key, value) {
  const def = SETTING[key];
  if (key === 'optimizer' || key === 'dataset') return def.optionLabels?.[value] ?? String(value);
  if (def.type === 'bool') return `${SHORT[key]} ${value ? 'on' : 'off'}`;
  if (def.type === 'enum') return `${SHORT[key] ?? def.label} ${def.optionLabels?.[value] ?? value}`;
  if (key === 'trainLimit' && value === 0) return 'all train images';
  return `${SHORT[key] ?? def.label} ${formatSetting(value)}`;
}

/** A layer in a few characters: "conv8 5×5", "maxpool2", "dense64", "dropout 0.5". */
export function layerText(layer) {
  switch (layer.type) {
    case 'conv2d': return `conv${layer.filters} ${layer.kernel}×${layer.kernel}${layer.stride > 1 ? `/${layer.stride}` : ''}${layer.padding === 'valid' ? ' valid' : ''}${layer.activation !== 'relu' ? ` ${layer.activation}` : ''}`;
    case 'maxpool2d': return `maxpool${layer.size}${layer.stride !== layer.size ? `/${layer.stride}` : ''}`;
    case 'avgpool2d': return `avgpool${layer.size}${layer.stride !== layer.size ? `/${layer.stride}` : ''}`;
    case 'dense': return `dense${layer.units}${layer.activation !== 'relu' ? ` ${layer.activation}` : ''}`;
    case 'dropout': return `dropout ${formatSetting(layer.rate)}`;
    case 'activation': return layer.fn;
    default: return LAYER_TYPES[layer.type]?.short ?? layer.type;
  }
}

/** The whole network in one line: "conv8 5×5 · maxpool2 · dense64". */
export function networkText(layers) {
  return layers.length ? layers.map(layerText).join(' · ') : 'no hidden layer';
}

/**
 * What tells the runs' layer lists apart, per run: when every run has the same kinds of layers in
 * the same order, only the fields that differ ("layer 1 sigmoid", "layer 3 units 128"); otherwise
 * the whole network of each.
 */
function layerDifferences(runs) {
  if (runs.length === 0) return [];
  const lists = runs.map((r) => r.settings.layers ?? []);
  const shape = (l) => l.map((x) => x.type).join(',');
  if (lists.every((l) => shape(l) === shape(lists[0]))) {
    const text = (f, v) => (f === 'activation' || f === 'padding' || f === 'fn' ? String(v) : `${f} ${typeof v === 'number' ? formatSetting(v) : v}`);
    // Each layer's fields that differ between runs, as [layer index, field].
    const differing = lists[0].flatMap((layer, i) => Object.keys(layer)
      .filter((f) => f !== 'type' && lists.some((l) => JSON.stringify(l[i][f]) !== JSON.stringify(layer[f])))
      .map((f) => [i, f]));
    return lists.map((l) => {
      const parts = [];
      const done = new Set();
      for (const [i, f] of differing) {
        if (done.has(`${i}:${f}`)) continue;
        // Several layers whose same field differs, with one value in this run: said once
        // ("layers 1–4 sigmoid" rather than four times).
        const same = differing.filter(([j, g]) => g === f && JSON.stringify(l[j][f]) === JSON.stringify(l[i][f])).map(([j]) => j);
        const all = differing.filter(([, g]) => g === f).map(([j]) => j);
        const group = same.length === all.length && all.length > 1 ? all : [i];
        for (const j of group) done.add(`${j}:${f}`);
        const where = group.length > 1 ? `layers ${group.map((j) => j + 1).join(', ')}` : `layer ${i + 1}`;
        const previous = parts.length && group.length === 1 && parts.at(-1).startsWith(`${where} `);
        if (previous) parts[parts.length - 1] += ` ${text(f, l[i][f])}`;
        else parts.push(`${where} ${text(f, l[i][f])}`);
      }
      return parts.join(' · ');
    });
  }
  return lists.map(networkText);
}

/**
 * Each run's name: only what differs from the other runs ("lr 0.1 · sigmoid"), or, for a run alone
 * (or runs with the same settings), its optimizer, learning rate and network. Equal names get
 * "(2)", "(3)" in start order.
 */
export function runNames(runs) {
  if (runs.length === 0) return [];
  const differing = RUN_KEYS.filter((key) => key !== 'layers' && runs.some((r) => JSON.stringify(r.settings[key]) !== JSON.stringify(runs[0].settings[key])));
  const layers = layerDifferences(runs);
  const datasets = runs.some((r) => r.dataset !== runs[0].dataset);
  const names = runs.map((r, i) => {
    const parts = differing.filter((k) => k !== 'dataset').map((k) => settingText(k, r.settings[k]));
    if (layers[i]) parts.push(layers[i]);
    if (datasets || differing.includes('dataset')) parts.unshift(r.dataset);
    if (parts.length === 0) return `${SETTING.optimizer.optionLabels[r.settings.optimizer]} lr ${formatSetting(r.settings.lr)} · ${networkText(r.settings.layers ?? [])}`;
    return parts.join(' · ');
  });
  const order = runs.map((r, i) => i).sort((a, b) => runs[a].created - runs[b].created);
  const seen = new Map();
  const out = [...names];
  for (const i of order) {
    const count = (seen.get(names[i]) ?? 0) + 1;
    seen.set(names[i], count);
    if (count > 1) out[i] = `${names[i]} (${count})`;
  }
  return out;
}

/** The colour index for a new run: the first not used by a kept run, else the least used. */
export function nextColour(runs) {
  const uses = RUN_COLOURS.map(() => 0);
  for (const r of runs) if (r.colour >= 0 && r.colour < uses.length) uses[r.colour] += 1;
  let best = 0;
  for (let i = 1; i < uses.length; i++) if (uses[i] < uses[best]) best = i;
  return best;
}

/**
 * Removes the oldest runs beyond MAX_RUNS, never those in `keep` (the page's current run, a new one)
 * nor any still training or paused. Returns the removed ids.
 */
export function trimRuns(runs, keep = new Set()) {
  const removed = [];
  const byAge = [...runs].sort((a, b) => a.created - b.created);
  let extra = runs.length - MAX_RUNS;
  for (const r of byAge) {
    if (extra <= 0) break;
    if (keep.has(r.id) || r.status === 'training' || r.status === 'paused') continue;
    removed.push(r.id);
    extra -= 1;
  }
  return removed;
}

// -----------------------------------------------------------------------------------------------
// Stored records

/**
 * How to bring a stored record of an older format to RUN_FORMAT: { [format]: (record) => record }.
 * Format 1 is the first; a record of a format not listed here is dropped.
 */
export const RUN_UPGRADES = {};

/** A stored record made current, or null when it cannot be used (an unknown format, a damaged record). */
export function upgradeRun(stored) {
  let record = stored;
  let guard = 0;
  while (record && record.format !== RUN_FORMAT && Object.hasOwn(RUN_UPGRADES, record.format) && guard++ < 16) {
    record = RUN_UPGRADES[record.format](record);
  }
  return isRunRecord(record) ? record : null;
}

function isRunRecord(r) {
  if (!r || typeof r !== 'object' || r.format !== RUN_FORMAT) return false;
  if (typeof r.id !== 'string' || !Number.isFinite(r.created) || !r.settings || typeof r.settings !== 'object') return false;
  if (!Array.isArray(r.train) || !Array.isArray(r.test) || r.train.length % 3 || r.test.length % 3) return false;
  if (!Array.isArray(r.settings.layers)) return false;
  return RUN_KEYS.every((k) => Object.hasOwn(r.settings, k));
}

// -----------------------------------------------------------------------------------------------
// CSV

function csvCell(v) {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  // Quote what would break the row, and defuse what a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The runs as CSV: one row per run, its name, numbers, every setting and the link that reproduces it. */
export function runsCsv(runs, pageUrl = '') {
  const names = runNames(runs);
  const keys = RUN_KEYS.filter((k) => k !== 'layers');
  const head = ['name', 'dataset', 'status', 'started', 'epochs', 'steps', 'seconds', 'examples_per_second', 'params',
    'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'best_test_accuracy', 'best_test_loss', 'layers', ...keys, 'link'];
  const rows = runs.map((r, i) => {
    const m = runMetrics(r);
    const link = `${pageUrl}#${encodeState({ ...defaultState(), ...r.settings })}`;
    return [names[i], r.dataset, r.status, new Date(r.created).toISOString(), r.epochs, r.steps, r.seconds, r.examplesPerSecond, r.params,
      m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy, m.bestTestAccuracy, m.bestTestLoss,
      r.settings.layers.map(encodeLayer).join(','), ...keys.map((k) => r.settings[k]), link];
  });
  // A byte-order mark: spreadsheets then read the names' "·", "×" and "β₁" as UTF-8.
  return `\uFEFF${[head, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/**
 * The curves as CSV: per run, one row per position (in epochs) where it has a training point, a
 * test evaluation or both, in order, with the step there; the numbers as they were measured
 * (unsmoothed, unrounded). A cell with no value is empty.
 * @param {{ name: string, train: number[], test: number[], stepsPerEpoch?: number }[]} runs
 *   each curve flat [epoch, loss, accuracy, …] in increasing epochs; `stepsPerEpoch` gives the step column
 */
export function curvesCsv(runs) {
  const head = ['run', 'epoch', 'step', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'];
  const rows = [];
  for (const { name, train, test, stepsPerEpoch = 0 } of runs) {
    const step = (x) => (stepsPerEpoch > 0 ? Math.round(x * stepsPerEpoch) : null);
    let i = 0;
    let j = 0;
    // Both curves go up in epochs: merged like two sorted lists, a test point on a training point's
    // position sharing its row.
    while (i < train.length || j < test.length) {
      const tx = i < train.length ? train[i] : Infinity;
      const ex = j < test.length ? test[j] : Infinity;
      const same = Math.abs(tx - ex) < 1e-9;
      const x = Math.min(tx, ex);
      const row = [name, x, step(x), null, null, null, null];
      if (same || tx < ex) {
        row[3] = train[i + 1];
        row[4] = train[i + 2];
        i += 3;
      }
      if (same || ex < tx) {
        row[5] = test[j + 1];
        row[6] = test[j + 2];
        j += 3;
      }
      rows.push(row);
    }
  }
  return `\uFEFF${[head, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
