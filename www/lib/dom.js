//! A few lines of DOM building: h('button', { class: 'x', onclick }, 'text') and friends.

/**
 * Creates an element. Attributes starting with "on" become listeners; `class`, `text`, `html` are
 * shortcuts; `dataset` and `style` take objects; `false`/`null` attributes are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key in el && typeof value !== 'string' && key !== 'list') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function uniqueId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A "?" disclosure with the course-style explanation (and formula) of a control. It is a native
 * <details>, so Tab reaches it and Enter or Space opens and closes it; Escape closes it too and
 * leaves the focus on its "?", and only one note is open at a time (opening one, or clicking
 * anywhere else, closes the others).
 */
export function helpNote(label, text, formula) {
  installHelpNoteKeys();
  return h('details', { class: 'help', ontoggle: onHelpToggle },
    h('summary', { 'aria-label': `About ${label}`, title: `About ${label}` }, '?'),
    h('div', { class: 'help-body' }, h('p', {}, text), formula ? h('p', { class: 'formula' }, formula) : null));
}

// The open notes, tracked here rather than found with document.querySelectorAll: notes inside an
// embedded widget live in its shadow root, where a document query does not reach.
const openNotes = new Set();

/** Forgets notes that left the page (a view rebuilt, a widget removed). */
function pruneNotes() {
  for (const note of openNotes) if (!note.isConnected) openNotes.delete(note);
}

function onHelpToggle(event) {
  pruneNotes();
  const note = event.currentTarget;
  if (!note.open) {
    openNotes.delete(note);
    return;
  }
  for (const other of openNotes) if (other !== note) other.open = false;
  openNotes.add(note);
}

let helpKeysInstalled = false;
function installHelpNoteKeys() {
  if (helpKeysInstalled || typeof document === 'undefined') return;
  helpKeysInstalled = true;
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    pruneNotes();
    const target = event.composedPath()[0];
    const note = target?.closest?.('details.help[open]') ?? [...openNotes].at(-1);
    if (!note) return;
    note.open = false;
    const active = note.getRootNode().activeElement;
    if (note.contains(active) || !active || active === document.body) note.querySelector('summary').focus();
    event.preventDefault();
  });
  document.addEventListener('pointerdown', (event) => {
    pruneNotes();
    const path = event.composedPath();
    for (const note of openNotes) if (!path.includes(note)) note.open = false;
  });
}

/**
 * Runs `rebuild`, which replaces the children of `container`; if the keyboard focus was on one of
 * them, it goes to the new element with the same `data-*` key (or the first button), so a person
 * reading a table with the keys is not thrown back to the top of the page when it updates.
 */
export function keepFocus(container, keys, rebuild) {
  const active = container.getRootNode().activeElement;
  const inside = active && active !== container && container.contains(active);
  const wanted = inside ? keys.map((k) => [k, active.dataset[k]]) : null;
  rebuild();
  if (!inside || container.contains(active)) return;
  const selector = wanted.filter(([, v]) => v !== undefined).map(([k, v]) => `[data-${k}="${CSS.escape(v)}"]`).join('');
  const next = (selector && container.querySelector(selector)) || container.querySelector('button');
  next?.focus({ preventScroll: true });
}

/** Sets an element's text only when it changes: assigning the same text still replaces the text
 * node, which makes the browser lay out and repaint that part of the page again. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Runs fn at most once per animation frame, with the latest arguments. */
export function perFrame(fn) {
  let scheduled = false;
  let lastArgs = [];
  return (...args) => {
    lastArgs = args;
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      fn(...lastArgs);
    });
  };
}

/** Sizes a canvas's backing store to its CSS size × devicePixelRatio; returns the 2D context scaled to CSS pixels. */
export function fitCanvas(canvas, cssWidth, cssHeight) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssWidth * ratio));
  const hgt = Math.max(1, Math.round(cssHeight * ratio));
  if (canvas.width !== w || canvas.height !== hgt) {
    canvas.width = w;
    canvas.height = hgt;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

export function prefersReducedMotion() {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}
