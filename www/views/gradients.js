//! Gradients you can see: per layer with weights, over the steps, the norm of the weight gradient and
//! the size of each update relative to the weights (log scales), the share of dead ReLUs, and the
//! distributions of a chosen layer's weights and outputs as TensorBoard draws them (bands between
//! quantiles). The worker takes the statistics only while this view is mounted.

import { h, replace, helpNote, uniqueId, fitCanvas, setText } from '../lib/dom.js';
import { isDark, OKABE_ITO } from '../lib/colors.js';
import { formatInt, formatPercent } from '../lib/format.js';
import { LayerStatsHistory } from '../state/layer-stats.js';

/** Redraw at most this often: the statistics come every STATS_EVERY steps, far more often than a person reads them. */
const DRAW_MS = 250;
/** The update ratio people aim for (Karpathy's rule of thumb): about 1e-3. */
const GOOD_RATIO = 1e-3;

const COLOURS = ['blue', 'orange', 'green', 'vermillion', 'sky', 'purple', 'yellow', 'black'];

function layerColour(i, dark) {
  const name = COLOURS[i % COLOURS.length];
  if (dark && name === 'black') return '#d0d0d0';
  if (dark && name === 'blue') return OKABE_ITO.sky;
  if (dark && name === 'sky') return OKABE_ITO.blue;
  return OKABE_ITO[name];
}

/** Lines of more layers than colours repeat the colours dashed. */
function layerDash(i) {
  return i >= COLOURS.length ? [5, 3] : [];
}

function rem(el) {
  return parseFloat(getComputedStyle(el.ownerDocument.documentElement).fontSize) || 16;
}

function formatValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? Number(v.toPrecision(3)).toString() : v.toExponential(1);
}

/** One small chart: a canvas that fills its box, redrawn from scratch (a few hundred points). */
function chartBox(title, label) {
  const canvas = h('canvas', { 'aria-hidden': 'true' });
  const box = h('div', { class: 'grad-chart-box', role: 'img', 'aria-label': label }, canvas);
  const fig = h('figure', { class: 'grad-chart' }, h('figcaption', {}, title), box);
  return { fig, box, canvas };
}

/**
 * Draws lines or bands on `canvas`. `series`: [{ x, y, colour, dash }] lines, or `bands`:
 * { x, q: number[][] (9 quantiles per x), colour }. `log`: a log10 y axis over the positive values.
 */
