//! Save and load a trained model: "Save model" downloads the engine's file of the current network
//! (its spec, weights and optimizer state); "Load model" reads one back, and the page's settings,
//! network and link follow it. A file that cannot be used is explained here and changes nothing.

import { h, replace, helpNote, uniqueId } from '../lib/dom.js';

export function mountModelFile(controller, el) {
  const { run } = controller;
  const save = h('button', { type: 'button', id: 'btn-save-model', disabled: true }, 'Save model');
  const input = h('input', { type: 'file', id: uniqueId('model-file'), accept: '.nnpg,application/octet-stream', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', 'aria-label': 'Model file' });
  const load = h('button', { type: 'button', id: 'btn-load-model' }, 'Load model…');
  const status = h('p', { class: 'fine model-status', role: 'status' });
  const error = h('div', { class: 'error-box', role: 'alert', id: 'model-error', hidden: true });

  replace(el,
    h('div', { class: 'model-file' },
      save, load, input,
      helpNote('saving and loading a model', 'Save model downloads a file with this network\'s weights, its settings and the optimizer\'s memory (nothing is uploaded: it goes from this tab to your computer). Load model reads such a file back: the same network, ready to test, to draw on, or to train further.')),
    status,
    error);

  save.addEventListener('click', async () => {
    const file = await controller.saveModel();
    if (!file) return;
    const url = URL.createObjectURL(new Blob([file.bytes], { type: 'application/octet-stream' }));
    const a = h('a', { href: url, download: file.name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    // The download has its own reference to the data by now; the URL is not needed any more.
    setTimeout(() => URL.revokeObjectURL(url), 0);
    status.textContent = `Saved ${file.name} (${Math.ceil(file.bytes.byteLength / 1000).toLocaleString('en-US')} KB).`;
  });

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
    load.disabled = !!r.modelBusy;
    error.hidden = !r.modelError;
    error.textContent = r.modelError ?? '';
  };
  run.subscribe(render, ['summary', 'modelBusy', 'modelError']);
  render(run.get());
}
