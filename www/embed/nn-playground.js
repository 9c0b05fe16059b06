//! <nn-playground>: the playground as an element for a documentation page. It reads the page's
//! settings schema from its attributes (the same names and values as the playground's links), runs
//! its own engine worker (several widgets can share a page), and draws inside a shadow root, so the
//! host page's styles and ids never meet the widget's.
//!
//!   <script type="module" src="/nn-playground/embed/nn-playground.js"></script>
//!   <nn-playground preset="overfitting" hide="network,mistakes,activations" lr="0.01"></nn-playground>
//!
//! Attributes: `preset` (a lesson's id), any setting of the schema (`dataset`, `layers`, `optimizer`,
//! `lr`, `batch-size` or `batchsize`, `seed`, …), `hide` (parts or settings to leave out) and `label`
//! (the widget's title). A value that cannot be read keeps its default, and the widget says so.
//!
//! From script: `play()`, `pause()`, `step()`, `reset()` (Promises, resolved once the widget has done
//! it), `settings` (a copy of the settings; assigning an object changes those settings, read as the
//! attributes are), and the events `step`, `epoch`, `done`, `diverged`, `error` (element-events.js).
//! The types are in nn-playground.d.ts.

import { EngineClient } from '../engine/client.js';
import { Controller } from '../controller.js';
import { SETTINGS, SETTING, LAYER_TYPES, defaultState, layerTypeNamed, settingNamed, shortenForNotice } from '../state/schema.js';
import { decodeState } from '../state/url.js';
import { PRESETS } from '../state/presets.js';
import { encodeSweep } from '../state/sweep.js';
import { mountComparison } from '../comparison.js';
import { PARTS, mountViews, mountEngineStatus } from '../mount-views.js';
import { watchRun } from './element-events.js';

const HERE = new URL('./', import.meta.url);

// Everything the widget loads is found relative to this module, so it may be served from any path. From
// another origin than the page (a CDN, a second site), browsers refuse to start a worker from its URL:
// there the engine clients (the widget's, and its sweep's, which start theirs alike) start the worker
// from a same-origin blob that imports the worker module, which then loads like the rest of the
// widget's files, with CORS.
const blobs = new Map();
function importingWorker(url) {
  const href = String(url);
  if (!blobs.has(href)) blobs.set(href, URL.createObjectURL(new Blob([`import ${JSON.stringify(href)};\n`], { type: 'text/javascript' })));
  return new Worker(blobs.get(href), { type: 'module' });
}
const CLIENT_OPTIONS = HERE.origin === window.location.origin ? {} : { createWorker: importingWorker };

/** The parts `hide` can leave out, in the order they appear. */
export { PARTS };
/** Settings that `hide` can leave out one by one: the fields of "How it learns". */
const TRAINING_SETTINGS = new Set(SETTINGS.filter((d) => d.group === 'training').map((d) => d.name));
/** Attribute name (lower case, or kebab case) → setting name: attributes are case-insensitive. */
const ATTRIBUTE_SETTING = new Map(SETTINGS.flatMap((d) => [
  [d.name.toLowerCase(), d.name],
  [d.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), d.name],
]));

const TEMPLATE = `
<div class="widget" role="region" tabindex="-1">
  <div class="topbar widget-bar">
    <p class="brand widget-title"></p>
  </div>
  <div id="notices" class="notices" aria-live="polite"></div>
  <div class="columns">
    <section id="col-data" class="column" aria-label="Data"><div id="data-panel"></div></section>
    <section id="col-network" class="column" aria-label="Network and training settings">
      <div id="network-editor"></div><div id="model-file"></div><div id="hyperparams"></div>
    </section>
    <section id="col-output" class="column" aria-label="What it learned">
      <div id="health" aria-live="polite"></div>
      <div id="metrics"></div><div id="charts"></div><div id="runs"></div><div id="sweep"></div><div id="confusion"></div><div id="mistakes"></div>
      <div id="draw"></div><div id="activations"></div><div id="gradients" class="gradients"></div><div id="slow-motion"></div>
    </section>
  </div>
  <section id="diagram" class="diagram-band" aria-label="The network, live"></section>
  <p class="widget-foot fine"><span id="engine-status">Starting the engine…</span> · trains in this browser; no data leaves it</p>
</div>`;

