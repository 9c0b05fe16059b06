// The run history without a browser: names that say what differs, bounded curves, sorting, the CSV,
// stored records of another format, and the recorder fed by a controller's run store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultState } from '../../www/state/schema.js';
import { decodeState } from '../../www/state/url.js';
import { Store } from '../../www/state/store.js';
import { RunHistory } from '../../www/state/run-history.js';
import {
  newRun, addPoint, runNames, runMetrics, sortRuns, runsCsv, upgradeRun, trimRuns, nextColour, MAX_POINTS, MAX_RUNS, RUN_FORMAT,
} from '../../www/state/runs.js';

let created = 1_000;
function run(patch = {}, layers = null) {
  const settings = { ...defaultState(), ...patch };
  if (layers) settings.layers = layers;
  created += 1;
  return newRun({ id: `r${created}`, settings, dataset: 'MNIST digits', params: 100, colour: 0, created });
}

test('a run is named by what differs from the others, and alone by its optimizer, learning rate and network', () => {
  const a = run({ lr: 0.1 });
  const b = run({ lr: 0.01 });
  assert.deepEqual(runNames([a, b]), ['lr 0.1', 'lr 0.01']);
  const c = run({ lr: 0.1, optimizer: 'sgd' });
  assert.deepEqual(runNames([a, b, c]), ['Adam · lr 0.1', 'Adam · lr 0.01', 'SGD (momentum) · lr 0.1']);
  assert.deepEqual(runNames([a]), ['Adam lr 0.1 · conv8 5×5 · maxpool2 · conv16 5×5 · maxpool3']);
});

test('layer differences name the layer and the field when the networks have the same shape, else the whole network', () => {
  const dense = (units, activation = 'relu') => ({ type: 'dense', units, activation });
  const relu = run({}, [dense(64)]);
  const sigmoid = run({}, [dense(64, 'sigmoid')]);
  const wide = run({}, [dense(256)]);
  assert.deepEqual(runNames([relu, sigmoid]), ['layer 1 relu', 'layer 1 sigmoid']);
  assert.deepEqual(runNames([relu, sigmoid, wide]), ['layer 1 units 64 relu', 'layer 1 units 64 sigmoid', 'layer 1 units 256 relu']);
  const deep = run({}, [dense(64), dense(64)]);
  assert.deepEqual(runNames([relu, deep]), ['dense64', 'dense64 · dense64']);
});

test('runs with the same settings get (2), (3) in start order', () => {
  const a = run();
  const b = run();
  const [na, nb] = runNames([b, a]);
  assert.match(na, /\(2\)$/);
  assert.doesNotMatch(nb, /\(2\)$/);
});

test('a curve stays bounded and keeps its first and last points', () => {
  const curve = [];
  for (let i = 0; i < 5 * MAX_POINTS; i++) addPoint(curve, i / 100, 1 / (i + 1), i / (5 * MAX_POINTS));
  assert.ok(curve.length / 3 <= MAX_POINTS, `${curve.length / 3} points`);
  assert.ok(curve.length / 3 >= MAX_POINTS / 2);
  assert.equal(curve[0], 0);
  assert.equal(curve.at(-3), (5 * MAX_POINTS - 1) / 100);
  // A second evaluation at the same point replaces the first.
  const test = [];
  addPoint(test, 1, 0.5, 0.9);
  addPoint(test, 1, 0.4, 0.91);
  assert.deepEqual(test, [1, 0.4, 0.91]);
});

test('final and best numbers, and sorting with missing values last', () => {
  const a = run({ lr: 0.1 });
  a.test.push(0.5, 0.6, 0.8, 1, 0.4, 0.9, 1.5, 0.5, 0.85);
  a.train.push(1, 0.3, 0.92);
  const m = runMetrics(a);
  assert.equal(m.testAccuracy, 0.85);
  assert.equal(m.bestTestAccuracy, 0.9);
  assert.equal(m.bestTestLoss, 0.4);
  assert.equal(m.trainLoss, 0.3);
  const b = run({ lr: 0.01 });
  b.test.push(1, 0.2, 0.95);
  const c = run({ lr: 1 }); // no evaluation yet
  assert.deepEqual(sortRuns([a, b, c], 'testAccuracy').map((r) => r.id), [b.id, a.id, c.id]);
  assert.deepEqual(sortRuns([a, b, c], 'testAccuracy', false).map((r) => r.id), [a.id, b.id, c.id]);
});

test('the CSV has a header and one row per run, with a link that reproduces the run', () => {
  const a = run({ lr: 0.1 });
  a.test.push(1, 0.2, 0.95);
  const b = run({ lr: 0.01, optimizer: 'sgd' });
  const csv = runsCsv([a, b], 'http://localhost/');
  assert.ok(csv.startsWith('\uFEFF'), 'a byte-order mark, for spreadsheets');
  const lines = parseCsv(csv.slice(1));
  assert.equal(lines.length, 3);
  const head = lines[0];
  assert.equal(head[0], 'name');
  const row = lines[1];
  assert.equal(row[head.indexOf('test_accuracy')], '0.95');
  assert.equal(row[head.indexOf('lr')], '0.1');
  const link = row[head.indexOf('link')];
  const { state, notices } = decodeState(new URL(link).hash);
  assert.deepEqual(notices, []);
  assert.equal(state.lr, 0.1);
  assert.deepEqual(state.layers, a.settings.layers);
  // Text a spreadsheet would run as a formula is defused, and quotes are escaped.
  const evil = run({});
  evil.dataset = '=HYPERLINK("x")';
  assert.match(runsCsv([evil]), /"'=HYPERLINK\(""x""\)"/);
});

