// The page's pure modules, run directly in Node: URL state round trip and fallbacks, the spec the
// engine receives, and the MNIST-style preprocessing of a drawing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeState, decodeState } from '../../www/state/url.js';
import { defaultState } from '../../www/state/schema.js';
import { buildSpec, placeProblem, problemsOf, settingsFromSpec } from '../../www/state/spec.js';
import { preprocessDrawing } from '../../www/lib/preprocess.js';
import { suggestLr } from '../../www/state/health.js';
import { formatInt, formatPercent, formatSI } from '../../www/lib/format.js';

test('a state survives the URL hash unchanged', () => {
  const state = {
    ...defaultState(),
    dataset: 'fashion',
    layers: [
      { type: 'conv2d', filters: 6, kernel: 3, stride: 2, padding: 'valid', activation: 'tanh' },
      { type: 'avgpool2d', size: 2, stride: 1 },
      { type: 'dropout', rate: 0.3 },
      { type: 'flatten' },
      { type: 'dense', units: 40, activation: 'elu' },
      { type: 'activation', fn: 'sigmoid' },
    ],
    optimizer: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true, l2: 1e-4, batchSize: 64,
    schedule: 'cosine', minLr: 0.001, epochs: 7, seed: 1234567, augment: true, trainLimit: 500, clipNorm: 5,
    logScale: true, smoothing: 0.3, projector: true,
  };
  const { state: back, notices } = decodeState(`#${encodeState(state)}`);
  assert.deepEqual(notices, []);
  assert.deepEqual(back, state);
});

test('the hash keeps the dataset, layers and seed even at their defaults', () => {
  const hash = encodeState(defaultState());
  assert.match(hash, /dataset=mnist/);
  assert.match(hash, /layers=conv2d:8:5:1:same:relu,maxpool:2:2/);
  assert.match(hash, /seed=42/);
  assert.doesNotMatch(hash, /optimizer=/);
});

test('unreadable values fall back to their defaults with a notice each', () => {
  const { state, notices } = decodeState('#lr=banana&batchSize=0&optimizer=lbfgs&layers=conv2d:8:99,dense:10&bogus=1&seed=7');
  const d = defaultState();
  assert.equal(state.lr, d.lr);
  assert.equal(state.batchSize, d.batchSize);
  assert.equal(state.optimizer, d.optimizer);
  assert.deepEqual(state.layers, d.layers);
  assert.equal(state.seed, 7);
  assert.equal(notices.length, 5);
  assert.ok(notices.some((n) => /Learning rate/.test(n) && /banana/.test(n)));
  assert.ok(notices.some((n) => /network could not be read/.test(n) && /kernel/.test(n)));
  assert.ok(notices.some((n) => /bogus/.test(n)));
});

