//! The confusion matrix of the latest test evaluation: rows are the true classes, columns what the
//! network predicted. Every cell is a button: it shows the test images behind that count.

import { h, replace, helpNote, keepFocus, setText } from '../lib/dom.js';
import { formatInt, formatPercent } from '../lib/format.js';
import { mix, textOn, pageBackground } from '../lib/colors.js';
import { downloadButton, exportName, framePicture, pictureColours, savePicture } from './export-picture.js';

const BLUE = [0, 114, 178];
const VERMILLION = [213, 94, 0];

/**
 * A cell's colours: right answers in blue, mistakes in vermillion, stronger for a larger share of
 * the true class's images (mistakes are rarer, so their scale is stretched); null for an empty cell.
 */
function cellColours(t, p, count, rowTotal, bg) {
  if (!count) return null;
  const share = rowTotal ? count / rowTotal : 0;
  const strength = t === p ? share : Math.min(1, share * 4);
  const fill = mix(t === p ? BLUE : VERMILLION, bg, 0.1 + 0.9 * strength);
  return { fill: `rgb(${fill.join(',')})`, text: textOn(fill) };
}

/** Sizes of the saved picture, in CSS pixels. */
const CELL = 44;
const GAP = 2;
const HEAD = 76; // the row headers' column (and the corner's "true ↓ / predicted →")

/**
 * The confusion matrix as a picture: the counts in their colours, the class names (or numbers, with
 * the key below) on both axes, and what the axes mean.
 */
function confusionPicture(ev, names, el) {
  const k = names.length;
  const colours = pictureColours(el);
  const bg = pageBackground();
  const font = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const side = HEAD + k * (CELL + GAP);
  const draw = (ctx) => {
    ctx.textBaseline = 'middle';
    ctx.font = `10px ${font}`;
    ctx.fillStyle = colours.muted;
    ctx.textAlign = 'left';
    ctx.fillText('true ↓', 2, HEAD - 30);
    ctx.fillText('predicted →', 2, HEAD - 16);
    ctx.font = `600 12px ${font}`;
    for (let i = 0; i < k; i++) {
      const at = HEAD + i * (CELL + GAP) + CELL / 2;
      ctx.textAlign = 'center';
      ctx.fillText(shortName(names, i), at, HEAD - 14);
      ctx.textAlign = 'right';
      ctx.fillText(shortName(names, i), HEAD - 10, at);
    }
    ctx.textAlign = 'center';
    for (let t = 0; t < k; t++) {
      let rowTotal = 0;
      for (let p = 0; p < k; p++) rowTotal += ev.confusion[t * k + p];
      for (let p = 0; p < k; p++) {
        const count = ev.confusion[t * k + p];
        const c = cellColours(t, p, count, rowTotal, bg);
        const x = HEAD + p * (CELL + GAP);
        const y = HEAD + t * (CELL + GAP);
        ctx.fillStyle = c ? c.fill : colours.bg;
        ctx.fillRect(x, y, CELL, CELL);
        if (!c) {
          ctx.strokeStyle = colours.line;
          ctx.lineWidth = 1;
          ctx.strokeRect(x + 0.5, y + 0.5, CELL - 1, CELL - 1);
        }
        ctx.font = `${t === p ? '600 ' : ''}12px ${font}`;
        ctx.fillStyle = c ? c.text : colours.muted;
        ctx.fillText(count ? formatInt(count) : '·', x + CELL / 2, y + CELL / 2);
      }
    }
  };
  const longNames = names.some((n) => n.length > 3);
  return framePicture({
    title: 'Confusion matrix',
    subtitle: `${formatInt(ev.n)} test images · ${formatPercent(ev.accuracy)} on the diagonal · rows: true class, columns: predicted`,
    width: side,
    height: side,
    draw,
    notes: longNames ? [names.map((n, i) => `${i} ${n}`).join(' · ')] : [],
    colours,
    scale: k > 20 ? 1 : 2, // a matrix of many classes is large already
  });
}

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
  const png = downloadButton('PNG', 'Download the confusion matrix as PNG', () => {
    const r = run.get();
    const classes = r.data?.classes;
    if (!r.evaluation || !classes) return;
    const names = Array.isArray(classes) ? classes : Array.from({ length: classes }, (_, i) => String(i));
    savePicture(exportName(r, 'confusion', 'png'), confusionPicture(r.evaluation, names, el));
  });
  png.disabled = true;
  replace(el,
    h('div', { class: 'section-head' },
      h('h3', {}, 'Confusion matrix'),
      helpNote('the confusion matrix', 'Each row is a true class, each column the class the network chose. The diagonal counts the right answers; every other cell counts one kind of mistake, such as a 4 taken for a 9. Click a cell to see those images. PNG saves the matrix as a picture.'),
      png),
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
    const nothing = !ev || !k;
    if (png.disabled !== nothing) png.disabled = nothing;
    if (nothing) {
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
        const colours = cellColours(t, p, count, rowTotal, bg);
        const selected = !!sel && sel.trueClass === t && sel.predicted === p;
        const cell = cells[t * k + p];
        cell.className = `cell${t === p ? ' diag' : ''}${count === 0 ? ' zero' : ''}${selected ? ' selected' : ''}`;
        cell.style.background = colours ? colours.fill : '';
        cell.style.color = colours ? colours.text : '';
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
