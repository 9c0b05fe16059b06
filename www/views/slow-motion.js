//! One training step in slow motion: the image chosen in "Inside the network" (or the drawing, with a
//! class the learner names) goes forward layer by layer, gets its loss, sends the gradient back layer
//! by layer, and one weight is updated by the optimizer's own rule with the numbers put into its
//! formula. Back and Next move through the stages at the learner's pace; the run is not changed.

import { h, replace, helpNote, uniqueId, setText } from '../lib/dom.js';
import { paintDiverging, maxAbs, divergingLegend } from '../lib/colors.js';
import { bytesToFloats } from '../lib/preprocess.js';
import { formatDims, formatInt, formatPercent } from '../lib/format.js';

const MAX_MAPS = 8;
const MAX_UNITS = 128;

/** A number as the formulas show it: 4 significant digits, e-notation when tiny or huge, a true minus sign. */
function num(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  const text = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3).replace('e+', 'e');
  return text.replace(/-/g, '−');
}

/** A number as a factor inside a formula: in parentheses when negative. */
function arg(x) {
  return x < 0 ? `(${num(x)})` : num(x);
}

export function mountSlowMotion(controller, el) {
  const { run, client } = controller;
  const labelSelect = h('select', { id: uniqueId('trace-label') });
  const labelRow = h('label', { class: 'trace-label', hidden: true }, 'Its true class ', labelSelect);
  const start = h('button', { type: 'button', onclick: () => trace() }, 'Trace one step');
  const back = h('button', { type: 'button', class: 'small', disabled: true, title: 'The previous stage (←)', onclick: () => go(-1) }, '← Back');
  const next = h('button', { type: 'button', class: 'small', disabled: true, title: 'The next stage (→)', onclick: () => go(1) }, 'Next →');
  const position = h('span', { class: 'fine trace-position' });
  const heading = h('h4', { class: 'trace-heading', 'aria-live': 'polite' });
  const body = h('div', { class: 'trace-body' });
  const status = h('p', { class: 'fine' }, 'Traces one training step on the image shown in "Inside the network" (or your drawing), as a batch of that one image. The network does not change.');
  replace(el,
    h('div', { class: 'section-head' }, h('h3', {}, 'One step in slow motion'),
      helpNote('one step in slow motion', 'A training step, one stage at a time: the image goes forward through every layer, the loss measures how wrong the prediction is, the backward pass sends the gradient of the loss back through every layer (the chain rule), and the optimizer updates each weight. Here the batch is this one image and dropout is off; the update shown is what the optimizer would do to one weight with its current state. Nothing is changed.',
        'forward: a₀ = x, aᵢ = fᵢ(aᵢ₋₁);  loss L = −ln softmax(a_L)[y];  backward: ∂L/∂aᵢ₋₁ = (∂aᵢ/∂aᵢ₋₁)ᵀ ∂L/∂aᵢ')),
    status,
    h('div', { class: 'trace-controls' }, labelRow, start, back, next, position),
    heading,
    body);

  let stages = [];
  let at = 0;

  /** The image "Inside the network" follows, with its label (null for a drawing). */
  function target() {
    const r = run.get();
    if (!r.data?.testImages) return null;
    const t = r.inspect ?? { kind: 'test', index: 0 };
    const [c, hh, ww] = r.data.shape;
    const per = c * hh * ww;
    if (t.kind === 'drawing') return { image: t.image, label: null, what: 'your drawing' };
    const i = Math.min(t.index, r.data.testLabels.length - 1);
    return { image: bytesToFloats(r.data.testImages, i * per, per), label: r.data.testLabels[i], what: `test image ${formatInt(i + 1)}` };
  }

  function syncLabelChoice() {
    const r = run.get();
    const names = r.data?.classes ?? [];
    if (labelSelect.options.length !== names.length) replace(labelSelect, names.map((n, i) => h('option', { value: String(i) }, n)));
    labelRow.hidden = target()?.label !== null;
  }

  async function trace() {
    const t = target();
    if (!t || !run.get().summary) return;
    const label = t.label ?? Number(labelSelect.value || 0);
    start.disabled = true;
    try {
      const result = await client.traceStep(t.image, label);
      stages = buildStages(result, run.get().data.classes, t.what);
      at = 0;
      status.textContent = `One step on ${t.what} (true class ${run.get().data.classes[label]}), after ${formatInt(run.get().report?.steps ?? 0)} steps of training.`;
      show();
    } catch (err) {
      status.textContent = `The step could not be traced: ${err.message}`;
    } finally {
      start.disabled = false;
    }
  }

  function go(delta) {
    at = Math.max(0, Math.min(stages.length - 1, at + delta));
    show();
  }

  function show() {
    const stage = stages[at];
    back.disabled = at === 0;
    next.disabled = at >= stages.length - 1;
    setText(position, stages.length ? `stage ${at + 1} of ${stages.length}` : '');
    setText(heading, stage?.title ?? '');
    el.dataset.stage = stage?.kind ?? '';
    replace(body, stage ? stage.render() : []);
  }

  el.addEventListener('keydown', (event) => {
    if (!stages.length || event.target.tagName === 'SELECT') return;
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      event.preventDefault();
      event.stopPropagation(); // → also means Step on the page
      go(event.key === 'ArrowLeft' ? -1 : 1);
    }
  });
  el.dataset.keys = 'own';

  run.subscribe((r, changed) => {
    if (changed.includes('data') || changed.includes('inspect')) syncLabelChoice();
    if (changed.includes('runId') && stages.length) {
      stages = [];
      status.textContent = 'The network was rebuilt: trace a step again.';
      show();
    }
  }, ['data', 'inspect', 'runId']);
  syncLabelChoice();
}

