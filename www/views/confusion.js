//! The confusion matrix of the latest test evaluation: rows are the true classes, columns what the
//! network predicted. Every cell is a button: it shows the test images behind that count.

import { h, replace, helpNote, keepFocus } from '../lib/dom.js';
import { formatInt, formatPercent } from '../lib/format.js';
import { mix, textOn, pageBackground } from '../lib/colors.js';

const BLUE = [0, 114, 178];
const VERMILLION = [213, 94, 0];

/** Short column/row headers: the class names when they are all short (digits), otherwise numbers. */
export function shortName(names, k) {
  const short = names?.length && names.every((n) => n.length <= 3);
  return short ? names[k] : String(k);
}

export function mountConfusion(controller, el) {
  const { run } = controller;
  const table = h('table', { class: 'confusion' });
  const key = h('p', { class: 'class-key fine' });
  const caption = h('p', { class: 'fine confusion-caption' });
  replace(el,
    h('div', { class: 'section-head' },
      h('h3', {}, 'Confusion matrix'),
      helpNote('the confusion matrix', 'Each row is a true class, each column the class the network chose. The diagonal counts the right answers; every other cell counts one kind of mistake, such as a 4 taken for a 9. Click a cell to see those images.')),
    h('div', { class: 'confusion-scroll' }, table),
    caption,
    key);

  function render(r) {
    const ev = r.evaluation;
    const names = r.data?.classes ?? [];
    const k = Array.isArray(names) ? names.length : names;
    if (!ev || !k) {
      replace(table);
      caption.textContent = 'Appears after the first evaluation on the test images.';
      return;
    }
    const sel = r.selection;
    const bg = pageBackground();
    const rowTotals = Array.from({ length: k }, (_, t) => {
      let s = 0;
      for (let p = 0; p < k; p++) s += ev.confusion[t * k + p];
      return s;
    });
    const head = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, h('span', { class: 'visually-hidden' }, 'true class by predicted class'), h('span', { 'aria-hidden': 'true' }, h('span', { class: 'corner-line' }, 'true ↓'), h('span', { class: 'corner-line' }, 'predicted →'))),
      Array.from({ length: k }, (_, p) => h('th', { scope: 'col', title: names[p] }, shortName(names, p))));
    const rows = Array.from({ length: k }, (_, t) => h('tr', {},
      h('th', { scope: 'row', title: names[t] }, shortName(names, t)),
      Array.from({ length: k }, (_, p) => {
        const count = ev.confusion[t * k + p];
        const share = rowTotals[t] ? count / rowTotals[t] : 0;
        // Right answers in blue, mistakes in vermillion; mistakes are rarer, so their scale is stretched.
        const strength = t === p ? share : Math.min(1, share * 4);
        const fill = count ? mix(t === p ? BLUE : VERMILLION, bg, 0.1 + 0.9 * strength) : null;
        const selected = sel && sel.trueClass === t && sel.predicted === p;
        return h('td', {},
          h('button', {
            type: 'button',
            class: `cell${t === p ? ' diag' : ''}${count === 0 ? ' zero' : ''}${selected ? ' selected' : ''}`,
            style: fill ? { background: `rgb(${fill.join(',')})`, color: textOn(fill) } : {},
            'aria-label': `true ${names[t]}, predicted ${names[p]}: ${count} image${count === 1 ? '' : 's'} (${formatPercent(share)} of the ${names[t]} images)`,
            'aria-pressed': String(!!selected),
            dataset: { t: String(t), p: String(p) },
            onclick: () => run.set({ selection: selected ? null : { trueClass: t, predicted: p } }),
          }, count ? formatInt(count) : '·'));
      })));
    keepFocus(table, ['t', 'p'], () => replace(table, h('thead', {}, head), h('tbody', {}, rows)));
    caption.textContent = `${formatInt(ev.n)} test images · ${formatPercent(ev.accuracy)} on the diagonal.`;
    const longNames = names.some((n) => n.length > 3);
    key.textContent = longNames ? names.map((n, i) => `${i} ${n}`).join(' · ') : '';
  }
  run.subscribe(render, ['evaluation', 'selection', 'data']);
  render(run.get());
}
