// The page's handle on the engine worker: one method per request, each returning a promise.
// Views reach the worker only through this module.
import { Request } from './protocol.js';

export class EngineClient {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.failAll(new Error(`The engine worker failed to start: ${event.message || 'unknown error'}`));
    };
  }

  receive(msg) {
    if (msg.id !== undefined && this.pending.has(msg.id)) {
      const { resolve, reject } = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'error') reject(new Error(msg.message));
      else resolve(msg.value);
      return;
    }
    for (const listener of this.listeners) listener(msg);
  }

  failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /** Subscribes to messages the worker pushes (reports, fatal errors). Returns an unsubscribe function. */
  onPush(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(type, payload = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type, id, ...payload }, transfer);
    });
  }

  /** @returns {Promise<import('./protocol.js').EngineInfo>} */
  init() {
    return this.request(Request.INIT);
  }

  terminate() {
    this.worker.terminate();
    this.failAll(new Error('The engine was stopped.'));
  }
}
