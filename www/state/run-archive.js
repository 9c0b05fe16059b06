// The run history kept across reloads: one IndexedDB object store of run records (state/runs.js),
// keyed by id. Every call resolves, whatever the browser does: a private window without IndexedDB,
// a full disk or a blocked upgrade leave the history in memory only, and say so once.
import { upgradeRun } from './runs.js';

const DB_NAME = 'nn-playground';
const DB_VERSION = 1;
const STORE = 'runs';

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

export class RunArchive {
  constructor() {
    this.db = null;
    this.problem = null; // why the history is not kept across reloads, once known
  }

  /** Opens the database; resolves to false (and sets `problem`) when it cannot be used. */
  async open() {
    if (this.db) return true;
    try {
      if (!globalThis.indexedDB) throw new Error('this browser offers no storage for pages (IndexedDB)');
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
      };
      request.onblocked = () => {};
      this.db = await promised(request);
      // Another tab with a newer page upgrades the database: this one lets go instead of blocking it.
      this.db.onversionchange = () => {
        this.db.close();
        this.db = null;
      };
      return true;
    } catch (err) {
      this.problem = `Runs are kept only until this tab is closed: ${err?.message ?? err}.`;
      return false;
    }
  }

  /**
   * Every stored run, made current; records that cannot be used are deleted.
   * @returns {Promise<{ runs: import('./runs.js').RunRecord[], dropped: number }>}
   */
  async load() {
    if (!(await this.open())) return { runs: [], dropped: 0 };
    try {
      const stored = await promised(this.db.transaction(STORE).objectStore(STORE).getAll());
      const runs = [];
      const bad = [];
      for (const record of stored) {
        const run = upgradeRun(record);
        if (run) runs.push(run);
        else bad.push(record?.id);
      }
      if (bad.length) {
        const tx = this.db.transaction(STORE, 'readwrite');
        for (const id of bad) if (id !== undefined && id !== null) tx.objectStore(STORE).delete(id);
      }
      return { runs, dropped: bad.length };
    } catch (err) {
      this.problem = `The stored runs could not be read: ${err?.message ?? err}.`;
      return { runs: [], dropped: 0 };
    }
  }

  /** Writes these runs (whole records) and deletes the ids in `removed`. */
  async save(runs, removed = []) {
    if (!this.db) return false;
    try {
      const tx = this.db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      for (const run of runs) store.put(run);
      for (const id of removed) store.delete(id);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error ?? new Error('the write was aborted'));
      });
      return true;
    } catch (err) {
      this.problem = `The runs could not be stored (${err?.message ?? err}); they are kept until this tab is closed.`;
      return false;
    }
  }

  /** Deletes every stored run. */
  async clear() {
    if (!this.db) return;
    try {
      await promised(this.db.transaction(STORE, 'readwrite').objectStore(STORE).clear());
    } catch {
      // Nothing stored stays wrong: the next save writes the runs kept in memory again.
    }
  }

  close() {
    this.db?.close();
    this.db = null;
  }
}
