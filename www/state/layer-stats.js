//! The per-layer statistics of one run as the gradients view draws them: every statistic the reports
//! bring, thinned to at most MAX_KEPT (every other one dropped, then only every 2nd, 4th… step kept),
//! so a long run stays light and the same run keeps the same points on any machine.

export const MAX_KEPT = 400;

export class LayerStatsHistory {
  constructor() {
    this.clear();
  }

  clear() {
    /** @type {import('../engine/protocol.js').StepStats[]} */
    this.items = [];
    this.keepEvery = 1; // in statistics: 1 keeps each, 2 every other…
    this.interval = 0; // steps between two statistics (the first one's step)
    this.version = 0; // grows with every change, for views that redraw
  }

  /** Adds the statistics of a report (in step order). */
  add(list) {
    for (const s of list ?? []) {
      if (!this.interval) this.interval = s.step;
      if (this.items.length && s.step <= this.items.at(-1).step) continue; // already have it
      if (Math.round(s.step / this.interval) % this.keepEvery !== 0) continue;
      this.items.push(s);
      if (this.items.length > MAX_KEPT) {
        this.keepEvery *= 2;
        this.items = this.items.filter((x) => Math.round(x.step / this.interval) % this.keepEvery === 0);
      }
      this.version += 1;
    }
  }

  /** The layers of the latest statistics: [{ layer, label }]. */
  layers() {
    return (this.items.at(-1)?.layers ?? []).map(({ layer, label }) => ({ layer, label }));
  }

  /** One value of layer number `i` (in order) over the steps: { x: steps[], y: values[] }. */
  series(i, pick) {
    const x = [];
    const y = [];
    for (const s of this.items) {
      const l = s.layers[i];
      if (!l) continue;
      x.push(s.step);
      y.push(pick(l));
    }
    return { x, y };
  }
}
