//! The data column: which dataset (built-in, or a person's own IDX files by picker or drag and drop),
//! a strip of training images, the train/test counts, augmentation, and where the data comes from.

import { h, replace, helpNote, uniqueId } from '../lib/dom.js';
import { paintGrey } from '../lib/colors.js';
import { formatInt } from '../lib/format.js';
import { SETTING } from '../state/schema.js';

const LIMITS = [0, 4000, 2000, 1000, 500, 250, 100];

export function mountDataPanel(controller, el) {
  const { run, settings } = controller;
  const groupName = uniqueId('dataset');
  let showFiles = settings.get().dataset === 'custom';

  const choices = h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': `${groupName}-legend` });
  const fileInput = h('input', { type: 'file', multiple: true, id: uniqueId('files'), class: 'visually-hidden', accept: '.gz,.idx,.idx1-ubyte,.idx3-ubyte,application/gzip,application/octet-stream' });
  const dropzone = h('div', { class: 'dropzone', hidden: !showFiles },
    h('p', {}, 'Drop IDX files here — images and labels, optionally a test pair too (.gz is fine) — or'),
    h('label', { class: 'button', for: fileInput.id }, 'Choose files…'),
    fileInput,
    h('p', { class: 'fine' }, 'For example train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz from MNIST, Fashion-MNIST, KMNIST or EMNIST.'));
  // The loading message takes the sample strip's caption, and the counts show dashes until the data
  // arrives: the column keeps its height, so nothing below it jumps.
  const status = h('span', { class: 'data-status', role: 'status' });
  const error = h('div', { class: 'error-box', role: 'alert', hidden: true, id: 'data-error' });
  const sample = h('canvas', { class: 'sample-strip', role: 'img', 'aria-label': 'A sample of training images' });
  const counts = h('dl', { class: 'counts' });
  const files = h('ul', { class: 'file-notes fine' });

  // Its options come with the data; the class keeps the field's width (and so the column's height) meanwhile.
  const limitSelect = h('select', { id: uniqueId('limit'), class: 'limit-select' });
  limitSelect.addEventListener('change', () => settings.set({ trainLimit: Number(limitSelect.value) }));
  const augment = h('input', { type: 'checkbox', id: uniqueId('augment') });
  augment.addEventListener('change', () => settings.set({ augment: augment.checked }));
  const credit = h('p', { class: 'credit fine' });

  replace(el,
    h('fieldset', { class: 'dataset-choice' },
      h('legend', { id: `${groupName}-legend` }, 'Dataset', helpNote('the dataset', SETTING.dataset.help)),
      choices),
    dropzone,
    error,
    h('figure', { class: 'samples' }, sample, h('figcaption', { class: 'fine' }, status)),
    counts,
    files,
    h('div', { class: 'field' },
      h('label', { for: limitSelect.id }, SETTING.trainLimit.label),
      limitSelect,
      helpNote(SETTING.trainLimit.label, SETTING.trainLimit.help)),
    h('div', { class: 'field check' },
      augment,
      h('label', { for: augment.id }, SETTING.augment.label),
      helpNote('augmentation', SETTING.augment.help)),
    credit,
    h('p', { class: 'privacy fine' }, 'Training happens in this browser; no data leaves it.'));

  // Files: picker and drag and drop (on the whole column, so a near miss still works).
  async function takeFiles(list) {
    const chosen = [...list];
    if (chosen.length === 0) return;
    const loaded = await Promise.all(chosen.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    await controller.useFiles(loaded);
  }
  fileInput.addEventListener('change', () => {
    takeFiles(fileInput.files);
    fileInput.value = '';
  });
  const column = el.closest('section') ?? el;
  column.addEventListener('dragover', (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
    e.preventDefault();
    dropzone.hidden = false;
    dropzone.classList.add('is-over');
  });
  column.addEventListener('dragleave', (e) => {
    if (!column.contains(e.relatedTarget)) dropzone.classList.remove('is-over');
  });
  column.addEventListener('drop', (e) => {
    if (!e.dataTransfer?.files?.length) return;
    e.preventDefault();
    dropzone.classList.remove('is-over');
    showFiles = true;
    takeFiles(e.dataTransfer.files);
  });

  // The radios are made once per list of datasets and updated in place: replacing (or disabling)
  // the focused radio would drop the keyboard focus to the page's start.
  let choiceKey = '';
  let wanted = null;
  function renderChoices() {
    const r = run.get();
    const current = settings.get().dataset;
    const options = [...r.datasets.map((d) => ({ id: d.id, name: d.name })), { id: 'custom', name: SETTING.dataset.optionLabels.custom }];
    const key = JSON.stringify(options);
    if (key !== choiceKey) {
      choiceKey = key;
      replace(choices, options.map((o) => {
        const id = `${groupName}-${o.id}`;
        const input = h('input', {
          type: 'radio', name: groupName, id, value: o.id,
          onchange: () => {
            showFiles = o.id === 'custom';
            dropzone.hidden = !showFiles;
            if (showFiles) return;
            // The radio shows the choice while it loads; afterwards, the data in use.
            wanted = o.id;
            controller.useBuiltin(o.id).finally(() => {
              if (wanted === o.id) wanted = null;
              render();
            });
          },
        });
        return h('div', { class: 'choice' }, input, h('label', { for: id }, o.name));
      }));
    }
    const selected = showFiles ? 'custom' : wanted ?? current;
    for (const input of choices.querySelectorAll('input')) input.checked = input.value === selected;
    choices.setAttribute('aria-busy', String(!!r.dataBusy));
    dropzone.hidden = !showFiles;
  }

  function drawSample(data) {
    const [, hh, ww] = data.shape;
    const per = hh * ww;
    const all = Math.floor(data.sample.length / per);
    const cols = Math.min(all, 8);
    const rows = Math.max(1, Math.floor(all / cols));
    const n = Math.min(all, rows * cols);
    const gap = 1;
    sample.width = cols * (ww + gap) - gap;
    sample.height = rows * (hh + gap) - gap;
    sample.style.aspectRatio = `${sample.width} / ${sample.height}`;
    const ctx = sample.getContext('2d');
    ctx.clearRect(0, 0, sample.width, sample.height);
    const img = ctx.createImageData(ww, hh);
    for (let i = 0; i < n; i++) {
      paintGrey(img, data.sample, i * per);
      ctx.putImageData(img, (i % cols) * (ww + gap), Math.floor(i / cols) * (hh + gap));
    }
  }

  function render() {
    const r = run.get();
    const s = settings.get();
    renderChoices();
    error.hidden = !r.dataError;
    error.textContent = r.dataError ?? '';
    const data = r.data;
    status.textContent = r.dataBusy ? 'Loading the data…' : 'Some training images';
    if (!data) {
      replace(counts, ['training', 'test', 'image', 'classes'].map((k) => h('div', {}, h('dt', {}, k), h('dd', {}, '–'))));
    } else {
      drawSample(data);
      replace(counts,
        h('div', {}, h('dt', {}, 'training'), h('dd', {}, formatInt(data.nTrain))),
        h('div', {}, h('dt', {}, 'test'), h('dd', {}, formatInt(data.nTest))),
        h('div', {}, h('dt', {}, 'image'), h('dd', {}, `${data.shape[1]}×${data.shape[2]}`)),
        h('div', {}, h('dt', {}, 'classes'), h('dd', {}, formatInt(data.classes.length ?? data.classes))));
      replace(files, data.id === 'custom' ? data.info.files.map((f) => h('li', {}, f)) : []);
      credit.textContent = data.credit ? `Data: ${data.credit}` : '';
      const available = data.info?.nTrain ?? data.nTrain;
      const values = LIMITS.filter((v) => v === 0 || v < available);
      if (s.trainLimit > 0 && !values.includes(s.trainLimit)) values.push(s.trainLimit);
      replace(limitSelect, values.map((v) => h('option', { value: String(v), selected: v === s.trainLimit }, v === 0 ? `all ${formatInt(available)}` : formatInt(v))));
    }
    augment.checked = s.augment;
  }
  run.subscribe(render, ['data', 'dataError', 'dataBusy', 'datasets', 'scheme']);
  settings.subscribe(render, ['dataset', 'trainLimit', 'augment']);
  render();
}
