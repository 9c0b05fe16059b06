//! The numbers a teacher reads out (training loss and accuracy, test accuracy, learning rate) and the
//! training-health banner (NaN or exploding loss, overfitting) with what to try.

import { h, replace, perFrame, setText } from '../lib/dom.js';
import { formatReal, formatPercent, formatInt, formatSetting } from '../lib/format.js';

export function mountMetrics(controller, metricsEl, healthEl) {
  const { run } = controller;
  const cell = (id, label) => {
    const dd = h('dd', { id }, '–');
    return { el: h('div', { class: 'metric' }, h('dt', {}, label), dd), dd };
  };
  const trainLoss = cell('stat-train-loss', 'train loss');
  const trainAcc = cell('stat-train-acc', 'train accuracy');
  const testLoss = cell('stat-test-loss', 'test loss');
  const testAcc = cell('stat-test-acc', 'test accuracy');
  const lr = cell('stat-lr', 'learning rate');
  replace(metricsEl, h('dl', { class: 'metrics' }, trainLoss.el, trainAcc.el, testLoss.el, testAcc.el, lr.el));

  // Training numbers are averaged over the last few reports so they do not flicker.
  let recent = [];
  let runId = -1;
  const render = perFrame(() => {
    const r = run.get();
    if (r.runId !== runId) {
      runId = r.runId;
      recent = [];
    }
    const rep = r.report;
    // A loaded model's saved position is not a measurement: its loss is unknown, not NaN.
    if (rep && !rep.restored && recent.at(-1) !== rep) recent = [...recent.slice(-9), rep];
    const mean = (key) => {
      const v = recent.map((x) => x[key]).filter(Number.isFinite);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
    };
    setText(trainLoss.dd, recent.length ? formatReal(mean('loss'), 3) : '–');
    setText(trainAcc.dd, recent.length ? formatPercent(mean('accuracy')) : '–');
    const ev = r.evaluation;
    setText(testLoss.dd, ev ? formatReal(ev.loss, 3) : '–');
    setText(testAcc.dd, ev ? formatPercent(ev.accuracy) : '–');
    const set = (el, key, value) => {
      if (el.dataset[key] !== value) el.dataset[key] = value;
    };
    const title = ev ? `on ${formatInt(ev.n)} test images` : '';
    if (testAcc.dd.title !== title) testAcc.dd.title = title;
    set(testAcc.dd, 'value', ev ? String(ev.accuracy) : '');
    set(trainLoss.dd, 'value', recent.length ? String(mean('loss')) : '');
    setText(lr.dd, rep && Number.isFinite(rep.lr) ? formatSetting(Number(rep.lr.toPrecision(3))) : formatSetting(controller.settings.get().lr));
  });
  run.subscribe(render, ['report', 'evaluation', 'runId']);
  controller.settings.subscribe(render, ['lr']);
  render();

  const renderHealth = (r) => {
    const p = r.health;
    if (!p) {
      replace(healthEl);
      return;
    }
    const actions = [];
    if (p.lr) {
      actions.push(h('button', { type: 'button', class: 'primary', onclick: () => controller.applyLr(p.lr) }, `Use ${formatSetting(p.lr)} and reset`));
    }
    actions.push(h('button', { type: 'button', onclick: () => run.set({ health: null }) }, 'Dismiss'));
    replace(healthEl, h('div', { class: `health health-${p.kind}`, role: p.pause ? 'alert' : 'status', dataset: { kind: p.kind } },
      h('p', { class: 'health-title' }, p.title),
      h('p', {}, p.message),
      h('div', { class: 'health-actions' }, actions)));
  };
  run.subscribe(renderHealth, ['health']);
  renderHealth(run.get());
}
