//! One layer of the network diagram up close: what it is (shapes, parameters, work), its formula, its
//! filters (the editor's filter pictures), how large each filter's or unit's weights are, and all its
//! feature maps for the image the diagram follows. Opened by a node; the diagram repaints it with each
//! refresh.

import { h, replace, uniqueId, setText } from '../lib/dom.js';
import { paintDiverging, maxAbs, divergingLegend } from '../lib/colors.js';
import { formatDims, formatInt, formatSI, formatPercent } from '../lib/format.js';
import { mathBlock } from '../lib/mathml.js';
import { formulasOf } from '../lib/layer-formulas.js';
import { drawFilters } from './filters.js';
import { exportName } from './export-picture.js';

/** Feature maps shown in the detail. */
const DETAIL_MAPS = 32;
/** Values shown in a dense layer's strip, and bars of weight norms. */
const DETAIL_UNITS = 256;
const NORM_BARS = 64;

/**
 * @param {import('../controller.js').Controller} controller
 * @param {{ onClose: () => void }} options  the close button's action (the diagram also clears its node)
 */
export function layerDetail(controller, { onClose }) {
  const { run } = controller;
  const headingId = uniqueId('layer-detail-h');
  const el = h('section', { class: 'layer-detail', id: uniqueId('layer-detail'), 'aria-labelledby': headingId, hidden: true });
  /** The open node's parts that repaint: null while closed. */
  let view = null;

  function open(node) {
    const name = node.kind === 'layer' ? `Layer ${node.specIndex + 1}` : node.title;
    const heading = h('h3', { id: headingId, tabindex: '-1' }, node.kind === 'layer' ? `${name} · ${node.title}` : name, ' ', h('code', {}, node.detail));
    const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': `Close the detail of ${name.toLowerCase()}`, title: 'Close (Escape)', onclick: onClose }, '×');
    const facts = h('dl', { class: 'detail-facts' },
      fact('input', node.inDims ? (node.flatten ? `${formatDims(node.flatten.inDims)}, flattened to ${formatInt(node.flatten.outDims.c)}` : formatDims(node.inDims)) : 'the image'),
      fact('output', formatDims(node.outDims)),
      node.kind !== 'input' ? fact('parameters', formatInt(node.params)) : null,
      node.kind !== 'input' ? fact('work per image', formatSI(node.flops, 'FLOP')) : null,
      node.activation ? fact('activation', node.activation) : null);
    const sizeFact = h('p', { class: 'fine detail-size' });
    const formulas = h('div', { class: 'detail-formulas' },
      formulasOf(node).map((f) => h('div', { class: 'detail-formula' }, h('p', {}, f.words),
        // A long formula scrolls sideways on a phone; a scrolling box takes the focus, so keys scroll it too.
        h('div', { class: 'formula-scroll', tabindex: '0', role: 'group', 'aria-label': 'Formula' }, mathBlock(f.math)))));
    const filters = node.type === 'conv2d' ? h('div', { class: 'filters detail-filters' }) : null;
    const norms = node.weights ? normBars(node) : null;
    const maps = mapsView(node);
    replace(el,
      h('div', { class: 'detail-head' }, heading, close),
      h('div', { class: 'detail-cols' },
        h('div', {}, facts, h('h4', {}, 'Formula'), formulas),
        h('div', {},
          node.weights ? h('h4', {}, 'Weights') : null, sizeFact, filters, norms?.el,
          h('h4', {}, node.kind === 'output' ? 'Class probabilities' : 'Feature maps'), maps.caption, maps.el)));
    el.hidden = false;
    el.dataset.node = node.key;
    view = { node, name, heading, sizeFact, filters, norms, maps };
    if (filters) drawFilters(filters, awaited(node), name.toLowerCase());
  }

  /** An empty grid of the filters' size holds the place until their weights come. */
  function awaited(node) {
    return { shape: [node.op.filters, node.inDims.c, node.op.kh, node.op.kw], data: null };
  }

  function close() {
    view = null;
    el.hidden = true;
    delete el.dataset.node;
    el.replaceChildren();
  }

  /** @param {{ maps: object[], sizes: import('../engine/protocol.js').WeightSizes, chosen: object, names: string[] }} latest */
  function paint({ maps, sizes, chosen, names }) {
    if (!view) return;
    const { node } = view;
    const mine = sizes.layers.find((s) => s.layer === node.specIndex);
    if (mine) {
      setText(view.sizeFact, `Mean |w| ${mine.meanAbs.toPrecision(3)} over ${formatInt(mine.shape.reduce((a, b) => a * b, 1))} weights (biases aside).`);
      view.norms?.paint(mine.norms);
    }
    if (view.filters && sizes.tensor?.layer === node.specIndex) {
      drawFilters(view.filters, sizes.tensor, view.name.toLowerCase(), () => {
        const r = run.get();
        return { file: exportName(r, `layer${node.specIndex + 1}-filters`, 'png'), at: [r.data?.name, `${formatInt(r.report?.steps ?? 0)} steps`].filter(Boolean).join(' · ') };
      });
    }
    view.maps.paint(maps[node.activationIndex].data, chosen, names);
    el.dataset.painted = String(Number(el.dataset.painted ?? 0) + 1);
  }

  return {
    el,
    open,
    close,
    paint,
    get node() { return view?.node ?? null; },
    focus() { view?.heading.focus(); },
  };
}