export class NnPlayground extends HTMLElement {
  static get observedAttributes() {
    return ['preset', 'hide', 'label', 'sweep', 'budget', ...new Set(ATTRIBUTE_SETTING.keys())];
  }

  /**
   * After the widget is on the page, a setting attribute changes that setting the way the page's own
   * controls do (learning rate and L2 live, the rest with a rebuild; a removed attribute returns to
   * the lesson's or the default value), and `label` renames the widget. `preset` and `hide` build
   * it again from all its attributes: a new run, with new stores in `settings` and `run`.
   */
  attributeChangedCallback(name, before, after) {
    if (!this.controller || before === after) return;
    if (name === 'label') {
      this.showTitle();
      return;
    }
    const setting = ATTRIBUTE_SETTING.get(name);
    if (!setting) {
      this.teardown();
      this.connectedCallback();
      return;
    }
    const base = lessonState(this.getAttribute('preset'));
    const { state, notices } = after === null
      ? { state: base, notices: [] }
      : decodeState(settingParams([[setting, after]]).toString(), { source: 'widget', base: this.controller.settings.get() });
    for (const text of notices) this.controller.notify('warning', text);
    if (!notices.length) this.controller.settings.set({ [setting]: state[setting] });
  }

  showTitle() {
    const root = this.shadowRoot;
    const preset = PRESETS.find((p) => p.id === this.getAttribute('preset'));
    const title = this.getAttribute('label') || preset?.name || 'nn-playground';
    root.querySelector('.widget-title').textContent = title;
    root.querySelector('.widget').setAttribute('aria-label', `${title}: a neural network training in this page`);
  }

