// The page's run history: listens to the controller's run store, keeps one record per run that
// trained (state/runs.js), and keeps them across reloads (state/run-archive.js) when asked to.
// Views read `history.store` ({ runs, currentId, sort, descending, problem }) and act through the
// methods here (check, remove, restore, clear).
import { Store } from './store.js';
import { newRun, nextColour, trimRuns, recordReport, recordEvaluation } from './runs.js';

/** How often the run that is training is written to storage (its record is rewritten whole). */
const SAVE_EVERY_MS = 4_000;

/** Phases that say how a run stands; the others (loading, error) are the engine's, not the run's. */
const RECORDED_PHASES = new Set(['training', 'paused', 'idle', 'done', 'diverged']);

let idCounter = 0;
function runId() {
  idCounter += 1;
  return `${Date.now().toString(36)}-${idCounter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export class RunHistory {
  /**
   * @param {import('../controller.js').Controller} controller
   * @param {{ archive?: import('./run-archive.js').RunArchive | null }} options  an archive keeps
   *   the runs across reloads (the page); without one they last as long as the controller (a widget)
   */
  constructor(controller, { archive = null } = {}) {
    this.controller = controller;
    this.archive = archive;
    this.store = new Store({ runs: [], currentId: null, sort: 'created', descending: true, problem: null }, { deep: false });
    this.current = null; // { runId (the engine's), record }
    this.saveTimer = 0;
    this.dirty = new Set();
    this.writes = Promise.resolve(); // writes to the archive, one after another
    controller.run.subscribe((r, changed) => this.onRun(r, changed), ['runId', 'report', 'evaluation', 'phase']);
    controller.lifetime.signal.addEventListener('abort', () => {
      clearTimeout(this.saveTimer);
      this.archive?.close();
      this.store.close();
    });
  }

  /** Reads the stored runs (once, at boot); a run recorded meanwhile stays. */
  async load() {
    if (!this.archive) return;
    const { runs, dropped } = await this.archive.load();
    // A run that was training (or paused) when the tab closed stopped there: it cannot go on.
    for (const r of runs) if (r.status === 'training' || r.status === 'paused') r.status = 'stopped';
    const live = this.store.get().runs;
    const known = new Set(live.map((r) => r.id));
    const merged = [...runs.filter((r) => !known.has(r.id)), ...live];
    this.store.set({ runs: merged, problem: this.archive.problem });
    if (dropped) this.controller.notify('warning', `${dropped} stored run${dropped === 1 ? '' : 's'} from another version of the page could not be read and ${dropped === 1 ? 'was' : 'were'} removed.`);
  }

  get runs() {
    return this.store.get().runs;
  }

  onRun(r, changed) {
    if (changed.includes('runId') && this.current && this.current.runId !== r.runId) this.finish();
    if (changed.includes('report') && r.report && !r.report.restored) this.onReport(r);
    if (changed.includes('evaluation') && r.evaluation && this.current?.runId === r.runId) {
      recordEvaluation(this.current.record, r.evaluation);
      this.touch();
    }
    if (changed.includes('phase') && this.current?.runId === r.runId && RECORDED_PHASES.has(r.phase)) {
      // A run the health check paused is named by its verdict: diverged (NaN), exploding, or stuck.
      const paused = r.phase === 'diverged' && r.health?.pause ? r.health.kind : r.phase;
      this.current.record.status = r.phase === 'idle' ? 'paused' : paused;
      this.touch({ now: r.phase !== 'training' });
    }
  }

  onReport(r) {
    const report = r.report;
    if (report.runId !== undefined && report.runId !== r.runId) return;
    if (!this.current || this.current.runId !== r.runId) this.begin(r);
    const record = this.current.record;
    recordReport(record, report, r.speed);
    record.seconds = this.controller.elapsedSeconds();
    this.touch();
  }

  /** A new record for the run the engine just started training. */
  begin(r) {
    const c = this.controller;
    // The settings the network was built from, with the live ones (learning rate, L2) as they are now.
    // The data's id too: a person's own files are "custom" even if the settings were built before them.
    const settings = { ...c.builtSettings, lr: c.settings.get().lr, l2: c.settings.get().l2, dataset: c.dataMeta?.id ?? c.builtSettings.dataset };
    const record = this.create({ settings, params: r.summary?.totalParams ?? 0 });
    this.current = { runId: r.runId, record };
    this.store.set({ currentId: record.id });
  }

  /** A new record (of the page's run or of a sweep's) added to the history, the oldest beyond the bound removed. */
  create({ settings, params, dataset = this.controller.dataMeta?.name ?? settings.dataset, extra = {} }) {
    const record = Object.assign(newRun({
      id: runId(),
      settings,
      dataset,
      params,
      colour: nextColour(this.runs),
    }), extra);
    const runs = [...this.runs, record];
    const removed = trimRuns(runs, new Set([record.id, this.store.get().currentId]));
    this.store.set({ runs: runs.filter((x) => !removed.includes(x.id)) });
    this.persist([record], removed);
    return record;
  }

  /** A record changed (a sweep's run reported): the views redraw, and it is written soon, or now. */
  changed(record, { now = false } = {}) {
    if (!this.runs.includes(record)) return;
    this.dirty.add(record.id);
    this.store.set({ runs: [...this.runs] });
    if (now) this.flush();
    else if (!this.saveTimer) this.saveTimer = setTimeout(() => this.flush(), SAVE_EVERY_MS);
  }

  /** The current run was replaced (a rebuild or a reset): its record is final. */
  finish() {
    const record = this.current.record;
    if (record.status === 'training' || record.status === 'paused') record.status = 'stopped';
    record.seconds = Math.max(record.seconds, 0);
    this.current = null;
    this.dirty.add(record.id);
    this.store.set({ runs: [...this.runs], currentId: null });
    this.flush();
  }

  /** Tells the views the current record changed, and writes it to storage soon (or now). */
  touch({ now = false } = {}) {
    if (this.current) this.changed(this.current.record, { now });
  }

  flush() {
    clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    const records = this.runs.filter((r) => this.dirty.has(r.id));
    this.dirty.clear();
    this.persist(records);
  }

  persist(records, removed = []) {
    if (!this.archive) return;
    const write = this.writes.then(() => this.archive.save(records, removed)).then((ok) => {
      if (!ok && this.archive.problem !== this.store.get().problem) this.store.set({ problem: this.archive.problem });
    });
    this.writes = write;
  }

  /** Resolves once everything recorded so far is stored (what a reload will find). */
  settled() {
    this.flush();
    return this.writes;
  }

  // ---------------------------------------------------------------------------------------------
  // What the runs table asks for

  /** Shows or hides a run's curves on the charts. */
  check(id, checked) {
    const run = this.runs.find((r) => r.id === id);
    if (!run || run.checked === checked) return;
    run.checked = checked;
    this.store.set({ runs: [...this.runs] });
    this.persist([run]);
  }

  /** Forgets a run (the one training now cannot be removed; it is replaced by the next run). */
  remove(id) {
    if (id === this.store.get().currentId) return;
    this.store.set({ runs: this.runs.filter((r) => r.id !== id) });
    this.persist([], [id]);
  }

  /** Forgets every run but the one training now. */
  async clear() {
    const keep = this.runs.filter((r) => r.id === this.store.get().currentId);
    this.store.set({ runs: keep });
    this.dirty.clear();
    if (!this.archive) return;
    // In line with the writes already queued, so none of them brings a cleared run back.
    this.writes = this.writes.then(() => this.archive.clear());
    await this.writes;
    this.persist(keep);
  }

  sortBy(key) {
    const { sort, descending } = this.store.get();
    this.store.set({ sort: key, descending: sort === key ? !descending : true });
  }

  /** Makes a run's settings the current ones (the network is rebuilt from them). */
  restore(id, name) {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return false;
    const settings = structuredClone(run.settings);
    // Someone's own files cannot be restored from a record; the data in use stays.
    if (settings.dataset === 'custom' && this.controller.settings.get().dataset !== 'custom') delete settings.dataset;
    const changed = this.controller.settings.set(settings, { source: 'restore', name });
    // Its settings are the current ones already: it starts again from the same initial weights.
    if (changed.length === 0) this.controller.reset();
    return true;
  }
}