/** The stages of a traced step: forward through each layer, the loss, backward, the update. */
function buildStages(t, classes, what) {
  const layers = t.layers.filter((l) => !/\(implicit\)/.test(l.label));
  const byLayer = new Map();
  for (const p of t.params) {
    const list = byLayer.get(p.layer) ?? [];
    list.push(p);
    byLayer.set(p.layer, list);
  }
  const paramsOf = (label) => byLayer.get(Number.parseInt(label, 10) - 1) ?? [];
  const stages = [{
    kind: 'input', title: `The input: ${what}`,
    render: () => [values(layers[0].output, layers[0].dims, 'value'), h('p', {}, `a₀ = x, ${formatDims(layers[0].dims)} values in 0…1.`)],
  }];
  for (const l of layers.slice(1)) {
    stages.push({
      kind: 'forward', title: `Forward: layer ${l.label}`,
      render: () => [values(l.output, l.dims, 'value'), h('p', {}, `Its output, ${formatDims(l.dims)}: ${summary(l.output)}.`)],
    });
  }
  const p = t.probabilities;
  stages.push({
    kind: 'loss', title: 'The loss',
    render: () => [
      h('ol', { class: 'prob-bars compact' }, Array.from(p, (v, i) => h('li', { class: i === t.label ? 'best' : '' },
        h('span', { class: 'bar-label' }, classes[i]),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: `width: ${(v * 100).toFixed(1)}%` })),
        h('span', { class: 'bar-value' }, formatPercent(v, 1))))),
      h('p', { class: 'formula' }, `L = −ln p[${classes[t.label]}] = −ln ${num(p[t.label])} = ${num(t.loss)}`),
      h('p', {}, 'The gradient of the loss with respect to the class scores is p − onehot(y): every wrong class is pushed down by its probability, the true class pulled up by 1 − p.'),
    ],
  });
  for (const l of [...layers.slice(1)].reverse()) {
    const params = paramsOf(l.label);
    stages.push({
      kind: 'backward', title: `Backward: layer ${l.label}`,
      render: () => [
        values(l.gradient, l.dims, '∂L/∂output'),
        h('p', {}, `∂L/∂output, ${formatDims(l.dims)}: ${summary(l.gradient)}.`),
        params.length ? h('p', {}, params.map((q) => `‖∂L/∂(${q.name.replace(/^layer \d+ /, '')})‖ = ${num(q.norm)}`).join('; ') + '.') : null,
      ],
    });
  }
  stages.push({ kind: 'update', title: `The update of ${t.update.name}`, render: () => updateLines(t.update) });
  return stages;
}

