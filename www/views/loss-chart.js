//! Loss and accuracy curves for training (solid, smoothed, raw points faint) and test (dashed, with
//! dots). New points are appended to the canvas; the whole history is redrawn only when an axis
//! rescales (x grows by doubling, so that happens a handful of times per run), on resize, or when
//! the smoothing or the scale changes. Hovering (or focusing and using ←/→) reads values out.

import { h, replace, helpNote, uniqueId, fitCanvas, perFrame } from '../lib/dom.js';
import { formatReal, formatPercent, formatInt } from '../lib/format.js';
import { SETTING } from '../state/schema.js';
import { isDark } from '../lib/colors.js';
import { RUN_COLOURS, runNames, curvesCsv } from '../state/runs.js';
import { download } from '../lib/download.js';
import { downloadButton, exportName, framePicture, pictureColours, savePicture, PICTURE_SCALE } from './export-picture.js';

/** A saved chart's plot, in CSS pixels (the file has PICTURE_SCALE pixels for each). */
const PICTURE_SIZE = { width: 720, height: 360 };

/** How often earlier runs that are still training (a sweep's) are redrawn as their curves grow. */
const LIVE_OVERLAY_MS = 400;

/** Margins around the plot, in rem (so projector mode scales them with the text). */
const PAD_REM = { left: 2.9, right: 0.75, top: 0.65, bottom: 1.9 };

function rootRem() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

/** The chart's colours; the page's variables are read where the chart is (the document, or a widget's shadow root). */
function palette(el) {
  const dark = isDark();
  const css = getComputedStyle(el);
  return {
    train: dark ? '#56B4E9' : '#0072B2', // Okabe–Ito sky / blue
    test: dark ? '#E69F00' : '#D55E00', // Okabe–Ito orange / vermillion
    grid: css.getPropertyValue('--grid').trim() || '#e3e5e8',
    axis: css.getPropertyValue('--muted').trim() || '#5a5a5a',
    bg: css.getPropertyValue('--bg').trim() || '#fff',
  };
}

/** The smallest "nice" number ≥ x: 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ. */
function niceCeil(x, steps = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of steps) if (m * p >= x - 1e-12) return m * p;
  return 10 * p;
}

/** A tick spacing that gives about `count` ticks over `span`: 1, 2, 2.5 or 5 × 10ⁿ. */
function niceStep(span, count) {
  return niceCeil(span / count, [1, 2, 2.5, 5, 10]);
}

