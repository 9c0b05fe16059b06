// The messages between the page and the engine worker, declared in one place.
//
// Every request is { type, id, ...payload } and gets exactly one reply with the same id:
// { type: 'result', id, value } or { type: 'error', id, message }. The worker also pushes
// unsolicited messages (no id), such as training reports.

/** Requests the page sends. */
export const Request = Object.freeze({
  /** Load the wasm module. Reply value: {@link EngineInfo}. */
  INIT: 'init',
});

/** Messages the worker pushes on its own. */
export const Push = Object.freeze({
  /** The worker could not start (no WebAssembly SIMD, failed download): { message }. */
  FATAL: 'fatal',
  /** The worker's script has loaded and accepts requests. */
  READY: 'ready',
});

/**
 * @typedef {object} EngineInfo
 * @property {string} version   the engine crate's version
 * @property {boolean} simd     the loaded module was compiled with SIMD128
 * @property {string} build     which module was loaded ("simd128")
 */
