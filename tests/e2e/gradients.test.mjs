// Gradients you can see: a deep sigmoid network trained with SGD gets the vanishing-gradient advice,
// and the gradients view draws and updates its per-layer lines while it trains; the view also fits
// a phone in dark mode and the projector mode. Screenshots: gradients-view.png, gradients-vanishing.png,
// gradients-phone-dark.png, gradients-projector.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

const shot = (name) => ({ path: new URL(`./artifacts/${name}.png`, import.meta.url).pathname });

const SIGMOID = Array.from({ length: 7 }, () => 'dense:64:sigmoid').join(',');
const DEEP_SIGMOID = `#dataset=mnist&layers=${SIGMOID}&optimizer=sgd&momentum=0&lr=0.01&batchSize=32&epochs=20&seed=1`;

/** How many measurements the view has, and of which step. */
const viewState = (page) => page.$eval('#gradients', (el) => ({ points: Number(el.dataset.points), step: Number(el.dataset.step) }));

test('a deep sigmoid network is told its gradients vanish, and the view follows the training', async () => {
  const app = await openPlayground({ path: DEEP_SIGMOID });
  const { page } = app;
  try {
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.nnp.run.get().summary.layers.filter((l) => l.params > 0).length), 8);
    await page.click('#btn-play');
    // The view draws as the statistics come, and keeps moving.
    // (The first measurement, not the third: by the third the coach may already have paused the run.)
    await page.waitForFunction(() => Number(document.querySelector('#gradients').dataset.points) >= 1, null, { timeout: 120_000 });
    const first = await viewState(page);
    await page.waitForFunction((s) => Number(document.querySelector('#gradients').dataset.step) > s, first.step, { timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('#gradients').dataset.points) >= 3, null, { timeout: 120_000 });
    assert.equal(await page.locator('#gradients .grad-legend li').count(), 8, 'one line per layer with weights');
    assert.equal(await page.locator('#gradients .grad-latest tbody tr').count(), 8);
    const painted = await page.$eval('#gradients .grad-chart-box canvas', (c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink += 1;
      return ink;
    });
    assert.ok(painted > 200, `the gradient-norm chart is drawn (${painted} pixels)`);
    // Sigmoids only: no dead-ReLU chart.
    assert.equal(await page.locator('#gradients .grad-chart').nth(2).isHidden(), true);
    await page.locator('#gradients').screenshot(shot('gradients-view'));

    // The coach reads the same statistics (steps, never time).
    const banner = page.locator('#health .health[data-kind="vanishing"]');
    await banner.waitFor({ state: 'visible', timeout: 120_000 });
    const text = await banner.textContent();
    assert.match(text, /[Vv]anishing gradients: layer 1 dense's gradient is [\d,]+× smaller than layer 8 dense's/);
    assert.match(text, /Use ReLU/);
    const firstNorm = await page.$eval('#gradients .grad-latest tbody tr:first-child td', (td) => Number(td.textContent));
    const lastNorm = await page.$eval('#gradients .grad-latest tbody tr:last-child td', (td) => Number(td.textContent));
    assert.ok(firstNorm < lastNorm / 100, `first ${firstNorm}, last ${lastNorm}`);
    await app.screenshot('gradients-vanishing');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the gradients view fits a phone in dark mode and the projector mode', async () => {
  const app = await openPlayground({ path: '#dataset=mnist&layers=dense:32:relu,dense:32:relu&lr=0.01&seed=2', viewport: { width: 390, height: 844 }, hasTouch: true });
  const { page } = app;
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    await waitReady(page);
    await page.click('#btn-play');
    await page.waitForFunction(() => Number(document.querySelector('#gradients').dataset.points) >= 4, null, { timeout: 60_000 });
    await page.click('#btn-play');
    await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 10_000 });
    const fits = await page.$eval('#gradients', (el) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= window.innerWidth + 1);
    assert.ok(fits, 'no horizontal overflow on a phone');
    assert.equal(await page.locator('#gradients .grad-chart').nth(2).isHidden(), false, 'ReLUs: the dead-ReLU chart shows');
    await page.locator('#gradients').scrollIntoViewIfNeeded();
    await page.locator('#gradients').screenshot(shot('gradients-phone-dark'));
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.click('#btn-projector');
    await page.waitForFunction(() => document.documentElement.classList.contains('projector'));
    await page.locator('#gradients').scrollIntoViewIfNeeded();
    await page.locator('#gradients').screenshot(shot('gradients-projector'));
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