/** min, max and mean |value| of a layer's values. */
function summary(data) {
  let min = Infinity;
  let max = -Infinity;
  let abs = 0;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    abs += Math.abs(v);
  }
  return `from ${num(min)} to ${num(max)}, mean |value| ${num(abs / Math.max(1, data.length))}`;
}

/** A layer's values as maps (one per channel, at most MAX_MAPS) or a strip, on a diverging scale. */
function values(data, dims, caption) {
  const { c, h: hh, w: ww } = dims;
  const max = maxAbs(data) || 1;
  const canvases = [];
  if (hh * ww > 1) {
    for (let ch = 0; ch < Math.min(c, MAX_MAPS); ch += 1) {
      const canvas = h('canvas', { class: 'map', width: ww, height: hh, title: `channel ${ch + 1}` });
      canvas.style.width = `${Math.max(3, Math.min(5, ww * 0.18))}rem`;
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(ww, hh);
      paintDiverging(img, data, ch * hh * ww, max);
      ctx.putImageData(img, 0, 0);
      canvases.push(canvas);
    }
  } else {
    const units = Math.min(c, MAX_UNITS);
    const cols = Math.min(units, 16);
    const rows = Math.ceil(units / cols);
    const canvas = h('canvas', { class: 'strip', width: cols, height: rows, title: `${formatInt(c)} values` });
    canvas.style.width = `${cols * 0.9}rem`;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(cols, rows);
    const padded = new Float32Array(cols * rows);
    padded.set(data.subarray(0, units));
    paintDiverging(img, padded, 0, max);
    ctx.putImageData(img, 0, 0);
    canvases.push(canvas);
  }
  return h('div', { class: 'trace-values' }, h('div', { class: 'maps' }, canvases), divergingLegend(h, max, caption));
}

