// Trains a sweep's jobs (state/sweep.js) on several engine workers at once, each its own
// EngineClient with its own copy of the data, and records every job as a run of the history. The
// jobs are handed out in order; a job's numbers do not depend on which worker trains it or how many
// there are (same seed, same data order, curve points at fixed steps).
import { Push } from './engine/protocol.js';
import { EngineClient } from './engine/client.js';
import { Store } from './state/store.js';
import { buildSpec } from './state/spec.js';
import { planSweep, sweepWorkers, encodeSweep, describeJob } from './state/sweep.js';
import { recordReport, recordEvaluation, runMetrics } from './state/runs.js';
import { formatBytes } from './lib/format.js';

let nextSweep = 1;

/** A worker's own cost beyond its network and data: the engine module, its stack, the page glue. */
const WORKER_OVERHEAD_BYTES = 16e6;

/** How much memory a sweep may take: half of what the device says it has (4 GB where it does not say). */
function sweepMemoryBudget() {
  const gigabytes = typeof navigator !== 'undefined' && navigator.deviceMemory > 0 ? navigator.deviceMemory : 4;
  return (gigabytes * 1e9) / 2;
}

export class SweepRunner {
  /**
   * @param {import('./controller.js').Controller} controller  the data and the settings come from it
   * @param {import('./state/run-history.js').RunHistory} history  every job becomes a run here
   * @param {{ makeClient?: () => EngineClient }} [options]  by default the workers start as the
   *   controller's own does
   */
  constructor(controller, history, { makeClient = () => new EngineClient({ createWorker: controller.client.createWorker }) } = {}) {
    this.controller = controller;
    this.history = history;
    this.makeClient = makeClient;
    // The page's run lent its extra workers to this sweep (they are given back when it ends).
    this.borrowed = false;
    this.slots = [];
    // state: idle | running | stopped | done; jobs: the plan's jobs with { status, recordId, accuracy, message }
    // lesson: the comparison lesson the sweep was opened by ({ name, description, formula }), or null
    // perWorker: the memory each worker was expected to need; footprint: the most one has used
    this.store = new Store({ sweep: null, state: 'idle', message: null, workers: 0, lesson: null, perWorker: 0, footprint: 0 }, { deep: false });
    controller.lifetime.signal.addEventListener('abort', () => this.dispose());
  }

  get sweep() {
    return this.store.get().sweep;
  }

  /**
   * Plans and starts a sweep over the current settings. Returns false (and says why in `message`)
   * when the plan cannot run.
   * @param {{ key: string, values: any[] }[]} axes
   * @param {{ kind: 'epochs'|'steps', n: number }} budget
   */
  async start(axes, budget, { lesson = null } = {}) {
    if (this.starting) return false; // a second Start while this one checks its plan
    this.starting = true;
    try {
      return await this.plan(axes, budget, lesson);
    } finally {
      this.starting = false;
    }
  }

  async plan(axes, budget, lesson) {
    const c = this.controller;
    if (!c.dataSource || !c.dataMeta) return this.refuse('The data is not loaded yet.');
    const plan = planSweep(axes, c.settings.get(), budget);
    if (!plan.ok) return this.refuse(plan.message);
    // Every job must be a valid network for this data before any trains.
    const checker = this.slots[0]?.client ?? c.client;
    for (const job of plan.jobs) {
      let checked;
      try {
        checked = await checker.validate(buildSpec(job.settings, c.dataMeta));
      } catch (err) {
        return this.refuse(`${describeJob(axes, job)}: ${err.message}`);
      }
      if (checked.problems.length > 0) return this.refuse(`${describeJob(axes, job)}: ${checked.problems[0].message}`);
      job.summary = checked.summary;
    }
    // Every worker holds the largest network of the plan and its own copy of the data.
    const pixels = c.dataMeta.shape.reduce((a, b) => a * b, 1);
    const perWorker = Math.max(...plan.jobs.map((j) => j.summary.memoryBytes)) + 2 * (c.dataMeta.info?.count ?? 0) * pixels + WORKER_OVERHEAD_BYTES;
    const allowed = sweepMemoryBudget();
    if (perWorker > allowed) {
      return this.refuse(`Each run of this sweep needs about ${formatBytes(perWorker)} (its network and a copy of the data), more than the ${formatBytes(allowed)} a sweep may use on this device; use a smaller network or batch.`);
    }
    // One pool of cores: the sweep trains on as many workers as the workers menu lets one run use.
    let workers = sweepWorkers(c.run.get().workers.wanted, plan.jobs.length);
    while (workers > 1 && workers * perWorker > allowed) workers -= 1;
    this.dispose();
    // The sweep takes those cores: the page's own run pauses and lets its extra workers go.
    await c.transport(() => c.pause());
    if (c.lifetime.signal.aborted) return false; // the page or the widget went away meanwhile
    await this.borrowCores();
    if (c.lifetime.signal.aborted) return false;
    const sweep = {
      id: `s${nextSweep++}`, axes, budget, link: encodeSweep(axes, budget), base: structuredClone(c.settings.get()),
      // The data as it is now: a dataset switched during the sweep does not reach its workers.
      meta: c.dataMeta, source: c.dataSource,
      jobs: plan.jobs.map((job) => ({ ...job, status: 'queued', recordId: null, accuracy: null, loss: null, message: null, confusion: null, classes: 0, name: describeJob(axes, job) })),
    };
    this.store.set({ sweep, state: 'running', message: null, workers, lesson, perWorker, footprint: 0 });
    this.slots = Array.from({ length: workers }, (_, i) => this.newSlot(i));
    for (const slot of this.slots) this.drive(slot);
    return true;
  }

