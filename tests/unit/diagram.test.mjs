// The network diagram's pure parts: the nodes worked out from the engine's summary (one per spec
// layer, a convolution and its activation together, an implicit flatten on the way into the dense
// layer after it), the edges' sizes, the weight sizes the worker computes, and the formula table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagramNodes, edgeWeights } from '../../www/state/diagram.js';
import { LAYER_FORMULAS, ACTIVATION_FORMULAS, formulasOf } from '../../www/lib/layer-formulas.js';
import { mathText } from '../../www/lib/mathml.js';
import { weightSizes } from '../../www/engine/weight-sizes.js';

const d = (c, hh = 1, w = 1) => ({ c, h: hh, w });
const pad = (p) => ({ top: p, bottom: p, left: p, right: p });

/** The engine's summary of the default network: conv 8@5 same relu, maxpool 2, conv 16@5 same relu, maxpool 3, dense 10. */
const SUMMARY = {
  input: d(1, 28, 28),
  classes: 10,
  layers: [
    { specIndex: 0, op: { op: 'conv2d', filters: 8, kh: 5, kw: 5, stride: 1, pad: pad(2) }, inDims: d(1, 28, 28), outDims: d(8, 28, 28), params: 208, flops: 319872, implicit: false },
    { specIndex: 0, op: { op: 'activation', function: 'relu', alpha: 1 }, inDims: d(8, 28, 28), outDims: d(8, 28, 28), params: 0, flops: 0, implicit: false },
    { specIndex: 1, op: { op: 'maxpool2d', size: 2, stride: 2 }, inDims: d(8, 28, 28), outDims: d(8, 14, 14), params: 0, flops: 0, implicit: false },
    { specIndex: 2, op: { op: 'conv2d', filters: 16, kh: 5, kw: 5, stride: 1, pad: pad(2) }, inDims: d(8, 14, 14), outDims: d(16, 14, 14), params: 3216, flops: 1257536, implicit: false },
    { specIndex: 2, op: { op: 'activation', function: 'relu', alpha: 1 }, inDims: d(16, 14, 14), outDims: d(16, 14, 14), params: 0, flops: 0, implicit: false },
    { specIndex: 3, op: { op: 'maxpool2d', size: 3, stride: 3 }, inDims: d(16, 14, 14), outDims: d(16, 4, 4), params: 0, flops: 0, implicit: false },
    { specIndex: 4, op: { op: 'flatten' }, inDims: d(16, 4, 4), outDims: d(256), params: 0, flops: 0, implicit: true },
    { specIndex: 4, op: { op: 'dense', units: 10 }, inDims: d(256), outDims: d(10), params: 2570, flops: 5130, implicit: false },
  ],
};