/** The optimizer's rule for one weight, each line with the numbers put in and the engine's result. */
function updateLines(u) {
  const o = u.optimizer ?? {};
  const type = o.type ?? 'sgd';
  const [s0, s1] = u.before;
  const [a0, a1] = u.after;
  const g = u.gradient;
  const lines = [];
  const line = (text) => lines.push(h('p', { class: 'formula' }, text));
  if (u.l2 > 0) line(`g = ∂L/∂θ + λ·θ = ${num(g)} + ${arg(u.l2)}·${arg(u.theta)} = ${num(g + u.l2 * u.theta)}`);
  else line(`g = ∂L/∂θ = ${num(g)}${u.l2Setting > 0 ? ' (L2 does not apply to a bias)' : ''}`);
  const gg = g + u.l2 * u.theta;
  if (type === 'sgd') {
    const mu = o.momentum ?? 0;
    if (mu > 0) {
      line(`v ← μ·v + g = ${num(mu)}·${arg(s0)} + ${arg(gg)} = ${num(a0)}`);
      line(o.nesterov
        ? `θ ← θ − lr·(g + μ·v) = ${num(u.theta)} − ${arg(u.lr)}·(${num(gg)} + ${arg(mu)}·${arg(a0)}) = ${num(u.thetaAfter)}`
        : `θ ← θ − lr·v = ${num(u.theta)} − ${arg(u.lr)}·${arg(a0)} = ${num(u.thetaAfter)}`);
    } else {
      line(`θ ← θ − lr·g = ${num(u.theta)} − ${arg(u.lr)}·${arg(gg)} = ${num(u.thetaAfter)}`);
    }
  } else if (type === 'adam' || type === 'adamw') {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = o;
    const t = u.step;
    const mHat = a0 / (1 - beta1 ** t);
    const vHat = a1 / (1 - beta2 ** t);
    if (type === 'adamw') line(`θ ← θ·(1 − lr·wd) first (weights only), wd = ${num(o.weightDecay ?? o.weight_decay ?? 0)}`);
    line(`m ← β₁·m + (1 − β₁)·g = ${num(beta1)}·${arg(s0)} + ${arg(1 - beta1)}·${arg(gg)} = ${num(a0)}`);
    line(`v ← β₂·v + (1 − β₂)·g² = ${num(beta2)}·${arg(s1)} + ${arg(1 - beta2)}·${arg(gg * gg)} = ${num(a1)}`);
    line(`m̂ = m/(1 − β₁^${t}) = ${num(mHat)};  v̂ = v/(1 − β₂^${t}) = ${num(vHat)}`);
    line(`θ ← θ − lr·m̂/(√v̂ + ε) = ${num(u.theta)} − ${arg(u.lr)}·${arg(mHat)}/(${arg(Math.sqrt(vHat))} + ${arg(eps)}) = ${num(u.thetaAfter)}`);
  } else if (type === 'rmsprop') {
    const { alpha = 0.99, eps = 1e-8, momentum = 0 } = o;
    line(`s ← α·s + (1 − α)·g² = ${num(alpha)}·${arg(s0)} + ${arg(1 - alpha)}·${arg(gg * gg)} = ${num(a0)}`);
    if (momentum > 0) {
      line(`b ← μ·b + g/(√s + ε) = ${num(momentum)}·${arg(s1)} + ${arg(gg)}/(${arg(Math.sqrt(a0))} + ${arg(eps)}) = ${num(a1)}`);
      line(`θ ← θ − lr·b = ${num(u.theta)} − ${arg(u.lr)}·${arg(a1)} = ${num(u.thetaAfter)}`);
    } else {
      line(`θ ← θ − lr·g/(√s + ε) = ${num(u.theta)} − ${arg(u.lr)}·${arg(gg)}/(${arg(Math.sqrt(a0))} + ${arg(eps)}) = ${num(u.thetaAfter)}`);
    }
  } else if (type === 'adagrad') {
    const { lrDecay = 0, eps = 1e-10 } = o;
    const clr = u.lr / (1 + (u.step - 1) * lrDecay);
    line(`s ← s + g² = ${num(s0)} + ${arg(gg * gg)} = ${num(a0)}`);
    line(`θ ← θ − clr·g/(√s + ε), clr = lr/(1 + (t − 1)·lrDecay) = ${num(clr)}: ${num(u.theta)} − ${arg(clr)}·${arg(gg)}/(${arg(Math.sqrt(a0))} + ${arg(eps)}) = ${num(u.thetaAfter)}`);
  } else if (type === 'adadelta') {
    const { rho = 0.9, eps = 1e-6 } = o;
    const delta = (Math.sqrt(s1 + eps) / Math.sqrt(a0 + eps)) * gg;
    line(`s ← ρ·s + (1 − ρ)·g² = ${num(rho)}·${arg(s0)} + ${arg(1 - rho)}·${arg(gg * gg)} = ${num(a0)}`);
    line(`Δ = √(a + ε)/√(s + ε)·g = √(${arg(s1)} + ${arg(eps)})/√(${arg(a0)} + ${arg(eps)})·${arg(gg)} = ${num(delta)}`);
    line(`a ← ρ·a + (1 − ρ)·Δ² = ${num(a1)};  θ ← θ − lr·Δ = ${num(u.theta)} − ${arg(u.lr)}·${arg(delta)} = ${num(u.thetaAfter)}`);
  }
  lines.push(h('p', {}, `Step ${formatInt(u.step)} with learning rate ${num(u.lr)}: θ moves by ${num(u.thetaAfter - u.theta)}. The optimizer's state and θ after the step are the engine's own numbers; a real step averages g over its batch.`));
  return lines;
}