  refuse(message) {
    this.store.set({ message });
    return false;
  }

  newSlot(index) {
    const slot = {
      index, client: this.makeClient(), ready: null, job: null, runId: null, record: null, finished: null, busy: false, since: 0,
      stopping: false, // Stop paused this worker: its next "paused" is that, not a failure
    };
    slot.client.onPush((msg) => this.onPush(slot, msg));
    return slot;
  }

  /** The worker's engine, loaded once with the sweep's data (again after a crash or a failed load). */
  prepare(slot) {
    slot.ready ??= (async () => {
      await slot.client.init(slot.runId ?? 0);
      await slot.client.loadData(await this.sweep.source());
      return 'staged';
    })().catch((err) => {
      slot.ready = null;
      throw err;
    });
    return slot.ready;
  }

  /** One worker's loop: takes the next queued job until none is left or the sweep stops. */
  async drive(slot) {
    if (slot.busy) return;
    slot.busy = true;
    try {
      // A slot of a sweep that was dropped (another started) stops at once: its worker is gone.
      while (this.store.get().state === 'running' && this.slots.includes(slot)) {
        const job = slot.job ?? this.sweep.jobs.find((j) => j.status === 'queued');
        if (!job) break;
        await this.train(slot, job);
      }
    } finally {
      slot.busy = false;
      this.checkDone();
    }
  }

  async train(slot, job) {
    const sweep = this.sweep;
    const resumed = slot.job === job;
    try {
      if (!resumed) {
        job.status = 'training';
        job.started = Date.now();
        slot.job = job;
        this.publish();
        const data = await this.prepare(slot);
        const result = await slot.client.build(buildSpec(job.settings, sweep.meta), { data, trainLimit: job.settings.trainLimit });
        slot.ready = Promise.resolve('current');
        slot.runId = result.runId;
        // What the worker's engine really holds (its WebAssembly memory), for the status line.
        const { memoryBytes } = await slot.client.stats();
        if (memoryBytes > this.store.get().footprint) this.store.set({ footprint: memoryBytes });
        slot.record = this.history.create({
          settings: { ...job.settings, dataset: sweep.meta.id }, dataset: sweep.meta.name, params: result.summary.totalParams,
          extra: { sweep: { id: sweep.id, coords: job.coords } },
        });
        job.recordId = slot.record.id;
      } else {
        job.status = 'training';
        slot.record.status = 'training';
        this.publish();
      }
      if (this.sweep?.id !== sweep.id) return; // dropped for another sweep meanwhile
      if (this.store.get().state !== 'running') {
        // Stopped while this worker was loading or building: it waits, ready, for Resume.
        job.status = 'paused';
        slot.record.status = 'paused';
        this.publish();
        return;
      }
      const finished = new Promise((resolve) => { slot.finished = resolve; });
      slot.since = performance.now();
      await slot.client.play({ until: job.until });
      const status = await finished;
      slot.finished = null;
      if (status === 'stopped' || status === 'dropped') return; // Stop: the job stays with this worker
      job.status = status;
      job.finished = Date.now();
      const m = runMetrics(slot.record);
      job.accuracy = m.testAccuracy;
      job.loss = m.testLoss;
    } catch (err) {
      if (this.sweep?.id !== sweep.id || this.store.get().state === 'idle') return; // dropped; its workers are gone
      job.status = 'failed';
      job.message = err.message;
      if (slot.record) slot.record.status = 'stopped';
    }
    slot.job = null;
    if (slot.record) this.history.changed(slot.record, { now: true });
    slot.record = null;
    this.publish();
  }