function draw(canvas, box, { series = [], bands = null, log = false, range = null, ref = null, percent = false }) {
  const width = box.clientWidth;
  const height = box.clientHeight;
  if (width < 10 || height < 10) return;
  const ctx = fitCanvas(canvas, width, height);
  const css = getComputedStyle(box);
  const grid = css.getPropertyValue('--grid').trim() || '#e4e6e9';
  const muted = css.getPropertyValue('--muted').trim() || '#575b61';
  const r = rem(box);
  const pad = { left: 3.2 * r, right: 0.5 * r, top: 0.4 * r, bottom: 1.3 * r };
  ctx.clearRect(0, 0, width, height);
  ctx.font = `${0.6875 * r}px system-ui, sans-serif`;
  const xs = bands ? bands.x : series.flatMap((s) => s.x);
  const ys = bands ? bands.q.flat() : series.flatMap((s) => s.y);
  const usable = ys.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (xs.length === 0 || usable.length === 0) {
    ctx.fillStyle = muted;
    ctx.fillText('No values yet', pad.left, height / 2);
    return;
  }
  const tf = log ? (v) => Math.log10(v) : (v) => v;
  let [lo, hi] = range ?? [Math.min(...usable.map(tf)), Math.max(...usable.map(tf))];
  if (ref && log) [lo, hi] = [Math.min(lo, tf(ref)), Math.max(hi, tf(ref))];
  if (log) [lo, hi] = [Math.floor(lo), Math.ceil(hi)];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x0 = Math.min(...xs);
  const x1 = Math.max(x0 + 1, Math.max(...xs));
  const px = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (v) => pad.top + (1 - (tf(v) - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
  // Grid and y labels: every decade on a log axis, five steps on a linear one.
  ctx.strokeStyle = grid;
  ctx.fillStyle = muted;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const decades = hi - lo;
  const ticks = log
    ? Array.from({ length: decades + 1 }, (_, k) => lo + k).filter((_, k) => k % Math.ceil(decades / 5) === 0).map((e) => 10 ** e)
    : Array.from({ length: 5 }, (_, k) => lo + ((hi - lo) * k) / 4).map((t) => (Math.abs(t) < 1e-6 * (hi - lo) ? 0 : t));
  for (const t of ticks) {
    const y = py(t);
    ctx.beginPath();
    ctx.moveTo(pad.left, y);
    ctx.lineTo(width - pad.right, y);
    ctx.stroke();
    ctx.fillText(percent ? formatPercent(t, 0) : log ? `1e${Math.round(Math.log10(t))}` : formatValue(t), pad.left - 0.25 * r, y);
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(`step ${formatInt(x0)}`, pad.left, height - 0.2 * r);
  ctx.textAlign = 'right';
  ctx.fillText(formatInt(x1), width - pad.right, height - 0.2 * r);
  if (ref) {
    ctx.setLineDash([2, 3]);
    ctx.strokeStyle = muted;
    ctx.beginPath();
    ctx.moveTo(pad.left, py(ref));
    ctx.lineTo(width - pad.right, py(ref));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  const clampY = (v) => Math.max(pad.top, Math.min(height - pad.bottom, py(v)));
  const ok = (v) => Number.isFinite(v) && (!log || v > 0);
  if (bands) {
    // Outer to inner pairs of quantiles (0–100%, 6.7–93.3%, 15.9–84.1%, 30.9–69.1%), darker inward.
    ctx.fillStyle = bands.colour;
    for (let k = 0; k < 4; k++) {
      ctx.globalAlpha = 0.16 + 0.14 * k;
      ctx.beginPath();
      bands.x.forEach((x, i) => ctx.lineTo(px(x), clampY(bands.q[i][k])));
      for (let i = bands.x.length - 1; i >= 0; i--) ctx.lineTo(px(bands.x[i]), clampY(bands.q[i][8 - k]));
      ctx.closePath();
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    series = [{ x: bands.x, y: bands.q.map((q) => q[4]), colour: bands.colour, dash: [] }];
  }
  ctx.lineWidth = 1.75;
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let pen = false;
    s.x.forEach((x, i) => {
      const v = s.y[i];
      if (!ok(v)) {
        pen = false;
        return;
      }
      if (pen) ctx.lineTo(px(x), clampY(v));
      else ctx.moveTo(px(x), clampY(v));
      pen = true;
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** @param {import('../controller.js').Controller} controller */
export function mountGradients(controller, el) {
  const { run } = controller;
  const history = new LayerStatsHistory();
  const grad = chartBox('Gradient norm ‖∂L/∂W‖ (log scale)', 'Gradient norm of each layer over the steps');
  const ratio = chartBox('Update ÷ weights ‖ΔW‖/‖W‖ (log scale; dotted: 1e-3)', 'Update ratio of each layer over the steps');
  const dead = chartBox('Dead ReLUs (never active on the batch)', 'Share of dead ReLUs of each layer over the steps');
  const weights = chartBox('Weights', 'Distribution of the chosen layer\'s weights over the steps');
  const acts = chartBox('Outputs (after the activation)', 'Distribution of the chosen layer\'s outputs over the steps');
  const legend = h('ul', { class: 'grad-legend' });
  const status = h('p', { class: 'fine grad-status' });
  const pickId = uniqueId('grad-layer');
  const pick = h('select', { id: pickId, onchange: () => redraw(true) });
  const latest = h('table', { class: 'grad-latest' });
  replace(el,
    h('div', { class: 'section-head' }, h('h3', {}, 'Gradients'),
      helpNote('gradients',
        'How each layer with weights is learning, measured every 25 steps on that step\'s batch. The gradient norm says how strongly the loss pulls on the layer\'s weights: if it is orders of magnitude smaller in the first layers than in the last, the gradient vanishes on its way back and the first layers hardly learn. The update ratio is the size of a step compared to the weights: about 0.001 is healthy; far above, training is unstable; far below, the layer is frozen. A ReLU is dead when its input was negative for every image of the batch: it outputs 0 and passes no gradient back (per neuron, or per channel for a convolution). The distributions show the quantiles of the weights and of the layer\'s outputs (from at most 2,048 values) over the steps: the median as a line, the bands hold 38%, 68%, 87% and all of the values, like a normal distribution\'s ±0.5σ, ±σ, ±1.5σ.',
        'g = ∂L/∂W (after clipping, before L2);  ‖g‖₂ = √(Σ g²);  ratio = ‖W_after − W_before‖₂ / ‖W_before‖₂;  dead = share of units u with max over the batch of relu(z_u) = 0')),
    status,
    legend,
    h('div', { class: 'grad-grid' }, grad.fig, ratio.fig, dead.fig),
    h('div', { class: 'grad-pick' }, h('label', { for: pickId }, 'Distributions of layer'), pick),
    h('div', { class: 'grad-grid' }, weights.fig, acts.fig),
    latest);
  el.dataset.points = '0';

  let runId = null;
  let drawnVersion = -1;
  let layersKey = '';
  let timer = 0;
  let lastDraw = 0;

  function redraw(force = false) {
    if (!force && history.version === drawnVersion) return;
    const now = performance.now();
    if (!force && now - lastDraw < DRAW_MS) {
      if (!timer) timer = setTimeout(() => { timer = 0; redraw(); }, DRAW_MS - (now - lastDraw));
      return;
    }
    lastDraw = now;
    drawnVersion = history.version;
    const dark = isDark();
    const layers = history.layers();
    const key = layers.map((l) => l.label).join('|');
    if (key !== layersKey) {
      layersKey = key;
      const chosen = pick.value;
      replace(legend, ...layers.map((l, i) => h('li', {},
        h('span', { class: 'grad-swatch', style: `background:${layerColour(i, dark)}`, 'aria-hidden': 'true' }), `layer ${l.label}`)));
      replace(pick, ...layers.map((l, i) => h('option', { value: String(i) }, `layer ${l.label}`)));
      pick.value = layers.some((_, i) => String(i) === chosen) ? chosen : '0';
    }
    const line = (pickValue) => layers.map((_, i) => ({ ...history.series(i, pickValue), colour: layerColour(i, dark), dash: layerDash(i) }));
    draw(grad.canvas, grad.box, { series: line((l) => l.gradNorm), log: true });
    draw(ratio.canvas, ratio.box, { series: line((l) => l.updateRatio), log: true, ref: GOOD_RATIO });
    const deadLines = line((l) => l.dead ?? NaN).filter((s) => s.y.some(Number.isFinite));
    dead.fig.hidden = deadLines.length === 0 && layers.length > 0;
    draw(dead.canvas, dead.box, { series: deadLines, range: [0, 1], percent: true });
    const i = Number(pick.value) || 0;
    const colour = layerColour(i, dark);
    const w = history.series(i, (l) => l.weights);
    const a = history.series(i, (l) => l.activations);
    draw(weights.canvas, weights.box, { bands: { x: w.x, q: w.y, colour } });
    draw(acts.canvas, acts.box, { bands: { x: a.x, q: a.y, colour } });
    const last = history.items.at(-1);
    setText(status, last ? `Step ${formatInt(last.step)} · ${formatInt(history.items.length)} measurements` : 'Train the network to see its gradients (measured every 25 steps).');
    el.dataset.points = String(history.items.length);
    el.dataset.step = String(last?.step ?? 0);
    // The numbers behind the lines, for screen readers and for reading off exactly.
    replace(latest, last ? [
      h('caption', { class: 'visually-hidden' }, `Latest measurement, step ${formatInt(last.step)}`),
      h('thead', {}, h('tr', {}, ...['layer', '‖∂L/∂W‖', '‖ΔW‖/‖W‖', 'dead ReLUs'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...last.layers.map((l) => h('tr', {},
        h('th', { scope: 'row' }, l.label),
        h('td', {}, formatValue(l.gradNorm)),
        h('td', {}, formatValue(l.updateRatio)),
        h('td', {}, l.dead === null ? '–' : formatPercent(l.dead))))),
    ] : []);
  }

  run.subscribe((r) => {
    if (r.runId !== runId) {
      runId = r.runId;
      history.clear();
      redraw(true);
    }
    if (r.report?.stats?.length && !r.report.restored) {
      history.add(r.report.stats);
      redraw();
    }
  }, ['report', 'runId']);
  run.subscribe(() => redraw(true), ['scheme']);
  // Drawing can change the box's layout (a figure hidden or shown), so it waits for the next frame
  // rather than resizing what the observer watches inside its own callback.
  let resizeFrame = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => redraw(true));
  }).observe(grad.box);
  controller.setStatsWanted(true);
  redraw(true);
}
