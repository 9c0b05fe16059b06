//! The confusion matrix of the latest test evaluation: rows are the true classes, columns what the
//! network predicted. Every cell is a button: it shows the test images behind that count.

import { h, replace, helpNote, keepFocus, setText } from '../lib/dom.js';
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

  // The table is built once per set of classes; each evaluation then only changes the cells' numbers
  // and colours. Rebuilding a hundred buttons every couple of seconds made the page's layout work
  // spike while training.
  let built = ''; // the classes the table was built for ('' = none, 'waiting' = the empty grid)
  let cells = []; // cells[t * k + p]: the button of true class t, predicted p

  function showWaiting(k) {
    if (built === `waiting ${k}`) return;
    built = `waiting ${k}`;
    cells = [];
    // An empty grid of the final size, so that the page below does not jump when counts arrive.
    table.setAttribute('aria-hidden', 'true');
    const row = (cell) => Array.from({ length: k }, cell);
    replace(table, k ? [
      h('thead', {}, h('tr', {}, h('th', { class: 'corner' }, h('span', { class: 'corner-line' }, '\u00a0'), h('span', { class: 'corner-line' }, '\u00a0')), row(() => h('th', {}, '\u00a0')))),
      h('tbody', {}, Array.from({ length: k }, () => h('tr', {}, h('th', {}, '\u00a0'), row(() => h('td', {}, h('span', { class: 'cell placeholder' }))))))] : []);
  }

  function build(names, k) {
    const classes = JSON.stringify(names);
    if (built === classes) return;
    built = classes;
    table.removeAttribute('aria-hidden');
    const head = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, h('span', { class: 'visually-hidden' }, 'true class by predicted class'), h('span', { 'aria-hidden': 'true' }, h('span', { class: 'corner-line' }, 'true ↓'), h('span', { class: 'corner-line' }, 'predicted →'))),
      Array.from({ length: k }, (_, p) => h('th', { scope: 'col', title: names[p] }, shortName(names, p))));
    cells = [];
    const rows = Array.from({ length: k }, (_, t) => h('tr', {},
      h('th', { scope: 'row', title: names[t] }, shortName(names, t)),
      Array.from({ length: k }, (_, p) => {
        const cell = h('button', {
          type: 'button',
          dataset: { t: String(t), p: String(p) },
          onclick: () => {
            const sel = run.get().selection;
            const selected = sel && sel.trueClass === t && sel.predicted === p;
            run.set({ selection: selected ? null : { trueClass: t, predicted: p } });
          },
        });
        cells.push(cell);
        return h('td', {}, cell);
      })));
    keepFocus(table, ['t', 'p'], () => replace(table, h('thead', {}, head), h('tbody', {}, rows)));
    const longNames = names.some((n) => n.length > 3);
    key.textContent = longNames ? names.map((n, i) => `${i} ${n}`).join(' · ') : '';
  }

  function render(r) {
    const ev = r.evaluation;
    const names = r.data?.classes ?? [];
    const k = Array.isArray(names) ? names.length : names;
    if (!ev || !k) {
      showWaiting(r.data ? k : 10); // the built-in sets have ten classes
      caption.textContent = 'Appears after the first evaluation on the test images.';
      key.textContent = '';
      return;
    }
    build(names, k);
    const sel = r.selection;
    const bg = pageBackground();
    for (let t = 0; t < k; t++) {
      let rowTotal = 0;
      for (let p = 0; p < k; p++) rowTotal += ev.confusion[t * k + p];
      for (let p = 0; p < k; p++) {
        const count = ev.confusion[t * k + p];
        const share = rowTotal ? count / rowTotal : 0;
        // Right answers in blue, mistakes in vermillion; mistakes are rarer, so their scale is stretched.
        const strength = t === p ? share : Math.min(1, share * 4);
        const fill = count ? mix(t === p ? BLUE : VERMILLION, bg, 0.1 + 0.9 * strength) : null;
        const selected = !!sel && sel.trueClass === t && sel.predicted === p;
        const cell = cells[t * k + p];
        cell.className = `cell${t === p ? ' diag' : ''}${count === 0 ? ' zero' : ''}${selected ? ' selected' : ''}`;
        cell.style.background = fill ? `rgb(${fill.join(',')})` : '';
        cell.style.color = fill ? textOn(fill) : '';
        cell.setAttribute('aria-label', `true ${names[t]}, predicted ${names[p]}: ${count} image${count === 1 ? '' : 's'} (${formatPercent(share)} of the test images of class ${names[t]})`);
        cell.setAttribute('aria-pressed', String(selected));
        setText(cell, count ? formatInt(count) : '·');
      }
    }
    caption.textContent = `${formatInt(ev.n)} test images · ${formatPercent(ev.accuracy)} on the diagonal.`;
  }
  run.subscribe(render, ['evaluation', 'selection', 'data', 'scheme']);
  render(run.get());
}
