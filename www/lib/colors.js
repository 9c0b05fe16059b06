//! Colour: the Okabe–Ito palette and a diverging scale centred on zero for weights and activations.

export const OKABE_ITO = {
  blue: '#0072B2', orange: '#E69F00', green: '#009E73', vermillion: '#D55E00',
  sky: '#56B4E9', purple: '#CC79A7', yellow: '#F0E442', black: '#000000',
};

// Negative values go toward vermillion, positive toward blue, zero is the neutral end (white, or
// near-black in dark mode): two colour-blind-safe hues that never need red against green.
const NEG = [213, 94, 0];
const POS = [0, 114, 178];

// One query object for the page's life: matchMedia() per call made a new one for every picture.
const darkQuery = typeof window !== 'undefined' ? window.matchMedia?.('(prefers-color-scheme: dark)') : null;

export function isDark() {
  return darkQuery?.matches ?? false;
}

/** RGB of value v on the scale [−max, max]. */
export function diverging(v, max, dark = isDark()) {
  const zero = dark ? [24, 26, 30] : [255, 255, 255];
  const t = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  const end = t < 0 ? NEG : POS;
  const a = Math.abs(t);
  return [0, 1, 2].map((i) => Math.round(zero[i] + (end[i] - zero[i]) * a));
}

/** Fills an ImageData with a diverging-coloured h×w map taken from data at offset. */
export function paintDiverging(imageData, data, offset, max, dark = isDark()) {
  // diverging() inlined: no arrays per pixel (activation maps repaint thousands of them a second).
  const px = imageData.data;
  const n = imageData.width * imageData.height;
  const z = dark ? [24, 26, 30] : [255, 255, 255];
  const inv = max > 0 ? 1 / max : 0;
  for (let i = 0; i < n; i++) {
    let t = data[offset + i] * inv;
    if (!(t === t)) t = 0; // NaN
    t = t < -1 ? -1 : t > 1 ? 1 : t;
    const end = t < 0 ? NEG : POS;
    const a = t < 0 ? -t : t;
    px[4 * i] = Math.round(z[0] + (end[0] - z[0]) * a);
    px[4 * i + 1] = Math.round(z[1] + (end[1] - z[1]) * a);
    px[4 * i + 2] = Math.round(z[2] + (end[2] - z[2]) * a);
    px[4 * i + 3] = 255;
  }
  return imageData;
}

/** Fills an ImageData with grey pixels (0 = background, 255 = ink), the way MNIST is usually shown: dark ink on light. */
export function paintGrey(imageData, bytes, offset, dark = isDark()) {
  const px = imageData.data;
  const n = imageData.width * imageData.height;
  for (let i = 0; i < n; i++) {
    const v = bytes[offset + i];
    const g = dark ? v : 255 - v;
    px[4 * i] = g;
    px[4 * i + 1] = g;
    px[4 * i + 2] = g;
    px[4 * i + 3] = 255;
  }
  return imageData;
}

/** The largest absolute value of a slice (for a symmetric scale). */
export function maxAbs(data, start = 0, end = data.length) {
  let m = 0;
  for (let i = start; i < end; i++) {
    const a = Math.abs(data[i]);
    if (a > m && Number.isFinite(a)) m = a;
  }
  return m;
}

/** A small legend element: a gradient bar from −max to +max. */
export function divergingLegend(h, max, caption = 'weight') {
  const fmt = (x) => (x === 0 ? '0' : Math.abs(x) >= 0.01 ? x.toFixed(2) : x.toExponential(0));
  return h('div', { class: 'legend', role: 'img', 'aria-label': `Colour scale: vermillion is negative down to ${fmt(-max)}, white is 0, blue is positive up to ${fmt(max)}` },
    h('span', { class: 'legend-value' }, fmt(-max)),
    h('span', { class: 'legend-bar', 'aria-hidden': 'true' }),
    h('span', { class: 'legend-value' }, `+${fmt(max)}`),
    h('span', { class: 'legend-caption' }, caption));
}

/** Relative luminance (WCAG 2) of an sRGB colour given as [r, g, b] in 0..255. */
export function luminance([r, g, b]) {
  const lin = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Contrast ratio between two colours (1..21). */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Mixes colour `c` over background `bg` at opacity t (0..1). */
export function mix(c, bg, t) {
  return c.map((v, i) => Math.round(bg[i] + (v - bg[i]) * t));
}

/** Black or white text, whichever reads better on `bg` (any colour gets at least 4.58:1 with one of the two). */
export function textOn(bg) {
  return contrast(bg, [255, 255, 255]) >= contrast(bg, [0, 0, 0]) ? '#ffffff' : '#000000';
}

/** The page background as [r, g, b]. */
export function pageBackground() {
  return isDark() ? [22, 24, 28] : [255, 255, 255];
}