function fact(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

/** ‖w‖ of each filter or unit as a bar, the tallest the largest. */
function normBars(node) {
  const count = Math.min(node.outDims.c, NORM_BARS);
  const what = node.type === 'conv2d' ? 'filter' : 'unit';
  const bars = Array.from({ length: count }, (_, i) => h('span', { class: 'norm-bar', title: `${what} ${i + 1}` }));
  const note = h('p', { class: 'fine' }, `‖w‖ of each ${what}${count < node.outDims.c ? ` (the first ${count} of ${formatInt(node.outDims.c)})` : ''}: a ${what} whose bar stays short learns little.`);
  const range = h('span', { class: 'fine' });
  return {
    el: h('div', { class: 'norms' }, note, h('div', { class: 'norm-bars', role: 'img', 'aria-label': `The size of each ${what}'s weights` }, bars), range),
    paint(norms) {
      let top = 0;
      for (let i = 0; i < count; i++) top = Math.max(top, norms[i]);
      bars.forEach((b, i) => {
        b.style.height = `${top > 0 ? Math.max(3, (norms[i] / top) * 100).toFixed(1) : 3}%`;
        b.title = `${what} ${i + 1}: ‖w‖ ${norms[i].toPrecision(3)}`;
      });
      setText(range, `largest ${top.toPrecision(3)}`);
    },
  };
}

/** The layer's output for the image: every map (up to DETAIL_MAPS), a strip of values, or the probabilities. */
function mapsView(node) {
  const caption = h('p', { class: 'fine' });
  const { c, h: hh, w: ww } = node.outDims;
  const scale = h('div', { class: 'activation-scale fine' });
  const withScale = (max) => {
    const legend = divergingLegend(h, max, 'value');
    if (scale.firstChild?.getAttribute('aria-label') !== legend.getAttribute('aria-label')) replace(scale, legend);
  };
  if (node.kind === 'output') {
    const items = Array.from({ length: c }, () => {
      const label = h('span', { class: 'bar-label' });
      const fill = h('span', { class: 'bar-fill' });
      const value = h('span', { class: 'bar-value' });
      return { li: h('li', {}, label, h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill), value), label, fill, value };
    });
    return {
      caption,
      el: h('ol', { class: 'prob-bars compact' }, items.map((x) => x.li)),
      paint(data, chosen, names) {
        const z = Float64Array.from(data);
        const max = Math.max(...z);
        const e = z.map((v) => Math.exp(v - max));
        const sum = e.reduce((a, b) => a + b, 0);
        let best = 0;
        e.forEach((v, k) => { if (v > e[best]) best = k; });
        items.forEach((x, k) => {
          setText(x.label, String(names[k] ?? k));
          x.li.className = k === best ? 'best' : '';
          x.fill.style.width = `${((e[k] / sum) * 100).toFixed(1)}%`;
          setText(x.value, formatPercent(e[k] / sum, 0));
        });
        setText(caption, `For ${chosen.label}.`);
      },
    };
  }
  if (hh * ww > 1) {
    const shown = Math.min(c, DETAIL_MAPS);
    const size = Math.max(3, Math.min(5, ww * 0.18));
    const canvases = Array.from({ length: shown }, (_, ch) => {
      const canvas = h('canvas', { class: 'map', width: ww, height: hh, title: `channel ${ch + 1}` });
      canvas.style.width = `${size}rem`;
      return canvas;
    });
    const contexts = canvases.map((x) => x.getContext('2d'));
    const img = contexts[0].createImageData(ww, hh);
    return {
      caption,
      el: h('div', {}, h('div', { class: 'maps', role: 'img', 'aria-label': `${shown} feature maps of ${hh}×${ww}` }, canvases), scale),
      paint(data, chosen) {
        const max = maxAbs(data) || 1;
        contexts.forEach((ctx, ch) => {
          paintDiverging(img, data, ch * hh * ww, max);
          ctx.putImageData(img, 0, 0);
        });
        withScale(max);
        setText(caption, `For ${chosen.label}: ${shown < c ? `the first ${shown} of ${c} channels` : `all ${c} channel${c === 1 ? '' : 's'}`}, one map each.`);
      },
    };
  }
  const units = Math.min(c, DETAIL_UNITS);
  const cols = units <= 64 ? Math.min(units, 16) : 32;
  const rows = Math.ceil(units / cols);
  const canvas = h('canvas', { class: 'strip', width: cols, height: rows, role: 'img', 'aria-label': `${formatInt(units)} values, one cell each` });
  canvas.style.width = `${cols * (units <= 64 ? 1.1 : 0.6)}rem`;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(cols, rows);
  const padded = new Float32Array(cols * rows);
  return {
    caption,
    el: h('div', {}, h('div', { class: 'maps' }, canvas), scale),
    paint(data, chosen) {
      const max = maxAbs(data) || 1;
      padded.set(data.subarray(0, units));
      paintDiverging(img, padded, 0, max);
      ctx.putImageData(img, 0, 0);
      withScale(max);
      setText(caption, `For ${chosen.label}: ${units < c ? `the first ${units} of ${formatInt(c)} values` : `all ${formatInt(c)} values`}, one cell per ${node.type === 'dense' ? 'neuron' : 'value'}.`);
    },
  };
}
