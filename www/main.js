// Boot: start the engine worker and show what was loaded.
import { EngineClient } from './engine/client.js';

const status = document.getElementById('engine-status');
const engine = new EngineClient();

try {
  const info = await engine.init();
  status.textContent = `Engine ${info.version} · WebAssembly SIMD ${info.simd ? 'active' : 'off'}`;
  status.dataset.state = 'ready';
  document.body.dataset.engine = 'ready';
} catch (err) {
  status.textContent = err.message;
  status.dataset.state = 'error';
  document.body.dataset.engine = 'error';
}
