//! The network column: the editor and the diagram at once. Each layer is a card with its settings,
//! its output shape and parameter count (from the engine's summary); an invalid edit shows the
//! engine's message on the card that caused it while the last valid network keeps training.
//! Conv cards show their filters, updating while training.

import { h, replace, helpNote, uniqueId, perFrame, setText } from '../lib/dom.js';
import { formatInt, formatSI, formatBytes, formatDims, formatSetting } from '../lib/format.js';
import { LAYER_TYPES, MAX_LAYERS, ACTIVATION_HELP, defaultLayer, parseValue, describeRange } from '../state/schema.js';
import { drawFilters } from './filters.js';
import { exportName } from './export-picture.js';
import { buildSpec } from '../state/spec.js';

export function mountNetworkEditor(controller, el) {
  const { run, settings } = controller;
  const inputCard = h('div', { class: 'layer-card io-card', id: 'input-card' });
  const list = h('ol', { class: 'layer-list', 'aria-label': 'Hidden layers, from input to output' });
  const addSelect = h('select', { id: uniqueId('add-layer') },
    Object.entries(LAYER_TYPES).map(([type, def]) => h('option', { value: type }, `${def.label} (${def.short})`)));
  const addButton = h('button', { type: 'button', class: 'add-layer-button' }, '+ Add layer');
  const outputCard = h('div', { class: 'layer-card io-card output-card', id: 'output-card' });
  const totals = h('dl', { class: 'totals', 'aria-label': 'Network size' });
  const netError = h('div', { class: 'error-box', role: 'alert', hidden: true, id: 'network-error' });

  // The input and output cards are made once (their "?" notes stay open while the shapes update).
  const inputShape = h('p', { class: 'layer-shape' }, '…');
  replace(inputCard,
    h('div', { class: 'card-head' }, h('span', { class: 'layer-num', 'aria-hidden': 'true' }, 'in'), h('h3', {}, 'Input image'),
      helpNote('the input image', 'What the network receives: one number per pixel and channel, the grey level scaled so that paper is 0 and full ink is 1. Every layer below works on these numbers.', 'x[c, y, x] = pixel / 255')),
    inputShape);
  const outputKind = h('code', {}, 'dense 10 · softmax');
  const outputError = h('div', { class: 'card-error', role: 'alert', hidden: true });
  const outputShape = h('p', { class: 'layer-shape' });
  replace(outputCard,
    h('div', { class: 'card-head' }, h('span', { class: 'layer-num', 'aria-hidden': 'true' }, 'out'),
      h('h3', {}, 'Output ', outputKind),
      helpNote('the output layer', 'One output per class. Softmax turns the scores into probabilities that add up to 1; the loss is the cross-entropy −log p(correct class).', 'p_k = e^{z_k} / Σ_j e^{z_j};   loss = −log p_y')),
    outputError,
    outputShape);

  replace(el,
    inputCard,
    list,
    h('div', { class: 'add-layer' },
      h('label', { for: addSelect.id }, 'New layer'), addSelect, addButton,
      helpNote('adding a layer', 'Adds a layer at the end of the list, just before the output layer. Convolutions find small patterns anywhere in the image; pooling shrinks the maps; dense layers combine everything they get; dropout fights overfitting; batch norm keeps the inputs of every layer at a steady scale. Every card has its own "?".')),
    outputCard,
    netError,
    totals);

  addButton.addEventListener('click', () => {
    const layers = [...settings.get().layers, defaultLayer(addSelect.value)];
    settings.set({ layers });
    requestAnimationFrame(() => list.lastElementChild?.querySelector('input, select')?.focus());
  });

  /** Layer cards, rebuilt when the structure (types and order) changes; values update in place. */
  let signature = '';
  let cards = [];

  function setLayers(layers, focus) {
    settings.set({ layers });
    if (focus) requestAnimationFrame(() => el.getRootNode().querySelector(focus)?.focus());
  }

  function makeCard(layer, index) {
    const def = LAYER_TYPES[layer.type];
    const fieldError = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const fields = def.fields.map((f) => {
      const id = uniqueId(`l${index}-${f.name}`);
      let control;
      if (f.type === 'enum') {
        control = h('select', { id, name: f.name }, f.options.map((o) => h('option', { value: o, title: ACTIVATION_HELP[o] ?? '' }, f.optionLabels?.[o] ?? o)));
      } else {
        control = h('input', {
          id, name: f.name, type: 'number', inputmode: f.type === 'int' ? 'numeric' : 'decimal',
          min: String(f.min), max: String(f.max), step: f.type === 'int' ? '1' : 'any',
        });
      }
      control.addEventListener('change', () => {
        const r = parseValue(f, control.value);
        if (!r.ok) {
          fieldError.hidden = false;
          fieldError.textContent = `${f.label} must be ${describeRange(f)}.`;
          return;
        }
        fieldError.hidden = true;
        const layers = settings.get().layers.map((l, i) => (i === index ? { ...l, [f.name]: r.value } : l));
        setLayers(layers);
      });
      const help = f.name === 'activation' || f.name === 'fn' ? `${f.help} ${Object.values(ACTIVATION_HELP).join(' ')}` : f.help;
      return h('div', { class: 'field' }, h('label', { for: id }, f.label), control, helpNote(`${f.label} of layer ${index + 1}`, help, f.formula));
    });

    const n = settings.get().layers.length;
    const move = (delta) => {
      const layers = [...settings.get().layers];
      const [item] = layers.splice(index, 1);
      layers.splice(index + delta, 0, item);
      setLayers(layers, `.layer-card[data-index="${index + delta}"] .${delta < 0 ? 'up' : 'down'}:not(:disabled), .layer-card[data-index="${index + delta}"] .remove`);
    };
    const remove = () => {
      const layers = settings.get().layers.filter((_, i) => i !== index);
      setLayers(layers, layers.length ? `.layer-card[data-index="${Math.min(index, layers.length - 1)}"] .remove` : '.add-layer-button');
    };
    const name = `layer ${index + 1} (${def.label.toLowerCase()})`;
    const shape = h('p', { class: 'layer-shape' });
    const error = h('div', { class: 'card-error', role: 'alert', hidden: true });
    const filters = layer.type === 'conv2d' ? h('div', { class: 'filters' }) : null;
    const card = h('li', { class: 'layer-card', dataset: { index: String(index), type: layer.type } },
      h('div', { class: 'card-head' },
        h('span', { class: 'layer-num', 'aria-hidden': 'true' }, String(index + 1)),
        h('h3', {}, def.label, ' ', h('code', {}, def.short)),
        helpNote(def.label, def.help, def.formula),
        h('div', { class: 'card-actions' },
          h('button', { type: 'button', class: 'icon-button up', 'aria-label': `Move ${name} up`, title: 'Move up', disabled: index === 0, onclick: () => move(-1) }, '↑'),
          h('button', { type: 'button', class: 'icon-button down', 'aria-label': `Move ${name} down`, title: 'Move down', disabled: index === n - 1, onclick: () => move(1) }, '↓'),
          h('button', { type: 'button', class: 'icon-button remove', 'aria-label': `Remove ${name}`, title: 'Remove', onclick: remove }, '×'))),
      fields.length ? h('div', { class: 'fields' }, fields) : null,
      fieldError,
      error,
      shape,
      filters);
    return { card, shape, error, filters, layer };
  }

  // The worker sends conv weights only while some filter picture is on screen (and the tab shows).
  const onScreen = new Set();
  const watcher = typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting) onScreen.add(e.target);
        else onScreen.delete(e.target);
      }
      controller.setParamsWanted(onScreen.size > 0);
    })
    : null;

  function watchFilters() {
    if (!watcher) return;
    watcher.disconnect();
    onScreen.clear();
    const areas = cards.filter((c) => c.filters).map((c) => c.filters);
    for (const area of areas) watcher.observe(area);
    if (areas.length === 0) controller.setParamsWanted(false);
  }

  function renderStructure() {
    const layers = settings.get().layers;
    // A link refuses more layers than this, so the editor must not make a network no link can hold.
    const full = layers.length >= MAX_LAYERS;
    addButton.disabled = full;
    addButton.title = full ? `A network has at most ${MAX_LAYERS} hidden layers: remove one to add another.` : '';
    const sig = layers.map((l) => l.type).join(',');
    if (sig !== signature) {
      signature = sig;
      cards = layers.map((l, i) => makeCard(l, i));
      replace(list, cards.map((c) => c.card));
      watchFilters();
    }
    // Values, in place, so typing in one field never loses focus.
    layers.forEach((layer, i) => {
      cards[i].layer = layer;
      for (const control of cards[i].card.querySelectorAll('.fields input, .fields select')) {
        const v = layer[control.name];
        const text = typeof v === 'number' ? formatSetting(v) : String(v);
        if (control.value !== text && !(control.getRootNode().activeElement === control && Number(control.value) === v)) control.value = text;
      }
    });
  }

  function renderShapes() {
    const r = run.get();
    const s = settings.get();
    const err = r.specErrors.find((e) => e.scope === 'network') ?? null;
    const summary = r.draft ?? r.summary;
    // Shapes flow forward: with an error at layer k, the cards before it keep their shapes as long as
    // the layers up to them are the ones the last valid summary was made from.
    const spec = buildSpec(s, r.data ?? { shape: [1, 28, 28], classes: 10 }).layers;
    const known = (i) => !err || ((err.layer === null || i < err.layer) && JSON.stringify(spec.slice(0, i + 1)) === JSON.stringify(r.draftLayers?.slice(0, i + 1)));
    const input = r.data?.shape;
    setText(inputShape, input ? `${input[0]}×${input[1]}×${input[2]} pixels · ${r.data.name}` : '…');

    const perLayer = new Map();
    for (const l of summary?.layers ?? []) {
      const entry = perLayer.get(l.specIndex) ?? { params: 0, out: null, flatten: null, flops: 0 };
      entry.params += l.params;
      entry.flops += l.flops;
      if (l.implicit && l.op.op === 'flatten') entry.flatten = l;
      else entry.out = l.outDims;
      perLayer.set(l.specIndex, entry);
    }
    cards.forEach((c, i) => {
      const e = known(i) ? perLayer.get(i) : null;
      const mine = err && err.layer === i;
      c.card.classList.toggle('has-error', !!mine);
      c.card.toggleAttribute('aria-invalid', !!mine);
      c.error.hidden = !mine;
      c.error.textContent = mine ? err.message : '';
      if (e) {
        const flat = e.flatten ? `flattens ${formatDims(e.flatten.inDims)} to ${formatInt(e.flatten.outDims.c)}, then ` : '';
        c.shape.textContent = `${flat}→ ${formatDims(e.out)} · ${formatInt(e.params)} parameters`;
      } else {
        c.shape.textContent = err ? '→ ?' : '';
      }
    });
    const outIndex = s.layers.length;
    const out = known(outIndex) ? perLayer.get(outIndex) : null;
    const classes = r.data?.classes?.length ?? r.data?.classes ?? 10;
    const outErr = err && err.layer === outIndex;
    outputCard.classList.toggle('has-error', !!outErr);
    setText(outputKind, `dense ${classes} · softmax`);
    outputError.hidden = !outErr;
    setText(outputError, outErr ? err.message : '');
    setText(outputShape, out ? `${out.flatten ? `flattens ${formatDims(out.flatten.inDims)} to ${formatInt(out.flatten.outDims.c)}, then ` : ''}→ ${classes} class probabilities · ${formatInt(out.params)} parameters` : `→ ${classes} class probabilities`);

    const general = err && (err.layer === null || err.layer > outIndex);
    netError.hidden = !general;
    netError.textContent = general ? err.message : '';
    totals.classList.toggle('stale', !!err);
    if (summary) {
      replace(totals,
        h('div', {}, h('dt', {}, 'parameters'), h('dd', {}, formatInt(summary.totalParams))),
        h('div', {}, h('dt', {}, 'per example'), h('dd', {}, `${formatSI(summary.forwardFlops, 'FLOP')}`)),
        h('div', {}, h('dt', {}, 'memory'), h('dd', {}, formatBytes(summary.memoryBytes))));
      totals.title = `Forward pass ${formatSI(summary.forwardFlops, 'FLOP')} per example; training (forward and backward) about ${formatSI(summary.trainingFlops, 'FLOP')}.`;
    }
    renderFilters();
  }

  // Weights arrive a few times a second while training; the pictures follow at most once a frame.
  const renderFilters = perFrame(drawAllFilters);
  function drawAllFilters() {
    const r = run.get();
    const running = r.data?.spec?.layers;
    const current = settings.get().layers;
    cards.forEach((c, i) => {
      if (!c.filters) return;
      const same = running && JSON.stringify(running[i]) === JSON.stringify(current[i]);
      // Until the first network is built (and while its weights are on their way), an empty grid of
      // the final size holds the place, so the cards below do not jump when the pictures arrive.
      const weights = same ? r.params?.tensors.find((t) => t.layer === i && t.shape.length === 4) : null;
      const tensor = weights ?? (same || !running ? awaitedWeights(current, i, r.data?.shape[0] ?? 1) : null);
      drawFilters(c.filters, tensor, `layer ${i + 1}`, () => saveFiltersAs(i));
    });
  }

  /** A layer's filter picture as a file: its name, and the data and step its weights are from. */
  function saveFiltersAs(index) {
    const r = run.get();
    const steps = r.report?.steps ?? 0;
    return { file: exportName(r, `layer${index + 1}-filters`, 'png'), at: [r.data?.name, `${formatInt(steps)} step${steps === 1 ? '' : 's'}`].filter(Boolean).join(' · ') };
  }

  /** The shape of a conv layer's weights, [filters, channels, kernel, kernel], without the weights. */
  function awaitedWeights(layers, index, inputChannels) {
    const l = layers[index];
    if (l?.type !== 'conv2d') return null;
    const previous = layers.slice(0, index).findLast((x) => x.type === 'conv2d');
    return { shape: [l.filters, previous?.filters ?? inputChannels, l.kernel, l.kernel], data: null };
  }

  settings.subscribe(() => {
    renderStructure();
    renderShapes();
  }, ['layers']);
  run.subscribe(renderShapes, ['draft', 'summary', 'specErrors', 'data']);
  run.subscribe(renderFilters, ['params', 'summary', 'data', 'scheme']);
  renderStructure();
  renderShapes();
}
