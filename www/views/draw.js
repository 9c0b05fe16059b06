//! "Draw a digit": a canvas for mouse, pen and touch; the drawing is prepared like MNIST (see
//! lib/preprocess.js), the 28×28 the network sees is shown, and the class probabilities update live
//! while drawing and while the network trains.

import { h, replace, helpNote, perFrame } from '../lib/dom.js';
import { paintGrey } from '../lib/colors.js';
import { preprocessDrawing } from '../lib/preprocess.js';
import { formatPercent } from '../lib/format.js';
import { saliencyPanel } from './saliency.js';

const SIZE = 280; // backing pixels of the drawing canvas
const PEN = 22; // stroke width in backing pixels: about MNIST's stroke after scaling to 20×20

export function mountDraw(controller, el) {
  const { run, client } = controller;
  const pad = h('canvas', { class: 'draw-pad', width: SIZE, height: SIZE, role: 'img', 'aria-label': 'Drawing area: draw with the mouse, a pen or a finger', dataset: { keys: 'own' } });
  const seen = h('canvas', { class: 'draw-seen', width: 28, height: 28, role: 'img', 'aria-label': 'The 28×28 image the network sees' });
  const bars = h('ol', { class: 'prob-bars', id: 'draw-probs', 'aria-live': 'off' });
  const verdict = h('p', { class: 'draw-verdict', id: 'draw-verdict', 'aria-live': 'polite' });
  const title = h('h3', {}, 'Draw a digit');
  const clear = h('button', { type: 'button', onclick: () => clearPad() }, 'Clear');
  const sample = h('button', { type: 'button', title: 'Put a random test image on the drawing area', onclick: () => useTestImage() }, 'Try a test image');
  const saliency = saliencyPanel(controller, { id: 'draw-saliency', what: 'your drawing' });
  const inspect = h('button', { type: 'button', class: 'show-activations', title: 'Follow this drawing through every layer', onclick: () => image && run.set({ inspect: { kind: 'drawing', image } }) }, 'Show its activations');

  replace(el,
    h('div', { class: 'section-head' }, title,
      helpNote('drawing', 'Draw with the mouse or a finger. Like MNIST\'s digits, the drawing is cropped to its ink, scaled to fit 20×20 pixels (keeping its shape), and placed in a 28×28 image so its centre of mass is in the middle. The network sees only that small image.')),
    h('div', { class: 'draw-row' },
      h('div', { class: 'draw-pad-wrap' }, pad, h('div', { class: 'draw-buttons' }, clear, sample, inspect)),
      h('div', { class: 'draw-side' },
        h('figure', {}, seen, h('figcaption', { class: 'fine' }, 'what the network sees')),
        verdict,
        bars,
        saliency.el)));

  const ctx = pad.getContext('2d', { willReadFrequently: true });
  let image = null; // the 784 floats of the current drawing
  // Each change of ink counts; the pad and the probabilities carry the count they show
  // (data-drawn), so anyone can tell when the prediction has caught up with the drawing.
  let drawn = 0;
  let imageDrawn = 0;
  pad.dataset.drawn = '0';
  function inkChanged() {
    drawn += 1;
    pad.dataset.drawn = String(drawn);
  }
  let last = null;
  let inFlight = false;
  let again = false;

  function ink() {
    return getComputedStyle(pad).color || '#000';
  }

  function point(e) {
    const rect = pad.getBoundingClientRect();
    return { x: ((e.clientX - rect.left) / rect.width) * SIZE, y: ((e.clientY - rect.top) / rect.height) * SIZE };
  }

  function line(a, b) {
    inkChanged();
    ctx.strokeStyle = ink();
    ctx.fillStyle = ink();
    ctx.lineWidth = PEN;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }

  // One finger (or pen, or mouse button) draws at a time: a second touch neither starts a stroke nor
  // joins the two fingers with a line. The 28×28 image and the prediction follow at most once a frame.
  let pointer = null;
  const updateSoon = perFrame(() => update());
  pad.addEventListener('pointerdown', (e) => {
    if (pointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    pointer = e.pointerId;
    last = point(e);
    line(last, { x: last.x + 0.01, y: last.y });
    updateSoon();
  });
  pad.addEventListener('pointermove', (e) => {
    if (e.pointerId !== pointer) return;
    const events = e.getCoalescedEvents?.() ?? [e];
    for (const ev of events.length ? events : [e]) {
      const p = point(ev);
      line(last, p);
      last = p;
    }
    updateSoon();
  });
  const end = (e) => {
    if (e.pointerId !== pointer) return;
    pointer = null;
    last = null;
    updateSoon();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);

  function clearPad() {
    ctx.clearRect(0, 0, SIZE, SIZE);
    inkChanged();
    image = null;
    // "Inside the network" was following the drawing that is gone: back to the test images.
    if (run.get().inspect?.kind === 'drawing') run.set({ inspect: null });
    update();
  }

  function useTestImage() {
    const data = run.get().data;
    if (!data?.testImages) return;
    const [, hh, ww] = data.shape;
    const n = data.testLabels.length;
    const i = Math.floor(Math.random() * n);
    const tmp = document.createElement('canvas');
    tmp.width = ww;
    tmp.height = hh;
    const tctx = tmp.getContext('2d');
    const img = tctx.createImageData(ww, hh);
    const color = ink().match(/\d+/g)?.map(Number) ?? [0, 0, 0];
    for (let p = 0; p < hh * ww; p++) {
      img.data.set([color[0], color[1], color[2], data.testImages[i * hh * ww + p]], 4 * p);
    }
    tctx.putImageData(img, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tmp, 0, 0, SIZE, SIZE);
    inkChanged();
    if (run.get().inspect?.kind === 'drawing') run.set({ inspect: null }); // that drawing is gone
    update();
  }

  /** Reads the ink, prepares the 28×28 image, shows it and asks for a prediction (one at a time). */
  function update() {
    const px = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const alpha = new Uint8ClampedArray(SIZE * SIZE);
    for (let i = 0; i < alpha.length; i++) alpha[i] = px[4 * i + 3];
    image = preprocessDrawing(alpha, SIZE, SIZE, 255);
    imageDrawn = drawn;
    const sctx = seen.getContext('2d');
    const img = sctx.createImageData(28, 28);
    const bytes = new Uint8Array(784);
    if (image) for (let i = 0; i < 784; i++) bytes[i] = Math.round(image[i] * 255);
    paintGrey(img, bytes, 0);
    sctx.putImageData(img, 0, 0);
    predict();
  }

  async function predict() {
    const r = run.get();
    const forDrawn = imageDrawn;
    if (r.data && r.data.shape.join() !== '1,28,28') {
      showProbabilities(null, `Drawing works with 28×28 grey images; this data has ${r.data.shape.join('×')} images.`, forDrawn);
      return;
    }
    if (!image || !r.summary) {
      showProbabilities(null, '', forDrawn);
      saliency.show(null);
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const probs = await client.predict(image);
      showProbabilities(probs, '', forDrawn);
      if (forDrawn === imageDrawn) saliency.show(image, 'your drawing', String(forDrawn));
    } catch (err) {
      showProbabilities(null, `No prediction: ${err.message}`, forDrawn);
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        predict();
      }
    }
  }

  function showProbabilities(probs, why, forDrawn) {
    bars.dataset.drawn = String(forDrawn);
    const names = run.get().data?.classes ?? [];
    if (!probs) {
      if (bars.firstChild) replace(bars);
      verdict.textContent = why || (image ? '' : 'Draw something to see what the network thinks it is.');
      delete bars.dataset.top;
      return;
    }
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
    bars.dataset.top = String(best);
    verdict.textContent = `The network says: ${names[best] ?? best} (${formatPercent(probs[best], 0)})`;
    replace(bars, Array.from(probs, (p, i) => h('li', { class: i === best ? 'best' : '' },
      h('span', { class: 'bar-label' }, names[i] ?? String(i)),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: { width: `${(p * 100).toFixed(1)}%` } })),
      h('span', { class: 'bar-value' }, formatPercent(p, 0)))));
  }

  // While training, the same drawing gets a fresh prediction about once a second.
  let lastTrainPredict = 0;
  run.subscribe((r, changed) => {
    if (changed.includes('data')) {
      const isDigits = r.data?.id === 'mnist' || (r.data?.classes ?? []).join('') === '0123456789';
      title.textContent = isDigits ? 'Draw a digit' : `Draw a ${r.data?.name === 'Fashion-MNIST' ? 'piece of clothing' : 'picture'}`;
    }
    if (changed.includes('scheme')) {
      // The strokes take the new ink colour (their shape is in the alpha, which stays), and the
      // 28×28 image repaints in the new palette.
      ctx.save();
      ctx.globalCompositeOperation = 'source-in';
      ctx.fillStyle = ink();
      ctx.fillRect(0, 0, SIZE, SIZE);
      ctx.restore();
      update();
      return;
    }
    if (changed.includes('runId') || changed.includes('evaluation')) {
      predict();
      return;
    }
    if (changed.includes('report') && performance.now() - lastTrainPredict > 1000) {
      lastTrainPredict = performance.now();
      predict();
    }
  }, ['report', 'evaluation', 'runId', 'data', 'scheme']);
  update();
}
