//! The network as every exporter sees it: the engine's summary (its `Plan`) turned into a list of
//! named layers, and the engine's flat parameter buffer cut into named tensors.
//!
//! Names: each layer is named after its kind and the number of the spec layer it comes from, counting
//! from 1 as the page does ("conv1", "relu1", "maxpool2", "flatten5", "dense5"). The implicit flatten
//! and the activation of a conv or dense layer share that layer's number. The same names are the
//! PyTorch module's attributes (so its state_dict keys are "conv1.weight", "conv1.bias"), the Keras
//! layers' names, and the ONNX initializers' prefixes.
//!
//! Engine conventions these rely on (src/layers, src/model/validate.rs):
//! - tensors are NCHW; a flatten reads channel by channel (channel-major);
//! - conv weights are [filters, channels, kh, kw] (PyTorch's OIHW), dense weights [units, inputs]
//!   (PyTorch's Linear layout); each layer's weights come before its bias in the buffer;
//! - convolution is cross-correlation with zero padding per side (top, bottom, left, right), and
//!   "same" padding puts the odd extra pixel at the bottom/right, as TensorFlow does;
//! - pooling has no padding and drops rows/columns that do not fill a window (floor);
//! - softmax is not a layer: the loss applies it, so the network's output is the class scores;
//! - batch norm has PyTorch's definitions (ε 1e-5, momentum 0.1, unbiased running variance); its
//!   scale γ and shift β are parameters ("… batchnorm scale", "… batchnorm shift"), its running
//!   means and variances the engine's layerState(): per batch-norm layer in order, c means then c variances.

import { shortestF32 } from '../state/spec.js';

/** The short kind of a summary layer for names: conv, maxpool, avgpool, dense, flatten, dropout, batchnorm, or the activation's function. */
function kindOf(op) {
  if (op.op === 'activation') return op.function;
  return { conv2d: 'conv', maxpool2d: 'maxpool', avgpool2d: 'avgpool' }[op.op] ?? op.op;
}

/**
 * The summary's layers with names and the facts the exporters need.
 * @param {object} summary  the engine's summary(): { input, classes, layers, totalParams }
 * @returns {{ name: string, number: number, op: object, kind: string, inDims: {c,h,w}, outDims: {c,h,w},
 *             params: number, implicit: boolean, init: 'he'|'glorot'|null }[]}
 */
export function namedLayers(summary) {
  const layers = [];
  let flattened = false;
  summary.layers.forEach((l, i) => {
    const number = l.specIndex + 1;
    if (l.op.op === 'dense' && !flattened) {
      // The engine reads a c×1×1 map as a vector without a flatten step; the frameworks need one.
      layers.push({
        name: `flatten${number}`, number, op: { op: 'flatten' }, kind: 'flatten', inDims: l.inDims,
        outDims: { c: l.inDims.c * l.inDims.h * l.inDims.w, h: 1, w: 1 }, params: 0, implicit: true, init: null,
      });
    }
    if (l.op.op === 'dense' || l.op.op === 'flatten') flattened = true;
    const kind = kindOf(l.op);
    layers.push({
      name: `${kind}${number}`, number, op: readableOp(l.op), kind, inDims: l.inDims, outDims: l.outDims,
      params: l.params, implicit: !!l.implicit, init: initFor(summary.layers, i),
    });
  });
  const seen = new Set();
  for (const l of layers) {
    if (seen.has(l.name)) throw new Error(`two layers would both be called "${l.name}": the summary is not one the engine makes`);
    seen.add(l.name);
  }
  return layers;
}

/** The op with its f32 numbers (an alpha, a dropout rate) written as their shortest decimals: 0.1, not 0.10000000149011612. */
function readableOp(op) {
  const out = { ...op };
  for (const key of ['alpha', 'rate']) if (typeof out[key] === 'number') out[key] = shortestF32(out[key]);
  return out;
}

/**
 * The engine's weight initialisation (src/model/network.rs `init_for`): He uniform when the next step
 * (past a batch norm) is a ReLU-family activation, Glorot uniform otherwise; biases start at 0. Null for layers without weights.
 */
function initFor(layers, i) {
  const op = layers[i].op;
  if (op.op !== 'conv2d' && op.op !== 'dense') return null;
  const next = layers.slice(i + 1).find((n) => n.op.op !== 'batchnorm')?.op;
  const reluFamily = next?.op === 'activation' && ['relu', 'leaky_relu', 'elu'].includes(next.function);
  return reluFamily ? 'he' : 'glorot';
}

/** "8×28×28" for maps, "128" for vectors: as the page and the engine write shapes. */
export function formatDims(d) {
  return d.h === 1 && d.w === 1 ? `${d.c}` : `${d.c}×${d.h}×${d.w}`;
}

/** Whether a shape is a flat vector (after a flatten or dense layer). */
export function isFlat(d) {
  return d.h === 1 && d.w === 1;
}

