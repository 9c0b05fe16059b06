// The page loads the engine in a module worker and shows its version with SIMD active.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPlayground } from './harness.mjs';

const crateVersion = /^version = "([^"]+)"/m.exec(readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8'))[1];

test('the page shows the engine version with SIMD active, without console errors', async () => {
  const app = await openPlayground();
  try {
    await app.page.waitForSelector('body[data-engine="ready"]', { timeout: 20_000 });
    const status = await app.page.textContent('#engine-status');
    assert.match(status, new RegExp(`Engine ${crateVersion.replaceAll('.', '\\.')}`));
    assert.match(status, /SIMD active/);
    await app.screenshot('boot');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the server sends wasm and module scripts with the right MIME types', async () => {
  const app = await openPlayground();
  try {
    const types = await app.page.evaluate(async () => {
      const get = async (p) => (await fetch(p, { method: 'HEAD' })).headers.get('content-type');
      return { wasm: await get('pkg/nn_playground_bg.wasm'), js: await get('engine/worker.js') };
    });
    assert.equal(types.wasm, 'application/wasm');
    assert.match(types.js, /^text\/javascript/);
  } finally {
    await app.close();
  }
});
