// Saving and loading a trained model: "Save model" downloads nn-playground-<dataset>-<steps>.nnpg;
// after a reload, "Load model" brings back the same network, settings and link, and the same test
// accuracy and predictions; a file that is not a model is explained next to the button and changes
// nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openPlayground } from './harness.mjs';
import { waitReady, choosePreset } from './playground.mjs';

/** What the page shows of the current run, exactly: test metrics and one test image's probabilities. */
function snapshot(page) {
  return page.evaluate(async () => {
    const { controller, run, settings } = window.nnp;
    const r = run.get();
    const image = Float32Array.from(r.data.testImages.subarray(0, 784), (v) => v / 255);
    const probs = await controller.client.predict(image);
    return {
      accuracy: r.evaluation.accuracy,
      loss: r.evaluation.loss,
      predictions: Array.from(r.evaluation.predictions),
      probs: Array.from(probs),
      steps: r.report?.steps ?? 0,
      settings: { ...settings.get(), projector: false },
    };
  });
}

test('a saved model loads after a reload with the same settings, accuracy and predictions', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await choosePreset(page, 'tiny-mlp');
    for (let i = 0; i < 12; i++) await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().evaluation?.steps === 12, null, { timeout: 10_000 });
    const before = await snapshot(page);
    assert.equal(before.steps, 12);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-save-model')]);
    assert.equal(download.suggestedFilename(), 'nn-playground-mnist-12.nnpg');
    const file = await download.path();
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'NNPG');
    await page.waitForFunction(() => /Saved nn-playground-mnist-12\.nnpg/.test(document.querySelector('.model-status').textContent));
    // The original run goes on for three steps: the loaded model must take the same three.
    const threeSteps = async (from) => {
      const losses = [];
      for (let s = from + 1; s <= from + 3; s++) {
        await page.click('#btn-step');
        await page.waitForFunction((n) => window.nnp.run.get().report?.steps === n, s, { timeout: 10_000 });
        losses.push(await page.evaluate(() => window.nnp.run.get().report.loss));
      }
      return losses;
    };
    const original = await threeSteps(12);

    // A fresh page with the default settings and network.
    await page.goto(app.url);
    await waitReady(page);
    const fresh = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, layers: window.nnp.settings.get().layers.length }));
    assert.equal(fresh.layers, 4, 'the default network');

    await page.setInputFiles('#model-file input[type="file"]', { name: download.suggestedFilename(), mimeType: 'application/octet-stream', buffer: bytes });
    await page.waitForFunction((id) => window.nnp.run.get().runId > id && window.nnp.run.get().evaluation, fresh.runId, { timeout: 20_000 });
    const after = await snapshot(page);
    assert.deepEqual(after.settings, before.settings, 'the settings follow the loaded spec');
    assert.equal(after.accuracy, before.accuracy);
    assert.equal(after.loss, before.loss);
    assert.deepEqual(after.predictions, before.predictions);
    assert.deepEqual(after.probs, before.probs);
    assert.equal(after.steps, 12, 'the run continues from the saved step');
    assert.equal(await page.textContent('#stat-steps'), '12');
    assert.equal(await page.textContent('#stat-train-loss'), '–', 'no training loss is measured yet, and none is NaN');
    assert.match(page.url(), /layers=dense:32:relu/);
    assert.match(page.url(), /lr=0\.003/);
    assert.equal(await page.locator('.layer-list > .layer-card').count(), 1);
    assert.match(await page.textContent('#notices'), /Loaded the model nn-playground-mnist-12\.nnpg/);

    // It trains on from there, exactly as the saved run did: the same data order, dropout and losses.
    assert.deepEqual(await threeSteps(12), original, 'the loaded model takes the steps the saved run took');
    await app.screenshot('model-loaded');

    // Reset goes back to the model as it was loaded, not to the seed's initial weights.
    const stepped = await page.evaluate(() => window.nnp.run.get().runId);
    await page.click('#btn-reset');
    await page.waitForFunction((id) => window.nnp.run.get().runId > id && window.nnp.run.get().report?.steps === 12, stepped, { timeout: 10_000 });
    assert.deepEqual(await threeSteps(12), original, 'and again after Reset');
    await page.click('#btn-reset');
    await page.waitForFunction((id) => window.nnp.run.get().runId > id + 1 && window.nnp.run.get().report?.steps === 12, stepped, { timeout: 10_000 });
    await page.evaluate(() => window.nnp.controller.client.evaluate(2000));
    await page.waitForFunction((id) => window.nnp.run.get().evaluation?.runId > id, stepped, { timeout: 10_000 });
    const reset = await snapshot(page);
    assert.equal(reset.accuracy, before.accuracy, 'the loaded weights, again');
    assert.deepEqual(reset.probs, before.probs);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a file that is not a model is explained next to the button and changes nothing', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const before = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, hash: window.location.hash }));
    await page.setInputFiles('#model-file input[type="file"]', { name: 'random.nnpg', mimeType: 'application/octet-stream', buffer: randomBytes(2048) });
    const error = page.locator('#model-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await error.textContent(), 'random.nnpg could not be loaded: this is not a saved nn-playground model (it does not start with NNPG)');
    assert.equal(await error.getAttribute('role'), 'alert');

    // A model file cut short.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-save-model')]);
    const whole = readFileSync(await download.path());
    await page.setInputFiles('#model-file input[type="file"]', { name: 'cut.nnpg', mimeType: 'application/octet-stream', buffer: whole.subarray(0, 1000) });
    await page.waitForFunction(() => /^cut\.nnpg could not be loaded: the saved model is damaged or truncated/.test(document.getElementById('model-error').textContent), null, { timeout: 10_000 });
    await page.locator('#col-network').screenshot({ path: new URL('./artifacts/model-error.png', import.meta.url).pathname });
    const now = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, hash: window.location.hash }));
    assert.deepEqual(now, before, 'the network and the settings were kept');

    // One flipped byte in the weights: the checksum says so.
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 100] ^= 0x40;
    await page.setInputFiles('#model-file input[type="file"]', { name: 'flipped.nnpg', mimeType: 'application/octet-stream', buffer: flipped });
    await page.waitForFunction(() => /^flipped\.nnpg could not be loaded: .*checksum does not match/.test(document.getElementById('model-error').textContent), null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => ({ runId: window.nnp.run.get().runId, hash: window.location.hash })), before);

    // The whole file loads, and the message goes away. Its name says it was trained on Fashion-MNIST
    // (this page's own file names do): that dataset is loaded with it.
    await page.setInputFiles('#model-file input[type="file"]', { name: 'nn-playground-fashion-0.nnpg', mimeType: 'application/octet-stream', buffer: whole });
    await error.waitFor({ state: 'hidden', timeout: 20_000 });
    await page.waitForFunction(() => window.nnp.run.get().data?.id === 'fashion', null, { timeout: 20_000 });
    assert.match(page.url(), /dataset=fashion/);
    assert.equal(await page.isChecked('input[type="radio"][value="fashion"]'), true);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
