//! The per-layer statistics: the worker takes them (and sends them with its reports) only while a
//! view that shows them is mounted, so a page or widget without one pays nothing. They are not tied
//! to the tab being visible: the health coach reads them, and its verdicts follow the steps alone.

/** Whether a view of the statistics is mounted (the gradients view says). */
export function setStatsWanted(c, on) {
  c.statsWanted = on;
  syncStatsWatch(c);
}

/** Tells the worker whether to take statistics, when that has changed. */
export function syncStatsWatch(c) {
  const engine = c.run.get().engine;
  if (!engine || engine.error) return;
  const on = !!c.statsWanted;
  if (on === c.statsSent) return;
  c.statsSent = on;
  c.client.watchStats(on).catch(() => {
    c.statsSent = undefined;
  });
}
