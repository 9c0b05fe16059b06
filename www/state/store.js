//! A tiny observable store: views subscribe, get the new state and the names of the keys that changed.

export class Store {
  /**
   * @param {object} initial
   * @param {{ deep?: boolean }} [options]  deep: compare plain values by content (settings); otherwise by
   *   identity (runtime data with typed arrays, where a new object always means a change)
   */
  constructor(initial, { deep = true } = {}) {
    this.state = Object.freeze({ ...initial });
    this.listeners = new Set();
    this.deep = deep;
  }

  get() {
    return this.state;
  }

  /**
   * Merges `patch` into the state and notifies subscribers of the keys whose value changed.
   * `meta` travels to the listeners (for example `{ source: 'url' }`), so a view can ignore its own echo.
   */
  set(patch, meta = {}) {
    if (this.closed) return [];
    const changed = [];
    for (const [key, value] of Object.entries(patch)) {
      if (this.deep ? !same(this.state[key], value) : this.state[key] !== value) changed.push(key);
    }
    if (changed.length === 0) return changed;
    this.state = Object.freeze({ ...this.state, ...patch });
    for (const listener of [...this.listeners]) {
      if (!listener.keys || listener.keys.some((k) => changed.includes(k))) listener.fn(this.state, changed, meta);
    }
    return changed;
  }

  /**
   * Calls `fn(state, changedKeys, meta)` after each change (of one of `keys`, when given).
   * Returns an unsubscribe function.
   */
  /** Ends the store (its owner is gone): later changes are ignored and nobody is notified again. */
  close() {
    this.closed = true;
    this.listeners.clear();
  }

  subscribe(fn, keys = null) {
    const listener = { fn, keys };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Value equality for settings: numbers, strings, booleans, and plain arrays/objects (the layer list). */
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
