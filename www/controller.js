//! The playground's controller: turns settings changes into engine requests (rebuild, live learning
//! rate, data loading) and engine pushes into the runtime store the views draw from.
//!
//! Two stores: `settings` (what a person chose; serialized in the URL) and `run` (what the engine
//! reports: phase, summary, latest report and evaluation, errors). Views read both; only the
//! controller talks to the engine client, apart from views asking for predictions and activations.
//!
//! This class holds the controller's state and wires it to the stores, the client and the document;
//! what it does lives in controller/, one concern per file, as functions that take the controller.

import { Store } from './state/store.js';
import { decodeState } from './state/url.js';
import { HealthMonitor } from './state/health.js';
import { isDark } from './lib/colors.js';
import { preferredWorkers, saveWorkersPreference } from './state/workers.js';
import * as lifecycle from './controller/lifecycle.js';
import * as data from './controller/data.js';
import * as modelFile from './controller/model-file.js';
import * as transport from './controller/transport.js';
import * as runStore from './controller/run-store.js';
import * as filterPictures from './controller/filter-pictures.js';
import * as layerStats from './controller/layer-stats.js';
import * as notices from './controller/notices.js';
import * as settingChanges from './controller/setting-changes.js';
import * as link from './controller/link.js';

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
    const { state, notices: linkNotices } = given ? { state: given, notices: [] } : decodeState(hash, { source });
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
      notices: linkNotices.map((text) => ({ id: notices.noticeId(), kind: 'warning', text })),
      rebuildNote: null,
      modelError: null, // why a model file could not be saved or loaded
      modelBusy: false,
      // How many workers train the run (state/workers.js): asked for, used, and why not more.
      workers: { wanted: preferredWorkers(), workers: 1, reason: '' },
      // 'light' or 'dark', following the system: the pictures repaint in the other palette when it changes.
      scheme: isDark() ? 'dark' : 'light',
    }, { deep: false });

    // The current run (controller/run-store.js): its health check, its losses, its training clock.
    this.health = new HealthMonitor();
    this.losses = [];
    this.elapsed = { total: 0, since: 0 };
    // Builds (controller/builds.js): one at a time in `queue`; an edit rebuilds once it rests.
    this.queue = Promise.resolve();
    this.rebuildTimer = 0;
    this.validateSeq = 0; // only the latest validation shows its problems
    this.builtSettings = this.settings.get(); // the settings the running network was built from
    this.builtKey = null; // its spec and training-set limit (builds.builtKeyOf)
    // Data (controller/data.js): switches and model loads one at a time, only the latest switch runs.
    this.dataQueue = Promise.resolve();
    this.dataSeq = 0;
    this.dataMeta = null; // the data in use: { id, name, shape, classes: string[], credit, info, restore }
    this.dataSource = null; // gives the data in use again, for a restarted engine
    // Play/Pause, Step and Reset (controller/transport.js), one after another.
    this.transportQueue = Promise.resolve();
    // Filter pictures (controller/filter-pictures.js).
    this.paramsWanted = true; // some filter picture is on screen (the network editor says)
    this.watchSent = undefined; // what the worker was last told
    // Per-layer statistics (controller/layer-stats.js).
    this.statsWanted = false; // a view of them is mounted
    this.statsSent = undefined;
    // Workers: a sweep borrows the run's extra ones (lendWorkers); only the latest answer shows.
    this.workersLent = false;
    this.workersAsked = 0;

    this.settings.subscribe((s, changed, meta) => settingChanges.onSettings(this, s, changed, meta));
    // A restarted worker is the client's event; everything else it passes on is the engine's push.
    client.onPush((msg) => (msg.type === 'restarted' ? lifecycle.restartEngine(this, msg.message) : runStore.onPush(this, msg)));
    const { signal } = this.lifetime;
    document.addEventListener('visibilitychange', () => filterPictures.syncWatch(this), { signal });
    if (page) window.addEventListener('hashchange', () => link.onHash(this), { signal });
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => this.run.set({ scheme: isDark() ? 'dark' : 'light' }), { signal });
  }

  /** Starts the engine, then loads the dataset list, the first data and its network. */
  start() { return lifecycle.start(this); }
  /** Stops for good (a removed widget): the worker, the timers and every listener on the document. */
  dispose() { lifecycle.dispose(this); }

  /** Switches to a built-in dataset; resolves to whether it worked. */
  useBuiltin(id, options) { return data.useBuiltin(this, id, options); }
  /** Switches to a person's IDX files ({ name, bytes: ArrayBuffer }[]). */
  useFiles(files) { return data.useFiles(this, files); }

  /** The current network as { name, bytes } to download, or null. */
  saveModel() { return modelFile.saveModel(this); }
  /** The network for PyTorch, Keras or ONNX ('pytorch', 'keras', 'onnx') as { name, type, bytes }, or null. */
  exportModel(kind) { return modelFile.exportModel(this, kind); }
  /** Uses a saved model file ({ name, bytes }); resolves to whether it worked. */
  loadModel(file) { return modelFile.loadModel(this, file); }

  /** Runs `action` after the Play/Pause, Step and Reset presses before it. */
  transport(action) { return transport.transport(this, action); }
  togglePlay() { return transport.togglePlay(this); }
  /** Starts training in its turn after the presses before it; nothing if it trains by then. */
  play() { return transport.play(this); }
  step() { return transport.step(this); }
  reset() { return transport.reset(this); }
  pause() { return transport.pause(this); }

  /** Seconds the current run has trained. */
  elapsedSeconds() { return runStore.elapsedSeconds(this); }
  /** The training loss of every report of the current run (for tests and the console). */
  lossHistory() { return [...this.losses]; }

  /** Whether any conv card's filters are on screen; the worker sends weights only while they are. */
  setParamsWanted(on) { filterPictures.setParamsWanted(this, on); }
  /** Whether a view of the per-layer statistics is mounted; the worker takes them only while one is. */
  setStatsWanted(on) { layerStats.setStatsWanted(this, on); }

  /** Loads a lesson's settings. */
  applyPreset(id) { settingChanges.applyPreset(this, id); }
  /** The learning-rate fix the health message offers: set it, reset, and keep training. */
  applyLr(lr) { return settingChanges.applyLr(this, lr); }

  /** Shows a notice, with a button if `action` ({ label, run }) is given; returns its id. */
  notify(kind, text, action) { return notices.notify(this, kind, text, action); }

  /** Trains the run on `n` workers (this browser keeps the choice); the numbers stay the same bits. */
  async setWorkers(n) {
    saveWorkersPreference(n);
    this.run.set({ workers: { ...this.run.get().workers, wanted: n } });
    await this.applyWorkers();
  }

  /** A sweep borrows the run's extra workers (`true`, the run keeps one) or gives them back. */
  lendWorkers(lent) {
    this.workersLent = lent;
    return this.applyWorkers();
  }

  /** Tells the engine how many workers the run may use: the menu's count, or one while a sweep has the others. */
  async applyWorkers() {
    const wanted = this.run.get().workers.wanted;
    const asked = ++this.workersAsked;
    const answer = await this.client.setWorkers(this.workersLent ? 1 : wanted);
    if (asked !== this.workersAsked) return; // a later call's answer is the one that holds
    const reason = this.workersLent ? 'A sweep is training on the workers; this run takes them back when the sweep ends.' : answer.reason;
    this.run.set({ workers: { ...answer, wanted, reason } });
  }
  dismiss(id) { notices.dismiss(this, id); }
}