function lowerBound(xs, x) {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Chart {
  /**
   * @param {{ title: string, kind: 'loss'|'accuracy', format: (v:number)=>string }} options
   */
  constructor({ title, kind, format, signal }) {
    this.kind = kind;
    this.format = format;
    this.title = title;
    this.logScale = false;
    this.smoothing = 0.6;
    this.epochs = 1;
    // Other runs drawn under the current one: [{ id, name, colour, x, y, s (smoothed), tx, ty }].
    this.overlays = [];
    this.overlayRange = { max: 0, minPositive: Infinity, xMax: 0 };
    this.clear();
    this.base = h('canvas', { class: 'chart-base', 'aria-hidden': 'true' });
    this.overlay = h('canvas', { class: 'chart-overlay', 'aria-hidden': 'true' });
    this.tip = h('div', { class: 'chart-tip', hidden: true, role: 'status' });
    this.box = h('div', {
      class: 'chart-box', tabindex: '0', role: 'img', 'aria-label': `${title} chart; the left and right arrow keys read its values`, dataset: { keys: 'own' },
      onpointermove: (e) => this.hoverSoon(e.offsetX, e.offsetY),
      onpointerleave: () => {
        cancelAnimationFrame(this.hoverFrame);
        this.hoverFrame = 0;
        this.hover(null);
      },
      onkeydown: (e) => this.key(e),
      onblur: () => this.hover(null),
    }, this.base, this.overlay, this.tip);
    this.el = this.box;
    // The box's size comes from here, so drawing never asks for a layout in the middle of a frame.
    this.size = { width: 0, height: 0 };
    new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      this.size = { width, height };
      this.invalidate();
    }).observe(this.box);
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => this.invalidate(), { signal });
  }

  clear() {
    this.train = { x: [], y: [], s: [] }; // raw and smoothed (debiased EMA)
    this.test = { x: [], y: [] };
    this.ema = 0;
    this.emaWeight = 0;
    this.drawn = { train: 0, test: 0 };
    this.domain = null;
    this.hoverIndex = null;
    this.range = { max: 0, minPositive: Infinity }; // of the plotted values, kept as points arrive
    this.invalidate();
  }

  /** Widens the running range with one plotted value (the y axis is chosen from it in O(1)). */
  see(v) {
    if (!Number.isFinite(v) || v <= 0) return;
    if (v > this.range.max) this.range.max = v;
    if (v < this.range.minPositive) this.range.minPositive = v;
  }

  /** The range from scratch (after a re-smoothing or a replaced test point). */
  measure() {
    this.range = { max: 0, minPositive: Infinity };
    for (const v of this.train.s) this.see(v);
    for (const v of this.test.y) this.see(v);
  }

  setOptions({ logScale, smoothing, epochs }) {
    let full = false;
    if (logScale !== undefined && logScale !== this.logScale) {
      this.logScale = logScale;
      full = true;
    }
    if (smoothing !== undefined && smoothing !== this.smoothing) {
      this.smoothing = smoothing;
      this.resmooth();
      full = true;
    }
    if (epochs !== undefined && epochs !== this.epochs) {
      this.epochs = epochs;
      full = true;
    }
    if (full) this.invalidate();
  }

  resmooth() {
    this.ema = 0;
    this.emaWeight = 0;
    this.train.s = this.train.y.map((y) => this.smooth(y));
    this.measure();
    this.smoothOverlays();
  }

  /**
   * Other runs to draw under the current one, each { id, name, colour, train: [x, y, …], test: [x, y, …] }
   * (flat pairs). They are drawn with the axes, so they cost nothing per frame while the current run trains.
   */
  setOverlays(list) {
    this.overlays = list.map((o) => {
      const x = [];
      const y = [];
      for (let i = 0; i < o.train.length; i += 2) {
        x.push(o.train[i]);
        y.push(o.train[i + 1]);
      }
      const tx = [];
      const ty = [];
      for (let i = 0; i < o.test.length; i += 2) {
        tx.push(o.test[i]);
        ty.push(o.test[i + 1]);
      }
      return { id: o.id, name: o.name, colour: o.colour, x, y, s: [], tx, ty };
    });
    this.smoothOverlays();
    this.invalidate();
  }

  /** The overlays' smoothed curves and their range, with the chart's smoothing. */
  smoothOverlays() {
    const range = { max: 0, minPositive: Infinity, xMax: 0 };
    const see = (v) => {
      if (!Number.isFinite(v) || v <= 0) return;
      if (v > range.max) range.max = v;
      if (v < range.minPositive) range.minPositive = v;
    };
    const w = this.smoothing;
    for (const o of this.overlays) {
      let ema = 0;
      let weight = 0;
      o.s = o.y.map((y) => {
        if (!Number.isFinite(y)) return y;
        ema = w * ema + (1 - w) * y;
        weight = w * weight + (1 - w);
        return ema / weight;
      });
      for (const v of o.s) see(v);
      for (const v of o.ty) see(v);
      range.xMax = Math.max(range.xMax, o.x.at(-1) ?? 0, o.tx.at(-1) ?? 0);
    }
    this.overlayRange = range;
  }

  /** TensorBoard-style smoothing: an exponential moving average, corrected for starting at 0. */
  smooth(y) {
    if (!Number.isFinite(y)) return y;
    const w = this.smoothing;
    this.ema = w * this.ema + (1 - w) * y;
    this.emaWeight = w * this.emaWeight + (1 - w);
    return this.ema / this.emaWeight;
  }

  addTrain(x, y) {
    this.train.x.push(x);
    this.train.y.push(y);
    const s = this.smooth(y);
    this.train.s.push(s);
    this.see(s);
    this.schedule();
  }

  addTest(x, y) {
    // An evaluation repeated at the same point (after a pause) replaces the previous one.
    const n = this.test.x.length;
    if (n && Math.abs(this.test.x[n - 1] - x) < 1e-9) {
      this.test.y[n - 1] = y;
      this.measure();
      this.invalidate();
      return;
    }
    this.test.x.push(x);
    this.test.y.push(y);
    this.see(y);
    this.schedule();
  }

  invalidate() {
    this.needsFull = true;
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Domain and mapping

  wantedDomain() {
    const xs = [...this.train.x.slice(-1), ...this.test.x.slice(-1)];
    const xLast = Math.max(0, ...xs, this.overlayRange.xMax);
    // x grows by doubling from an eighth of an epoch up to the run's length.
    let xMax = 0.125;
    while (xMax < xLast && xMax < this.epochs) xMax *= 2;
    xMax = Math.min(Math.max(xMax, 0.125), Math.max(this.epochs, xLast, 0.125));
    if (this.kind === 'accuracy') return { xMax, yMin: 0, yMax: 1, log: false };
    // O(1) per frame: the range is kept as points arrive (a spread of every point each frame was
    // O(n) and, past ~100k points, over the engine's argument limit).
    const max = Math.max(this.range.max, this.overlayRange.max);
    const min = Math.min(this.range.minPositive, this.overlayRange.minPositive);
    if (!(max > 0)) return { xMax, yMin: this.logScale ? 0.01 : 0, yMax: this.logScale ? 10 : 2.5, log: this.logScale };
    if (this.logScale) {
      return { xMax, yMin: 10 ** Math.floor(Math.log10(min)), yMax: 10 ** Math.ceil(Math.log10(max) + 1e-9), log: true };
    }
    return { xMax, yMin: 0, yMax: niceCeil(max * 1.05), log: false };
  }

  fits(d) {
    const c = this.domain;
    if (!c || c.log !== d.log || c.xMax !== d.xMax) return false;
    if (this.kind === 'accuracy') return true;
    // Keep the y axis while the data fits in it, so a falling loss does not rescale every frame.
    return d.yMax <= c.yMax && d.yMin >= c.yMin && (d.log || d.yMax >= c.yMax / 8);
  }

  px(x) {
    return this.pad.left + (x / this.domain.xMax) * (this.w - this.pad.left - this.pad.right);
  }

  py(y) {
    const { yMin, yMax, log } = this.domain;
    const t = log ? (Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) : (y - yMin) / (yMax - yMin);
    const clamped = Math.max(-0.02, Math.min(1.02, t));
    return this.pad.top + (1 - clamped) * (this.h - this.pad.top - this.pad.bottom);
  }

  // ---------------------------------------------------------------------------------------------
  // Drawing

  draw() {
    const rect = this.size;
    if (rect.width === 0) return;
    const d = this.wantedDomain();
    if (this.needsFull || !this.fits(d) || this.w !== rect.width) {
      this.needsFull = false;
      this.domain = d;
      this.w = rect.width;
      this.h = rect.height;
      this.rem = rootRem();
      this.pad = Object.fromEntries(Object.entries(PAD_REM).map(([k, v]) => [k, v * this.rem]));
      this.ctx = fitCanvas(this.base, this.w, this.h);
      fitCanvas(this.overlay, this.w, this.h);
      this.drawAxes();
      this.drawOverlays();
      this.drawn = { train: 0, test: 0 };
    }
    this.drawSeries();
    if (this.hoverIndex !== null) this.hover(this.hoverIndex);
  }

  drawAxes() {
    const ctx = this.ctx;
    const c = palette(this.base);
    this.colors = c;
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.font = `${Math.round(0.7 * this.rem)}px system-ui, sans-serif`;
    ctx.lineWidth = 1;
    ctx.strokeStyle = c.grid;
    ctx.fillStyle = c.axis;
    const { yMin, yMax, log, xMax } = this.domain;
    const ticks = [];
    if (log) {
      for (let e = Math.log10(yMin); e <= Math.log10(yMax) + 1e-9; e++) ticks.push(10 ** e);
    } else {
      const step = niceStep(yMax - yMin, 5);
      for (let v = yMin; v <= yMax + 1e-9; v += step) ticks.push(v);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of ticks) {
      const y = Math.round(this.py(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(this.pad.left, y);
      ctx.lineTo(this.w - this.pad.right, y);
      ctx.stroke();
      ctx.fillText(this.kind === 'accuracy' ? `${Math.round(v * 100)}%` : formatReal(v, 3), this.pad.left - 0.4 * this.rem, y);
    }
    const xStep = xMax <= 0.25 ? 0.05 : xMax <= 0.5 ? 0.1 : xMax <= 1 ? 0.25 : niceStep(xMax, 6);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let v = 0; v <= xMax + 1e-9; v += xStep) {
      const x = Math.round(this.px(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, this.pad.top);
      ctx.lineTo(x, this.h - this.pad.bottom);
      ctx.stroke();
      ctx.fillText(formatReal(Number(v.toFixed(3)), 3), x, this.h - this.pad.bottom + 0.25 * this.rem);
    }
    ctx.fillText('epoch', (this.pad.left + this.w - this.pad.right) / 2, this.h - 0.85 * this.rem);
  }

  /** Earlier runs: thinner, a little transparent, train solid and test dashed, each in its run's colour. */
  drawOverlays() {
    if (!this.overlays.length) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.pad.left, this.pad.top - 2, this.w - this.pad.left - this.pad.right, this.h - this.pad.top - this.pad.bottom + 4);
    ctx.clip();
    ctx.lineJoin = 'round';
    ctx.globalAlpha = 0.8;
    for (const o of this.overlays) {
      ctx.strokeStyle = o.colour;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([]);
      this.path(o.x, o.s, 0);
      ctx.setLineDash([5, 4]);
      this.path(o.tx, o.ty, 0);
    }
    ctx.restore();
  }

  /** The overlay whose curve passes nearest the pointer at epoch x (within 14 px), or null. */
  nearestOverlay(x, offsetY) {
    let best = null;
    let bestD = 14;
    const at = (xs, ys) => {
      if (!xs.length || x < xs[0] - 1e-9 || x > xs.at(-1) + 1e-9) return null;
      const i = Math.min(xs.length - 1, lowerBound(xs, x));
      return ys[i];
    };
    for (const o of this.overlays) {
      for (const v of [at(o.x, o.s), at(o.tx, o.ty)]) {
        if (!Number.isFinite(v)) continue;
        const d = Math.abs(this.py(v) - offsetY);
        if (d < bestD) {
          bestD = d;
          best = { overlay: o, value: v };
        }
      }
    }
    return best;
  }

  drawSeries() {
    const ctx = this.ctx;
    const c = this.colors;
    const t = this.train;
    const from = Math.max(0, this.drawn.train - 1);
    if (t.x.length > from + 1 || (t.x.length === 1 && this.drawn.train === 0)) {
      // Raw points: thin and faint, so noise is visible but the trend reads first.
      ctx.save();
      ctx.beginPath();
      ctx.rect(this.pad.left, this.pad.top - 2, this.w - this.pad.left - this.pad.right, this.h - this.pad.top - this.pad.bottom + 4);
      ctx.clip();
      ctx.lineJoin = 'round';
      if (this.smoothing > 0) {
        ctx.globalAlpha = 0.25;
        ctx.strokeStyle = c.train;
        ctx.lineWidth = 1;
        this.path(t.x, t.y, from);
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = c.train;
      ctx.lineWidth = 2;
      this.path(t.x, t.s, from);
      ctx.restore();
      this.drawn.train = t.x.length;
    }
    const e = this.test;
    const tf = Math.max(0, this.drawn.test - 1);
    if (e.x.length > this.drawn.test) {
      ctx.save();
      ctx.strokeStyle = c.test;
      ctx.fillStyle = c.test;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      this.path(e.x, e.y, tf);
      ctx.setLineDash([]);
      for (let i = this.drawn.test; i < e.x.length; i++) {
        if (!Number.isFinite(e.y[i])) continue;
        ctx.beginPath();
        ctx.arc(this.px(e.x[i]), this.py(e.y[i]), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.restore();
      this.drawn.test = e.x.length;
    }
  }

  path(xs, ys, from) {
    const ctx = this.ctx;
    ctx.beginPath();
    let pen = false;
    for (let i = from; i < xs.length; i++) {
      const y = ys[i];
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      const X = this.px(xs[i]);
      const Y = this.py(y);
      if (pen) ctx.lineTo(X, Y);
      else ctx.moveTo(X, Y);
      pen = true;
    }
    if (xs.length - from === 1 && Number.isFinite(ys[from])) ctx.lineTo(this.px(xs[from]) + 0.5, this.py(ys[from]));
    ctx.stroke();
  }

  /**
   * The chart drawn afresh on a canvas of its own (for a saved picture): `width`×`height` CSS
   * pixels at `scale` pixels each, with the axes the screen shows. The on-screen canvases and
   * what they have drawn are left as they are.
   */
  snapshot(width, height, scale) {
    const kept = { ctx: this.ctx, w: this.w, h: this.h, rem: this.rem, pad: this.pad, domain: this.domain, drawn: this.drawn, colors: this.colors };
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    try {
      const wanted = this.wantedDomain();
      this.domain = this.domain && this.fits(wanted) ? this.domain : wanted;
      this.ctx = ctx;
      this.w = width;
      this.h = height;
      this.rem = 16;
      this.pad = Object.fromEntries(Object.entries(PAD_REM).map(([k, v]) => [k, v * this.rem]));
      this.drawn = { train: 0, test: 0 };
      this.drawAxes();
      this.drawOverlays();
      this.drawSeries();
    } finally {
      Object.assign(this, kept);
    }
    return canvas;
  }

  /** The keys of the curves drawn: the current run's training and test curves, then the earlier runs. */
  legendKeys() {
    const c = palette(this.base);
    return [
      { label: this.smoothing > 0 ? `train (solid line; smoothed ${this.smoothing.toFixed(2)}, faint: each point)` : 'train (solid line)', colour: c.train },
      { label: 'test (dashed, dots)', colour: c.test, dash: true, dot: true },
      ...this.overlays.map((o) => ({ label: o.name, colour: o.colour })),
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // Reading values

  /** Pointer moves come faster than frames: the read-out follows at most once a frame. */
  hoverSoon(offsetX, offsetY) {
    this.hoverX = offsetX;
    this.hoverY = offsetY;
    if (this.hoverFrame) return;
    this.hoverFrame = requestAnimationFrame(() => {
      this.hoverFrame = 0;
      this.hoverAt(this.hoverX, this.hoverY);
    });
  }

  hoverAt(offsetX, offsetY) {
    if (!this.domain) return;
    const x = ((offsetX - this.pad.left) / (this.w - this.pad.left - this.pad.right)) * this.domain.xMax;
    this.hoverRun = offsetY === undefined ? null : this.nearestOverlay(x, offsetY);
    if (this.train.x.length + this.test.x.length === 0) {
      this.hoverOnlyRun(x);
      return;
    }
    this.hover(this.nearestTrain(x));
  }

  /** With no current curve yet, hovering still names the earlier run under the pointer. */
  hoverOnlyRun(x) {
    const octx = this.overlay.getContext('2d');
    octx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    if (!this.hoverRun) {
      this.tip.hidden = true;
      return;
    }
    this.tip.hidden = false;
    replace(this.tip, h('div', {}, `epoch ${x.toFixed(2)}`), this.runLine());
    this.tip.style.left = `${Math.max(0, Math.min(this.w - this.tip.offsetWidth, this.px(x) + 10))}px`;
  }

  runLine() {
    const { overlay, value } = this.hoverRun;
    const swatch = h('span', { class: 'tip-swatch', 'aria-hidden': 'true' });
    swatch.style.setProperty('--run-colour', overlay.colour);
    return h('div', { class: 'tip-run' }, swatch, `${overlay.name}: ${this.format(value)}`);
  }

  nearestTrain(x) {
    const xs = this.train.x.length ? this.train.x : this.test.x;
    const i = Math.min(xs.length - 1, lowerBound(xs, x));
    if (i > 0 && Math.abs(xs[i - 1] - x) < Math.abs(xs[i] - x)) return i - 1;
    return Math.max(0, i);
  }

  key(e) {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
    const n = (this.train.x.length || this.test.x.length);
    if (!n) return;
    e.preventDefault();
    e.stopPropagation();
    let i = this.hoverIndex ?? n - 1;
    if (e.key === 'ArrowLeft') i = Math.max(0, i - Math.max(1, Math.round(n / 50)));
    else if (e.key === 'ArrowRight') i = Math.min(n - 1, i + Math.max(1, Math.round(n / 50)));
    else if (e.key === 'Home') i = 0;
    else i = n - 1;
    this.hover(i);
  }

  hover(index) {
    const octx = this.overlay.getContext('2d');
    const ratio = window.devicePixelRatio || 1;
    octx.setTransform(ratio, 0, 0, ratio, 0, 0);
    octx.clearRect(0, 0, this.w || 0, this.h || 0);
    this.hoverIndex = index;
    if (index === null || !this.domain) {
      this.hoverRun = null;
      this.tip.hidden = true;
      return;
    }
    const useTrain = this.train.x.length > 0;
    const x = useTrain ? this.train.x[index] : this.test.x[index];
    if (x === undefined) return;
    const X = this.px(x);
    octx.strokeStyle = this.colors.axis;
    octx.lineWidth = 1;
    octx.beginPath();
    octx.moveTo(X, this.pad.top);
    octx.lineTo(X, this.h - this.pad.bottom);
    octx.stroke();
    const lines = [`epoch ${x.toFixed(2)}`];
    if (useTrain) {
      const raw = this.train.y[index];
      const s = this.train.s[index];
      lines.push(`train ${this.format(s)}${this.smoothing > 0 ? ` (this point ${this.format(raw)})` : ''}`);
      octx.fillStyle = this.colors.train;
      octx.beginPath();
      octx.arc(X, this.py(s), 4, 0, 2 * Math.PI);
      octx.fill();
    }
    if (this.test.x.length) {
      const j = lowerBound(this.test.x, x + 1e-9) - 1;
      const k = j >= 0 ? j : 0;
      if (this.test.x[k] <= x + 1e-9 || !useTrain) {
        lines.push(`test ${this.format(this.test.y[k])} (at epoch ${this.test.x[k].toFixed(2)})`);
        octx.strokeStyle = this.colors.test;
        octx.lineWidth = 2;
        octx.beginPath();
        octx.arc(this.px(this.test.x[k]), this.py(this.test.y[k]), 5, 0, 2 * Math.PI);
        octx.stroke();
      }
    }
    this.tip.hidden = false;
    replace(this.tip, lines.map((l) => h('div', {}, l)), this.hoverRun ? this.runLine() : null);
    // Beside the cursor line where there is room, otherwise against the nearer edge, never outside.
    const tipW = this.tip.offsetWidth;
    const gap = 10;
    let left = X + gap + tipW <= this.w ? X + gap : X - gap - tipW;
    left = Math.max(0, Math.min(this.w - tipW, left));
    this.tip.style.left = `${left}px`;
    // Over the lower half when the cursor's values sit high, and the other way round.
    const y = useTrain ? this.py(this.train.s[index]) : this.h / 2;
    this.tip.style.top = y < this.h / 2 ? '' : '0.25rem';
    this.tip.style.bottom = y < this.h / 2 ? `${this.pad.bottom + 4}px` : '';
  }
}

/**
 * Draws the checked earlier runs of `history` under the current run, and names them in the legend.
 * Only a change of which runs are drawn (or of their names) redraws the charts, not the current
 * run's reports.
 */
function followHistory(history, charts, legendRuns, signal, onDrawn) {
  let drawnKey = '';
  let drawnRuns = '';
  let drawnAt = -Infinity;
  let later = 0;
  // At most once a frame when the runs drawn change, and a few times a second when only their
  // curves grow (a sweep's runs report many times a second; each redraw is the whole chart).
  const update = perFrame(() => {
    const { runs, currentId } = history.store.get();
    const names = runNames(runs);
    const shown = runs.map((r, i) => ({ r, name: names[i] })).filter(({ r }) => r.checked && r.id !== currentId);
    const which = JSON.stringify(shown.map(({ r, name }) => [r.id, name, r.colour]));
    const key = JSON.stringify([which, shown.map(({ r }) => [r.train.length, r.test.length])]);
    if (key === drawnKey) return;
    const now = performance.now();
    if (which === drawnRuns && now - drawnAt < LIVE_OVERLAY_MS) {
      later ||= setTimeout(() => {
        later = 0;
        update();
      }, LIVE_OVERLAY_MS - (now - drawnAt));
      return;
    }
    drawnAt = now;
    drawnKey = key;
    drawnRuns = which;
    const pick = (curve, column) => {
      const out = [];
      for (let i = 0; i < curve.length; i += 3) out.push(curve[i], curve[i + column]);
      return out;
    };
    charts.forEach((chart, c) => chart.setOverlays(shown.map(({ r, name }) => ({
      id: r.id, name, colour: RUN_COLOURS[r.colour % RUN_COLOURS.length], train: pick(r.train, 1 + c), test: pick(r.test, 1 + c),
    }))));
    replace(legendRuns, shown.map(({ r, name }) => {
      const swatch = h('span', { class: 'swatch run', 'aria-hidden': 'true' });
      swatch.style.setProperty('--run-colour', RUN_COLOURS[r.colour % RUN_COLOURS.length]);
      return h('span', { class: 'key key-run', dataset: { run: r.id } }, swatch, name);
    }));
    legendRuns.hidden = shown.length === 0;
    onDrawn();
  });
  const unsubscribe = history.store.subscribe(update, ['runs', 'currentId']);
  signal?.addEventListener('abort', unsubscribe);
  update();
}

export function mountCharts(controller, el, { history = null } = {}) {
  const { run, settings } = controller;
  const { signal } = controller.lifetime;
  const loss = new Chart({ title: 'Loss', kind: 'loss', format: (v) => formatReal(v, 4), signal });
  const accuracy = new Chart({ title: 'Accuracy', kind: 'accuracy', format: (v) => formatPercent(v), signal });
  const charts = [loss, accuracy];
  const logId = uniqueId('log');
  const smoothId = uniqueId('smooth');
  const log = h('input', { type: 'checkbox', id: logId });
  const smooth = h('input', { type: 'range', id: smoothId, min: '0', max: '0.99', step: '0.01' });
  const smoothValue = h('output', { for: smoothId });
  log.addEventListener('change', () => settings.set({ logScale: log.checked }));
  smooth.addEventListener('input', () => settings.set({ smoothing: Number(smooth.value) }));

  const legendRuns = h('div', { class: 'chart-legend-runs', hidden: true, 'aria-label': 'Earlier runs on the charts' });
  const legend = h('div', { class: 'chart-legend' },
    h('span', { class: 'key key-train' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'train (solid line)'),
    h('span', { class: 'key key-test' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'test (dashed, dots)'));

  const csv = downloadButton('CSV', 'Download the curves as CSV', () => saveCurves());
  /** A chart's figure: its caption (the title and its PNG button) names it, the button aside. */
  const figure = (chart, title, what) => {
    const id = uniqueId('chart-title');
    return h('figure', { class: 'chart', 'aria-labelledby': id },
      h('figcaption', { class: 'chart-caption' }, h('span', { id }, title),
        downloadButton('PNG', `Download the ${what} chart as PNG`, () => savePicture(exportName(run.get(), what, 'png'), chartPicture(chart)))),
      chart.el);
  };

  replace(el,
    h('div', { class: 'chart-head' },
      h('h3', {}, 'Loss and accuracy'),
      helpNote('the curves', 'The loss is the cross-entropy −log p(correct class), averaged over images: lower is better. The training curve is measured on the batches the network is learning from; the test curve on images it never trains on. When the two drift apart, the network is overfitting. CSV saves the points of the curves drawn (the current run and the checked runs), unsmoothed; PNG saves a chart as a picture.', 'loss = −(1/B) Σᵢ log p(yᵢ | xᵢ)'),
      csv,
      legend),
    legendRuns,
    h('div', { class: 'chart-pair' },
      figure(loss, 'Loss', 'loss'),
      figure(accuracy, 'Accuracy', 'accuracy')),
    h('div', { class: 'chart-controls' },
      h('div', { class: 'field check' }, log, h('label', { for: logId }, 'Log scale (loss)'),
        helpNote('the log scale', SETTING.logScale.help, 'each grid line is 10× the one below: 0.01, 0.1, 1')),
      h('div', { class: 'field' }, h('label', { for: smoothId }, 'Smoothing'), smooth, smoothValue,
        helpNote('smoothing', 'Averages each training point with the ones before it (an exponential moving average), so the trend is easier to see. The faint line shows the raw points; test points are never smoothed.', 's ← w·s + (1 − w)·y'))));

  const applyView = (s) => {
    log.checked = s.logScale;
    smooth.value = String(s.smoothing);
    smoothValue.textContent = s.smoothing.toFixed(2);
    for (const c of charts) c.setOptions({ smoothing: s.smoothing });
    loss.setOptions({ logScale: s.logScale });
  };
  settings.subscribe(applyView, ['logScale', 'smoothing']);
  applyView(settings.get());

  let runId = -1;
  run.subscribe((r, changed) => {
    if (r.runId !== runId) {
      runId = r.runId;
      for (const c of charts) {
        c.clear();
        c.setOptions({ epochs: r.data?.spec?.epochs ?? 1 });
      }
    }
    if (changed.includes('report') && r.report) {
      const p = r.report.points;
      if (p?.length) {
        for (let i = 0; i < p.length; i += 3) {
          loss.addTrain(p[i], p[i + 1]);
          accuracy.addTrain(p[i], p[i + 2]);
        }
      } else {
        loss.addTrain(r.report.position, r.report.loss);
        accuracy.addTrain(r.report.position, r.report.accuracy);
      }
    }
    if (changed.includes('evaluation') && r.evaluation) {
      const x = r.evaluation.epoch ?? 0;
      loss.addTest(x, r.evaluation.loss);
      accuracy.addTest(x, r.evaluation.accuracy);
    }
  }, ['runId', 'report', 'evaluation']);
  if (history) followHistory(history, charts, legendRuns, signal, () => enableCsv());

  /** The CSV is offered once there is a curve to save. */
  function enableCsv() {
    const empty = charts.every((c) => c.train.x.length + c.test.x.length === 0 && c.overlays.length === 0);
    if (csv.disabled !== empty) csv.disabled = empty;
  }
  run.subscribe(enableCsv, ['runId', 'report', 'evaluation']);
  enableCsv();

  /** A chart as a picture, titled, with what it shows and its legend. */
  function chartPicture(chart) {
    const r = run.get();
    const at = r.report ? `${formatInt(r.report.steps)} steps, epoch ${formatReal(r.report.position, 3)}` : 'not trained yet';
    const { width, height } = PICTURE_SIZE;
    const plot = chart.snapshot(width, height, PICTURE_SCALE);
    return framePicture({
      title: chart.kind === 'loss' && chart.logScale ? `${chart.title} (log scale)` : chart.title,
      subtitle: [r.data?.name, at].filter(Boolean).join(' · '),
      width,
      height,
      draw: (ctx) => ctx.drawImage(plot, 0, 0, width, height),
      legend: chart.legendKeys(),
      colours: pictureColours(chart.base),
    });
  }

  /** The curves drawn, as CSV: the current run's points as the charts have them, then the checked runs'. */
  function saveCurves() {
    const r = run.get();
    const triples = (xs, losses, accuracies) => xs.flatMap((x, i) => [x, losses[i], accuracies[i]]);
    const current = {
      name: 'current run',
      train: triples(loss.train.x, loss.train.y, accuracy.train.y),
      test: triples(loss.test.x, loss.test.y, accuracy.test.y),
      stepsPerEpoch: r.data?.nTrain > 0 && r.data.spec?.batchSize > 0 ? Math.ceil(r.data.nTrain / r.data.spec.batchSize) : 0,
    };
    const others = [];
    if (history) {
      const { runs, currentId } = history.store.get();
      const names = runNames(runs);
      runs.forEach((record, i) => {
        if (record.id === currentId) current.name = names[i];
        // A record's position and steps give its steps per epoch (a whole number).
        else if (record.checked) others.push({ name: names[i], train: record.train, test: record.test, stepsPerEpoch: record.epochs > 0 ? Math.round(record.steps / record.epochs) : 0 });
      });
    }
    const runs = current.train.length + current.test.length ? [current, ...others] : others;
    download(exportName(r, 'curves', 'csv'), curvesCsv(runs), 'text/csv');
  }

  return { loss, accuracy };
}