test('stored records of an unknown format or damaged are dropped, current ones kept', () => {
  const a = run();
  assert.equal(upgradeRun(structuredClone(a)).id, a.id);
  assert.equal(upgradeRun({ ...structuredClone(a), format: RUN_FORMAT + 1 }), null);
  assert.equal(upgradeRun({ ...structuredClone(a), train: [1, 2] }), null);
  assert.equal(upgradeRun({ format: 0, id: 'x' }), null);
  assert.equal(upgradeRun(null), null);
  assert.equal(upgradeRun('text'), null);
});

test('the history is bounded: the oldest runs go, never the one training', () => {
  const runs = Array.from({ length: MAX_RUNS + 3 }, () => ({ ...run(), status: 'done' }));
  const removed = trimRuns(runs, new Set([runs[0].id]));
  assert.equal(removed.length, 3);
  assert.ok(!removed.includes(runs[0].id));
  assert.deepEqual(removed, [runs[1].id, runs[2].id, runs[3].id]);
  runs[1].status = 'training'; // a sweep's run still training is not removed either
  assert.deepEqual(trimRuns(runs, new Set([runs[0].id])), [runs[2].id, runs[3].id, runs[4].id]);
  assert.equal(nextColour([{ colour: 0 }, { colour: 1 }]), 2);
});

/** Rows of RFC 4180 CSV (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r') continue;
    else if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += ch;
  }
  return rows;
}

/** A controller with what the recorder reads: its two stores, built settings, data name, clock. */
function fakeController() {
  const settings = new Store(defaultState());
  const runStore = new Store({ runId: 1, phase: 'idle', report: null, evaluation: null, summary: { totalParams: 1234 }, speed: 0 }, { deep: false });
  const notices = [];
  return {
    settings, run: runStore, builtSettings: settings.get(), dataMeta: { name: 'MNIST digits' },
    lifetime: new AbortController(), reset: () => {}, elapsedSeconds: () => 3, notify: (kind, text) => notices.push(text), notices,
  };
}

test('the recorder makes one record per run that trained, with its curves, and finishes it when the run is replaced', () => {
  const c = fakeController();
  const history = new RunHistory(c);
  c.run.set({ phase: 'training' });
  assert.equal(history.runs.length, 0, 'nothing is recorded before a step');
  c.run.set({ report: { runId: 1, loss: 2.3, accuracy: 0.1, position: 0.01, steps: 1, points: [0.01, 2.3, 0.1, 0.02, 2.1, 0.2] }, speed: 500 });
  c.run.set({ evaluation: { runId: 1, epoch: 0.02, loss: 2.0, accuracy: 0.3 } });
  assert.equal(history.runs.length, 1);
  const [record] = history.runs;
  assert.deepEqual(record.train, [0.01, 2.3, 0.1, 0.02, 2.1, 0.2]);
  assert.deepEqual(record.test, [0.02, 2.0, 0.3]);
  assert.equal(record.params, 1234);
  assert.equal(record.status, 'training');
  assert.equal(history.store.get().currentId, record.id);
  // A loaded model's saved position is not a step of a run.
  c.run.set({ runId: 2, report: { runId: 2, loss: NaN, accuracy: NaN, position: 3, steps: 700, restored: true } });
  assert.equal(history.runs.length, 1);
  assert.equal(record.status, 'stopped');
  assert.equal(history.store.get().currentId, null);
  // The next run that trains is a second record; a diverged one is marked.
  c.settings.set({ lr: 5 });
  c.run.set({ report: { runId: 2, loss: NaN, accuracy: 0.1, position: 0.1, steps: 5, nonFinite: true } });
  assert.equal(history.runs.length, 2);
  assert.equal(history.runs[1].status, 'diverged');
  assert.equal(history.runs[1].settings.lr, 5, 'the live learning rate as it is now');
  history.remove(record.id);
  assert.equal(history.runs.length, 1);
  history.remove(history.runs[0].id); // the current run stays
  assert.equal(history.runs.length, 1);
});

test('restore makes a run\'s settings the current ones', () => {
  const c = fakeController();
  const history = new RunHistory(c);
  c.settings.set({ lr: 0.05, batchSize: 64 });
  c.builtSettings = c.settings.get();
  c.run.set({ report: { runId: 1, loss: 1, accuracy: 0.5, position: 0.1, steps: 3 } });
  c.settings.set({ lr: 0.001, batchSize: 32 });
  let meta = null;
  c.settings.subscribe((s, changed, m) => { meta = m; });
  assert.ok(history.restore(history.runs[0].id, 'lr 0.05'));
  assert.equal(c.settings.get().lr, 0.05);
  assert.equal(c.settings.get().batchSize, 64);
  assert.equal(meta.source, 'restore');
});

test('no runs have no names', () => {
  assert.deepEqual(runNames([]), []);
});

test('a field that differs in several layers, with one value in each run, is named once', () => {
  const dense = (units, activation) => ({ type: 'dense', units, activation });
  const deep = (a) => run({}, [dense(64, a), dense(64, a), dense(64, a)]);
  assert.deepEqual(runNames([deep('sigmoid'), deep('relu')]), ['layers 1, 2, 3 sigmoid', 'layers 1, 2, 3 relu']);
  const mixed = run({}, [dense(64, 'relu'), dense(64, 'tanh'), dense(64, 'relu')]);
  assert.deepEqual(runNames([deep('sigmoid'), mixed]), ['layers 1, 2, 3 sigmoid', 'layer 1 relu · layer 2 tanh · layer 3 relu']);
});