  connectedCallback() {
    if (this.controller) return;
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    const { state, hidden, notices } = readAttributes(this);
    root.innerHTML = `<link rel="stylesheet" href="${new URL('../style.css', HERE)}"><link rel="stylesheet" href="${new URL('embed.css', HERE)}">${TEMPLATE}`;
    // Settings left out one by one: their rows in "How it learns" (each row names its setting). A
    // constructed style sheet, not a <style> element, so a strict Content-Security-Policy
    // (style-src 'self') lets it apply.
    const rules = [...hidden].filter((name) => TRAINING_SETTINGS.has(name)).map((name) => `.field[data-setting="${name}"] { display: none !important; }`)
      // Without the activations part, the drawing has nowhere to show its activations.
      .concat(hidden.has('activations') ? ['.show-activations { display: none !important; }'] : []).join('\n');
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(rules);
    root.adoptedStyleSheets = [sheet];

    const $ = (id) => root.getElementById(id);
    this.showTitle();

    const controller = new Controller(new EngineClient(CLIENT_OPTIONS), '', { page: false, source: 'widget', state });
    this.controller = controller;
    for (const text of notices) controller.notify('warning', text);

    // A `sweep` attribute (as in a link: sweep="lr:0.001,0.01" budget="epochs:1") or a comparison
    // lesson adds the sweep and the runs table, and the charts draw the sweep's runs.
    const lesson = PRESETS.find((p) => p.id === this.getAttribute('preset'));
    const linked = this.hasAttribute('sweep')
      ? { sweep: this.getAttribute('sweep'), budget: this.getAttribute('budget') ?? 'epochs:1' }
      : lesson?.compare ? encodeSweep(lesson.compare.axes, lesson.compare.budget) : null;
    const comparison = linked ? mountComparison(controller, { sweepEl: $('sweep'), runsEl: $('runs') }) : null;
    $('sweep').hidden = !comparison;
    $('runs').hidden = !comparison;
    mountViews(controller, $, {
      show: (part) => !hidden.has(part),
      history: comparison?.history ?? null,
      topbar: { root, host: this, page: false },
    });
    mountEngineStatus(controller, $('engine-status'), this);
    watchRun(controller.run, (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true })));
    if (this.pendingSettings) {
      // Settings given from script before the widget was on the page apply over its attributes.
      this.applySettings(this.pendingSettings);
      this.pendingSettings = null;
    }
    const started = controller.start();
    this.started = started.then(() => controller);
    if (linked) comparison.startLinked(linked, started, { source: 'widget', lesson: this.hasAttribute('sweep') ? null : lesson });
  }

  disconnectedCallback() {
    // A widget taken out of the page stops its worker; put back, it starts again from its attributes.
    // A move within the page (out and in again at once) keeps it running.
    queueMicrotask(() => {
      if (!this.isConnected) this.teardown();
    });
  }

  teardown() {
    this.controller?.dispose();
    this.controller = null;
  }

  /**
   * A copy of the widget's settings (before it is on the page: those its attributes give). For pages
   * written when `settings` was the store, the copy also has the store's `get()`, `set(patch)` and
   * `subscribe(fn, keys)`, not enumerable, so a spread or JSON of it holds only the settings.
   */
  get settings() {
    const c = this.controller;
    const copy = structuredClone(c ? c.settings.get() : { ...readAttributes(this).state, ...this.pendingSettings });
    return Object.defineProperties(copy, {
      get: { value: () => (this.controller ? this.controller.settings.get() : this.settings) },
      set: { value: (patch) => { this.settings = patch; } },
      subscribe: { value: (fn, keys) => this.controller?.settings.subscribe(fn, keys) ?? (() => {}) },
    });
  }

  /**
   * Changes the settings named in `patch` ({ lr: 0.01, layers: [...] } or the attributes' text, such as
   * { layers: 'dense:64:relu' }), read as the attributes are: a value that cannot be read keeps the
   * setting as it was, and the widget says so in a notice. `lr` and `l2` apply while training, the
   * others with a rebuild.
   */
  set settings(patch) {
    if (this.controller) this.applySettings(patch);
    else this.pendingSettings = { ...this.pendingSettings, ...patch };
  }

  applySettings(patch) {
    const c = this.controller;
    const { changes, notices } = readSettings(patch, c.settings.get());
    for (const text of notices) c.notify('warning', text);
    if (Object.keys(changes).length) c.settings.set(changes);
  }

  /** What the engine reports (a store: phase, summary, report, evaluation, …). */
  get run() {
    return this.controller?.run ?? null;
  }

  /**
   * Runs `action(controller)` once the widget has loaded its data and built its network; rejects if
   * the widget is not on the page. Calls made one after another act in that order, and in turn with
   * the widget's own buttons and keys (the controller's transport queue).
   */
  whenStarted(action) {
    if (!this.controller) return Promise.reject(new Error('The <nn-playground> element is not on the page.'));
    return this.started.then((c) => (c === this.controller ? action(c) : undefined));
  }

  /** Starts training (a finished or paused-by-health run starts again first); nothing if it trains. */
  play() {
    return this.whenStarted((c) => c.play());
  }

  /** Pauses training after the current chunk of steps; nothing if it is not training. */
  pause() {
    return this.whenStarted((c) => c.transport(() => c.pause()));
  }

  /** Trains one batch (not while training); resolves once its report is in `run`. */
  step() {
    return this.whenStarted((c) => c.step());
  }

  /** Back to the run's initial weights. */
  reset() {
    return this.whenStarted((c) => c.reset());
  }
}

/**
 * A patch of settings from script, read as attributes are (names as the settings or the attributes
 * spell them; values as values or as the attributes' text) over `current`.
 * @returns {{ changes: object, notices: string[] }}
 */
