//! Save and load a trained model: "Save model" downloads the engine's file of the current network
//! (its spec, weights and optimizer state); "Load model" reads one back, and the page's settings,
//! network and link follow it. A file that cannot be used is explained here and changes nothing.
//! "Export" downloads the network with its trained weights for PyTorch, Keras or ONNX.

import { h, replace, helpNote, uniqueId } from '../lib/dom.js';
import { BUNDLES } from '../export/index.js';
import { download } from '../lib/download.js';

const EXPORT_HELP = 'Carry on in a real framework with this network and its trained weights. PyTorch and Keras: a ZIP with a training script (the same layers, optimizer, learning-rate schedule and L2, a loader for these images, a training loop; PyTorch also runs on a GPU and with torchrun on several) and the weights it loads — run it with --epochs 0 --weights to print the same test accuracy as here. ONNX: the trained network for inference elsewhere (onnxruntime, Netron).';

export function mountModelFile(controller, el) {
  const { run } = controller;
  const save = h('button', { type: 'button', id: 'btn-save-model', disabled: true }, 'Save model');
  const input = h('input', { type: 'file', id: uniqueId('model-file'), accept: '.nnpg,application/octet-stream', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', 'aria-label': 'Model file' });
  const load = h('button', { type: 'button', id: 'btn-load-model' }, 'Load model…');
  const exports = Object.entries(BUNDLES).map(([kind, bundle]) =>
    h('button', { type: 'button', class: 'export-button', dataset: { export: kind }, disabled: true, title: `A .${bundle.extension} file: ${bundle.files.join(' and ')}` }, bundle.label));
  const status = h('p', { class: 'fine model-status', role: 'status' });
  const error = h('div', { class: 'error-box', role: 'alert', id: 'model-error', hidden: true });

  replace(el,
    h('div', { class: 'model-file' },
      save, load, input,
      helpNote('saving and loading a model', 'Save model downloads a file with this network\'s weights, its settings and the optimizer\'s memory (nothing is uploaded: it goes from this tab to your computer). Load model reads such a file back: the same network, ready to test, to draw on, or to train further.')),
    h('div', { class: 'model-file export', role: 'group', 'aria-label': 'Export the trained network' },
      h('span', { class: 'fine' }, 'Export for'), ...exports,
      helpNote('exporting to PyTorch, Keras or ONNX', EXPORT_HELP)),
    status,
    error);

  save.addEventListener('click', async () => {
    const file = await controller.saveModel();
    if (!file) return;
    download(file.name, file.bytes, 'application/octet-stream');
    status.textContent = `Saved ${file.name} (${Math.ceil(file.bytes.byteLength / 1000).toLocaleString('en-US')} KB).`;
  });

  for (const button of exports) {
    button.addEventListener('click', async () => {
      const file = await controller.exportModel(button.dataset.export);
      if (!file) return;
      download(file.name, file.bytes, file.type);
      status.textContent = `Exported ${file.name} (${Math.ceil(file.bytes.byteLength / 1000).toLocaleString('en-US')} KB).`;
    });
  }

  load.addEventListener('click', () => input.click());
  input.addEventListener('change', async () => {
    const chosen = input.files?.[0];
    input.value = '';
    if (!chosen) return;
    status.textContent = `Reading ${chosen.name}…`;
    const ok = await controller.loadModel({ name: chosen.name, bytes: await chosen.arrayBuffer() });
    status.textContent = ok ? `Loaded ${chosen.name}.` : '';
  });

  const render = (r) => {
    save.disabled = !r.summary || !!r.modelBusy;
    for (const button of exports) button.disabled = save.disabled;
    load.disabled = !!r.modelBusy;
    error.hidden = !r.modelError;
    error.textContent = r.modelError ?? '';
  };
  run.subscribe(render, ['summary', 'modelBusy', 'modelError']);
  render(run.get());
}
