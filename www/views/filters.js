//! A conv layer's filters as small images: one column per filter, one row per input channel, on a
//! diverging scale centred at 0 (vermillion negative, blue positive) with its legend.

import { h, replace } from '../lib/dom.js';
import { paintDiverging, maxAbs, divergingLegend, isDark, diverging } from '../lib/colors.js';
import { downloadButton, framePicture, pictureColours, savePicture } from './export-picture.js';

const MAX_FILTERS = 32;
const MAX_CHANNELS = 8;
/** Pixels per weight (at 16 px per rem): large for a few filters, never below 3. */
function zoomFor(width) {
  return Math.max(3, Math.min(7, Math.floor(256 / width)));
}

/** The gaps between filters in the page's line colour, read once per colour scheme (reading a CSS
 * variable at every weight push forced a style recalculation each time). */
const gridColours = new Map();
function gridColour(el) {
  const dark = isDark();
  if (!gridColours.has(dark)) gridColours.set(dark, getComputedStyle(el).getPropertyValue('--line').trim() || '#888');
  return gridColours.get(dark);
}

/** What each filter area shows now, for its PNG button: { name, max, saveAs }. */
const shown = new WeakMap();

/** Weights per CSS pixel in a saved picture: about 720 px wide, never under 4 px a weight. */
function pictureZoom(width) {
  return Math.max(4, Math.min(16, Math.floor(720 / width)));
}

/** The scale's numbers as the on-screen legend writes them. */
function scaleValue(x) {
  return Math.abs(x) >= 0.01 ? x.toFixed(2) : x.toExponential(0);
}

/** A layer's filters as a picture: the grid enlarged pixel for pixel, its title, what it shows and the colour scale. */
function filtersPicture(el) {
  const canvas = el.querySelector('canvas');
  const { name, max, saveAs } = shown.get(el);
  const zoom = pictureZoom(canvas.width);
  const rgb = (v) => `rgb(${diverging(v, max).join(',')})`;
  return framePicture({
    title: `Filters of ${name}`,
    subtitle: [canvas.dataset.label, saveAs().at].filter(Boolean).join(' · '),
    width: canvas.width * zoom,
    height: canvas.height * zoom,
    draw: (ctx) => {
      ctx.imageSmoothingEnabled = false; // each weight a sharp square
      ctx.drawImage(canvas, 0, 0, canvas.width * zoom, canvas.height * zoom);
    },
    legend: [{ label: 'weight (vermillion negative, blue positive)', stops: [rgb(-max), rgb(0), rgb(max)], from: scaleValue(-max), to: `+${scaleValue(max)}` }],
    colours: pictureColours(el),
  });
}

/**
 * @param {HTMLElement} el  the card's filter area (kept between updates)
 * @param {{ shape: number[], data: Float32Array | null } | null} tensor  weights [f, c, kh, kw]; with
 *   data null (the network is built, its weights are on their way) an empty grid of the final size
 *   holds the place, so the cards below do not jump when the pictures arrive
 * @param {string} name  the layer's name ("layer 1")
 * @param {() => { file: string, at?: string }} saveAs  the PNG's file name, and when the weights
 *   were taken ("MNIST digits · 120 steps")
 */
export function drawFilters(el, tensor, name, saveAs = () => ({ file: 'filters.png' })) {
  if (!tensor) {
    if (el.dataset.state !== 'empty') {
      el.dataset.state = 'empty';
      replace(el, h('p', { class: 'fine' }, 'Filters appear here once this network is built.'));
    }
    return;
  }
  const [f, c, kh, kw] = tensor.shape;
  const nf = Math.min(f, MAX_FILTERS);
  const nc = Math.min(c, MAX_CHANNELS);
  let canvas = el.querySelector('canvas');
  const key = `${f}x${c}x${kh}x${kw}`;
  if (!canvas || el.dataset.state !== key) {
    el.dataset.state = key;
    canvas = h('canvas', { class: 'filter-grid' });
    const shownText = `${nf < f ? `the first ${nf} of ` : ''}${f} filters`;
    canvas.setAttribute('role', 'img');
    canvas.dataset.label = `The ${shownText} of ${name}, ${kh}×${kw} each${c > 1 ? `, one row per input channel${nc < c ? ` (first ${nc} of ${c})` : ''}` : ''}`;
    const png = downloadButton('PNG', `Download the filters of ${name} as PNG`, () => savePicture(shown.get(el).saveAs().file, filtersPicture(el)));
    replace(el, canvas, h('div', { class: 'legend-slot' }),
      h('div', { class: 'filters-foot' },
        h('p', { class: 'fine' }, c > 1 ? `Filters: one column each; one row per input channel${nc < c ? ` (${nc} of ${c} shown)` : ''}.` : `Filters: what each of the ${shownText} looks for.`),
        png));
  }
  const png = el.querySelector('button.download');
  if (png.disabled !== !tensor.data) png.disabled = !tensor.data;
  const gap = 1;
  // The size is set once per shape: assigning it, even unchanged, clears the canvas and lays it out again.
  const width = nf * (kw + gap) + gap;
  const height = nc * (kh + gap) + gap;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${(width * zoomFor(width)) / 16}rem`;
  }
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = gridColour(el);
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const slot = el.querySelector('.legend-slot');
  const label = tensor.data ? canvas.dataset.label : `The filters of ${name} appear here once its weights arrive`;
  if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
  if (!tensor.data) {
    if (slot.firstChild) slot.replaceChildren(); // no scale without weights (the slot keeps its height)
    return;
  }
  const max = maxAbs(tensor.data) || 1;
  shown.set(el, { name, max, saveAs });
  const img = ctx.createImageData(kw, kh);
  for (let fi = 0; fi < nf; fi++) {
    for (let ci = 0; ci < nc; ci++) {
      paintDiverging(img, tensor.data, ((fi * c) + ci) * kh * kw, max);
      ctx.putImageData(img, gap + fi * (kw + gap), gap + ci * (kh + gap));
    }
  }
  const legend = divergingLegend(h, max, 'weight');
  if (slot.firstChild?.getAttribute('aria-label') !== legend.getAttribute('aria-label')) replace(slot, legend);
}
