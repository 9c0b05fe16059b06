//! A gallery of test images with the network's top-3 guesses: the mistakes of the latest evaluation,
//! or the images behind the chosen confusion-matrix cell. Clicking one shows its activations.

import { h, replace, helpNote, setText } from '../lib/dom.js';
import { paintGrey, isDark } from '../lib/colors.js';
import { formatInt } from '../lib/format.js';

const MAX_SHOWN = 24;

function topK(confidences, offset, k, count) {
  const idx = Array.from({ length: k }, (_, i) => i);
  idx.sort((a, b) => confidences[offset + b] - confidences[offset + a]);
  return idx.slice(0, count).map((c) => ({ c, p: confidences[offset + c] }));
}

export function thumbnail(bytes, index, shape, label) {
  const [, hh, ww] = shape;
  const canvas = h('canvas', { class: 'thumb', width: ww, height: hh, role: 'img', 'aria-label': label });
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(ww, hh);
  paintGrey(img, bytes, index * hh * ww);
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** Thumbnails of test images never change: one canvas per image (and colour scheme) per dataset,
 * reused at every evaluation instead of made again with a new context. */
const thumbs = new WeakMap();
function cachedThumbnail(data, index) {
  let byIndex = thumbs.get(data.testImages);
  if (!byIndex) thumbs.set(data.testImages, (byIndex = new Map()));
  const key = `${index}:${isDark()}`;
  if (!byIndex.has(key)) byIndex.set(key, thumbnail(data.testImages, index, data.shape, `Test image ${index + 1}`));
  return byIndex.get(key);
}

/** Words for screen readers only: they join the visible numbers into a sentence. */
const hidden = (text) => h('span', { class: 'visually-hidden' }, text);

export function mountMistakes(controller, el) {
  const { run } = controller;
  const title = h('h3', {}, 'Mistakes');
  const note = h('p', { class: 'fine mistakes-note' });
  const grid = h('ul', { class: 'gallery' });
  const tiles = []; // the gallery's tiles, in order: { item, button, thumb, truth, guesses }
  const clear = h('button', { type: 'button', class: 'small', hidden: true, onclick: () => run.set({ selection: null }) }, 'Show all mistakes');
  replace(el,
    h('div', { class: 'section-head' }, title,
      helpNote('the mistakes', 'Test images the network got wrong, with its three most likely classes and their probabilities. Some are hard even for people. Click an image to follow it through the network.'),
      clear),
    note,
    grid);

  function render(r) {
    const ev = r.evaluation;
    const data = r.data;
    grid.classList.toggle('waiting', !ev || !data?.testLabels);
    if (!ev || !data?.testLabels) {
      replace(grid);
      tiles.length = 0;
      note.textContent = 'Appears after the first evaluation on the test images.';
      return;
    }
    const names = data.classes;
    const k = names.length;
    const sel = r.selection;
    const matches = [];
    let total = 0;
    for (let i = 0; i < ev.n; i++) {
      const t = data.testLabels[i];
      const p = ev.predictions[i];
      const hit = sel ? t === sel.trueClass && p === sel.predicted : t !== p;
      if (!hit) continue;
      total += 1;
      if (matches.length < MAX_SHOWN) matches.push(i);
    }
    clear.hidden = !sel;
    if (sel) {
      title.textContent = sel.trueClass === sel.predicted ? `Right: ${names[sel.trueClass]}` : `${names[sel.trueClass]} taken for ${names[sel.predicted]}`;
      note.textContent = `${formatInt(total)} test image${total === 1 ? '' : 's'}${total > MAX_SHOWN ? `; the first ${MAX_SHOWN} are shown` : ''}.`;
    } else {
      title.textContent = 'Mistakes';
      note.textContent = total ? `${formatInt(total)} of ${formatInt(ev.n)} test images are wrong${total > MAX_SHOWN ? `; the first ${MAX_SHOWN} are shown` : ''}.` : 'No mistakes on the test images.';
    }
    const inspected = r.inspect?.kind === 'test' ? r.inspect.index : -1;
    const shown = Math.min(3, k);
    // Tiles are reused from one evaluation to the next and only their contents change: rebuilding two
    // dozen of them every couple of seconds made the page's layout work spike while training.
    // The focus stays on the image it was on, wherever its tile is now (or on the first tile).
    const active = grid.getRootNode().activeElement;
    const focused = active && grid.contains(active) ? active.dataset.index : null;
    while (tiles.length > matches.length) tiles.pop().item.remove();
    matches.forEach((i, at) => {
      if (!tiles[at] || tiles[at].guesses.length !== shown) {
        const tile = makeTile(shown);
        if (tiles[at]) tiles[at].item.replaceWith(tile.item);
        else grid.append(tile.item);
        tiles[at] = tile;
      }
      fillTile(tiles[at], data, ev, i, inspected);
    });
    if (focused !== null) {
      const same = tiles.find((t) => t.button.dataset.index === focused)?.button ?? tiles[0]?.button;
      if (same && same !== grid.getRootNode().activeElement) same.focus({ preventScroll: true });
    }
  }

  /** One gallery tile: a button with the thumbnail, the true class and the top guesses. */
  function makeTile(shown) {
    const truth = h('span', {});
    const guesses = Array.from({ length: shown }, (_, j) => h('span', { class: j === 0 ? 'first' : '' }));
    const thumb = h('span', { class: 'thumb-slot' });
    // The button's name is its own text (what a sighted person reads), with the words between the
    // numbers added for screen readers: "Test image 5 is 4; the network says 9 80%, 4 15%, 7 3%.
    // Show its activations."
    const button = h('button', {
      type: 'button', class: 'mistake',
      onclick: () => run.set({ inspect: { kind: 'test', index: Number(button.dataset.index) } }),
    },
      thumb,
      h('span', { class: 'truth' }, truth, hidden('; the network says')),
      h('span', { class: 'top3' }, guesses.map((g, j) => [g, hidden(j < shown - 1 ? ',' : '.')])),
      hidden('Show its activations.'));
    return { item: h('li', {}, button), button, thumb, truth, guesses };
  }

  function fillTile(tile, data, ev, i, inspected) {
    const names = data.classes;
    const k = names.length;
    const t = data.testLabels[i];
    const top = topK(ev.confidences, i * k, k, tile.guesses.length);
    const guesses = top.map((x) => `${names[x.c]} ${Math.round(x.p * 100)}%`);
    const { button } = tile;
    button.dataset.index = String(i);
    button.classList.toggle('selected', i === inspected);
    if (i === inspected) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
    button.title = `Test image ${i + 1}: really ${names[t]}; the network says ${guesses.join(', ')}. Click to follow it through the network.`;
    const thumb = cachedThumbnail(data, i);
    if (tile.thumb.firstChild !== thumb) tile.thumb.replaceChildren(thumb);
    setText(tile.truth, `is ${names[t]}`);
    guesses.forEach((g, j) => setText(tile.guesses[j], g));
  }
  run.subscribe(render, ['evaluation', 'selection', 'data', 'inspect', 'scheme']);
  render(run.get());
}
