// The sweep panel: pick one or two settings and their values and a budget, start, stop, resume, and
// read the results as a table, a line plot of final test accuracy (one setting) or a heatmap (two).
// Every job is also a run of the runs table, with its curves on the charts.
import { h, replace, helpNote, uniqueId, setText, perFrame } from '../lib/dom.js';
import { formatPercent, formatBytes } from '../lib/format.js';
import { encodeState } from '../state/url.js';
import { SWEEP_AXES, SWEEP_AXIS, NETWORKS, parseValues, valueText, valueLabel, comparePlan, MAX_JOBS } from '../state/sweep.js';
import { RUN_COLOURS } from '../state/runs.js';
import { mathBlock } from '../lib/mathml.js';

/** Sweeps this small show each run's confusion matrix side by side. */
const SIDE_BY_SIDE = 4;

const STATUS_TEXT = { queued: 'queued', training: 'training…', paused: 'paused', done: 'done', diverged: 'diverged (NaN)', failed: 'failed' };

export function mountSweep(runner, el, { signal } = {}) {
  const { history } = runner;
  const axisPicker = (id, withNone, className) => h('select', { id, class: className },
    withNone ? h('option', { value: '' }, '(none)') : null,
    SWEEP_AXES.map((a) => h('option', { value: a.key }, a.label)));
  const id1 = uniqueId('sweep-axis');
  const id2 = uniqueId('sweep-axis');
  const idv1 = uniqueId('sweep-values');
  const idv2 = uniqueId('sweep-values');
  const idb = uniqueId('sweep-budget');
  const axis1 = axisPicker(id1, false, 'sweep-axis');
  const axis2 = axisPicker(id2, true, 'sweep-axis');
  const values1 = h('input', { type: 'text', id: idv1, class: 'sweep-values', spellcheck: 'false', autocomplete: 'off' });
  const values2 = h('input', { type: 'text', id: idv2, class: 'sweep-values', spellcheck: 'false', autocomplete: 'off', disabled: true });
  const budgetN = h('input', { type: 'number', id: idb, min: '1', step: '1', value: '1', class: 'sweep-budget' });
  const budgetKind = h('select', { 'aria-label': 'Budget unit' }, h('option', { value: 'epochs' }, 'epochs'), h('option', { value: 'steps' }, 'steps'));
  const startButton = h('button', { type: 'button', class: 'primary', id: 'sweep-start', onclick: () => start() }, 'Start sweep');
  const stopButton = h('button', { type: 'button', id: 'sweep-stop', onclick: () => runner.stop() }, 'Stop');
  const resumeButton = h('button', { type: 'button', id: 'sweep-resume', onclick: () => runner.resume() }, 'Resume');
  const bestButton = h('button', { type: 'button', id: 'sweep-best', onclick: () => runner.useBest() }, 'Use the best');
  const error = h('p', { class: 'error-box', role: 'alert', hidden: true, id: 'sweep-error' });
  const status = h('span', { class: 'sweep-status', id: 'sweep-status', role: 'status' });
  // The comparison lesson that opened the sweep: what to look for, and its formula.
  const lessonBox = h('section', { class: 'lesson-box', id: 'lesson-box', hidden: true, 'aria-label': 'The lesson' });
  let lessonShown = null;
  const results = h('div', { class: 'sweep-results', id: 'sweep-results' });
  // The link that opens this sweep again, from the same settings (for a class, or for later).
  const link = h('a', { id: 'sweep-link', class: 'sweep-link', hidden: true, title: 'Opens the page with these settings and this sweep queued' }, 'Link to this sweep');

  const idc = uniqueId('compare-axis');
  const idcv = uniqueId('compare-value');
  const compareAxis = axisPicker(idc, false, 'compare-axis');
  const compareValue = h('input', { type: 'text', id: idcv, class: 'compare-value', spellcheck: 'false', autocomplete: 'off', value: '0.01' });
  const compareButton = h('button', { type: 'button', id: 'compare-start', onclick: () => compare() }, 'Train both');
  compareAxis.value = 'lr';
  compareAxis.addEventListener('change', () => {
    compareValue.value = SWEEP_AXIS.get(compareAxis.value).suggestion.split(',').at(-1).trim();
  });

  axis1.value = 'lr';
  values1.value = SWEEP_AXIS.get('lr').suggestion;
  axis1.addEventListener('change', () => { values1.value = SWEEP_AXIS.get(axis1.value).suggestion; });
  axis2.addEventListener('change', () => {
    values2.disabled = !axis2.value;
    values2.value = axis2.value ? SWEEP_AXIS.get(axis2.value).suggestion : '';
  });

  replace(el,
    h('div', { class: 'section-head' },
      h('h3', {}, 'Compare with…'),
      helpNote('comparing two runs', 'Trains the current settings and the same settings with one change, side by side on two workers (one after the other when the workers menu says 1), from the same initial weights (when the change keeps the shapes of the weights) and with the same order of images. Both curves, both final accuracies and both confusion matrices appear below.')),
    h('div', { class: 'sweep-form compare-form' },
      h('div', { class: 'field' }, h('label', { for: idc }, 'Change'), compareAxis, h('label', { for: idcv }, 'to'), compareValue, compareButton,
        helpNote('the change', 'The one setting the second run changes, and its new value. The first run keeps the value it has now.'))),
    h('div', { class: 'section-head' },
      h('h3', {}, 'Sweep'),
      helpNote('sweeps', `Trains the current network once for every value (or every pair of values) of one or two settings, with the same seed and the same order of images, on every core of this computer, and compares their final test accuracy. Each run also joins the runs table and the charts. At most ${MAX_JOBS} runs.`)),
    h('div', { class: 'sweep-form' },
      h('div', { class: 'field' }, h('label', { for: id1 }, 'Vary'), axis1, h('label', { for: idv1, class: 'visually-hidden' }, 'Values of the first setting'), values1,
        helpNote('the swept setting', `The setting the runs differ in, and its values, separated by commas. A layer setting (activation, pooling, dropout, size, number of dense layers) changes the current network the same way in every run; everything else stays as it is now. Whole networks: ${Object.entries(NETWORKS).map(([k, n]) => `${k} (${n.label})`).join(', ')}.`)),
      h('div', { class: 'field' }, h('label', { for: id2 }, 'and'), axis2, h('label', { for: idv2, class: 'visually-hidden' }, 'Values of the second setting'), values2,
        helpNote('a second setting', 'Optional. With a second setting, every value of the first is trained with every value of the second, and the results show as a heatmap: rows are the first setting, columns the second.')),
      h('div', { class: 'field' }, h('label', { for: idb }, 'Budget'), budgetN, budgetKind,
        helpNote('the budget', 'How long each run trains: whole epochs (passes over the training images), or a number of steps (batches). Every run gets the same budget, so their final test accuracies can be compared.'))),
    h('div', { class: 'sweep-actions' }, startButton, stopButton, resumeButton, bestButton),
    lessonBox, error, h('p', { class: 'sweep-line' }, status, link), results);

  function readForm() {
    const axes = [];
    for (const [picker, input] of [[axis1, values1], [axis2, values2]]) {
      if (!picker.value) continue;
      const r = parseValues(SWEEP_AXIS.get(picker.value), input.value);
      if (!r.ok) return { ok: false, message: r.message };
      axes.push({ key: picker.value, values: r.values });
    }
    const n = Number(budgetN.value);
    return { ok: true, axes, budget: { kind: budgetKind.value, n } };
  }

  /** Shows a sweep's settings in the form (a sweep from a link). */
  function showPlan(axes, budget) {
    axis1.value = axes[0].key;
    values1.value = axes[0].values.map(valueText).join(', ');
    axis2.value = axes[1]?.key ?? '';
    values2.disabled = !axes[1];
    values2.value = axes[1] ? axes[1].values.map(valueText).join(', ') : '';
    budgetN.value = String(budget.n);
    budgetKind.value = budget.kind;
  }

  async function compare() {
    const plan = comparePlan(compareAxis.value, compareValue.value, runner.controller.settings.get());
    if (!plan.ok) {
      runner.store.set({ message: plan.message });
      return;
    }
    showPlan(plan.axes, plan.budget);
    await runner.start(plan.axes, plan.budget);
  }

  async function start() {
    const form = readForm();
    if (!form.ok) {
      runner.store.set({ message: form.message });
      return;
    }
    await runner.start(form.axes, form.budget);
  }

  let shownKey = '';
  const render = perFrame(() => {
    const { sweep, state, message, workers, lesson, footprint } = runner.store.get();
    if (lesson !== lessonShown) {
      lessonShown = lesson;
      lessonBox.hidden = !lesson;
      if (lesson) replace(lessonBox, h('h4', {}, lesson.name), h('p', {}, lesson.description), lesson.formula ? mathBlock(lesson.formula) : null);
    }
    // The runs' reports change nothing here: only the sweep's state, its jobs, and the runs' colours.
    const key = JSON.stringify([state, message, workers, footprint, lesson?.id, sweep?.jobs.map((j) => [j.status, j.accuracy, j.recordId, colourOf(j), j.confusion?.join()])]);
    if (key === shownKey) return;
    shownKey = key;
    error.hidden = !message;
    setText(error, message ?? '');
    startButton.disabled = state === 'running';
    compareButton.disabled = state === 'running';
    stopButton.hidden = state !== 'running';
    resumeButton.hidden = state !== 'stopped';
    bestButton.disabled = !runner.best();
    el.dataset.state = state;
    if (!sweep) {
      setText(status, 'Pick a setting and its values, then Start: each value is trained for the budget and compared.');
      results.replaceChildren();
      return;
    }
    const finished = sweep.jobs.filter((j) => j.status !== 'queued' && j.status !== 'training' && j.status !== 'paused').length;
    const what = state === 'done' ? 'finished' : state === 'stopped' ? 'stopped' : `running on ${workers} worker${workers === 1 ? '' : 's'}`;
    const memory = footprint ? ` · up to ${formatBytes(footprint)} of memory per worker` : '';
    setText(status, `${finished} of ${sweep.jobs.length} runs done · ${what}${memory}`);
    link.href = new URL(`../index.html#${encodeState(sweep.base)}&sweep=${sweep.link.sweep}&budget=${sweep.link.budget}`, import.meta.url).href;
    link.hidden = false;
    renderResults(sweep);
  });

  function accuracyText(job) {
    if (job.status === 'diverged') return 'diverged';
    if (job.status === 'failed') return 'failed';
    return Number.isFinite(job.accuracy) ? formatPercent(job.accuracy) : '–';
  }

  function colourOf(job) {
    const run = history.runs.find((r) => r.id === job.recordId);
    return run ? RUN_COLOURS[run.colour % RUN_COLOURS.length] : 'transparent';
  }

  function renderResults(sweep) {
    const [a, b] = sweep.axes;
    const labelA = SWEEP_AXIS.get(a.key).label;
    const labelB = b ? SWEEP_AXIS.get(b.key).label : null;
    const best = runner.best();
    const table = h('table', { class: 'sweep-table', id: 'sweep-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, labelA), b ? h('th', { scope: 'col' }, labelB) : null, h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Final test acc.'))),
      h('tbody', {}, sweep.jobs.map((job) => {
        const swatch = h('span', { class: 'run-swatch', 'aria-hidden': 'true' });
        swatch.style.setProperty('--run-colour', colourOf(job));
        return h('tr', { dataset: { job: String(job.index), status: job.status, best: String(job === best) } },
          h('th', { scope: 'row' }, swatch, valueLabel(a.key, job.values[0])),
          b ? h('td', {}, valueLabel(b.key, job.values[1])) : null,
          h('td', { class: 'job-status', title: job.message ?? '' }, STATUS_TEXT[job.status] ?? job.status),
          h('td', { class: 'num job-accuracy' }, accuracyText(job)));
      })));
    const picture = b ? heatmap(sweep, labelA, labelB, best) : linePlot(sweep, labelA, best);
    const matrices = sweep.jobs.length <= SIDE_BY_SIDE ? confusions(sweep) : null;
    replace(results, h('div', { class: 'sweep-pair' }, h('div', { class: 'sweep-scroll' }, table), picture, matrices));
  }

  /**
   * Each run's confusion matrix from its latest evaluation, side by side: a cell's shade is the
   * share of its row (true class); the diagonal is right, the rest are mistakes.
   */
  function confusions(sweep) {
    return h('div', { class: 'sweep-confusions', id: 'sweep-confusions' }, sweep.jobs.map((job) => {
      const n = job.classes;
      const figure = h('figure', { class: 'mini-confusion', dataset: { job: String(job.index) } });
      const swatch = h('span', { class: 'run-swatch', 'aria-hidden': 'true' });
      swatch.style.setProperty('--run-colour', colourOf(job));
      const caption = h('figcaption', {}, swatch, `${job.name} · ${accuracyText(job)}`);
      if (!job.confusion || !n) {
        figure.append(h('div', { class: 'mini-confusion-empty' }, 'no evaluation yet'), caption);
        return figure;
      }
      const grid = h('div', { class: 'mini-grid', role: 'img', 'aria-label': confusionSummary(job) });
      grid.style.setProperty('--n', String(n));
      for (let t = 0; t < n; t++) {
        const row = job.confusion.slice(t * n, (t + 1) * n);
        const total = row.reduce((a, b) => a + b, 0) || 1;
        row.forEach((count, p) => {
          const cell = h('span', { class: t === p ? 'mini-cell right' : 'mini-cell wrong', title: `true ${t}, predicted ${p}: ${count}` });
          cell.style.setProperty('--share', String(Math.round((100 * count) / total)));
          grid.append(cell);
        });
      }
      figure.append(grid, caption);
      return figure;
    }));
  }

  function confusionSummary(job) {
    const n = job.classes;
    let worst = null;
    for (let t = 0; t < n; t++) {
      for (let p = 0; p < n; p++) {
        const count = job.confusion[t * n + p];
        if (t !== p && count > 0 && (!worst || count > worst.count)) worst = { t, p, count };
      }
    }
    const most = worst ? `; most often ${worst.t} read as ${worst.p} (${worst.count} times)` : '';
    return `Confusion matrix of ${job.name}: ${accuracyText(job)} right${most}`;
  }

  /** Two settings: rows are the first one's values, columns the second's; each cell its final test accuracy. */
  function heatmap(sweep, labelA, labelB, best) {
    const [a, b] = sweep.axes;
    const accs = sweep.jobs.map((j) => j.accuracy).filter(Number.isFinite);
    const lo = Math.min(...accs, 1);
    const hi = Math.max(...accs, 0);
    return h('table', { class: 'sweep-heatmap', id: 'sweep-heatmap' },
      h('caption', {}, `Final test accuracy: ${labelA} (rows) × ${labelB} (columns)`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), b.values.map((v) => h('th', { scope: 'col' }, valueLabel(b.key, v))))),
      h('tbody', {}, a.values.map((va, i) => h('tr', {},
        h('th', { scope: 'row' }, valueLabel(a.key, va)),
        b.values.map((vb, j) => {
          const job = sweep.jobs.find((x) => x.coords[0] === i && x.coords[1] === j);
          const cell = h('td', { class: 'heat-cell', dataset: { job: String(job.index), status: job.status, best: String(job === best) }, title: `${job.name}: ${accuracyText(job)}` }, accuracyText(job));
          // Share of the way from the worst to the best accuracy of the sweep (1 when they are equal).
          const t = Number.isFinite(job.accuracy) ? (hi > lo ? (job.accuracy - lo) / (hi - lo) : 1) : null;
          if (t !== null) cell.style.setProperty('--heat', String(Math.round(15 + 70 * t)));
          return cell;
        })))));
  }

  /** One setting: final test accuracy against its values, evenly spaced in the order given. */
  function linePlot(sweep, labelA, best) {
    const NS = 'http://www.w3.org/2000/svg';
    const W = 320;
    const H = 160;
    const pad = { l: 40, r: 28, t: 10, b: 34 };
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('class', 'sweep-plot');
    svg.setAttribute('id', 'sweep-plot');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `Final test accuracy for each ${labelA}`);
    const el2 = (tag, attrs, text) => {
      const e = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    const n = sweep.jobs.length;
    const x = (i) => pad.l + (n === 1 ? 0.5 : i / (n - 1)) * (W - pad.l - pad.r);
    const y = (acc) => pad.t + (1 - acc) * (H - pad.t - pad.b);
    for (const v of [0, 0.5, 1]) {
      el2('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' });
      el2('text', { x: pad.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, `${v * 100}%`);
    }
    const points = sweep.jobs.map((j, i) => (Number.isFinite(j.accuracy) ? `${x(i)},${y(j.accuracy)}` : null)).filter(Boolean);
    if (points.length > 1) el2('polyline', { points: points.join(' '), class: 'line' });
    sweep.jobs.forEach((j, i) => {
      // The end labels lean inwards, so a long one ("MLP 784→128→10") stays inside the picture.
      const anchor = n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle';
      el2('text', { x: x(i), y: H - pad.b + 14, 'text-anchor': anchor, class: 'tick' }, valueLabel(sweep.axes[0].key, j.values[0]));
      if (Number.isFinite(j.accuracy)) {
        const dot = el2('circle', { cx: x(i), cy: y(j.accuracy), r: j === best ? 5 : 3.5, class: j === best ? 'dot best' : 'dot' });
        dot.append(Object.assign(document.createElementNS(NS, 'title'), { textContent: `${j.name}: ${accuracyText(j)}` }));
      } else if (j.status === 'diverged') {
        el2('text', { x: x(i), y: y(0) - 4, 'text-anchor': 'middle', class: 'tick diverged' }, '✕');
      }
    });
    el2('text', { x: (pad.l + W - pad.r) / 2, y: H - 4, 'text-anchor': 'middle', class: 'tick' }, labelA);
    return h('figure', { class: 'sweep-figure' }, svg);
  }

  const unsubscribe = runner.store.subscribe(() => render());
  const unsubscribeRuns = history.store.subscribe(() => render(), ['runs']);
  signal?.addEventListener('abort', () => {
    unsubscribe();
    unsubscribeRuns();
  });
  render();
  return { showPlan, start };
}