test('one node per layer, between the input and the output, with the shapes of the summary', () => {
  const nodes = diagramNodes(SUMMARY);
  assert.deepEqual(nodes.map((n) => n.key), ['input', 'layer-0', 'layer-1', 'layer-2', 'layer-3', 'output']);
  assert.deepEqual(nodes.map((n) => n.type), ['input', 'conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'dense']);
  assert.deepEqual(nodes.map((n) => `${n.outDims.c}×${n.outDims.h}×${n.outDims.w}`), ['1×28×28', '8×28×28', '8×14×14', '16×14×14', '16×4×4', '10×1×1']);
  assert.deepEqual(nodes.map((n) => n.params), [0, 208, 0, 3216, 0, 2570]);
  assert.deepEqual(nodes.map((n) => n.activation), [null, 'relu', null, 'relu', null, 'softmax']);
  // The output after the activation: the activations reply has the input first, then each plan layer's.
  assert.deepEqual(nodes.map((n) => n.activationIndex), [0, 2, 3, 5, 6, 8]);
  assert.deepEqual(nodes.map((n) => n.weights), [false, true, false, true, false, true]);
  const out = nodes.at(-1);
  assert.deepEqual(out.flatten, { inDims: d(16, 4, 4), outDims: d(256) });
  assert.deepEqual(out.inDims, d(256));
  assert.equal(nodes[1].detail, '8 filters 5×5, stride 1, pad 2 · relu');
  assert.equal(nodes[2].detail, '2×2, stride 2');
  assert.equal(out.detail, '10 classes · softmax');
});

test('an activation layer, dropout and an explicit flatten are nodes of their own', () => {
  const nodes = diagramNodes({
    input: d(1, 4, 4), classes: 3,
    layers: [
      { specIndex: 0, op: { op: 'flatten' }, inDims: d(1, 4, 4), outDims: d(16), params: 0, flops: 0, implicit: false },
      { specIndex: 1, op: { op: 'dense', units: 5 }, inDims: d(16), outDims: d(5), params: 85, flops: 165, implicit: false },
      { specIndex: 2, op: { op: 'activation', function: 'tanh', alpha: 1 }, inDims: d(5), outDims: d(5), params: 0, flops: 0, implicit: false },
      { specIndex: 3, op: { op: 'dropout', rate: 0.5 }, inDims: d(5), outDims: d(5), params: 0, flops: 0, implicit: false },
      { specIndex: 4, op: { op: 'dense', units: 3 }, inDims: d(5), outDims: d(3), params: 18, flops: 33, implicit: false },
    ],
  });
  assert.deepEqual(nodes.map((n) => n.type), ['input', 'flatten', 'dense', 'activation', 'dropout', 'dense']);
  assert.deepEqual(nodes.map((n) => n.activation), [null, null, null, 'tanh', null, 'softmax']);
  assert.equal(nodes[2].detail, '5 units');
  assert.equal(nodes[4].detail, 'p = 0.5');
  assert.equal(nodes[1].flatten, null);
});

test('edges: thickness against the largest mean |w|, colour by growth since the first measurement', () => {
  const first = new Map();
  const a = edgeWeights([{ layer: 0, meanAbs: 0.2 }, { layer: 4, meanAbs: 0.05 }], first);
  assert.deepEqual(a.get(0), { meanAbs: 0.2, share: 1, growth: 0 });
  assert.deepEqual(a.get(4), { meanAbs: 0.05, share: 0.25, growth: 0 });
  const b = edgeWeights([{ layer: 0, meanAbs: 0.4 }, { layer: 4, meanAbs: 0.025 }], first);
  assert.equal(b.get(0).growth, 1); // doubled
  assert.equal(b.get(4).growth, -1); // halved
  assert.equal(b.get(4).share, 0.0625);
});

test('weight sizes: mean |w| over the tensor and the L2 norm of each filter or unit', () => {
  const { meanAbs, norms } = weightSizes(Float32Array.from([3, -4, 0, 0, 1, -1]), 3);
  assert.equal(meanAbs, 9 / 6);
  assert.deepEqual([...norms].map((x) => Number(x.toFixed(6))), [5, 0, Number(Math.SQRT2.toFixed(6))]);
  assert.deepEqual(weightSizes(new Float32Array(0), 0), { meanAbs: 0, norms: new Float32Array(0) });
});

test('every operation the engine reports and every activation has a formula; a node shows its activation after its own', () => {
  for (const op of ['input', 'conv2d', 'maxpool2d', 'avgpool2d', 'dense', 'flatten', 'dropout', 'activation']) {
    assert.ok(LAYER_FORMULAS[op]?.words, op);
  }
  for (const fn of ['relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid', 'linear', 'softmax']) assert.ok(ACTIVATION_FORMULAS[fn]?.math, fn);
  const [conv] = diagramNodes(SUMMARY).slice(1);
  const formulas = formulasOf(conv);
  assert.equal(formulas.length, 2);
  // The sizes of this layer are written in: 5×5 windows, padding 2, stride 1 left out.
  assert.match(mathText(formulas[0].math), /u < 5/);
  assert.match(mathText(formulas[0].math), /x \[ c , i \+ u − 2/);
  assert.match(mathText(formulas[1].math), /max/);
  const pool = formulasOf({ type: 'maxpool2d', op: { op: 'maxpool2d', size: 3, stride: 3 }, activation: null });
  assert.match(mathText(pool[0].math), /3 i \+ u/);
  assert.equal(formulasOf({ type: 'activation', op: { op: 'activation', function: 'sigmoid' }, activation: 'sigmoid' }).length, 1);
  // A kind of layer the table does not know yet shows none, rather than failing.
  assert.deepEqual(formulasOf({ type: 'batchnorm', op: { op: 'batchnorm' }, activation: null }), []);
});
