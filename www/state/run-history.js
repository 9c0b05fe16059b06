// The page's run history: listens to the controller's run store, keeps one record per run that
// trained (state/runs.js), and keeps them across reloads (state/run-archive.js) when asked to.
// Views read `history.store` ({ runs, currentId, sort, descending, problem }) and act through the
// methods here (check, remove, restore, clear).
import { Store } from './store.js';
import { newRun, addPoint, nextColour, trimRuns } from './runs.js';

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
      const e = r.evaluation;
      addPoint(this.current.record.test, e.epoch ?? 0, e.loss, e.accuracy);
      this.touch();
    }
    if (changed.includes('phase') && this.current?.runId === r.runId && RECORDED_PHASES.has(r.phase)) {
      this.current.record.status = r.phase === 'idle' ? 'paused' : r.phase;
      this.touch({ now: r.phase !== 'training' });
    }
  }

  onReport(r) {
    const report = r.report;
    if (report.runId !== undefined && report.runId !== r.runId) return;
    if (!this.current || this.current.runId !== r.runId) this.begin(r);
    const record = this.current.record;
    const p = report.points;
    if (p?.length) {
      for (let i = 0; i < p.length; i += 3) addPoint(record.train, p[i], p[i + 1], p[i + 2]);
    } else {
      addPoint(record.train, report.position, report.loss, report.accuracy);
    }
    record.steps = report.steps;
    record.epochs = report.position;
    record.examplesPerSecond = r.speed || record.examplesPerSecond;
    record.seconds = this.controller.elapsedSeconds();
    if (report.nonFinite) record.status = 'diverged';
    else if (report.done) record.status = 'done';
    this.touch();
  }

  /** A new record for the run the engine just started training. */
  begin(r) {
    const c = this.controller;
    // The settings the network was built from, with the live ones (learning rate, L2) as they are now.
    const settings = { ...c.builtSettings, lr: c.settings.get().lr, l2: c.settings.get().l2 };
    const record = newRun({
      id: runId(),
      settings,
      dataset: c.dataMeta?.name ?? settings.dataset,
      params: r.summary?.totalParams ?? 0,
      colour: nextColour(this.runs),
    });
    this.current = { runId: r.runId, record };
    const runs = [...this.runs, record];
    const removed = trimRuns(runs, record.id);
    this.store.set({ runs: runs.filter((x) => !removed.includes(x.id)), currentId: record.id });
    this.persist([record], removed);
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
    if (!this.current) return;
    this.dirty.add(this.current.record.id);
    this.store.set({ runs: [...this.runs] });
    if (now) this.flush();
    else if (!this.saveTimer) this.saveTimer = setTimeout(() => this.flush(), SAVE_EVERY_MS);
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
    this.archive.save(records, removed).then((ok) => {
      if (!ok && this.archive.problem !== this.store.get().problem) this.store.set({ problem: this.archive.problem });
    });
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
    await this.archive?.clear();
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
    this.controller.settings.set(settings, { source: 'restore', name });
    return true;
  }
}
