// The URL hash is the state: settings chosen on the page are in the link, opening the link restores
// them (the same network, seed and hyperparameters), and unreadable values fall back visibly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

test('settings made on the page round-trip through the link', async () => {
  let app = await openPlayground();
  let link;
  const chosen = {};
  try {
    const { page } = app;
    await waitReady(page);
    await page.selectOption('#hyperparams select[name="optimizer"]', 'sgd');
    // The fields are laid out again for SGD (momentum appears): fill the learning rate after that.
    await page.waitForSelector('#hyperparams [data-setting="momentum"]');
    await page.waitForFunction(() => window.nnp.settings.get().lr === 0.01);
    await page.fill('#hyperparams input[name="lr"]', '0.05');
    await page.press('#hyperparams input[name="lr"]', 'Enter');
    await page.fill('#hyperparams input[name="batchSize"]', '64');
    await page.press('#hyperparams input[name="batchSize"]', 'Enter');
    await page.click('#btn-new-seed');
    await page.selectOption('.add-layer select', 'dense');
    await page.click('.add-layer-button');
    await page.fill('.layer-card[data-index="4"] input[name="units"]', '48');
    await page.press('.layer-card[data-index="4"] input[name="units"]', 'Enter');
    await page.check('#data-panel input[type="checkbox"]');
    await page.waitForFunction(() => window.location.hash.includes('units') || window.location.hash.includes('dense:48'));
    Object.assign(chosen, await page.evaluate(() => window.nnp.settings.get()));
    link = page.url();
    assert.match(link, /optimizer=sgd/);
    assert.match(link, /lr=0\.05/);
    assert.match(link, /dense:48:relu/);
    assert.match(link, new RegExp(`seed=${chosen.seed}`));
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }

  app = await openPlayground({ path: link.slice(link.indexOf('#')) });
  try {
    const { page } = app;
    await waitReady(page);
    const restored = await page.evaluate(() => window.nnp.settings.get());
    assert.deepEqual(restored, chosen);
    assert.equal(await page.inputValue('#hyperparams input[name="lr"]'), '0.05');
    assert.equal(await page.inputValue('.layer-card[data-index="4"] input[name="units"]'), '48');
    assert.equal(await page.locator('.notice').count(), 0);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a link with unreadable values uses the defaults and says so', async () => {
  const app = await openPlayground({ path: '#dataset=mnist&lr=-3&batchSize=lots&layers=conv2d:8:5,blob:3&seed=9' });
  try {
    const { page } = app;
    await waitReady(page);
    const notices = await page.textContent('#notices');
    assert.match(notices, /Learning rate η "-3" was ignored/);
    assert.match(notices, /Batch size "lots" was ignored/);
    assert.match(notices, /network could not be read/);
    const s = await page.evaluate(() => window.nnp.settings.get());
    assert.equal(s.lr, 0.001);
    assert.equal(s.batchSize, 32);
    assert.equal(s.seed, 9);
    await app.screenshot('url-notices');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a link whose network does not fit the images, or would freeze the engine, falls back to the default network and trains', async () => {
  for (const [hash, reason] of [
    ['#layers=conv2d:8:31:1:valid', /does not fit|kernel/],
    ['#layers=conv2d:128:31:1:same,conv2d:128:31:1:same&batchSize=1', /GFLOP/],
    ['#layers=maxpool:16:16,maxpool:16:16', /./],
  ]) {
    const app = await openPlayground({ path: hash });
    try {
      const { page } = app;
      await waitReady(page);
      await page.waitForFunction(() => /network cannot be used/.test(document.getElementById('notices').textContent));
      assert.match(await page.textContent('#notices'), reason);
      assert.equal(await page.evaluate(() => window.nnp.settings.get().layers.length), 4, 'the default network');
      await page.click('#btn-play');
      await page.waitForFunction(() => (window.nnp.run.get().report?.steps ?? 0) > 0);
      await page.click('#btn-play');
      assert.deepEqual(app.errors, []);
    } finally {
      await app.close();
    }
  }
});
