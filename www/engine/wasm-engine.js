//! The wasm engine module: loaded once per worker (after checking the browser has WebAssembly SIMD),
//! and a count of the Engine instances alive in its memory, so a leak shows in STATS.

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt drop)): validates only where SIMD128 exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** The engine's JS API (pkg/nn_playground.js) once loaded, else null. Only this module assigns it. */
export let wasm = null;
/** The wasm instance's exports (its memory, for STATS). */
let exports = null;
/** Engines alive in wasm memory: every one made is freed when it is replaced or not used. */
let liveEngines = 0;

/** The load in progress or done (null before INIT, or after a load that failed). */
let loading = null;

/** Loads the engine once; a second call gets the same load. */
export function loadEngine() {
  loading ??= load().catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function load() {
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new Error(
      'This browser does not support WebAssembly SIMD, which the engine needs. ' +
        'Use a current Chrome, Edge, Firefox or Safari (16.4 or newer).',
    );
  }
  const module = await import('../pkg/nn_playground.js');
  exports = await module.default();
  wasm = module;
  return wasm;
}

/** Waits for a load INIT has started; resolves to whether the engine is loaded. */
export async function engineLoaded() {
  await loading?.catch(() => {});
  return wasm !== null;
}

/** Counts an Engine just made; every one is given back to `free`. */
export function created(e) {
  liveEngines += 1;
  return e;
}

export function free(e) {
  e.free();
  liveEngines -= 1;
}

/** A view of engine `e`'s parameter gradients in wasm memory (made anew: memory can grow). */
export function gradientsView(e) {
  return new Float32Array(exports.memory.buffer, e.gradientsPtr(), e.gradientsLen());
}

/** The wasm memory's size and the engines alive in it. */
export function memoryStats() {
  return { memoryBytes: exports?.memory?.buffer.byteLength ?? 0, engines: liveEngines };
}
