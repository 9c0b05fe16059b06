//! safetensors files: an 8-byte little-endian header length, a JSON header
//! { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { key: "string" } }, padded
//! with spaces to a multiple of 8 bytes, then every tensor's raw little-endian values.

import { prepare } from './model.js';
import { parameterTensors } from './network.js';

/**
 * A safetensors file of float32 tensors.
 * @param {{ name: string, shape: number[], data: Float32Array }[]} tensors  written in this order
 * @param {Record<string, string>} [metadata]  string values only (the format's rule)
 * @returns {Uint8Array}
 */
export function safetensorsBytes(tensors, metadata = {}) {
  const header = {};
  if (Object.keys(metadata).length) header.__metadata__ = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`${t.name}: shape [${t.shape}] holds ${count} values, the data ${t.data.length}`);
    if (t.name in header) throw new Error(`two tensors are called ${t.name}`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  // Padding keeps the values 8-byte aligned, which readers that map the file use.
  const jsonBytes = () => new TextEncoder().encode(json);
  while (jsonBytes().length % 8 !== 0) json += ' ';
  const head = jsonBytes();
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return out;
}

/**
 * The model's parameters named as the PyTorch script's state_dict ("conv1.weight", "conv1.bias",
 * "dense5.weight", …) in PyTorch's layout, which is the engine's: conv OIHW, dense [out, in].
 */
export function pytorchTensors(model) {
  const m = prepare(model);
  if (!m.layout || !m.values) throw new Error('the weights need the engine\'s paramLayout() and paramValues()');
  return parameterTensors(m.summary, m.layout, m.values, m.state).map((t) => ({ name: `${t.layer}.${t.role}`, shape: t.shape, data: t.data }));
}

/** The safetensors file the PyTorch script loads with --weights. */
export function pytorchWeights(model) {
  const m = prepare(model);
  return safetensorsBytes(pytorchTensors(model), { format: 'pt', source: 'nn-playground', parameters: String(m.summary.totalParams) });
}