test('the spec ends with the output layer and carries only fields the engine knows', () => {
  const spec = buildSpec({ ...defaultState(), clipNorm: 0 }, { shape: [1, 28, 28], classes: ['a', 'b', 'c'] });
  assert.deepEqual(spec.layers.at(-1), { type: 'dense', units: 3, activation: 'softmax' });
  assert.equal(spec.classes, 3);
  assert.equal('clipNorm' in spec, false);
  assert.deepEqual(spec.optimizer, { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
});

test('Adagrad and Adadelta reach the engine with PyTorch\'s defaults and survive a link and a spec', () => {
  const data = { shape: [1, 28, 28], classes: 10 };
  const adagrad = { ...defaultState(), optimizer: 'adagrad', lr: 0.01 };
  assert.deepEqual(buildSpec(adagrad, data).optimizer, { type: 'adagrad', lr: 0.01, lrDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  const adadelta = { ...defaultState(), optimizer: 'adadelta', lr: 1, rho: 0.95 };
  assert.deepEqual(buildSpec(adadelta, data).optimizer, { type: 'adadelta', lr: 1, rho: 0.95, eps: 1e-6 });
  for (const s of [{ ...adagrad, lrDecay: 0.001, adagradInit: 0.1, adagradEps: 1e-7 }, adadelta]) {
    const hash = encodeState(s);
    assert.deepEqual(decodeState(`#${hash}`).state, s, hash);
    assert.deepEqual(settingsFromSpec(buildSpec(s, data), defaultState()), { ...s, dataset: defaultState().dataset }, s.optimizer);
  }
  assert.match(encodeState(adadelta), /optimizer=adadelta&lr=1&rho=0.95/);
  const problem = { code: 'value_out_of_range', layer: null, field: 'optimizer.eps', message: '', hint: null };
  assert.equal(placeProblem(problem, adadelta).setting, 'adadeltaEps');
  assert.equal(placeProblem({ ...problem, field: 'optimizer.rho' }, adadelta).setting, 'rho');
});

test("the engine's problems are placed by their field, never by their words", () => {
  const problem = (field, layer = null) => ({ code: 'value_out_of_range', layer, field, message: 'words that say nothing of where', hint: null });
  const sgd = { ...defaultState(), optimizer: 'sgd' };
  const rms = { ...defaultState(), optimizer: 'rmsprop' };
  assert.deepEqual([placeProblem(problem('kernel', 2), sgd)].map((p) => [p.scope, p.layer, p.setting]), [['network', 2, null]]);
  assert.deepEqual([placeProblem(problem('layers'), sgd)].map((p) => [p.scope, p.layer, p.setting]), [['network', null, null]]);
  assert.equal(placeProblem(problem('optimizer.lr'), sgd).setting, 'lr');
  assert.equal(placeProblem(problem('schedule.everyEpochs'), sgd).setting, 'stepEvery');
  assert.equal(placeProblem(problem('optimizer.momentum'), sgd).setting, 'momentum');
  assert.equal(placeProblem(problem('optimizer.momentum'), rms).setting, 'rmsMomentum');
  assert.equal(placeProblem(problem('optimizer.alpha'), rms).scope, 'training');
  // Every training setting the engine checks can be placed.
  for (const field of ['optimizer.lr', 'l2', 'optimizer.nesterov', 'optimizer.beta1', 'optimizer.beta2', 'optimizer.eps', 'optimizer.weightDecay',
    'optimizer.alpha', 'schedule.everyEpochs', 'schedule.gamma', 'schedule.minLr', 'clipNorm', 'batchSize', 'epochs']) {
    assert.equal(placeProblem(problem(field), sgd).scope, 'training', field);
  }
  // An error without problems (not the engine's, or not a spec's) is one problem of the network.
  assert.deepEqual(problemsOf(new Error('No data is loaded yet.'), sgd).map((p) => [p.scope, p.message]), [['network', 'No data is loaded yet.']]);
});

test('a drawing is cropped, scaled into 20×20 and centred by its centre of mass', () => {
  const W = 200;
  const ink = new Float32Array(W * W);
  // A vertical bar 10 px wide and 160 px tall near the left edge.
  for (let y = 20; y < 180; y++) for (let x = 10; x < 20; x++) ink[y * W + x] = 1;
  const img = preprocessDrawing(ink, W, W);
  let mass = 0, mx = 0, my = 0, rows = new Set(), cols = new Set();
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x];
      if (v > 0) {
        rows.add(y);
        cols.add(x);
      }
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  assert.equal(rows.size, 20, 'the long side becomes 20 pixels');
  assert.ok(cols.size <= 3, `the bar stays thin (${cols.size} columns)`);
  assert.ok(Math.abs(mx / mass - 14) <= 0.75 && Math.abs(my / mass - 14) <= 0.75, 'centred at (14, 14)');
  assert.ok(Math.abs(mass - (10 * 160) * (20 / 160) ** 2) < 1e-3, 'area averaging keeps the ink');
  assert.equal(preprocessDrawing(new Float32Array(W * W), W, W), null);
});

test('numbers are formatted for people', () => {
  assert.equal(formatInt(3120.4), '3,120');
  assert.equal(formatPercent(0.9741), '97.4%');
  assert.equal(formatSI(4_750_000, 'FLOP'), '4.75 MFLOP');
  assert.equal(suggestLr(8), 0.8);
  assert.equal(suggestLr(0.03), 0.003);
});

test('a batch-norm layer travels in a link as "bn" and reaches the engine as {type: "batchnorm"}', () => {
  const state = { ...defaultState(), layers: [{ type: 'dense', units: 64, activation: 'linear' }, { type: 'batchnorm' }, { type: 'activation', fn: 'relu' }] };
  const hash = encodeState(state);
  assert.match(hash, /layers=dense:64:linear,bn,act:relu/);
  const { state: back, notices } = decodeState(`#${hash}`);
  assert.deepEqual(notices, []);
  assert.deepEqual(back.layers, state.layers);
  assert.deepEqual(decodeState('#layers=batchnorm').state.layers, [{ type: 'batchnorm' }]);
  const spec = buildSpec(back, { shape: [1, 28, 28], classes: 10 });
  assert.deepEqual(spec.layers[1], { type: 'batchnorm' });
  assert.deepEqual(settingsFromSpec(spec, back).layers, state.layers);
});
