//! Taking a picture away: the small download buttons beside a chart's, the confusion matrix's or a
//! layer's title, and the framed picture they save as PNG — a title, a line saying what it shows,
//! the picture itself and a legend drawn into the image (on the page the legends are HTML).

import { h } from '../lib/dom.js';
import { download } from '../lib/download.js';

/** Pixels per CSS pixel of a saved picture: sharp on a high-density screen and in print. */
export const PICTURE_SCALE = 2;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const PAD = 16;
const LEGEND_ROW = 20;

/**
 * A small button that downloads something. `format` ("PNG", "CSV") is its visible text, and
 * `label` its full name for a screen reader and a tooltip ("Download the loss chart as PNG"),
 * which contains the visible text, as speech input expects.
 */
export function downloadButton(format, label, onclick) {
  return h('button', { type: 'button', class: 'small download', 'aria-label': label, title: label, dataset: { download: format.toLowerCase() }, onclick },
    h('span', { class: 'download-arrow', 'aria-hidden': 'true' }, '↓'), format);
}

/**
 * The file name of something saved from the current run: `nn-playground-<data>-<steps>-<what>.<ext>`,
 * like the model file's name, so the files of one moment sort together.
 */
export function exportName(run, what, extension) {
  const data = String(run.data?.id ?? 'run').replace(/[^\w-]+/g, '-');
  return `nn-playground-${data}-${run.report?.steps ?? 0}-${what}.${extension}`;
}

/** The page's colours where `el` is (the document, or a widget's shadow root). */
export function pictureColours(el) {
  const css = getComputedStyle(el);
  const read = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return { bg: read('--bg', '#ffffff'), fg: read('--fg', '#1a1a1a'), muted: read('--muted', '#575b61'), line: read('--line', '#c9cdd3') };
}

/**
 * @typedef {{ label: string, colour: string, dash?: boolean, dot?: boolean }} LineKey  a curve's key
 * @typedef {{ label: string, stops: string[], from: string, to: string }} ScaleKey   a colour scale
 */

/** Lays the legend's keys out in rows that fit `width`; returns each key's x and row. */
function layoutLegend(ctx, keys, width) {
  let x = 0;
  let row = 0;
  return keys.map((key) => {
    const w = keyWidth(ctx, key);
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    const at = { key, x, row };
    x += w + 18;
    return at;
  });
}

function keyWidth(ctx, key) {
  if (key.stops) return ctx.measureText(key.from).width + 112 + ctx.measureText(`${key.to}  ${key.label}`).width;
  return 30 + ctx.measureText(key.label).width;
}

function drawKey(ctx, key, x, y, colours) {
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  if (key.stops) {
    ctx.fillStyle = colours.muted;
    ctx.fillText(key.from, x, y);
    const bx = x + ctx.measureText(key.from).width + 6;
    const gradient = ctx.createLinearGradient(bx, 0, bx + 96, 0);
    key.stops.forEach((c, i) => gradient.addColorStop(i / (key.stops.length - 1), c));
    ctx.fillStyle = gradient;
    ctx.fillRect(bx, y - 5, 96, 10);
    ctx.strokeStyle = colours.line;
    ctx.lineWidth = 1;
    ctx.strokeRect(bx + 0.5, y - 4.5, 95, 9);
    ctx.fillStyle = colours.muted;
    ctx.fillText(`${key.to}  ${key.label}`, bx + 102, y);
    return;
  }
  ctx.strokeStyle = key.colour;
  ctx.fillStyle = key.colour;
  ctx.lineWidth = 3;
  ctx.setLineDash(key.dash ? [6, 4] : []);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + 24, y);
  ctx.stroke();
  ctx.setLineDash([]);
  if (key.dot) {
    ctx.beginPath();
    ctx.arc(x + 12, y, 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = colours.fg;
  ctx.fillText(key.label, x + 30, y);
}

/** Splits a note into lines of at most `width` (at word breaks). */
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A picture for a file: on the page's background, `title` and `subtitle` above the body, then the
 * legend's keys and the notes. The body is `width`×`height` CSS pixels; `draw(ctx)` paints it
 * with (0, 0) at its top left, in CSS pixels.
 * @param {{ title: string, subtitle?: string, width: number, height: number, draw: (ctx: CanvasRenderingContext2D) => void,
 *   legend?: (LineKey|ScaleKey)[], notes?: string[], colours: ReturnType<typeof pictureColours>, scale?: number }} picture
 * @returns {HTMLCanvasElement}
 */
export function framePicture({ title, subtitle = '', width, height, draw, legend = [], notes = [], colours, scale = PICTURE_SCALE }) {
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = `600 16px ${FONT}`;
  const inner = Math.max(width, Math.min(640, Math.ceil(measure.measureText(title).width)));
  measure.font = `12px ${FONT}`;
  const keys = layoutLegend(measure, legend, inner);
  const legendRows = keys.length ? keys.at(-1).row + 1 : 0;
  measure.font = `11px ${FONT}`;
  const noteLines = notes.flatMap((n) => wrap(measure, n, inner));
  const top = PAD + 20 + (subtitle ? 18 : 0) + 6;
  const below = top + height + (legendRows ? 10 + legendRows * LEGEND_ROW : 0);
  const total = { w: inner + 2 * PAD, h: below + (noteLines.length ? 6 + noteLines.length * 15 : 0) + PAD };

  const canvas = document.createElement('canvas');
  canvas.width = Math.round(total.w * scale);
  canvas.height = Math.round(total.h * scale);
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = colours.bg;
  ctx.fillRect(0, 0, total.w, total.h);
  ctx.textBaseline = 'top';
  ctx.fillStyle = colours.fg;
  ctx.font = `600 16px ${FONT}`;
  ctx.fillText(title, PAD, PAD);
  if (subtitle) {
    ctx.font = `12px ${FONT}`;
    ctx.fillStyle = colours.muted;
    ctx.fillText(subtitle, PAD, PAD + 21);
  }
  ctx.save();
  ctx.translate(PAD, top);
  draw(ctx);
  ctx.restore();
  ctx.font = `12px ${FONT}`;
  for (const { key, x, row } of keys) drawKey(ctx, key, PAD + x, top + height + 10 + row * LEGEND_ROW + LEGEND_ROW / 2, colours);
  ctx.font = `11px ${FONT}`;
  ctx.fillStyle = colours.muted;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  noteLines.forEach((line, i) => ctx.fillText(line, PAD, below + 6 + i * 15));
  return canvas;
}

/** Saves a canvas as a PNG file. */
export function savePicture(name, canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) {
        reject(new Error(`${name} could not be made`));
        return;
      }
      download(name, blob);
      resolve();
    }, 'image/png');
  });
}
