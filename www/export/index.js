//! Export: the current network for PyTorch, Keras and ONNX. Pure functions of plain data (no DOM, no
//! worker), so they run in the page, in a worker and in Node.
//!
//! ## The model every function takes
//!
//!   {
//!     spec,      // engine.spec(): the model spec with its defaults filled in (buildSpec's output works too)
//!     summary,   // engine.summary() for that spec: { input, classes, layers, totalParams, … }
//!     layout,    // engine.paramLayout(): [{ name, layer, offset, len, shape, decay }]   (weights, ONNX)
//!     values,    // engine.paramValues(): Float32Array                                    (weights, ONNX)
//!     state,     // engine.layerState(): Float32Array, batch norm's running statistics     (weights, ONNX)
//!     data,      // { name: 'mnist'|'fashion'|'custom', nTrain, nTest, splitSeed?, separateTest?,
//!                //   files?: { images, labels, testImages?, testLabels? } }: what the page trained on
//!                //   (the worker's LOAD_DATA answer has nTrain, nTest and separateTest; custom data
//!                //   needs the person's file names, builtin data has its own)
//!     title,     // optional: the scripts' first line (default: the dataset's name)
//!   }
//!
//! ## What it gives
//!
//!   pytorchScript(model) → string       train_pytorch.py: nn.Module, optimizer, schedule, IDX loader,
//!                                       training loop (one process, or torchrun with DDP), --weights
//!   kerasScript(model)   → string       train_keras.py: the same in Keras 3, channels last
//!   pytorchWeights(model) → Uint8Array  model.safetensors: state_dict names ("conv1.weight"), OIHW
//!   kerasWeights(model)   → Uint8Array  model_keras.npz: "conv1.kernel" HWIO, "dense5.kernel" [in, out]
//!   onnxModel(model)      → Uint8Array  model.onnx: opset 13, "image" → "probabilities"
//!   exportFiles(model, { weights = true }) → [{ name, type, content: string|Uint8Array }]
//!                                       all of the above with their file names and MIME types; the
//!                                       weights files and ONNX only when `weights` and the model has
//!                                       layout and values
//!
//! Every function throws an Error with a sentence when the input does not describe one network (a
//! summary from another spec, a layout that does not fit the summary).
//!
//! The scripts state the network's parameter count and assert it at run time; with --weights they
//! load the files above, and with --epochs 0 they only test, printing the test accuracy on the page's
//! test images (they make the page's seeded split of the same files).

import { kerasScript } from './keras.js';
import { zipStored } from './zip.js';
import { kerasWeights } from './npz.js';
import { onnxModel } from './onnx.js';
import { pytorchScript } from './pytorch.js';
import { pytorchWeights } from './safetensors.js';

export { kerasScript, kerasWeights, onnxModel, pytorchScript, pytorchWeights };

/** File names the scripts' headers use. */
export const FILE_NAMES = {
  pytorchScript: 'train_pytorch.py',
  kerasScript: 'train_keras.py',
  pytorchWeights: 'model.safetensors',
  kerasWeights: 'model_keras.npz',
  onnx: 'model.onnx',
};

/**
 * Every export file of the model.
 * @returns {{ name: string, type: string, content: string|Uint8Array }[]}
 */
export function exportFiles(model, { weights = true } = {}) {
  const files = [
    { name: FILE_NAMES.pytorchScript, type: 'text/x-python', content: pytorchScript(model) },
    { name: FILE_NAMES.kerasScript, type: 'text/x-python', content: kerasScript(model) },
  ];
  if (weights && model.layout && model.values) {
    files.push(
      { name: FILE_NAMES.pytorchWeights, type: 'application/octet-stream', content: pytorchWeights(model) },
      { name: FILE_NAMES.kerasWeights, type: 'application/octet-stream', content: kerasWeights(model) },
      { name: FILE_NAMES.onnx, type: 'application/octet-stream', content: onnxModel(model) },
    );
  }
  return files;
}

/** What each export offers to download: a framework's script with its weights, or the ONNX model. */
export const BUNDLES = {
  pytorch: { label: 'PyTorch', files: [FILE_NAMES.pytorchScript, FILE_NAMES.pytorchWeights], extension: 'zip' },
  keras: { label: 'Keras', files: [FILE_NAMES.kerasScript, FILE_NAMES.kerasWeights], extension: 'zip' },
  onnx: { label: 'ONNX', files: [FILE_NAMES.onnx], extension: 'onnx' },
};

/**
 * One download: a ZIP of a framework's script and weights (they load each other by these names), or
 * the ONNX file on its own.
 * @param {'pytorch'|'keras'|'onnx'} kind
 * @param {string} stem  the file name without its extension
 * @returns {{ name: string, type: string, bytes: Uint8Array }}
 */
export function exportBundle(model, kind, stem) {
  const bundle = BUNDLES[kind];
  if (!bundle) throw new Error(`there is no export "${kind}"`);
  const files = exportFiles(model).filter((f) => bundle.files.includes(f.name));
  const bytesOf = (f) => (typeof f.content === 'string' ? new TextEncoder().encode(f.content) : f.content);
  if (bundle.extension === 'zip') {
    return { name: `${stem}.zip`, type: 'application/zip', bytes: zipStored(files.map((f) => ({ name: f.name, bytes: bytesOf(f) }))) };
  }
  return { name: `${stem}.${bundle.extension}`, type: 'application/octet-stream', bytes: bytesOf(files[0]) };
}
