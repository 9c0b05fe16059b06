// Efficiency: an idle page does no periodic work (no timer, no animation frame, no message from the
// worker); while training, no view redraws more than once per animation frame; and the worker sends
// weights for the filter pictures only while some are on screen and the tab is visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

/**
 * Counts, from before the page's scripts run, every timer and animation-frame callback that fires,
 * and (per animation frame) how often each element's children are replaced and each canvas cleared.
 */
function instrument() {
  const ticks = { timeout: 0, interval: 0, raf: 0 };
  window.__ticks = ticks;
  const { setTimeout: st, setInterval: si, requestAnimationFrame: raf } = window;
  window.setTimeout = (fn, ms, ...args) => st(() => { ticks.timeout += 1; fn(...args); }, ms);
  window.setInterval = (fn, ms, ...args) => si(() => { ticks.interval += 1; fn(...args); }, ms);
  window.requestAnimationFrame = (fn) => raf((t) => { ticks.raf += 1; fn(t); });

  // Redraws per frame: a frame number advanced by a loop of our own, only while a test measures.
  const redraws = new Map();
  window.__frame = 0;
  window.__redraws = redraws;
  const count = (target, kind) => {
    if (!window.__measuring) return;
    const key = `${kind} ${target.id || target.className || target.tagName}`;
    const at = redraws.get(target) ?? { key, frame: -1, n: 0, max: 0 };
    if (at.frame !== window.__frame) { at.frame = window.__frame; at.n = 0; }
    at.n += 1;
    at.max = Math.max(at.max, at.n);
    redraws.set(target, at);
  };
  const replaceChildren = Element.prototype.replaceChildren;
  Element.prototype.replaceChildren = function (...nodes) { count(this, 'replace'); return replaceChildren.apply(this, nodes); };
  const clearRect = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (x, y, w, h) {
    if (x === 0 && y === 0) count(this.canvas, 'clear');
    return clearRect.call(this, x, y, w, h);
  };
  window.__startMeasuring = () => {
    window.__measuring = true;
    const loop = () => { window.__frame += 1; if (window.__measuring) raf(loop); };
    raf(loop);
  };
}

/** Everything that fires in the page and arrives from the worker during `ms` of doing nothing. */
async function activity(page, ms) {
  await page.evaluate(() => {
    window.__pushes = 0;
    window.__unwatch?.();
    window.__unwatch = window.nnp.controller.client.onPush(() => { window.__pushes += 1; });
    Object.assign(window.__ticks, { timeout: 0, interval: 0, raf: 0 });
  });
  await page.waitForTimeout(ms);
  return page.evaluate(() => ({ ...window.__ticks, pushes: window.__pushes }));
}

test('an idle page does no periodic work; while training, no view redraws more than once a frame', async () => {
  const app = await openPlayground({ initScript: instrument });
  const { page } = app;
  try {
    await waitReady(page);
    await page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 20_000 });
    await page.waitForTimeout(700); // the first pictures and activations settle
    assert.deepEqual(await activity(page, 1_500), { timeout: 0, interval: 0, raf: 0, pushes: 0 }, 'idle after loading');

    await page.click('#btn-play');
    await page.waitForFunction(() => (window.nnp.run.get().report?.steps ?? 0) > 0, null, { timeout: 20_000 });
    // Measure long enough for a test evaluation (confusion matrix, mistakes) that arrives after the
    // count starts (one may already have come with the first chunk), besides the reports, and for
    // at least a second of frames.
    const evaluatedAt = await page.evaluate(() => {
      window.__startMeasuring();
      return window.nnp.run.get().evaluation?.steps ?? 0;
    });
    const started = Date.now();
    await page.waitForFunction((at) => (window.nnp.run.get().evaluation?.steps ?? 0) > at, evaluatedAt, { timeout: 15_000 });
    await page.waitForTimeout(Math.max(500, 1_200 - (Date.now() - started)));
    const result = await page.evaluate(() => {
      window.__measuring = false;
      return { frames: window.__frame, redraws: [...window.__redraws.values()].map(({ key, max }) => ({ key, max })) };
    });
    await page.click('#btn-play');
    assert.ok(result.frames > 30, `${result.frames} frames`);
    const seen = result.redraws.map((r) => r.key).join(', ');
    // The charts, the mistakes' thumbnails and the filters' legends (the confusion matrix changes its
    // cells in place, which this count does not see).
    for (const view of ['chart-base', 'thumb-slot', 'legend-slot']) assert.match(seen, new RegExp(view), `redraws seen: ${seen}`);
    if (process.env.SHOW) console.log(result);
    assert.deepEqual(result.redraws.filter((r) => r.max > 1), [], 'views redrawn twice in one frame');

    await page.waitForFunction(() => window.nnp.run.get().phase === 'paused', null, { timeout: 5_000 });
    await page.waitForTimeout(700);
    assert.deepEqual(await activity(page, 1_500), { timeout: 0, interval: 0, raf: 0, pushes: 0 }, 'idle after a pause');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('weights for the filter pictures cross only while some are on screen and the tab is visible', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    // The worker reads messages between chunks of batches (or after an evaluation): a round trip
    // makes sure it has read the page's last word before counting starts.
    const params = async (ms) => {
      await page.waitForTimeout(300); // the intersection observer reports within a frame or two
      await page.evaluate(() => window.nnp.controller.client.stats());
      await page.evaluate(() => {
        window.__params = 0;
        window.__unwatch?.();
        window.__unwatch = window.nnp.controller.client.onPush((m) => { if (m.type === 'params') window.__params += 1; });
      });
      await page.waitForTimeout(ms);
      return page.evaluate(() => window.__params);
    };
    await page.click('#btn-play');
    await page.waitForFunction(() => (window.nnp.run.get().report?.steps ?? 0) > 0, null, { timeout: 20_000 });
    assert.ok((await params(900)) >= 1, 'filters on screen: weights arrive');

    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    assert.equal(await params(900), 0, 'filters scrolled away: no weights');

    await page.evaluate(() => window.scrollTo(0, 0));
    assert.ok((await params(900)) >= 1, 'back on screen: weights again');

    // The tab goes to the background.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    assert.equal(await params(900), 0, 'hidden tab: no weights');
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    assert.ok((await params(900)) >= 1, 'visible again: weights again');
    await page.click('#btn-play');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
