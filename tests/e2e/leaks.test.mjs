// Leaks: every engine the worker makes is freed when it is replaced or not used, so a big network
// reset and loaded again keeps the wasm memory flat; object URLs of downloads
// are revoked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

const MB = 1e6;

test('rebuilding, resetting and loading a big network keeps one engine and flat memory', async () => {
  // About 0.8 M parameters: weights, gradients and Adam's two moments are ~13 MB an engine, so
  // five engines not freed would add about 65 MB.
  const app = await openPlayground({
    path: '#dataset=mnist&layers=dense:1024:relu&seed=1',
    initScript: () => {
      window.__urls = { made: 0, revoked: 0 };
      const { createObjectURL, revokeObjectURL } = URL;
      URL.createObjectURL = (b) => { window.__urls.made += 1; return createObjectURL(b); };
      URL.revokeObjectURL = (u) => { window.__urls.revoked += 1; return revokeObjectURL(u); };
    },
  });
  const { page } = app;
  try {
    await waitReady(page);
    const stats = () => page.evaluate(() => window.nnp.controller.client.stats());
    const resetOnce = async () => {
      const id = await page.evaluate(() => window.nnp.run.get().runId);
      await page.click('#btn-reset');
      await page.waitForFunction((i) => window.nnp.run.get().runId > i, id, { timeout: 20_000 });
    };
    await resetOnce();
    const first = await stats();
    assert.equal(first.engines, 1);

    for (let i = 0; i < 3; i++) await resetOnce();
    // Saving and loading the model back, and a file that is not a model.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-save-model')]);
    const file = await download.path();
    for (const name of ['nn-playground-mnist-0.nnpg']) {
      const id = await page.evaluate(() => window.nnp.run.get().runId);
      await page.setInputFiles('#model-file input[type="file"]', { name, mimeType: 'application/octet-stream', buffer: (await import('node:fs')).readFileSync(file) });
      await page.waitForFunction((i) => window.nnp.run.get().runId > i, id, { timeout: 20_000 });
    }
    await page.setInputFiles('#model-file input[type="file"]', { name: 'x.nnpg', mimeType: 'application/octet-stream', buffer: Buffer.from('NNPG-not-really') });
    await page.locator('#model-error').waitFor({ state: 'visible' });

    const last = await stats();
    assert.equal(last.engines, 1, 'one engine alive');
    assert.ok(last.memoryBytes - first.memoryBytes < 30 * MB,
      `wasm memory grew from ${Math.round(first.memoryBytes / MB)} MB to ${Math.round(last.memoryBytes / MB)} MB over 5 engines`);
    await page.waitForFunction(() => window.__urls.revoked >= 1, null, { timeout: 5_000 });
    assert.deepEqual(await page.evaluate(() => window.__urls), { made: 1, revoked: 1 }, 'the download URL was revoked');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
