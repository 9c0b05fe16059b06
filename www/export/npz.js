//! .npz files (numpy's np.savez): a ZIP of .npy files, stored without compression. Each .npy is the
//! magic "\x93NUMPY", version 1.0, a little-endian u16 header length, a Python-dict header padded
//! with spaces and ended by "\n" so that the values start at a multiple of 64 bytes, then the values.

import { prepare } from './model.js';
import { oihwToHwio, parameterTensors, transpose2d } from './network.js';
import { zipStored } from './zip.js';

/**
 * One .npy file of float32 values (C order).
 * @param {number[]} shape
 * @param {Float32Array} data
 * @returns {Uint8Array}
 */
export function npyBytes(shape, data) {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`shape [${shape}] holds ${count} values, the data ${data.length}`);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${dims}, }`;
  const prefix = 10; // magic (6), version (2), header length (2)
  header += ' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(prefix + header.length + 4 * data.length);
  const view = new DataView(out.buffer);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY, version 1.0
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  let at = prefix + header.length;
  for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i], true);
  return out;
}

/**
 * An .npz file: np.load(path)[name] gives each array.
 * @param {{ name: string, shape: number[], data: Float32Array }[]} arrays
 * @returns {Uint8Array}
 */
export function npzBytes(arrays) {
  return zipStored(arrays.map((a) => ({ name: `${a.name}.npy`, bytes: npyBytes(a.shape, a.data) })));
}

/** Keras's names of batch norm's γ and running statistics (its β is "beta"). */
const KERAS_BATCHNORM = { weight: 'gamma', running_mean: 'moving_mean', running_var: 'moving_variance' };

/**
 * The model's parameters in Keras's layout, named "<layer>.kernel" and "<layer>.bias" (batch norm:
 * "<layer>.gamma", ".beta", ".moving_mean", ".moving_variance"): conv kernels
 * [kh, kw, in, out] (HWIO) from the engine's [out, in, kh, kw], dense kernels [in, out], the
 * transpose of the engine's [out, in].
 */
export function kerasTensors(model) {
  const m = prepare(model);
  if (!m.layout || !m.values) throw new Error('the weights need the engine\'s paramLayout() and paramValues()');
  return parameterTensors(m.summary, m.layout, m.values, m.state).map((t) => {
    if (t.shape.length === 1 && t.role !== 'bias') return { name: `${t.layer}.${KERAS_BATCHNORM[t.role]}`, shape: t.shape, data: t.data };
    if (t.role === 'bias' && t.layer.startsWith('batchnorm')) return { name: `${t.layer}.beta`, shape: t.shape, data: t.data };
    if (t.role === 'bias') return { name: `${t.layer}.bias`, shape: t.shape, data: t.data };
    if (t.shape.length === 4) {
      const [o, i, h, w] = t.shape;
      return { name: `${t.layer}.kernel`, shape: [h, w, i, o], data: oihwToHwio(t.data, t.shape) };
    }
    const [units, inputs] = t.shape;
    return { name: `${t.layer}.kernel`, shape: [inputs, units], data: transpose2d(t.data, t.shape) };
  });
}

/** The .npz file the Keras script loads with --weights. */
export function kerasWeights(model) {
  return npzBytes(kerasTensors(model));
}
