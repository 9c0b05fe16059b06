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

import { EngineClient } from '../engine/client.js';
import { Controller } from '../controller.js';
import { SETTINGS, SETTING, defaultState, shortenForNotice } from '../state/schema.js';
import { decodeState } from '../state/url.js';
import { PRESETS } from '../state/presets.js';
import { encodeSweep } from '../state/sweep.js';
import { mountComparison } from '../comparison.js';
import { PARTS, mountViews, mountEngineStatus } from '../mount-views.js';

const HERE = new URL('./', import.meta.url);

// Everything the widget loads is found relative to this module, so it may be served from any path. From
// another origin than the page (a CDN, a second site), browsers refuse to start a worker from its URL:
// there every engine client (the widget's and its sweep's) starts the worker from a same-origin blob
// that imports the worker module, which then loads like the rest of the widget's files, with CORS.
if (HERE.origin !== window.location.origin) {
  const NativeWorker = window.Worker;
  const blobs = new Map();
  class ImportingWorker extends NativeWorker {
    constructor(url, options) {
      const href = String(url);
      if (!blobs.has(href)) blobs.set(href, URL.createObjectURL(new Blob([`import ${JSON.stringify(href)};\n`], { type: 'text/javascript' })));
      super(blobs.get(href), options);
    }
  }
  const start = EngineClient.prototype.start;
  // EngineClient.start calls `new Worker(…)` at once: the global is swapped for that call only.
  EngineClient.prototype.start = function startFromBlob() {
    window.Worker = ImportingWorker;
    try {
      start.call(this);
    } finally {
      window.Worker = NativeWorker;
    }
  };
}

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
      <div id="draw"></div><div id="activations"></div>
    </section>
  </div>
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

    const controller = new Controller(new EngineClient(), '', { page: false, source: 'widget', state });
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
    const started = controller.start();
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

  /** The settings (a store: get, set, subscribe), for a page that drives the widget from script. */
  get settings() {
    return this.controller?.settings ?? null;
  }

  /** What the engine reports (a store: phase, summary, report, evaluation, …). */
  get run() {
    return this.controller?.run ?? null;
  }
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
