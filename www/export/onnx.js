//! The trained network as an ONNX model (opset 13) for inference elsewhere (onnxruntime, Netron):
//! input "image" [batch, channels, height, width] of pixel / 255, output "probabilities" [batch, classes].
//! Dropout is left out (it does nothing at inference); batch norm uses its running statistics. The protobuf is written by hand (protobuf.js);
//! field numbers are those of onnx.proto.

import { prepare } from './model.js';
import { parameterTensors } from './network.js';
import { Message } from './protobuf.js';

const OPSET = 13;
const IR_VERSION = 7; // the IR version of opset 13
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR = { FLOAT: 1, INT: 2, INTS: 7 }; // AttributeProto.AttributeType

function attribute(name, type, value) {
  const a = new Message().string(1, name);
  if (type === ATTR.FLOAT) a.float(2, value);
  if (type === ATTR.INT) a.int(3, value);
  if (type === ATTR.INTS) for (const v of value) a.int(8, v);
  return a.int(20, type);
}

/** NodeProto: inputs (1), outputs (2), name (3), op_type (4), attributes (5). */
function node(opType, name, inputs, outputs, attributes = []) {
  const n = new Message();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, opType);
  for (const a of attributes) n.field(5, a);
  return n;
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9: little-endian values). */
function tensor(name, shape, data) {
  const t = new Message();
  for (const d of shape) t.int(1, d);
  t.int(2, FLOAT).string(8, name);
  const raw = new Uint8Array(4 * data.length);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return t.field(9, raw);
}

/** ValueInfoProto of a float tensor: name (1), type (2) → TypeProto.tensor_type (1) → elem_type (1), shape (2). */
function valueInfo(name, dims) {
  const shape = new Message();
  for (const d of dims) shape.field(1, typeof d === 'string' ? new Message().string(2, d) : new Message().int(1, d));
  const tensorType = new Message().int(1, FLOAT).field(2, shape);
  return new Message().string(1, name).field(2, new Message().field(1, tensorType));
}

/** The ONNX nodes of the network, in order, and the name of the tensor each layer leaves. */
function graphNodes(layers) {
  const nodes = [];
  let x = 'image';
  for (const l of layers) {
    const op = l.op;
    const out = l.name;
    switch (op.op) {
      case 'conv2d': {
        const { top, bottom, left, right } = op.pad;
        nodes.push(node('Conv', l.name, [x, `${l.name}.weight`, `${l.name}.bias`], [out], [
          attribute('kernel_shape', ATTR.INTS, [op.kh, op.kw]),
          attribute('strides', ATTR.INTS, [op.stride, op.stride]),
          attribute('pads', ATTR.INTS, [top, left, bottom, right]), // begins of H, W, then ends
        ]));
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d':
        // No padding, floor rounding (ceil_mode 0): the engine's pooling.
        nodes.push(node(op.op === 'maxpool2d' ? 'MaxPool' : 'AveragePool', l.name, [x], [out], [
          attribute('kernel_shape', ATTR.INTS, [op.size, op.size]),
          attribute('strides', ATTR.INTS, [op.stride, op.stride]),
        ]));
        break;
      case 'flatten':
        nodes.push(node('Flatten', l.name, [x], [out], [attribute('axis', ATTR.INT, 1)])); // NCHW → N×(C·H·W), channel-major
        break;
      case 'dense':
        // y = x·Wᵀ + b with W [units, inputs], the engine's layout.
        nodes.push(node('Gemm', l.name, [x, `${l.name}.weight`, `${l.name}.bias`], [out], [attribute('transB', ATTR.INT, 1)]));
        break;
      case 'dropout':
        continue; // identity at inference
      case 'batchnorm':
        // Inference: the running statistics. X may be [N, C] (after a dense layer) or [N, C, H, W].
        nodes.push(node('BatchNormalization', l.name,
          [x, `${l.name}.weight`, `${l.name}.bias`, `${l.name}.running_mean`, `${l.name}.running_var`], [out],
          [attribute('epsilon', ATTR.FLOAT, 1e-5)]));
        break;
      case 'activation': {
        const f = op.function;
        if (f === 'relu') nodes.push(node('Relu', l.name, [x], [out]));
        else if (f === 'sigmoid') nodes.push(node('Sigmoid', l.name, [x], [out]));
        else if (f === 'tanh') nodes.push(node('Tanh', l.name, [x], [out]));
        else if (f === 'leaky_relu') nodes.push(node('LeakyRelu', l.name, [x], [out], [attribute('alpha', ATTR.FLOAT, op.alpha)]));
        else if (f === 'elu') nodes.push(node('Elu', l.name, [x], [out], [attribute('alpha', ATTR.FLOAT, op.alpha)]));
        else throw new Error(`the activation "${f}" has no ONNX operator here`);
        break;
      }
      default:
        throw new Error(`the layer "${op.op}" has no ONNX operator here`);
    }
    x = out;
  }
  nodes.push(node('Softmax', 'softmax', [x], ['probabilities'], [attribute('axis', ATTR.INT, 1)]));
  return nodes;
}

/**
 * The ONNX model file of the trained network (see index.js for `model`; it needs layout and values).
 * @returns {Uint8Array}
 */
export function onnxModel(model) {
  const m = prepare(model);
  if (!m.layout || !m.values) throw new Error('the ONNX model needs the engine\'s paramLayout() and paramValues()');
  const { c, h, w } = m.summary.input;
  // GraphProto: node (1), name (2), initializer (5), doc_string (10), input (11), output (12).
  const graph = new Message();
  for (const n of graphNodes(m.layers)) graph.field(1, n);
  graph.string(2, 'playground');
  for (const t of parameterTensors(m.summary, m.layout, m.values, m.state)) graph.field(5, tensor(`${t.layer}.${t.role}`, t.shape, t.data));
  graph.string(10, `${m.title}: pixels / 255 in, class probabilities out.`);
  graph.field(11, valueInfo('image', ['batch', c, h, w]));
  graph.field(12, valueInfo('probabilities', ['batch', m.summary.classes]));
  // ModelProto: ir_version (1), producer_name (2), graph (7), opset_import (8: domain 1, version 2).
  return new Message()
    .int(1, IR_VERSION)
    .string(2, 'nn-playground')
    .field(7, graph)
    .field(8, new Message().string(1, '').int(2, OPSET))
    .encode();
}
