// Batch normalization on the page: the editor adds a "batch norm" card and the link carries it;
// a trained model with batch norm saves and loads with its running statistics (the same test
// accuracy and predictions); the exports hold the running statistics; and the lesson shows a deep
// network that diverges at learning rate 1 train once batch norm is added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPlayground } from './harness.mjs';
import { unzip } from './downloads.mjs';
import { waitReady, choosePreset } from './playground.mjs';

/** A small network with batch norm after a convolution and after a dense layer. */
const LINK = '#layers=conv2d:8:5:1:same:linear,bn,act:relu,maxpool:2:2,dense:32:linear,bn,act:relu&optimizer=sgd&lr=0.1&epochs=1';

test('the editor offers batch norm, the link carries it, and the card explains it', async () => {
  const app = await openPlayground({ path: '#layers=dense:32' });
  const { page } = app;
  try {
    await waitReady(page);
    await page.selectOption('.add-layer select', 'batchnorm');
    await page.click('.add-layer-button');
    await page.waitForSelector('.layer-card[data-index="1"][data-type="batchnorm"]');
    await page.waitForFunction(() => /layers=dense:32:relu,bn(&|$)/.test(window.location.hash));
    const card = page.locator('.layer-card[data-index="1"]');
    // Output shape and the two parameters per unit (γ and β).
    await page.waitForFunction(() => /64 parameters/.test(document.querySelector('.layer-card[data-index="1"]').textContent));
    assert.match(await card.textContent(), /Batch norm/);
    await app.screenshot('batchnorm-card');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

/** The current run's test accuracy, loss and predictions, and one test image's probabilities. */
function snapshot(page) {
  return page.evaluate(async () => {
    const { controller, run } = window.nnp;
    const r = run.get();
    const image = Float32Array.from(r.data.testImages.subarray(0, 784), (v) => v / 255);
    return {
      accuracy: r.evaluation.accuracy,
      loss: r.evaluation.loss,
      predictions: Array.from(r.evaluation.predictions),
      probs: Array.from(await controller.client.predict(image)),
    };
  });
}

test('a model with batch norm saves and loads with its running statistics, and exports them', async () => {
  const app = await openPlayground({ path: LINK });
  const { page } = app;
  try {
    await waitReady(page);
    for (let i = 0; i < 20; i++) await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().evaluation?.steps === 20, null, { timeout: 20_000 });
    const before = await snapshot(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-save-model')]);
    const bytes = readFileSync(await download.path());

    // The exports: PyTorch's state_dict names with the running statistics, not all 0 and 1.
    const [pytorch] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="pytorch"]')]);
    const weights = unzip(readFileSync(await pytorch.path())).get('model.safetensors');
    const headerLength = Number(weights.readBigUInt64LE(0));
    const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8'));
    assert.ok(header['batchnorm2.running_mean'] && header['batchnorm6.running_var'], Object.keys(header).join(' '));
    const [begin, end] = header['batchnorm2.running_mean'].data_offsets;
    const means = new Float32Array(Uint8Array.from(weights.subarray(8 + headerLength + begin, 8 + headerLength + end)).buffer);
    assert.ok(means.some((v) => v !== 0), `running means ${means}`);

    await page.goto(app.url);
    await waitReady(page);
    const fresh = await page.evaluate(() => window.nnp.run.get().runId);
    await page.setInputFiles('#model-file input[type="file"]', { name: 'bn.nnpg', mimeType: 'application/octet-stream', buffer: bytes });
    await page.waitForFunction((id) => window.nnp.run.get().runId > id && window.nnp.run.get().evaluation, fresh, { timeout: 20_000 });
    const after = await snapshot(page);
    assert.equal(after.accuracy, before.accuracy);
    assert.equal(after.loss, before.loss);
    assert.deepEqual(after.predictions, before.predictions);
    assert.deepEqual(after.probs, before.probs);
    assert.match(page.url(), /bn,act:relu/);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the batch-norm lesson: the plain deep network diverges at learning rate 1, the one with batch norm trains', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await page.selectOption('#preset', 'compare-batchnorm');
    await page.waitForFunction(() => window.nnp.sweeps.store.get().sweep?.link.sweep === 'batchnorm:off,on');
    await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 180_000 });
    const jobs = await page.evaluate(() => window.nnp.sweeps.sweep.jobs.map((j) => ({ name: j.name, status: j.status, accuracy: j.accuracy })));
    console.log(`batch-norm lesson: ${JSON.stringify(jobs)}`);
    assert.equal(jobs.length, 2);
    assert.equal(jobs[0].status, 'diverged', 'without batch norm');
    assert.equal(jobs[1].status, 'done', 'with batch norm');
    assert.ok(jobs[1].accuracy > 0.8, `with batch norm: ${jobs[1].accuracy}`);
    assert.equal(await page.locator('#lesson-box math').count(), 1);
    await page.locator('#sweep').scrollIntoViewIfNeeded();
    await app.screenshot('batchnorm-lesson');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
