// Sweep plans without a browser: the combinations and their settings, the refusals, the worker count,
// and the link form of a sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultState } from '../../www/state/schema.js';
import {
  planSweep, parseValues, sweepWorkers, encodeSweep, decodeSweep, takeSweep, describeJob, comparePlan, SWEEP_AXIS, MAX_JOBS,
} from '../../www/state/sweep.js';

test('two axes make every combination, first axis slowest, each with its own settings', () => {
  const base = defaultState();
  const plan = planSweep([{ key: 'lr', values: [0.1, 0.01] }, { key: 'batchSize', values: [16, 64, 128] }], base, { kind: 'epochs', n: 2 });
  assert.ok(plan.ok);
  assert.equal(plan.jobs.length, 6);
  assert.deepEqual(plan.jobs.map((j) => j.coords), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  assert.deepEqual(plan.jobs.map((j) => [j.settings.lr, j.settings.batchSize]), [[0.1, 16], [0.1, 64], [0.1, 128], [0.01, 16], [0.01, 64], [0.01, 128]]);
  assert.ok(plan.jobs.every((j) => j.settings.epochs === 2 && j.settings.seed === base.seed && j.until === 0));
  assert.equal(base.lr, 0.001, 'the base settings are not changed');
  assert.equal(describeJob([{ key: 'lr' }, { key: 'batchSize' }], plan.jobs[1]), 'lr 0.1 · batch 64');
});

test('layer axes change every layer they name, and a step budget is kept per job', () => {
  const base = defaultState(); // conv, maxpool, conv, maxpool
  const act = planSweep([{ key: 'activation', values: ['sigmoid', 'relu'] }], base, { kind: 'steps', n: 300 });
  assert.ok(act.ok);
  assert.deepEqual(act.jobs[0].settings.layers.filter((l) => l.type === 'conv2d').map((l) => l.activation), ['sigmoid', 'sigmoid']);
  assert.equal(act.jobs[0].until, 300);
  assert.equal(act.jobs[0].settings.epochs, base.epochs);
  const pool = planSweep([{ key: 'pooling', values: ['avg'] }], base, { kind: 'epochs', n: 1 });
  assert.deepEqual(pool.jobs[0].settings.layers.map((l) => l.type), ['conv2d', 'avgpool2d', 'conv2d', 'avgpool2d']);
  const depth = planSweep([{ key: 'depth', values: [0, 2] }], { ...base, layers: [{ type: 'dense', units: 32, activation: 'tanh' }] }, { kind: 'epochs', n: 1 });
  assert.deepEqual(depth.jobs.map((j) => j.settings.layers.length), [0, 2]);
  assert.equal(depth.jobs[1].settings.layers[1].activation, 'tanh');
  const width = planSweep([{ key: 'width', values: [4] }], base, { kind: 'epochs', n: 1 });
  assert.equal(width.jobs[0].settings.layers[0].filters, 4);
  assert.equal(width.jobs[0].settings.layers[2].filters, 16);
});

test('plans that cannot run say why', () => {
  const base = defaultState();
  assert.match(planSweep([{ key: 'dropout', values: [0.5] }], base, { kind: 'epochs', n: 1 }).message, /no such layer/);
  assert.match(planSweep([{ key: 'lr', values: [1] }, { key: 'lr', values: [2] }], base, { kind: 'epochs', n: 1 }).message, /two different/);
  const many = Array.from({ length: 7 }, (_, i) => (i + 1) / 100);
  assert.match(planSweep([{ key: 'lr', values: many }, { key: 'l2', values: many.slice(0, 6) }], base, { kind: 'epochs', n: 1 }).message, new RegExp(`42 runs.*${MAX_JOBS}`));
  assert.match(planSweep([{ key: 'lr', values: [0.1] }], base, { kind: 'epochs', n: 0 }).message, /budget/);
  assert.match(planSweep([{ key: '__proto__', values: [1] }], base, { kind: 'epochs', n: 1 }).message, /cannot be swept/);
  assert.deepEqual(parseValues(SWEEP_AXIS.get('lr'), '0.1, 0.01 0.1').values, [0.1, 0.01]);
  assert.match(parseValues(SWEEP_AXIS.get('lr'), '0.1, fast').message, /"fast"/);
  assert.match(parseValues(SWEEP_AXIS.get('optimizer'), 'adam, nadam').message, /nadam/);
});

test('a sweep uses the workers one run may use (the workers menu), at most one per job', () => {
  assert.equal(sweepWorkers(2, 8), 2);
  assert.equal(sweepWorkers(7, 8), 7);
  assert.equal(sweepWorkers(7, 3), 3);
  assert.equal(sweepWorkers(1, 3), 1);
  assert.equal(sweepWorkers(undefined, 1), 1);
});

test('a sweep travels in a link and comes back the same', () => {
  const axes = [{ key: 'lr', values: [0.1, 0.001] }, { key: 'optimizer', values: ['sgd', 'adam'] }];
  const link = encodeSweep(axes, { kind: 'steps', n: 500 });
  const back = decodeSweep(link.sweep, link.budget);
  assert.ok(back.ok);
  assert.deepEqual(back.axes, axes);
  assert.deepEqual(back.budget, { kind: 'steps', n: 500 });
  const { hash, sweep } = takeSweep('#layers=dense:32&sweep=lr:0.1,0.001&budget=epochs:2&lr=0.5');
  assert.equal(hash, '#layers=dense:32&lr=0.5');
  assert.deepEqual(sweep, { sweep: 'lr:0.1,0.001', budget: 'epochs:2' });
  assert.equal(takeSweep('#lr=0.1').sweep, null);
  assert.match(decodeSweep('speed:1,2').message, /cannot be swept/);
  assert.match(decodeSweep('lr:0.1', 'epochs:lots').message, /budget/);
});

test('"Compare with…" is a sweep of the current value and one other, for the current epochs', () => {
  const base = { ...defaultState(), epochs: 3 };
  const lr = comparePlan('lr', '0.01', base);
  assert.deepEqual(lr, { ok: true, axes: [{ key: 'lr', values: [0.001, 0.01] }], budget: { kind: 'epochs', n: 3 } });
  assert.deepEqual(comparePlan('activation', 'sigmoid', base).axes, [{ key: 'activation', values: ['relu', 'sigmoid'] }]);
  assert.deepEqual(comparePlan('pooling', 'avg', base).axes, [{ key: 'pooling', values: ['max', 'avg'] }]);
  assert.deepEqual(comparePlan('width', '32', base).axes, [{ key: 'width', values: [8, 32] }]);
  assert.match(comparePlan('lr', '0.001', base).message, /already/);
  assert.match(comparePlan('lr', '0.1, 0.2', base).message, /one value/);
  assert.match(comparePlan('dropout', '0.5', base).message, /no such layer/);
});

test('whole networks: the two of about the same size have about the same size, and the textbook pair is as described', async () => {
  const { NETWORKS } = await import('../../www/state/sweep.js');
  // Parameters of a layer list on 1×28×28 with the 10-unit output (what the engine's summary counts).
  const count = (layers) => {
    let shape = [1, 28, 28];
    let params = 0;
    for (const l of [...layers, { type: 'dense', units: 10 }]) {
      if (l.type === 'conv2d') {
        params += l.filters * (shape[0] * l.kernel * l.kernel + 1);
        const out = l.padding === 'same' ? shape[1] : shape[1] - l.kernel + 1;
        shape = [l.filters, out, out];
      } else if (l.type === 'maxpool2d') {
        shape = [shape[0], Math.floor((shape[1] - l.size) / l.stride) + 1, Math.floor((shape[2] - l.size) / l.stride) + 1];
      } else if (l.type === 'dense') {
        params += (shape[0] * shape[1] * shape[2] + 1) * l.units;
        shape = [l.units, 1, 1];
      }
    }
    return params;
  };
  assert.equal(count(NETWORKS.dense40.layers), 31_810);
  assert.equal(count(NETWORKS.conv16.layers), 31_786);
  assert.equal(count(NETWORKS.mlp.layers), 101_770);
  assert.equal(count(NETWORKS.cnn.layers), 225_034);
});

test('the batch-norm axis puts a batch norm between each conv or dense layer and its activation, and takes them out', () => {
  const axis = SWEEP_AXIS.get('batchnorm');
  const s = { ...defaultState(), layers: [{ type: 'conv2d', filters: 8, kernel: 5, stride: 1, padding: 'same', activation: 'relu' }, { type: 'maxpool2d', size: 2, stride: 2 }, { type: 'dense', units: 64, activation: 'linear' }] };
  assert.equal(axis.read(s), 'off');
  const on = axis.apply(s, 'on');
  assert.deepEqual(on.layers.map((l) => l.type), ['conv2d', 'batchnorm', 'activation', 'maxpool2d', 'dense', 'batchnorm']);
  assert.equal(on.layers[0].activation, 'linear');
  assert.equal(axis.read(on), 'on');
  assert.deepEqual(axis.apply(on, 'on').layers, on.layers, 'no second batch norm');
  assert.deepEqual(axis.apply(on, 'off').layers.map((l) => l.type), ['conv2d', 'activation', 'maxpool2d', 'dense']);
});
