// The engine worker: owns the wasm instance, answers the page's requests, never blocks the page.
import { Request, Push } from './protocol.js';

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt drop)): validates only where SIMD128 exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

let wasm = null;

async function loadEngine() {
  if (wasm) return wasm;
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new Error(
      'This browser does not support WebAssembly SIMD, which the engine needs. ' +
        'Use a current Chrome, Edge, Firefox or Safari (16.4 or newer).',
    );
  }
  const module = await import('../pkg/nn_playground.js');
  await module.default();
  wasm = module;
  return wasm;
}

const handlers = {
  async [Request.INIT]() {
    const engine = await loadEngine();
    return { version: engine.engineVersion(), simd: engine.simdEnabled(), build: 'simd128' };
  },
};

self.onmessage = async (event) => {
  const { type, id, ...payload } = event.data;
  const handler = handlers[type];
  try {
    if (!handler) throw new Error(`unknown request "${type}"`);
    const value = await handler(payload);
    self.postMessage({ type: 'result', id, value });
  } catch (err) {
    self.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
};

self.postMessage({ type: Push.READY });
