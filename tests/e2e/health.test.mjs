// Training health: an exploding loss pauses training and says what to try (with a one-click fix),
// and a growing gap between training and test accuracy is pointed out as overfitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, choosePreset } from './playground.mjs';

test('too high a learning rate pauses training and offers a 10× smaller one', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await choosePreset(page, 'high-lr');
    await page.click('#btn-play');
    const banner = page.locator('#health .health');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await banner.getAttribute('role'), 'alert');
    const text = await banner.textContent();
    assert.match(text, /Training paused/);
    assert.match(text, /learning rate \(8\) is (almost certainly )?too high|far above/);
    assert.match(text, /10× smaller \(0\.8\)/);
    await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 5_000 });
    await app.screenshot('health-high-lr');

    const runId = await page.evaluate(() => window.nnp.run.get().runId);
    await page.click('#health button.primary');
    await page.waitForFunction((id) => window.nnp.run.get().runId !== id, runId, { timeout: 10_000 });
    assert.equal(await page.inputValue('#hyperparams input[name="lr"]'), '0.8');
    assert.match(page.url(), /lr=0\.8/);
    assert.equal(await page.locator('#health .health').count(), 0);

    // Following the advice is not a silent dead end: at 0.8 the network still does not learn, and the
    // coach says so, with the same verdict at the same point of the run each time.
    const verdict = async () => {
      await page.click('#btn-play');
      await banner.waitFor({ state: 'visible', timeout: 60_000 });
      await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 10_000 });
      return page.evaluate(() => {
        const { kind, title, lr } = window.nnp.run.get().health;
        return { kind, title, lr };
      });
    };
    const first = await verdict();
    assert.match(first.title, /Training paused/);
    assert.equal(typeof first.lr, 'number', 'it offers a learning rate to try');
    await app.screenshot('health-advice-followed');
    await page.click('#btn-reset');
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(await verdict(), first, 'the same verdict on the same run');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the overfitting lesson points out the gap between training and test accuracy', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await choosePreset(page, 'overfitting');
    await page.click('#btn-play');
    const banner = page.locator('#health .health-overfitting');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await banner.textContent(), /Overfitting: \d+\.\d% right on the training images, \d+\.\d% on the test images/);
    assert.match(await banner.textContent(), /dropout, L2, augmentation/);
    assert.equal(await page.evaluate(() => window.nnp.run.get().phase), 'training', 'overfitting is pointed out, not paused');
    await page.click('#btn-play');
    await app.screenshot('health-overfitting');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