  onPush(slot, msg) {
    if (msg.type === 'restarted') {
      // The worker's engine trapped and the client started a fresh one: the job in progress fails,
      // and the next job loads the data into the new engine first.
      slot.ready = null;
      if (slot.job) slot.job.message = `the engine stopped after an internal error (${msg.message})`;
      if (slot.record) slot.record.status = 'stopped';
      slot.finished?.('failed');
      return;
    }
    if (msg.runId === undefined || msg.runId !== slot.runId || !slot.record) return;
    const record = slot.record;
    if (msg.type === Push.REPORT) {
      recordReport(record, msg);
      record.seconds += (performance.now() - slot.since) / 1000;
      slot.since = performance.now();
      this.history.changed(record);
    } else if (msg.type === Push.EVALUATION) {
      recordEvaluation(record, msg);
      // Kept for the side-by-side confusion matrices of a small sweep (a pair from "Compare with…").
      if (slot.job) {
        slot.job.confusion = Array.from(msg.confusion);
        slot.job.classes = Math.round(Math.sqrt(msg.confusion.length));
      }
      this.history.changed(record);
    } else if (msg.type === Push.STATUS && msg.status !== 'training') {
      record.seconds += (performance.now() - slot.since) / 1000;
      slot.since = performance.now();
      if (msg.examplesPerSecond > 0) record.examplesPerSecond = msg.examplesPerSecond;
      let status;
      if (msg.status === 'done' || msg.status === 'diverged') status = msg.status;
      else if (msg.budget) status = 'done';
      else if (slot.stopping) status = 'stopped';
      else status = 'failed'; // paused by the engine with a message (an error while training)
      slot.stopping = false;
      record.status = status === 'stopped' ? 'paused' : status === 'failed' ? 'stopped' : status;
      if (status === 'failed' && slot.job) slot.job.message = msg.message ?? 'training stopped';
      this.history.changed(record, { now: true });
      slot.finished?.(status);
    }
  }

  /** Pauses every worker; the jobs in progress keep their place and go on with Resume. */
  async stop() {
    if (this.store.get().state !== 'running') return;
    this.store.set({ state: 'stopped' });
    for (const job of this.sweep.jobs) if (job.status === 'training') job.status = 'paused';
    this.publish();
    for (const slot of this.slots) slot.stopping = slot.finished !== null;
    await Promise.all(this.slots.map((s) => s.client.pause().catch(() => {})));
  }

  resume() {
    if (this.store.get().state !== 'stopped') return;
    this.store.set({ state: 'running' });
    for (const slot of this.slots) this.drive(slot);
  }

  checkDone() {
    const sweep = this.sweep;
    if (!sweep || this.store.get().state !== 'running') return;
    if (sweep.jobs.every((j) => j.status !== 'queued' && j.status !== 'training' && j.status !== 'paused')) {
      this.store.set({ state: 'done' });
      // The workers' memory goes back to the page.
      for (const slot of this.slots) slot.client.terminate();
      this.slots = [];
      this.returnCores();
    }
  }

  /** The page's run lets its extra workers go while the sweep trains (its own worker stays). */
  async borrowCores() {
    this.borrowed = true;
    await this.controller.lendWorkers(true).catch(() => {});
  }

  /** The page's run may use the workers its menu says again (they start at its next Play). */
  returnCores() {
    if (!this.borrowed) return;
    this.borrowed = false;
    if (this.controller.lifetime.signal.aborted) return; // its engine is gone with it
    this.controller.lendWorkers(false).catch(() => {});
  }

  /** The finished job with the highest final test accuracy (diverged and failed jobs never). */
  best() {
    const done = (this.sweep?.jobs ?? []).filter((j) => j.status === 'done' && Number.isFinite(j.accuracy));
    return done.reduce((a, b) => (b.accuracy > a.accuracy ? b : a), done[0] ?? null);
  }

  /** Makes the best job's settings the current ones. */
  useBest() {
    const job = this.best();
    if (!job) return false;
    this.controller.settings.set(structuredClone(job.settings), { source: 'restore', name: job.name });
    return true;
  }

  publish() {
    this.store.set({ sweep: { ...this.sweep } });
  }

  /** Stops every worker and forgets the sweep (its runs stay in the history, stopped where they were). */
  dispose() {
    for (const slot of this.slots) {
      if (slot.record && (slot.record.status === 'training' || slot.record.status === 'paused')) {
        slot.record.status = 'stopped';
        this.history.changed(slot.record, { now: true });
      }
      slot.finished?.('dropped');
      slot.client.terminate();
    }
    this.slots = [];
    this.returnCores();
    if (this.store.get().state !== 'idle') this.store.set({ state: 'idle' });
  }
}
