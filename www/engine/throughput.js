// Training speed: the one piece of code that turns (examples, elapsed ms) samples into examples per
// second. The benchmark's worker (bench/) and the page's engine worker both measure through it, so
// every speed the project shows or publishes is computed the same way.
//
// How it measures:
// - A sample is a number of examples trained and the wall time it took, in milliseconds, measured by
//   the caller around the work (for the benchmark: one timed window of batches; for the page: one
//   chunk of trainSteps).
// - Samples are summed into windows. A window closes once it holds at least `windowExamples`
//   examples AND at least `windowMs` milliseconds. Its speed is examples / seconds of the whole
//   window, so short samples are not over-weighted.
// - The reported speed is the MEDIAN over the closed windows (robust to a stray GC pause or a
//   neighbour's burst on a shared machine), with the min and max kept to show the spread.
// - `keep` bounds the history: the page keeps the last few windows (a moving median); the benchmark
//   keeps them all.
//
// No clocks in here: the caller times its own work (performance.now()), so this module is pure and
// runs the same in a worker, on a page or in Node.

/** Examples per second of `examples` done in `ms` milliseconds (NaN if no time was measured). */
export function examplesPerSecond(examples, ms) {
  return ms > 0 ? (examples * 1000) / ms : NaN;
}

/** Median of a list of numbers (mean of the two middle ones for an even count); null for an empty list. */
export function median(values) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class Throughput {
  /**
   * @param {object} [options]
   * @param {number} [options.windowExamples=1] a window closes with at least this many examples…
   * @param {number} [options.windowMs=0]       …and at least this many milliseconds
   * @param {number} [options.keep=Infinity]    closed windows kept (oldest dropped first)
   */
  constructor({ windowExamples = 1, windowMs = 0, keep = Infinity } = {}) {
    this.windowExamples = windowExamples;
    this.windowMs = windowMs;
    this.keep = keep;
    /** Closed windows, oldest first: { examples, ms, perSecond }. */
    this.windows = [];
    this.open = { examples: 0, ms: 0 };
  }

  /** Adds one sample; returns the window it closed, or null. */
  add(examples, ms) {
    if (!(examples >= 0) || !(ms >= 0)) throw new RangeError(`throughput sample must be non-negative: ${examples} examples in ${ms} ms`);
    this.open.examples += examples;
    this.open.ms += ms;
    if (this.open.examples < this.windowExamples || this.open.ms < this.windowMs || this.open.ms <= 0) return null;
    const closed = { ...this.open, perSecond: examplesPerSecond(this.open.examples, this.open.ms) };
    this.windows.push(closed);
    if (this.windows.length > this.keep) this.windows.shift();
    this.open = { examples: 0, ms: 0 };
    return closed;
  }

  /** { perSecond (median over windows), min, max, windows (count), examples, ms }, or null before the first window. */
  summary() {
    if (!this.windows.length) return null;
    const rates = this.windows.map((w) => w.perSecond);
    return {
      perSecond: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      windows: this.windows.length,
      examples: this.windows.reduce((n, w) => n + w.examples, 0),
      ms: this.windows.reduce((n, w) => n + w.ms, 0),
    };
  }

  /**
   * When no window has closed yet, closes the open one however short it is: the page calls it when a
   * run stops, so that a run shorter than one window still gets a speed. Once full windows exist, a
   * short leftover stays out of their median. (The benchmark never calls it: its windows are all full.)
   */
  flush() {
    if (this.windows.length === 0 && this.open.examples > 0 && this.open.ms > 0) {
      const closed = { ...this.open, perSecond: examplesPerSecond(this.open.examples, this.open.ms) };
      this.windows.push(closed);
      if (this.windows.length > this.keep) this.windows.shift();
    }
    this.open = { examples: 0, ms: 0 };
  }

  /** Forgets every window and the open one (a new run, or training restarted after a pause). */
  reset() {
    this.windows = [];
    this.open = { examples: 0, ms: 0 };
  }
}
