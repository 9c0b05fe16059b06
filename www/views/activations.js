//! One image followed through the network: every layer's output as small maps (one per channel) or a
//! strip of values, on a diverging scale centred at 0, ending with the class probabilities.

import { h, replace, helpNote, uniqueId } from '../lib/dom.js';
import { paintDiverging, maxAbs, divergingLegend } from '../lib/colors.js';
import { inspectedImage } from '../lib/inspected-image.js';
import { formatDims, formatInt, formatPercent } from '../lib/format.js';
import { saliencyPanel } from './saliency.js';

const MAX_MAPS = 16;
const MAX_UNITS = 256;

export function mountActivations(controller, el) {
  const { run, client } = controller;
  const indexInput = h('input', { type: 'number', id: uniqueId('test-index'), min: '1', step: '1', inputmode: 'numeric', class: 'narrow' });
  const prev = h('button', { type: 'button', class: 'small', 'aria-label': 'Previous test image', onclick: () => move(-1) }, '←');
  const next = h('button', { type: 'button', class: 'small', 'aria-label': 'Next test image', onclick: () => move(1) }, '→');
  const caption = h('p', { class: 'activation-caption' });
  const layers = h('ol', { class: 'activation-layers' });
  const saliency = saliencyPanel(controller, { id: 'activation-saliency', what: 'this image' });
  replace(el,
    h('div', { class: 'section-head' }, h('h3', {}, 'Inside the network'),
      helpNote('activations', 'What every layer computes for one image. Each small map is one channel (one filter\'s response); blue is positive, vermillion negative, white near zero. Dense layers are shown as a strip, one cell per neuron. Choose an image here, in the mistakes, or draw one.')),
    h('div', { class: 'activation-picker' },
      h('label', { for: indexInput.id }, 'Test image'), prev, indexInput, next),
    caption,
    saliency.el,
    layers);

  indexInput.addEventListener('change', () => {
    const n = run.get().data?.testLabels?.length ?? 0;
    const i = Math.round(Number(indexInput.value)) - 1;
    if (Number.isFinite(i) && i >= 0 && i < n) run.set({ inspect: { kind: 'test', index: i } });
  });

  function move(delta) {
    const n = run.get().data?.testLabels?.length ?? 0;
    if (!n) return;
    const cur = run.get().inspect;
    const i = cur?.kind === 'test' ? cur.index : -1;
    run.set({ inspect: { kind: 'test', index: (i + delta + n) % n } });
  }

  let busy = false;
  let pending = false;
  let lastAt = 0;

  async function refresh() {
    const r = run.get();
    if (!r.summary || !r.data?.testImages) return;
    if (busy) {
      pending = true;
      return;
    }
    const chosen = inspectedImage(r);
    if (!chosen) return;
    const { image, label, short } = chosen;
    if (chosen.index === null) {
      indexInput.value = '';
    } else {
      indexInput.value = String(chosen.index + 1);
      indexInput.max = String(r.data.testLabels.length);
    }
    busy = true;
    lastAt = performance.now();
    try {
      const maps = await client.activations(image);
      // The prediction comes from the same pass as the pictures and bars below (the last test
      // evaluation may be older while the network trains).
      const top = render(maps, r.data.classes);
      caption.textContent = `Following ${label}${top !== null ? `, predicted ${r.data.classes[top]}` : ''}.`;
      saliency.show(image, short, chosen.key);
    } catch (err) {
      caption.textContent = `The activations could not be computed: ${err.message}`;
    } finally {
      busy = false;
      if (pending) {
        pending = false;
        refresh();
      }
    }
  }

  // The rows stay while the network's shape does: a refresh (every evaluation while training)
  // repaints the same canvases instead of creating ~100 new ones and their contexts.
  let structure = '';
  let painters = [];

  function render(maps, names) {
    // An implicit flatten only reshapes the previous output; it adds nothing to look at.
    const shown = maps.filter((m) => !/\(implicit\)/.test(m.label));
    const last = shown.at(-1);
    const probs = last && last.dims.c === names.length && last.dims.h * last.dims.w === 1 ? softmax(last.data) : null;
    const key = `${shown.map((m) => `${m.label}:${formatDims(m.dims)}`).join(',')}|${probs ? names.join(',') : ''}`;
    if (key !== structure) {
      structure = key;
      painters = [...shown.map((m) => layerRow(m)), ...(probs ? [probabilityRow(names)] : [])];
      replace(layers, painters.map((p) => p.el));
    }
    shown.forEach((m, i) => painters[i].paint(m));
    if (!probs) return null;
    painters.at(-1).paint(probs);
    let top = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k] > probs[top]) top = k;
    return top;
  }

  /** The class scores become probabilities the way the loss sees them: p_k = e^{z_k} / Σ_j e^{z_j}. */
  function softmax(z) {
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v);
    const e = Array.from(z, (v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  }

  function probabilityRow(names) {
    const items = names.map((name) => {
      const fill = h('span', { class: 'bar-fill' });
      const value = h('span', { class: 'bar-value' });
      const li = h('li', {}, h('span', { class: 'bar-label' }, name), h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill), value);
      return { li, fill, value };
    });
    const el = h('li', { class: 'activation-layer' },
      h('div', { class: 'activation-head' }, h('span', { class: 'activation-label' }, 'softmax'), h('span', { class: 'fine' }, 'the class probabilities')),
      h('ol', { class: 'prob-bars compact' }, items.map((x) => x.li)));
    const paint = (probs) => {
      let best = 0;
      for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
      items.forEach((x, i) => {
        x.li.className = i === best ? 'best' : '';
        x.fill.style.width = `${(probs[i] * 100).toFixed(1)}%`;
        x.value.textContent = formatPercent(probs[i], 0);
      });
    };
    return { el, paint };
  }

  /** One layer's output: a small map per channel, or a strip with one cell per value. */
  function layerRow(m) {
    const { c, h: hh, w: ww } = m.dims;
    const head = h('div', { class: 'activation-head' }, h('span', { class: 'activation-label' }, m.label), h('span', { class: 'fine' }, formatDims(m.dims)));
    const scale = h('div', { class: 'activation-scale fine' });
    let body;
    let draw;
    if (hh * ww > 1) {
      const shown = Math.min(c, MAX_MAPS);
      const size = Math.max(2.25, Math.min(4, ww * 0.14));
      const canvases = Array.from({ length: shown }, (_, ch) => {
        const canvas = h('canvas', { class: 'map', width: ww, height: hh, title: `channel ${ch + 1}` });
        canvas.style.width = `${size}rem`;
        return canvas;
      });
      const contexts = canvases.map((canvas) => canvas.getContext('2d'));
      const img = contexts[0].createImageData(ww, hh);
      body = h('div', { class: 'maps' }, canvases, shown < c ? h('span', { class: 'fine' }, `+${c - shown} more`) : null);
      draw = (data, max) => contexts.forEach((ctx, ch) => {
        paintDiverging(img, data, ch * hh * ww, max);
        ctx.putImageData(img, 0, 0);
      });
    } else {
      const units = Math.min(c, MAX_UNITS);
      const cols = units <= 64 ? Math.min(units, 16) : 32;
      const rows = Math.ceil(units / cols);
      const canvas = h('canvas', { class: 'strip', width: cols, height: rows, title: `${formatInt(c)} values` });
      canvas.style.width = `${cols * (units <= 64 ? 0.9 : 0.5)}rem`;
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(cols, rows);
      const padded = new Float32Array(cols * rows);
      body = h('div', { class: 'maps' }, canvas, units < c ? h('span', { class: 'fine' }, `first ${units} of ${formatInt(c)}`) : null);
      draw = (data, max) => {
        padded.set(data.subarray(0, units));
        paintDiverging(img, padded, 0, max);
        ctx.putImageData(img, 0, 0);
      };
    }
    const paint = (next) => {
      const max = maxAbs(next.data) || 1;
      draw(next.data, max);
      const legend = divergingLegend(h, max, 'value');
      if (scale.firstChild?.getAttribute('aria-label') !== legend.getAttribute('aria-label')) replace(scale, legend);
    };
    return { el: h('li', { class: 'activation-layer' }, head, body, scale), paint };
  }

  run.subscribe((r, changed) => {
    if (changed.includes('inspect') || changed.includes('runId') || changed.includes('scheme')) {
      refresh();
      return;
    }
    // While training: follow the weights, but not more than about once a second.
    if (changed.includes('evaluation') || (changed.includes('params') && performance.now() - lastAt > 1500)) refresh();
  }, ['inspect', 'runId', 'evaluation', 'params', 'scheme']);
}
