//! The playground's controller: turns settings changes into engine requests (rebuild, live learning
//! rate, data loading) and engine pushes into the runtime store the views draw from.
//!
//! Two stores: `settings` (what a person chose; serialized in the URL) and `run` (what the engine
//! reports: phase, summary, latest report and evaluation, errors). Views read both; only this file
//! talks to the engine client, apart from views asking for predictions and activations.

import { Push } from './engine/protocol.js';
import { Store } from './state/store.js';
import { SETTING, defaultState } from './state/schema.js';
import { buildSpec, placeProblem, problemsOf, settingsFromSpec } from './state/spec.js';
import { encodeState, decodeState } from './state/url.js';
import { HealthMonitor } from './state/health.js';
import { PRESETS, PRESET_SCOPE } from './state/presets.js';
import { isDark } from './lib/colors.js';

/** Settings that the engine takes while training, without a rebuild. */
const LIVE = new Set(['lr', 'l2']);
const VIEW = new Set(['logScale', 'smoothing', 'projector']);
const DATA = new Set(['dataset']);
/** How long an edit must rest before the network is rebuilt. */
const REBUILD_DELAY_MS = 350;

const DATASET_CREDITS = {
  mnist: 'MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (CC BY-SA 3.0).',
  fashion: 'Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research (MIT licence).',
};