export function readSettings(patch, current) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return { changes: {}, notices: ['The widget\'s settings must be set to an object of settings, such as { lr: 0.01 }; nothing changed.'] };
  }
  const pairs = [];
  const notices = [];
  for (const [key, value] of Object.entries(patch)) {
    const name = settingNamed(key) ? key : ATTRIBUTE_SETTING.get(key.toLowerCase()) ?? key;
    const def = settingNamed(name);
    if (!def) {
      pairs.push([name, '']); // the decoder names the unknown setting
      continue;
    }
    const text = settingText(def, value);
    if (text === null) notices.push(`The widget's network could not be read (it must be a list of layers such as { type: 'dense', units: 64, activation: 'relu' } or a text such as "dense:64:relu"); the network stays as it was.`);
    else pairs.push([name, text]);
  }
  const decoded = decodeState(new URLSearchParams(pairs).toString(), { source: 'widget', base: current });
  const changes = {};
  for (const d of SETTINGS) {
    if (JSON.stringify(decoded.state[d.name]) !== JSON.stringify(current[d.name])) changes[d.name] = decoded.state[d.name];
  }
  return { changes, notices: [...notices, ...decoded.notices] };
}

/** A value given from script in the attributes' text; null for a list of layers that cannot be written so. */
function settingText(def, value) {
  if (def.type === 'layers' && typeof value !== 'string') {
    if (!Array.isArray(value)) return null;
    const items = [];
    for (const layer of value) {
      const type = layer && typeof layer === 'object' && typeof layer.type === 'string' && layerTypeNamed(layer.type) ? layer.type : null;
      if (!type) return null;
      // Fields left out take their defaults; the decoder checks every value.
      items.push([type, ...LAYER_TYPES[type].fields.map((f) => String(layer[f.name] ?? f.default))].join(':'));
    }
    return items.join(',');
  }
  if (def.type === 'bool' && typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** A lesson's settings over the defaults (the defaults alone without a known lesson). */
function lessonState(presetId) {
  const preset = PRESETS.find((p) => p.id === presetId);
  return { ...defaultState(), ...structuredClone(preset?.settings ?? {}) };
}

/** Attribute values in the link's form; a bare boolean attribute (`augment`) means on. */
function settingParams(pairs) {
  return new URLSearchParams(pairs.map(([name, value]) => [name, SETTING[name].type === 'bool' && value === '' ? '1' : value]));
}

/**
 * The widget's starting settings (a lesson first, then the attributes over it), the parts and
 * settings to hide, and what could not be read.
 * @returns {{ state: object, hidden: Set<string>, notices: string[] }}
 */
export function readAttributes(el) {
  const notices = [];
  const presetId = el.getAttribute('preset');
  if (presetId && !PRESETS.some((p) => p.id === presetId)) notices.push(`The widget's lesson "${shortenForNotice(presetId)}" is unknown; the lessons are ${PRESETS.map((p) => p.id).join(', ')}.`);
  if (el.hasAttribute('budget') && !el.hasAttribute('sweep')) notices.push('The widget\'s budget attribute was ignored: it is the budget of a sweep, and the widget has no sweep attribute.');
  const pairs = [];
  for (const { name, value } of el.attributes) {
    const setting = ATTRIBUTE_SETTING.get(name);
    if (setting) pairs.push([setting, value]);
  }
  const decoded = decodeState(settingParams(pairs).toString(), { source: 'widget', base: lessonState(presetId) });
  notices.push(...decoded.notices);
  const hidden = new Set();
  for (const word of (el.getAttribute('hide') ?? '').split(/[\s,]+/).filter(Boolean)) {
    const name = ATTRIBUTE_SETTING.get(word.toLowerCase()) ?? word.toLowerCase();
    if (PARTS.includes(name) || TRAINING_SETTINGS.has(name)) hidden.add(name);
    else notices.push(`The widget cannot hide "${shortenForNotice(word)}": it hides the parts ${PARTS.join(', ')}, or one of the training settings (optimizer, lr, batchSize, …).`);
  }
  return { state: decoded.state, hidden, notices };
}

if (!customElements.get('nn-playground')) customElements.define('nn-playground', NnPlayground);
