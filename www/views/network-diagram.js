//! The network as a live diagram: input → every layer → output, each node with its shape, parameters
//! and activation and the feature maps of the image followed through the network (the one chosen in
//! "Inside the network", or the drawing), joined by edges as thick as the layer's weights are large.
//! A node opens its detail (views/layer-detail.js).
//!
//! The pictures follow training a few times a second, and only while the diagram is on screen in a
//! visible tab: it asks the worker for the activations and the weights' sizes itself, so a page that
//! does not show it pays nothing.

import { h, replace, helpNote, uniqueId, perFrame, setText } from '../lib/dom.js';
import { paintDiverging, maxAbs, isDark, OKABE_ITO } from '../lib/colors.js';
import { formatDims, formatInt, formatPercent } from '../lib/format.js';
import { inspectedImage } from '../lib/inspected-image.js';
import { diagramNodes, edgeWeights } from '../state/diagram.js';
import { layerDetail } from './layer-detail.js';

/** While training, the pictures follow at most this often (the reports come about 20 times a second). */
const REFRESH_MS = 300;
/** Feature maps shown inside a node; the detail shows more. */
const NODE_MAPS = 8;
/** Values shown in a dense node's strip. */
const NODE_UNITS = 64;

export function mountNetworkDiagram(controller, el) {
  const { run, client } = controller;
  const bodyId = uniqueId('diagram-body');
  const toggle = h('button', { type: 'button', class: 'small diagram-toggle', 'aria-controls': bodyId, onclick: () => setOpen(!open) });
  const caption = h('p', { class: 'diagram-caption fine' });
  const strip = h('ol', { class: 'diagram-strip', 'aria-label': 'The layers, from the input image to the output' });
  const scroller = h('div', { class: 'diagram-scroll' }, strip);
  const legend = h('p', { class: 'diagram-legend fine' },
    h('span', { class: 'legend-edge', 'aria-hidden': 'true' }),
    'An edge is as thick as the mean |w| of the weights it carries, against the network\'s largest; blue: those weights have grown since the run began, vermillion: shrunk. Feature maps: blue positive, vermillion negative.');
  const detail = layerDetail(controller, { onClose: () => select(null) });
  const body = h('div', { class: 'diagram-body', id: bodyId }, caption, scroller, legend, detail.el);
  replace(el,
    h('div', { class: 'section-head diagram-head' },
      h('h2', { id: uniqueId('h-diagram') }, 'The network, live'),
      helpNote('the network diagram', 'The layers as a chain: what each one makes of the image followed in "Inside the network" (or of your drawing), while the network trains. Each small picture is one channel\'s feature map; a dense layer is a strip, one cell per neuron. Choose a layer to see its filters, all its maps and its formula.'),
      toggle),
    body);
  el.classList.add('diagram');

  // Open by default where there is room; a phone starts with it folded away (it stacks tall).
  let open = !(window.matchMedia?.('(max-width: 40rem)').matches ?? false);
  function setOpen(value) {
    open = value;
    body.hidden = !open;
    toggle.textContent = open ? 'Hide' : 'Show';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.setAttribute('aria-label', open ? 'Hide the network diagram' : 'Show the network diagram');
    if (open) wake();
  }

  // ---- Structure: one node per layer, rebuilt when the network changes ----
  let nodes = [];
  let views = [];
  let selected = null; // the key of the node whose detail is open
  let structure = '';

  function build(summary) {
    const next = diagramNodes(summary);
    const key = JSON.stringify(next.map((n) => [n.key, n.type, n.op, n.activation, n.outDims, n.flatten]));
    if (key === structure) return;
    structure = key;
    nodes = next;
    views = nodes.map((node, i) => nodeView(node, i));
    replace(strip, views.map((v) => v.el));
    el.dataset.nodes = String(nodes.length);
    if (selected && !nodes.some((n) => n.key === selected)) select(null);
    else if (selected) select(selected, { focus: false });
  }

  function nodeView(node, i) {
    const name = node.kind === 'layer' ? `Layer ${node.specIndex + 1}` : node.title;
    const shape = h('span', { class: 'node-shape' }, formatDims(node.outDims));
    const thumbs = thumbsFor(node);
    const button = h('button', {
      type: 'button', class: 'diagram-node', 'aria-expanded': 'false', 'aria-controls': detail.el.id,
      dataset: { node: node.key, type: node.type },
      onclick: () => select(selected === node.key ? null : node.key),
    },
    h('span', { class: 'node-title' }, node.kind === 'layer' ? h('span', { class: 'node-num', 'aria-hidden': 'true' }, String(node.specIndex + 1)) : null,
      h('span', { class: 'visually-hidden' }, `${name}: `), node.title),
    h('span', { class: 'node-detail' }, node.detail),
    h('span', { class: 'node-facts' }, shape, node.params ? h('span', {}, ` · ${formatInt(node.params)} parameters`) : null),
    thumbs.el);
    const line = h('span', { class: 'edge-line' });
    const label = h('span', { class: 'edge-label' });
    // An implicit flatten happens on the way in: said above the edge, the weights' size below it.
    const note = h('span', { class: 'edge-label edge-note' }, node.flatten ? `flatten → ${formatInt(node.flatten.outDims.c)}` : '');
    const edge = i === 0 ? null : h('div', { class: `diagram-edge${node.weights ? ' has-weights' : ''}`, 'aria-hidden': 'true' }, note, line, label);
    return { el: h('li', { class: `diagram-step kind-${node.kind}` }, edge, button), node, button, thumbs, line, label };
  }

  /** A node's pictures: its feature maps, a strip of values, or the class probabilities. */
  function thumbsFor(node) {
    const { c, h: hh, w: ww } = node.outDims;
    if (node.kind === 'output') {
      const bars = Array.from({ length: c }, () => h('span', { class: 'prob-col' }));
      const top = h('span', { class: 'node-top' });
      return {
        el: h('span', { class: 'node-pictures node-probs', 'aria-hidden': 'true' }, h('span', { class: 'prob-cols' }, bars), top),
        paint(data, names) {
          const probs = softmax(data);
          let best = 0;
          probs.forEach((p, k) => {
            if (p > probs[best]) best = k;
            bars[k].style.height = `${Math.max(2, p * 100).toFixed(1)}%`;
          });
          bars.forEach((b, k) => b.classList.toggle('best', k === best));
          setText(top, `${names[best] ?? best} · ${formatPercent(probs[best], 0)}`);
        },
      };
    }
    if (hh * ww > 1) {
      const shown = Math.min(c, node.kind === 'input' ? 3 : NODE_MAPS);
      const canvases = Array.from({ length: shown }, () => h('canvas', { class: 'map', width: ww, height: hh }));
      const contexts = canvases.map((x) => x.getContext('2d'));
      const img = contexts[0].createImageData(ww, hh);
      return {
        el: h('span', { class: `node-pictures maps-${Math.min(shown, 4)}${node.kind === 'input' ? ' is-input' : ''}`, 'aria-hidden': 'true' },
          canvases, shown < c ? h('span', { class: 'more fine' }, `+${c - shown}`) : null),
        paint(data) {
          const max = maxAbs(data) || 1;
          contexts.forEach((ctx, ch) => {
            paintDiverging(img, data, ch * hh * ww, max);
            ctx.putImageData(img, 0, 0);
          });
        },
      };
    }
    const units = Math.min(c, NODE_UNITS);
    const cols = Math.min(units, 16);
    const rows = Math.ceil(units / cols);
    const canvas = h('canvas', { class: 'strip', width: cols, height: rows });
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(cols, rows);
    const padded = new Float32Array(cols * rows);
    return {
      el: h('span', { class: 'node-pictures', 'aria-hidden': 'true' }, canvas, units < c ? h('span', { class: 'more fine' }, `${units} of ${formatInt(c)}`) : null),
      paint(data) {
        padded.set(data.subarray(0, units));
        paintDiverging(img, padded, 0, maxAbs(data) || 1);
        ctx.putImageData(img, 0, 0);
      },
    };
  }

  function select(key, { focus = true } = {}) {
    selected = key;
    for (const v of views) v.button.setAttribute('aria-expanded', String(v.node.key === key));
    const node = nodes.find((n) => n.key === key) ?? null;
    if (!node) {
      const was = detail.node;
      detail.close();
      if (was && focus) views.find((v) => v.node.key === was.key)?.button.focus();
      return;
    }
    detail.open(node, run.get());
    if (focus) detail.focus();
    if (latest) detail.paint(latest);
    // Its filters and its maps at full size come with the next refresh, right away.
    dirty = true;
    wake(true);
  }

  // ---- Refreshing: the activations and the weights' sizes, throttled, only while on screen ----
  let onScreen = false;
  let busy = false;
  let pending = false;
  let dirty = true;
  let lastAt = -Infinity;
  let latest = null; // { maps, sizes, steps, chosen, names, runId }
  const firstSizes = new Map(); // the run's first mean |w| per layer
  let sizesRun = -1;

  const showing = () => open && onScreen && document.visibilityState !== 'hidden';

  /** Refreshes if something changed while the diagram was away (or `now`: whatever the throttle says). */
  function wake(now = false) {
    if (!showing() || !dirty) return;
    if (now || run.get().phase !== 'training' || performance.now() - lastAt >= REFRESH_MS) refresh();
  }

  async function refresh() {
    if (busy) {
      pending = true;
      return;
    }
    const r = run.get();
    const chosen = inspectedImage(r);
    if (!r.summary || !chosen || nodes.length === 0) return;
    busy = true;
    dirty = false;
    lastAt = performance.now();
    const steps = r.report?.steps ?? 0;
    const full = detail.node?.weights ? detail.node.specIndex : -1;
    try {
      const [maps, sizes] = await Promise.all([client.activations(chosen.image), client.weights(full)]);
      // A network replaced meanwhile: its own refresh follows.
      if (run.get().runId === r.runId && maps.length === nodes.at(-1).activationIndex + 1) {
        latest = { maps, sizes, steps, chosen, names: r.data.classes, runId: r.runId };
        paint();
      }
    } catch {
      dirty = true; // the engine was busy being replaced; the next change asks again
    } finally {
      busy = false;
      if (pending) {
        pending = false;
        if (showing()) refresh();
      }
    }
  }

  const paint = perFrame(() => {
    if (!latest) return;
    const { maps, sizes, steps, chosen, names, runId } = latest;
    if (sizesRun !== runId) {
      firstSizes.clear();
      sizesRun = runId;
    }
    const edges = edgeWeights(sizes.layers, firstSizes);
    const dark = isDark();
    views.forEach((v) => {
      v.thumbs.paint(maps[v.node.activationIndex].data, names);
      const e = edges.get(v.node.specIndex);
      if (!e || !v.node.weights) return;
      v.line.style.setProperty('--thick', `${(2 + 8 * e.share).toFixed(1)}px`);
      v.line.style.setProperty('--edge', edgeColour(e.growth, dark));
      setText(v.label, `|w| ${e.meanAbs.toPrecision(2)}`);
      v.button.title = `Mean |w| of its weights: ${e.meanAbs.toPrecision(3)} (${e.growth >= 0 ? '+' : '−'}${formatPercent(Math.abs(2 ** e.growth - 1), 0)} since the run began)`;
    });
    const top = argmax(maps.at(-1).data);
    setText(caption, `Feature maps of ${chosen.label}, predicted ${names[top] ?? top}, after ${formatInt(steps)} training step${steps === 1 ? '' : 's'}.`);
    if (detail.node) detail.paint(latest);
    // For the tests: which run and step the pictures are of, and how many times they were painted.
    el.dataset.run = String(runId);
    el.dataset.steps = String(steps);
    el.dataset.updates = String(Number(el.dataset.updates ?? 0) + 1);
  });

  run.subscribe((r, changed) => {
    if (changed.includes('summary') || changed.includes('runId')) {
      if (r.summary) build(r.summary);
      latest = null;
    }
    dirty = true;
    // Steps and pauses show at once; while training, a report waits out the throttle.
    wake(!changed.every((k) => k === 'report'));
  }, ['runId', 'summary', 'data', 'inspect', 'report', 'phase', 'scheme']);

  const { signal } = controller.lifetime;
  document.addEventListener('visibilitychange', () => wake(true), { signal });
  if (typeof IntersectionObserver === 'function') {
    const watcher = new IntersectionObserver((entries) => {
      onScreen = entries.at(-1).isIntersecting;
      wake(true);
    });
    watcher.observe(scroller);
    signal.addEventListener('abort', () => watcher.disconnect());
  } else {
    onScreen = true;
  }

  // Escape in the detail closes it and gives the focus back to its node.
  detail.el.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    if (event.composedPath()[0]?.closest?.('details.help[open]')) return; // a "?" note closes first
    event.preventDefault();
    select(null);
  });

  setOpen(open);
  if (run.get().summary) build(run.get().summary);
}

/** The edge's colour: grey when the weights are as large as at the start, blue as they grow, vermillion as they shrink (log₂ of the ratio, ±1 = doubled or halved). */
function edgeColour(growth, dark) {
  const grey = dark ? [140, 146, 156] : [110, 116, 124];
  const end = hex(growth >= 0 ? (dark ? OKABE_ITO.sky : OKABE_ITO.blue) : OKABE_ITO.vermillion);
  const t = Math.min(1, Math.abs(growth) * 2);
  return `rgb(${grey.map((g, i) => Math.round(g + (end[i] - g) * t)).join(',')})`;
}

function hex(s) {
  return [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The class scores as the loss sees them: p_k = e^{z_k} / Σ_j e^{z_j}. */
export function softmax(z) {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  const e = Array.from(z, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