export class Controller {
  /**
   * @param {import('./engine/client.js').EngineClient} client
   * @param {string} hash  the settings, in the link's form ("#dataset=mnist&lr=0.01…")
   * @param {{ page?: boolean, source?: string, state?: object }} options  `page: false` for an
   *   embedded widget: the address bar and the document's projector class are the page's, not the
   *   widget's; `source` names where the settings came from in notices ("link", "widget"); `state`,
   *   settings already read (the widget's attributes), is used instead of the hash
   */
  constructor(client, hash, { page = true, source = 'link', state: given = null } = {}) {
    this.client = client;
    this.page = page;
    this.source = source;
    // Listeners on the document end with the controller (an embedded widget can be removed).
    this.lifetime = new AbortController();
    const { state, notices } = given ? { state: given, notices: [] } : decodeState(hash, { source });
    this.settings = new Store(state);
    this.run = new Store({
      phase: 'loading', // loading | idle | training | paused | done | diverged | error
      engine: null,
      datasets: [],
      data: null,
      dataError: null,
      dataBusy: false,
      summary: null,
      // What is wrong with the settings, at most one message for the network and one for how it
      // learns: [{ message, layer: index into the spec's layers | null, scope: 'network'|'training' }]
      specErrors: [],
      runId: 0,
      layout: null,
      report: null,
      evaluation: null,
      params: null,
      speed: 0,
      health: null,
      notices: notices.map((text) => ({ id: noticeId(), kind: 'warning', text })),
      rebuildNote: null,
      modelError: null, // why a model file could not be saved or loaded
      modelBusy: false,
      // 'light' or 'dark', following the system: the pictures repaint in the other palette when it changes.
      scheme: isDark() ? 'dark' : 'light',
    }, { deep: false });
    this.health = new HealthMonitor();
    this.losses = [];
    this.elapsed = { total: 0, since: 0 };
    this.rebuildTimer = 0;
    this.queue = Promise.resolve();
    this.dataQueue = Promise.resolve();
    this.dataSeq = 0;
    this.transportQueue = Promise.resolve();
    this.builtSettings = this.settings.get(); // the settings the running network was built from
    this.validateSeq = 0;
    this.dataMeta = null; // { id, name, shape, classes: string[] }

    this.paramsWanted = true; // some filter picture is on screen (the network editor says)
    this.watchSent = undefined; // what the worker was last told

    this.settings.subscribe((s, changed, meta) => this.onSettings(s, changed, meta));
    client.onPush((msg) => this.onPush(msg));
    const { signal } = this.lifetime;
    document.addEventListener('visibilitychange', () => this.syncWatch(), { signal });
    if (page) window.addEventListener('hashchange', () => this.onHash(), { signal });
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => this.run.set({ scheme: isDark() ? 'dark' : 'light' }), { signal });
  }

  // -------------------------------------------------------------------------------------------
  // Boot

  async start() {
    try {
      const info = await this.client.init();
      this.run.set({ engine: info });
      this.syncWatch();
    } catch (err) {
      this.run.set({ phase: 'error', engine: { error: err.message } });
      return;
    }
    let datasets = [];
    try {
      const response = await fetch(new URL('./data/datasets.json', import.meta.url));
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const json = await response.json();
      datasets = Array.isArray(json) ? json : json.datasets ?? [];
    } catch (err) {
      this.run.set({ dataError: `The built-in datasets could not be loaded (${err.message}). You can still load your own IDX files.` });
    }
    this.run.set({ datasets });
    this.writeHash();
    let id = this.settings.get().dataset;
    if (!datasets.some((d) => d.id === id)) id = datasets[0]?.id;
    if (id) await this.useBuiltin(id, { initial: true });
    if (!this.run.get().summary) this.run.set({ phase: 'idle' });
  }

  /** Stops for good (a removed widget): the worker, the timers and every listener on the document. */
  dispose() {
    this.lifetime.abort();
    clearTimeout(this.rebuildTimer);
    this.run.set({ phase: 'idle' }); // ends the clock that ticks while training
    // Requests still waiting fail when the worker stops; closed stores ignore what they would change.
    this.run.close();
    this.settings.close();
    this.client.terminate();
  }

  async restartEngine(reason) {
    this.notify('error', `The engine hit an internal error (${reason}) and was restarted; training starts again from the initial weights.`);
    this.run.set({ phase: 'loading', summary: null });
    try {
      await this.client.init(this.run.get().runId);
      this.watchSent = undefined; // a fresh worker starts with its own default
      this.syncWatch();
      if (this.dataSource) {
        const source = await this.dataSource();
        await this.client.loadData(source);
        // The network that was running, even if an invalid edit is pending (its message comes back).
        const ok = await this.rebuild({ data: 'staged', settings: this.builtSettings, reason: null });
        if (!ok) this.run.set({ phase: 'error' });
        else if (JSON.stringify(this.builtSettings) !== JSON.stringify(this.settings.get())) this.scheduleRebuild(null);
      }
    } catch (err) {
      this.run.set({ phase: 'error' });
      this.notify('error', err.message);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Data

  /** Loads a built-in dataset (listed in data/datasets.json) and rebuilds the network for it. */
  async useBuiltin(id, { initial = false } = {}) {
    const meta = this.run.get().datasets.find((d) => d.id === id);
    if (!meta) return false;
    const source = this.builtinSource(meta);
    return this.useData(source, {
      id, name: meta.name, classes: meta.classes, credit: this.builtinCredit(meta), restore: () => source,
    }, initial ? null : `Switched to ${meta.name}: the network was rebuilt for it.`);
  }

  builtinSource(meta) {
    return {
      kind: 'builtin', id: meta.id,
      images: meta.files.images, labels: meta.files.labels,
      split: meta.split ?? { seed: 0, train: Math.round(meta.count * 0.8), test: Math.round(meta.count * 0.2) },
    };
  }

  builtinCredit(meta) {
    return `${meta.credit ?? DATASET_CREDITS[meta.id] ?? ''}${meta.licence ? ` (${meta.licence})` : ''}`;
  }

  /** The page's description of loaded data (this.dataMeta) from what the worker read. */
  dataMetaFor({ id, name, classes, credit }, info) {
    const classNames = classes && classes.length === info.classes
      ? classes
      : Array.from({ length: info.classes }, (_, i) => String(i));
    return { id, name, shape: info.shape, classes: classNames, credit, info };
  }

  builtinMeta(meta, info, source) {
    return { ...this.dataMetaFor({ id: meta.id, name: meta.name, classes: meta.classes, credit: this.builtinCredit(meta) }, info), restore: () => source };
  }

  /** Loads a person's files ({ name, bytes: ArrayBuffer }[]); nothing changes if they are not usable. */
  async useFiles(files) {
    // Keep our own copies: the bytes are transferred to the worker, and kept for a restart.
    const copies = files.map((f) => ({ name: f.name, bytes: f.bytes.slice(0) }));
    const source = () => ({ kind: 'files', files: copies.map((f) => ({ name: f.name, bytes: f.bytes.slice(0) })) });
    const names = files.map((f) => f.name).join(', ');
    return this.useData(source(), { id: 'custom', name: 'Your files', classes: null, credit: `Your own files (${names}).`, restore: source },
      'Loaded your files: the network was rebuilt for them.');
  }

  /**
   * Data switches run one at a time, and only the latest one asked for runs at all: arrowing through
   * the dataset radios, or a switch while another is loading, never mixes one dataset's files with
   * another's name and classes.
   */
  useData(source, meta, note) {
    const seq = ++this.dataSeq;
    const job = this.dataQueue.then(() => (seq === this.dataSeq ? this.loadAndRebuild(source, meta, note) : false));
    this.dataQueue = job.catch(() => {});
    return job;
  }

  async loadAndRebuild(source, meta, note) {
    this.run.set({ dataBusy: true, dataError: null });
    try {
      const info = await this.client.loadData(source);
      // The new data's description is used for this build only; this.dataMeta (the data in use,
      // which edits are validated against meanwhile) changes when the build has worked.
      const staged = this.dataMetaFor(meta, info);
      let ok = await this.rebuild({ data: 'staged', meta: staged, reason: note, dataError: true });
      if (!ok && !this.dataMeta) ok = await this.fallBackToDefaults(staged);
      if (!ok) {
        // The data in use stays; so does the network, whose cards must not keep this data's message.
        if (this.dataMeta) await this.validateDraft();
        return false;
      }
      this.dataSource = meta.restore;
      if (this.settings.get().dataset !== meta.id) this.settings.set({ dataset: meta.id }, { source: 'data' });
      return true;
    } catch (err) {
      this.run.set({ dataError: err.message });
      // The data in use stays, and the dataset setting says so again.
      if (this.dataMeta && this.settings.get().dataset !== this.dataMeta.id) this.settings.set({ dataset: this.dataMeta.id }, { source: 'data' });
      return false;
    } finally {
      this.run.set({ dataBusy: false });
    }
  }

  /**
   * The page's first data and a network from a link (or a widget's attributes) that does not fit it,
   * or that is over a limit: the page would have no network at all, so, as with any other setting a
   * link gets wrong, the defaults are used (the layers first, then every network and training
   * setting) and a notice says why.
   */
  async fallBackToDefaults(meta) {
    const why = this.run.get().specErrors[0]?.message ?? this.run.get().dataError ?? 'it cannot be built';
    const defaults = defaultState();
    const its = `The ${this.source}'s`;
    const attempts = [
      [{ layers: defaults.layers }, `${its} network cannot be used with these ${meta.shape.join('×')} images (${why}); the default network is used.`],
      [Object.fromEntries(PRESET_SCOPE.map((k) => [k, structuredClone(defaults[k])])), `${its} settings cannot be used (${why}); the default settings are used.`],
    ];
    for (const [patch, notice] of attempts) {
      this.settings.set(patch, { source: 'data' });
      if (await this.rebuild({ data: 'staged', meta, reason: null, dataError: true })) {
        this.notify('warning', notice);
        return true;
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Settings → engine

  onSettings(s, changed, meta) {
    this.writeHash();
    if (changed.includes('projector') && this.page) document.documentElement.classList.toggle('projector', s.projector);
    if (meta.source === 'data' || meta.source === 'model') return;
    if (changed.includes('dataset') && s.dataset !== 'custom' && s.dataset !== this.dataMeta?.id) {
      this.useBuiltin(s.dataset);
    }
    const rest = changed.filter((k) => !VIEW.has(k) && !DATA.has(k));
    if (rest.length === 0) return;
    // A restored run starts again from its initial weights, even when only a live setting differs.
    if (rest.every((k) => LIVE.has(k)) && this.run.get().summary && meta.source !== 'restore') {
      this.applyLive(s, rest);
      return;
    }
    this.scheduleRebuild(describeChange(rest, meta));
  }

  /** Learning rate and L2 go to the running engine; the spec keeps them for the next rebuild. */
  async applyLive(s, keys) {
    const check = await this.validateDraft();
    if (!check) return;
    try {
      if (keys.includes('lr')) await this.client.setLearningRate(s.lr);
      if (keys.includes('l2')) await this.client.setL2(s.l2);
    } catch (err) {
      const others = this.run.get().specErrors.filter((e) => e.scope !== 'training');
      this.run.set({ specErrors: [...others, ...problemsOf(err, s)] });
    }
  }

  /**
   * Validates the current settings and shows every problem where it belongs. While only training
   * settings are wrong, the cards keep their true shapes (the engine still sends the summary).
   * Returns the summary, or null if anything is wrong.
   */
  async validateDraft() {
    if (!this.dataMeta) return null;
    const seq = ++this.validateSeq;
    const s = this.settings.get();
    const spec = buildSpec(s, this.dataMeta);
    const { summary, problems } = await this.check(spec, s);
    if (seq === this.validateSeq) {
      const draft = summary ? { draft: summary, draftLayers: spec.layers } : {};
      this.run.set({ specErrors: problems, ...draft });
    }
    return problems.length === 0 ? summary : null;
  }

  /** The engine's summary of a spec (null when its layers do not fit) and every problem, placed. */
  async check(spec, s) {
    try {
      const { summary, problems } = await this.client.validate(spec);
      return { summary, problems: problems.map((p) => placeProblem(p, s)) };
    } catch (err) {
      return { summary: null, problems: problemsOf(err, s) };
    }
  }

  scheduleRebuild(reason) {
    clearTimeout(this.rebuildTimer);
    this.validateDraft().then((summary) => {
      if (!summary) return;
      clearTimeout(this.rebuildTimer);
      this.rebuildTimer = setTimeout(() => this.rebuild({ data: 'current', reason }), REBUILD_DELAY_MS);
    });
  }

  /** Builds the network from the current settings; runs one at a time. Returns whether it worked. */
  rebuild({ data = 'current', meta = null, settings = null, reason = null, dataError = false } = {}) {
    // The data description and the settings are read when the build's turn comes, not when it is asked for.
    const job = this.queue.then(() => this.doRebuild({ data, meta: meta ?? this.dataMeta, settings: settings ?? this.settings.get(), reason, dataError }));
    this.queue = job.catch(() => {});
    return job;
  }

  /** `meta` describes the data the network is built for: the staged data's, or the data in use. */
  async doRebuild({ data, meta, settings: s, reason, dataError }) {
    if (!meta) return false;
    const spec = buildSpec(s, meta);
    // Back to the network that is already running (an edit undone): keep it and its progress.
    const key = JSON.stringify([spec, s.trainLimit]);
    if (data === 'current' && key === this.builtKey) {
      this.run.set({ specErrors: [], draft: this.run.get().summary });
      return true;
    }
    // The build validates: its refusal carries every problem, so no check goes before it.
    let result;
    try {
      result = await this.client.build(spec, { data, trainLimit: s.trainLimit });
    } catch (err) {
      const problems = problemsOf(err, s);
      if (err.problems || !dataError) this.run.set({ specErrors: problems });
      if (dataError) this.run.set({ dataError: err.problems ? `This data does not fit the network: ${problems[0].message}` : err.message });
      return false;
    }
    this.dataMeta = meta;
    this.builtKey = key;
    this.builtSettings = s;
    this.applyBuild(result, reason);
    return true;
  }

  /**
   * A new run from the engine: a build (the settings it was made from are this.builtSettings, which
   * may be older than the settings by now), a reset (`keepDraft`: an invalid edit made meanwhile
   * keeps its message), or a loaded model.
   */
  applyBuild(result, reason, { keepDraft = false } = {}) {
    const phase = this.run.get().phase;
    const training = phase === 'training';
    this.health.reset();
    this.losses = [];
    this.elapsed = { total: 0, since: performance.now() };
    const draft = keepDraft ? {} : {
      draft: result.summary,
      draftLayers: buildSpec(this.builtSettings, this.dataMeta).layers,
      specErrors: [],
    };
    this.run.set({
      runId: result.runId,
      summary: result.summary,
      ...draft,
      layout: result.layout,
      data: { ...result.data, ...this.dataMeta, spec: this.builtSettings },
      dataError: null,
      report: null,
      evaluation: null,
      params: null,
      speed: 0,
      health: null,
      selection: null,
      phase: training ? 'training' : 'idle',
      rebuildNote: reason ? { id: noticeId(), text: reason } : null,
    });
    this.client.evaluate(2000).catch(() => {});
  }

  // -------------------------------------------------------------------------------------------
  // Filter pictures

  /** Whether any conv card's filters are on screen; the worker sends weights only while they are. */
  setParamsWanted(on) {
    this.paramsWanted = on;
    this.syncWatch();
  }

  /** Weights cross from the worker only for filters on screen in a visible tab. */
  syncWatch() {
    const engine = this.run.get().engine;
    if (!engine || engine.error) return;
    const on = this.paramsWanted && document.visibilityState !== 'hidden';
    if (on === this.watchSent) return;
    this.watchSent = on;
    this.client.watchParams(on).catch(() => {
      this.watchSent = undefined;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Saving and loading a trained model

  /**
   * The current network as a file: `nn-playground-<dataset>-<steps>.nnpg` with the engine's save()
   * bytes (spec, weights, optimizer state). Returns { name, bytes } for the view to download.
   */
  async saveModel() {
    this.run.set({ modelError: null });
    try {
      const { bytes, steps } = await this.client.saveModel();
      return { name: `nn-playground-${this.dataMeta?.id ?? 'model'}-${steps}.nnpg`, bytes };
    } catch (err) {
      this.run.set({ modelError: `The model could not be saved: ${err.message}` });
      return null;
    }
  }

  /**
   * Uses a saved model ({ name, bytes: ArrayBuffer }): its network, weights and settings replace the
   * current ones, training stops, and the settings and link show the loaded spec. A file that is not
   * a model, or does not fit, leaves everything as it was and says why (run.modelError).
   */
  loadModel(file) {
    this.dataSeq += 1; // data switches asked for before this load are dropped
    const job = this.dataQueue.then(() => this.queue).then(() => this.doLoadModel(file));
    this.dataQueue = job.catch(() => {});
    return job;
  }

  async doLoadModel(file) {
    this.run.set({ modelError: null, modelBusy: true });
    try {
      const info = await this.client.readModel(file.bytes);
      // A file saved by this page names its dataset; a built-in one is loaded for it.
      const named = /^nn-playground-([a-z0-9]+)-\d+/i.exec(file.name)?.[1];
      const builtin = this.run.get().datasets.find((d) => d.id === named);
      let meta = this.dataMeta;
      let data = 'current';
      if (builtin && builtin.id !== this.dataMeta?.id) {
        const source = this.builtinSource(builtin);
        const dataInfo = await this.client.loadData(source);
        meta = this.builtinMeta(builtin, dataInfo, source);
        data = 'staged';
      }
      if (!meta) throw new Error('No data is loaded yet.');
      const fits = info.spec.input.join('×') === meta.shape.join('×') && info.spec.classes === meta.classes.length;
      if (!fits) {
        throw new Error(`This model takes ${info.spec.input.join('×')} images in ${info.spec.classes} classes, but the data in use has ${meta.shape.join('×')} images in ${meta.classes.length} classes.`);
      }
      const base = { ...this.settings.get(), dataset: meta.id };
      const settings = settingsFromSpec(info.spec, base);
      // Nothing has changed so far; from here the model replaces the network.
      clearTimeout(this.rebuildTimer);
      this.validateSeq += 1;
      const result = await this.client.loadModel(file.bytes, { data, trainLimit: settings.trainLimit });
      if (data === 'staged') {
        this.dataMeta = meta;
        this.dataSource = meta.restore;
      }
      this.settings.set(settings, { source: 'model' });
      this.builtKey = JSON.stringify([buildSpec(settings, this.dataMeta), settings.trainLimit]);
      this.builtSettings = this.settings.get();
      this.applyBuild(result, `Loaded the model ${file.name}: ${result.summary.totalParams.toLocaleString('en-US')} parameters after ${result.progress.steps.toLocaleString('en-US')} training steps.`);
      this.showLoadedProgress(result.progress);
      return true;
    } catch (err) {
      this.run.set({ modelError: `${file.name} could not be loaded: ${err.message}` });
      return false;
    } finally {
      this.run.set({ modelBusy: false });
    }
  }

  /** Where a loaded model's saved run was: not a step of this run (the run history skips it). */
  showLoadedProgress(progress) {
    this.run.set({ phase: progress.done ? 'done' : 'idle', report: { ...progress, restored: true } });
  }

  // -------------------------------------------------------------------------------------------
  // Transport

  /**
   * Play/Pause, Step and Reset from the page run one after another, each deciding from the state
   * the previous one left: three quick presses of Space are play, pause, play (while the worker was
   * busy, say evaluating, every press after the first used to read "training" and pause).
   */
  transport(action) {
    const job = this.transportQueue.then(action);
    this.transportQueue = job.catch(() => {});
    return job;
  }

  togglePlay() {
    return this.transport(() => (this.run.get().phase === 'training' ? this.pause() : this.play()));
  }

  step() {
    return this.transport(() => this.doStep());
  }

  reset() {
    return this.transport(() => this.doReset());
  }

  async play() {
    const { phase, summary } = this.run.get();
    if (!summary || phase === 'training') return;
    if (phase === 'done' || phase === 'diverged') await this.doReset({ fresh: phase === 'done' });
    this.run.set({ phase: 'training', health: this.run.get().health?.pause ? null : this.run.get().health });
    this.elapsed.since = performance.now();
    try {
      await this.client.play();
    } catch (err) {
      this.run.set({ phase: 'paused' });
      this.notify('error', err.message);
    }
  }

  async pause() {
    if (this.run.get().phase !== 'training') return;
    await this.client.pause().catch(() => {});
  }

  async doStep() {
    const { phase, summary } = this.run.get();
    if (!summary || phase === 'training') return;
    if (phase === 'done' || phase === 'diverged') await this.doReset({ fresh: phase === 'done' });
    try {
      await this.client.step();
    } catch (err) {
      this.notify('error', err.message);
    }
  }

  /** Back to the start of the run: the loaded model as it was loaded, or (`fresh`, or a built network) the seed's initial weights. */
  async doReset({ fresh = false } = {}) {
    if (!this.run.get().summary) return;
    try {
      const result = await this.client.reset({ fresh });
      const { phase } = this.run.get();
      this.applyBuild(result, null, { keepDraft: true });
      if (result.progress) this.showLoadedProgress(result.progress);
      else if (phase === 'done' || phase === 'diverged' || phase === 'paused') this.run.set({ phase: 'idle' });
    } catch (err) {
      this.notify('error', err.message);
    }
  }

  elapsedSeconds() {
    const running = this.run.get().phase === 'training';
    return (this.elapsed.total + (running ? performance.now() - this.elapsed.since : 0)) / 1000;
  }

  // -------------------------------------------------------------------------------------------
  // Engine → run store

  onPush(msg) {
    if (msg.type === 'restarted') {
      this.restartEngine(msg.message);
      return;
    }
    if (msg.type === Push.FATAL) {
      this.run.set({ phase: 'error' });
      this.notify('error', msg.message);
      return;
    }
    if (msg.runId !== undefined && msg.runId !== this.run.get().runId) return; // from a network already replaced
    switch (msg.type) {
      case Push.REPORT:
        this.onReport(msg);
        break;
      case Push.EVALUATION: {
        const report = this.run.get().report;
        const epochsDone = report?.position ?? 0;
        const health = this.health.checkEvaluation(msg, { epochsDone }) ?? (this.run.get().health?.kind === 'overfitting' ? null : this.run.get().health);
        this.run.set({ evaluation: msg, health });
        break;
      }
      case Push.PARAMS:
        this.run.set({ params: msg });
        break;
      case Push.STATUS:
        this.onStatus(msg);
        break;
      default:
    }
  }

  /** The training loss of every report of the current run (for tests and the console). */
  lossHistory() {
    return [...this.losses];
  }

  onReport(report) {
    this.losses.push(report.loss);
    const speed = this.run.get().speed;
    const eps = report.examplesPerSecond;
    // Already a median over recent windows (www/engine/throughput.js, as the benchmark measures).
    const next = Number.isFinite(eps) && eps > 0 ? eps : speed;
    const classes = this.dataMeta?.classes.length ?? 10;
    const problem = this.health.checkReport(report, { classes, lr: this.settings.get().lr, optimizer: this.settings.get().optimizer });
    this.run.set({ report, speed: next, ...(problem ? { health: problem } : {}) });
    if (problem?.pause && this.run.get().phase === 'training') {
      this.client.pause().catch(() => {});
      this.elapsed.total += performance.now() - this.elapsed.since; // the clock stops with the run
      this.run.set({ phase: 'diverged' });
    }
  }

  onStatus(msg) {
    const now = performance.now();
    const was = this.run.get().phase;
    if (was === 'training' && msg.status !== 'training') this.elapsed.total += now - this.elapsed.since;
    if (msg.status === 'training' && was !== 'training') this.elapsed.since = now;
    const current = this.run.get().phase;
    let phase = msg.status;
    // A pause asked for by the health check keeps its more specific phase.
    if (msg.status === 'paused' && current === 'diverged') phase = 'diverged';
    // A run that stopped before its first speed window still says how fast it went.
    const speed = msg.examplesPerSecond > 0 ? { speed: msg.examplesPerSecond } : {};
    this.run.set({ phase, ...speed });
    if (msg.status === 'paused' && msg.message) this.notify('error', msg.message);
  }

  // -------------------------------------------------------------------------------------------
  // Presets, notices, URL

  applyPreset(id) {
    const preset = PRESETS.find((p) => p.id === id);
    if (!preset) return;
    const defaults = defaultState();
    const patch = {};
    for (const key of PRESET_SCOPE) patch[key] = defaults[key];
    Object.assign(patch, structuredClone(preset.settings));
    this.settings.set(patch, { source: 'preset', preset });
  }

  /** The learning-rate fix the health message offers: set it, reset, and keep training. */
  async applyLr(lr) {
    this.settings.set({ lr }, { source: 'health' });
    this.run.set({ health: null });
    await this.queue;
    await this.reset();
  }

  notify(kind, text) {
    const notices = [...this.run.get().notices, { id: noticeId(), kind, text }].slice(-4);
    this.run.set({ notices });
  }

  dismiss(id) {
    this.run.set({ notices: this.run.get().notices.filter((n) => n.id !== id) });
  }

  writeHash() {
    if (!this.page) return;
    const hash = `#${encodeState(this.settings.get())}`;
    if (hash !== window.location.hash) history.replaceState(null, '', hash);
  }

  onHash() {
    // A fragment that is not settings (an in-page link such as "#col-output") changes nothing: the
    // hash goes back to the settings.
    if (!window.location.hash.includes('=')) {
      this.writeHash();
      return;
    }
    const { state, notices } = decodeState(window.location.hash);
    for (const text of notices) this.notify('warning', text);
    if (this.settings.get().dataset === 'custom' && state.dataset === 'mnist') state.dataset = 'custom';
    this.settings.set(state, { source: 'url' });
  }
}

let nextNotice = 1;
function noticeId() {
  return nextNotice++;
}

function describeChange(keys, meta) {
  if (meta.source === 'preset') return `Loaded the lesson “${meta.preset.name}”: ${meta.preset.description}`;
  if (meta.source === 'restore') return `Restored the run “${meta.name}”: its settings are the current ones and the network was rebuilt.`;
  if (meta.source === 'url') return 'Loaded the settings from the link: the network was rebuilt.';
  if (keys.includes('layers')) return 'The network changed: it was rebuilt with new initial weights.';
  if (keys.includes('seed')) return `New seed ${meta.seed ?? ''}: the network was rebuilt with other initial weights.`.replace('  ', ' ');
  const labels = keys.map((k) => SETTING[k]?.label ?? k).join(', ');
  return `${labels} changed: the network was rebuilt and training starts again.`;
}