/** The conv padding that TensorFlow/Keras call "same" for this input side, kernel and stride: [before, after]. */
export function samePadding(size, kernel, stride) {
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + kernel - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Whether a conv layer's padding is exactly TensorFlow's "same" for its input. */
export function isSamePadding(layer) {
  const { kh, kw, stride, pad } = layer.op;
  const [top, bottom] = samePadding(layer.inDims.h, kh, stride);
  const [left, right] = samePadding(layer.inDims.w, kw, stride);
  return pad.top === top && pad.bottom === bottom && pad.left === left && pad.right === right;
}

/**
 * The parameters as named tensors in the engine's layout, checked against the summary.
 * @param {object} summary
 * @param {{ name: string, layer: number, offset: number, len: number, shape: number[], decay: boolean }[]} layout
 *        the engine's paramLayout()
 * @param {Float32Array} values  the engine's paramValues()
 * @param {Float32Array} [state]  the engine's layerState(), needed when the network has batch norm
 * @returns {{ layer: string, role: 'weight'|'bias'|'running_mean'|'running_var', shape: number[], data: Float32Array, decay: boolean }[]}
 *          in network order, each layer's weight before its bias (batch norm: γ, β, then its running
 *          mean and variance); `data` views `values` or `state`
 */
export function parameterTensors(summary, layout, values, state = new Float32Array(0)) {
  const total = layout.reduce((n, p) => n + p.len, 0);
  if (values.length !== total) {
    throw new Error(`the parameter values hold ${values.length} numbers but the layout describes ${total}`);
  }
  if (total !== summary.totalParams) {
    throw new Error(`the layout describes ${total} parameters but the summary counts ${summary.totalParams}`);
  }
  const tensors = [];
  let stateAt = 0;
  for (const l of namedLayers(summary)) {
    if (l.params === 0) continue;
    const own = layout.filter((p) => p.layer === l.number - 1);
    if (l.op.op === 'batchnorm') {
      tensors.push(...batchnormTensors(l, own, values, state, stateAt));
      stateAt += 2 * l.inDims.c;
      continue;
    }
    const weight = own.find((p) => /weights$/.test(p.name));
    const bias = own.find((p) => /bias$/.test(p.name));
    if (!weight || !bias) throw new Error(`the layout has no weights and bias for layer ${l.number} (${l.kind})`);
    const want = l.op.op === 'conv2d'
      ? [l.op.filters, l.inDims.c, l.op.kh, l.op.kw]
      : [l.op.units, l.inDims.c * l.inDims.h * l.inDims.w];
    if (weight.shape.join() !== want.join() || bias.shape.join() !== String(want[0])) {
      throw new Error(`layer ${l.number} (${l.kind}): the layout's shapes [${weight.shape}] and [${bias.shape}] are not the summary's [${want}] and [${want[0]}]`);
    }
    for (const [role, p] of [['weight', weight], ['bias', bias]]) {
      tensors.push({ layer: l.name, role, shape: [...p.shape], data: values.subarray(p.offset, p.offset + p.len), decay: p.decay });
    }
  }
  return tensors;
}

/** γ and β from the parameters, the running mean and variance from the layer state. */
function batchnormTensors(l, own, values, state, at) {
  const c = l.inDims.c;
  const scale = own.find((p) => /batchnorm scale$/.test(p.name));
  const shift = own.find((p) => /batchnorm shift$/.test(p.name));
  if (!scale || !shift || scale.len !== c || shift.len !== c) throw new Error(`the layout has no scale and shift of ${c} values for layer ${l.number} (batch norm)`);
  if (state.length < at + 2 * c) throw new Error(`layer ${l.number} (batch norm) needs its running statistics: the engine's layerState()`);
  const view = (p) => values.subarray(p.offset, p.offset + p.len);
  return [
    { layer: l.name, role: 'weight', shape: [c], data: view(scale), decay: false },
    { layer: l.name, role: 'bias', shape: [c], data: view(shift), decay: false },
    { layer: l.name, role: 'running_mean', shape: [c], data: state.subarray(at, at + c), decay: false },
    { layer: l.name, role: 'running_var', shape: [c], data: state.subarray(at + c, at + 2 * c), decay: false },
  ];
}

/**
 * Conv weights [out, in, kh, kw] (OIHW: the engine's and PyTorch's) → [kh, kw, in, out] (HWIO: Keras's).
 * @returns {Float32Array}
 */
export function oihwToHwio(data, [o, i, h, w]) {
  const out = new Float32Array(data.length);
  for (let oo = 0; oo < o; oo++) {
    for (let ii = 0; ii < i; ii++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          out[((y * w + x) * i + ii) * o + oo] = data[((oo * i + ii) * h + y) * w + x];
        }
      }
    }
  }
  return out;
}

/**
 * A row-major matrix [rows, cols] → its transpose [cols, rows]: dense weights [units, inputs] (the
 * engine's and PyTorch's) → [inputs, units] (Keras's kernel).
 * @returns {Float32Array}
 */
export function transpose2d(data, [rows, cols]) {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}
