//! The controller's life: start (the engine, the dataset list, the first data and network), a
//! restart after the engine crashed (the same data and network again), and dispose (a removed widget).
import { notify } from './notices.js';
import { writeHash } from './link.js';
import { syncWatch } from './filter-pictures.js';
import { syncStatsWatch } from './layer-stats.js';
import { fetchDatasetList, useBuiltin } from './data.js';
import { rebuild, scheduleRebuild } from './builds.js';

/** @param {import('../controller.js').Controller} c */
export async function start(c) {
  try {
    const info = await c.client.init();
    c.run.set({ engine: info });
    await c.applyWorkers();
    syncWatch(c);
    syncStatsWatch(c);
  } catch (err) {
    c.run.set({ phase: 'error', engine: { error: err.message } });
    return;
  }
  const datasets = await fetchDatasetList(c);
  c.run.set({ datasets });
  writeHash(c);
  let id = c.settings.get().dataset;
  if (!datasets.some((d) => d.id === id)) id = datasets[0]?.id;
  if (id) await useBuiltin(c, id, { initial: true });
  if (!c.run.get().summary) c.run.set({ phase: 'idle' });
}

/** Stops for good (a removed widget): the worker, the timers and every listener on the document. */
export function dispose(c) {
  c.lifetime.abort();
  clearTimeout(c.rebuildTimer);
  c.run.set({ phase: 'idle' }); // ends the clock that ticks while training
  // Requests still waiting fail when the worker stops; closed stores ignore what they would change.
  c.run.close();
  c.settings.close();
  c.client.terminate();
}

/** The client started a fresh worker after a crash: load the data and build the running network again. */
export async function restartEngine(c, reason) {
  notify(c, 'error', `The engine hit an internal error (${reason}) and was restarted; training starts again from the initial weights.`);
  c.run.set({ phase: 'loading', summary: null });
  try {
    await c.client.init(c.run.get().runId);
    await c.applyWorkers();
    c.watchSent = undefined; // a fresh worker starts with its own default
    c.statsSent = undefined;
    syncWatch(c);
    syncStatsWatch(c);
    if (c.dataSource) {
      const source = await c.dataSource();
      await c.client.loadData(source);
      // The network that was running, even if an invalid edit is pending (its message comes back).
      const ok = await rebuild(c, { data: 'staged', settings: c.builtSettings, reason: null });
      if (!ok) c.run.set({ phase: 'error' });
      else if (JSON.stringify(c.builtSettings) !== JSON.stringify(c.settings.get())) scheduleRebuild(c, null);
    }
  } catch (err) {
    c.run.set({ phase: 'error' });
    notify(c, 'error', err.message);
  }
}
