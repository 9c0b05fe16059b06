//! "What the network looks at": a saliency map over one image, the size of the gradient of a class's
//! score with respect to each pixel, for the predicted class or one the learner picks. The drawing
//! and the activations view each hold one panel and hand it their image.

import { h, replace, helpNote, uniqueId } from '../lib/dom.js';
import { isDark } from '../lib/colors.js';

// The heat colour: Okabe–Ito vermillion on light pages, orange on dark ones (both read on grey).
const HEAT_LIGHT = [213, 94, 0];
const HEAT_DARK = [230, 159, 0];
/** The map is scaled to this quantile of |gradient|, so that a few extreme pixels do not leave the rest blank. */
const TOP_QUANTILE = 0.99;

const HELP = 'The network\'s score for a class (its logit, before softmax) changes when a pixel changes. The hotter a pixel, the more a small change of its brightness would move that score: that is what the network is sensitive to in this image. Bright pixels in empty background show where ink would change the answer. Pick another class to see what would make the network say that instead.';
const FORMULA = 'saliency(pixel) = |∂z_k / ∂pixel|, z_k the score of class k; computed by one backward pass from z_k down to the image, without changing any weight';

/**
 * A saliency panel.
 * @param {{ run: any, client: any }} controller
 * @param {{ id?: string, what: string }} options  `what`: the image, in words ("your drawing")
 * @returns {{ el: HTMLElement, show: (image: Float32Array|null, what?: string, tag?: string) => void }}
 *   `tag` names the image (the drawing's stroke count); the map carries the tag it was made for as data-for.
 */
export function saliencyPanel(controller, { id, what }) {
  const { run, client } = controller;
  const canvas = h('canvas', { class: 'saliency-map', width: 28, height: 28, role: 'img', 'aria-label': 'Saliency map' });
  const select = h('select', { id: uniqueId('saliency-class'), class: 'saliency-class' });
  const caption = h('p', { class: 'fine saliency-caption', 'aria-live': 'off' });
  const scale = h('div', { class: 'saliency-scale fine' });
  const el = h('figure', { class: 'saliency', id, dataset: { state: 'empty', shown: '0' } },
    canvas,
    h('figcaption', {},
      h('div', { class: 'saliency-head' },
        h('label', { for: select.id }, 'What it looks at for'), select, helpNote('saliency', HELP, FORMULA)),
      caption,
      scale));

  let image = null;
  let about = what;
  let tag = '';
  let chosen = -1; // −1: the predicted class
  let inFlight = false;
  let again = false;
  let shown = 0;
  let names = [];

  select.addEventListener('change', () => {
    chosen = Number(select.value);
    request();
  });

  function setClasses(next) {
    if (next.join('\u0000') === names.join('\u0000')) return;
    names = next;
    chosen = -1;
    replace(select, h('option', { value: '-1' }, 'the predicted class'), names.map((n, i) => h('option', { value: String(i) }, n)));
  }

  function show(next, nextWhat = about, nextTag = '') {
    image = next;
    about = nextWhat;
    tag = nextTag;
    if (!image) {
      el.dataset.state = 'empty';
      caption.textContent = '';
      replace(scale);
      canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    request();
  }

  async function request() {
    if (!image || !run.get().summary) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    const [forImage, forTag] = [image, tag];
    try {
      const s = await client.saliency(forImage, chosen);
      if (forImage === image) paint(forImage, s, forTag);
    } catch (err) {
      el.dataset.state = 'error';
      caption.textContent = `No saliency map: ${err.message}`;
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        request();
      }
    }
  }

  function paint(img, s, forTag) {
    const [c, hh, ww] = run.get().data?.shape ?? [1, 28, 28];
    if (s.gradient.length !== c * hh * ww) return;
    if (canvas.width !== ww || canvas.height !== hh) Object.assign(canvas, { width: ww, height: hh });
    // Per pixel: the largest |gradient| over its channels, and its mean brightness.
    const heat = new Float32Array(hh * ww);
    const grey = new Float32Array(hh * ww);
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < hh * ww; p++) {
        heat[p] = Math.max(heat[p], Math.abs(s.gradient[ch * hh * ww + p]));
        grey[p] += img[ch * hh * ww + p] / c;
      }
    }
    const sorted = Float32Array.from(heat).sort();
    const top = sorted[Math.min(sorted.length - 1, Math.floor(TOP_QUANTILE * sorted.length))] || sorted.at(-1) || 1;
    const dark = isDark();
    const [bg, ink] = dark ? [24, 110] : [255, 150];
    const hot = dark ? HEAT_DARK : HEAT_LIGHT;
    const ctx = canvas.getContext('2d');
    const out = ctx.createImageData(ww, hh);
    for (let p = 0; p < hh * ww; p++) {
      // The image stays faintly visible under the heat, so the map can be read against the strokes.
      const base = bg + (ink - bg) * grey[p];
      const a = Math.min(1, heat[p] / top);
      out.data[4 * p] = Math.round(base + (hot[0] - base) * a);
      out.data[4 * p + 1] = Math.round(base + (hot[1] - base) * a);
      out.data[4 * p + 2] = Math.round(base + (hot[2] - base) * a);
      out.data[4 * p + 3] = 255;
    }
    ctx.putImageData(out, 0, 0);

    setClasses(run.get().data?.classes ?? []);
    const name = (k) => names[k] ?? String(k);
    select.options[0].textContent = `the predicted class (${name(s.predicted)})`;
    const pct = `${Math.round(s.probabilities[s.class] * 100)}%`;
    const target = s.class === s.predicted ? `${name(s.class)} (its prediction, ${pct})` : `${name(s.class)} (${pct})`;
    caption.textContent = `The pixels of ${about} where a change would move the score of ${target} most.`;
    canvas.setAttribute('aria-label', `Saliency map of ${about} for class ${name(s.class)}`);
    const fmt = (x) => (x >= 0.01 ? x.toFixed(2) : x.toExponential(0));
    replace(scale, h('div', { class: 'legend', role: 'img', 'aria-label': `Colour scale: the image in grey where the score does not react, ${dark ? 'orange' : 'vermillion'} where |∂score/∂pixel| reaches ${fmt(top)} or more` },
      h('span', { class: 'legend-value' }, '0'),
      h('span', { class: 'legend-bar saliency-bar', 'aria-hidden': 'true' }),
      h('span', { class: 'legend-value' }, `≥ ${fmt(top)}`),
      h('span', { class: 'legend-caption' }, '|∂score/∂pixel|')));
    shown += 1;
    Object.assign(el.dataset, { state: 'shown', shown: String(shown), class: String(s.class), predicted: String(s.predicted), for: forTag });
  }

  run.subscribe((r, changed) => {
    if (changed.includes('data')) setClasses(r.data?.classes ?? []);
  }, ['data']);
  setClasses(run.get().data?.classes ?? []);

  return { el, show };
}
