//! How many workers one run trains on. It changes the speed, never the numbers (a run gives the same
//! bits on any number of workers), so it is this browser's preference, not a setting of the run:
//! kept in localStorage, not in the link.

const KEY = 'nn-playground.workers';

/** The most workers the setting offers: every core, and no more than a batch has shards (32). */
export function maxWorkers(cores = globalThis.navigator?.hardwareConcurrency) {
  const c = Number.isInteger(cores) && cores > 0 ? cores : 2;
  return Math.min(32, c);
}

/** The default: every core on a small machine, all but one (for the page) on a bigger one. */
export function defaultWorkers(cores = globalThis.navigator?.hardwareConcurrency) {
  const c = Number.isInteger(cores) && cores > 0 ? cores : 2;
  return Math.min(32, c <= 2 ? c : c - 1);
}

/** The count this browser chose, or the default. */
export function preferredWorkers() {
  let stored = NaN;
  try {
    stored = Number(localStorage.getItem(KEY));
  } catch {
    // storage refused (a sandboxed frame): the default
  }
  return Number.isInteger(stored) && stored >= 1 && stored <= maxWorkers() ? stored : defaultWorkers();
}

export function saveWorkersPreference(n) {
  try {
    localStorage.setItem(KEY, String(n));
  } catch {
    // not kept: it still applies to this page
  }
}
