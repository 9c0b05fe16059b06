// The network editor: an edit that makes an impossible shape shows the engine's message on the card
// that caused it, the last valid network keeps training, and fixing the edit rebuilds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, readRun } from './playground.mjs';

test('an invalid layer edit is explained on its card while the last valid network keeps training', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    // The default network: conv 8@5×5 same → maxpool 2 → conv 16@5×5 same → maxpool 3.
    await page.click('#btn-play');
    await page.waitForFunction(() => (window.nnp.run.get().report?.steps ?? 0) > 0, null, { timeout: 20_000 });
    const { runId } = await readRun(page);

    // Layer 4's pooling window becomes 16×16: it cannot fit the 14×14 maps after the first pooling.
    const card = page.locator('.layer-card[data-index="3"]');
    await card.locator('input[name="size"]').fill('16');
    await card.locator('input[name="size"]').press('Enter');
    const error = card.locator('.card-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    const message = await error.textContent();
    assert.match(message, /^layer 4 \(maxpool2d\): a 16×16 window does not fit the 14×14 input/);
    assert.equal(await card.getAttribute('aria-invalid'), '');
    // No other card shows it.
    assert.equal(await page.locator('.card-error:visible').count(), 1);
    await app.screenshot('editor-invalid');

    // Training goes on with the network that was valid.
    const before = (await readRun(page)).steps;
    await page.waitForFunction((b) => window.nnp.run.get().report?.steps > b, before, { timeout: 10_000 });
    const during = await readRun(page);
    assert.equal(during.runId, runId, 'the running network was not replaced');
    assert.equal(during.phase, 'training');

    // A window that fits clears the message and rebuilds; training continues on the new network.
    await card.locator('input[name="size"]').fill('2');
    await card.locator('input[name="size"]').press('Enter');
    await error.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.waitForFunction((id) => window.nnp.run.get().runId !== id, runId, { timeout: 10_000 });
    assert.match(await card.locator('.layer-shape').textContent(), /→ 16×5×5 · 0 parameters/);
    await page.waitForFunction(() => (window.nnp.run.get().report?.steps ?? 0) > 0, null, { timeout: 20_000 });
    assert.match(await page.textContent('#notices'), /network changed/i);
    await page.click('#btn-play');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('layers can be added, moved and removed from the keyboard', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await page.selectOption('.add-layer select', 'dropout');
    await page.click('.add-layer-button');
    await page.waitForSelector('.layer-card[data-index="4"][data-type="dropout"]');
    await page.focus('.layer-card[data-index="4"] .up');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.layer-card[data-index="3"][data-type="dropout"]');
    assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /Move layer 4 \(dropout\) up/);
    await page.click('.layer-card[data-index="3"] .remove');
    await page.waitForFunction(() => document.querySelectorAll('.layer-list > .layer-card').length === 4);
    await page.waitForFunction(() => !window.location.hash.includes('dropout'));
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a typed value that was refused stops being reported once a lesson sets a good one; a 1×1 map takes a 1×1 convolution', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const lr = page.locator('#hyperparams .field[data-setting="lr"]');
    await lr.locator('input').fill('-5');
    await lr.locator('input').press('Tab');
    await page.waitForFunction(() => !document.querySelector('#hyperparams .field[data-setting="lr"] .field-error').hidden);
    assert.match(await lr.locator('.field-error').textContent(), /Learning rate η must be/);
    await page.selectOption('#preset', 'tiny-mlp');
    await page.waitForFunction(() => window.nnp.settings.get().lr === 0.003);
    assert.equal(await lr.locator('input').inputValue(), '0.003');
    assert.equal(await lr.locator('.field-error').isHidden(), true, 'the old complaint is gone');

    // A convolution that shrinks the image to 1×1, then a 1×1 convolution: a valid network.
    const before = await page.evaluate(() => window.nnp.run.get().runId);
    await page.evaluate(() => window.nnp.settings.set({ layers: [
      { type: 'conv2d', filters: 8, kernel: 28, stride: 1, padding: 'valid', activation: 'relu' },
      { type: 'conv2d', filters: 4, kernel: 1, stride: 1, padding: 'valid', activation: 'relu' },
    ] }));
    await page.waitForFunction((b) => window.nnp.run.get().runId !== b, before, { timeout: 20_000 });
    assert.deepEqual(await page.evaluate(() => window.nnp.run.get().specErrors), []);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('every problem shows at once, each where it belongs, placed by the engine and not by its words', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const { runId } = await readRun(page);
    // A layer, the momentum rule and the schedule wrong together: SGD with Nesterov but no momentum,
    // a cosine schedule ending above the learning rate, and a pooling window bigger than its maps.
    await page.evaluate(() => {
      const s = window.nnp.settings.get();
      const layers = s.layers.map((l, i) => (i === 3 ? { ...l, size: 16 } : l));
      window.nnp.settings.set({ optimizer: 'sgd', lr: 0.01, momentum: 0, nesterov: true, schedule: 'cosine', minLr: 0.05, layers });
    });
    const card = page.locator('.layer-card[data-index="3"] .card-error');
    const nesterov = page.locator('#hyperparams [data-setting="nesterov"] .field-error');
    const minLr = page.locator('#hyperparams [data-setting="minLr"] .field-error');
    for (const where of [card, nesterov, minLr]) await where.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await card.textContent(), /^layer 4 \(maxpool2d\): a 16×16 window does not fit/);
    assert.match(await nesterov.textContent(), /^Nesterov momentum needs a momentum above 0; 0\.9 is typical$/);
    assert.match(await minLr.textContent(), /^cosine schedule: minLr must be between 0 and the learning rate/);
    assert.equal(await page.locator('#training-error').isVisible(), false, 'nothing left for the general box');
    const errors = await page.evaluate(() => window.nnp.run.get().specErrors.map((e) => [e.code, e.layer, e.setting]));
    assert.deepEqual(errors.sort(), [
      ['nesterov_without_momentum', null, 'nesterov'],
      ['value_out_of_range', null, 'minLr'],
      ['window_too_large', 3, null],
    ].sort());
    await app.screenshot('editor-three-problems');
    assert.equal((await readRun(page)).runId, runId, 'the valid network was kept');

    // Fixing the layer leaves the two training problems, and the cards show their shapes again.
    await page.evaluate(() => {
      const s = window.nnp.settings.get();
      window.nnp.settings.set({ layers: s.layers.map((l, i) => (i === 3 ? { ...l, size: 3 } : l)) });
    });
    await card.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await nesterov.isVisible(), true);
    await page.waitForFunction(() => /→ 16×4×4/.test(document.querySelector('.layer-card[data-index="3"] .layer-shape').textContent), null, { timeout: 10_000 });
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
