// The drawing pad works with a finger: on a touch phone, a vertical stroke draws (the page does not
// scroll instead) and the network gives its prediction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, touchStroke, drawnClass, nextFrames } from './playground.mjs';

test('a finger draws a vertical stroke on a phone and gets a prediction, without scrolling the page', async () => {
  const app = await openPlayground({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const { page } = app;
  try {
    await waitReady(page);
    await page.evaluate(() => {
      window.__pointerTypes = new Set();
      document.querySelector('.draw-pad').addEventListener('pointermove', (e) => window.__pointerTypes.add(e.pointerType));
    });
    await page.locator('.draw-pad').scrollIntoViewIfNeeded();
    const scrollBefore = await page.evaluate(() => window.scrollY);
    await touchStroke(page, [[0.5, 0.15], [0.5, 0.85]]);
    assert.deepEqual(await page.evaluate(() => [...window.__pointerTypes]), ['touch']);
    const top = await drawnClass(page);
    assert.ok(top >= 0 && top <= 9, `a class (${top})`);
    assert.match(await page.textContent('#draw-verdict'), /^The network says: \d \(\d+%\)$/);
    // The image the network sees has ink in a vertical band.
    const ink = await page.evaluate(() => {
      const d = document.querySelector('.draw-seen').getContext('2d').getImageData(0, 0, 28, 28).data;
      const rows = new Set();
      const cols = new Set();
      for (let i = 0; i < 784; i++) if (d[4 * i] < 128 !== window.matchMedia('(prefers-color-scheme: dark)').matches) { rows.add(Math.floor(i / 28)); cols.add(i % 28); }
      return { rows: rows.size, cols: cols.size };
    });
    assert.ok(ink.rows >= 15 && ink.cols <= 6, `ink in ${ink.rows} rows and ${ink.cols} columns`);
    assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'the stroke did not scroll the page');
    await page.locator('#draw').screenshot({ path: new URL('./artifacts/draw-touch.png', import.meta.url).pathname });

    // A second finger that lands while the first draws is ignored: no line joins the two fingers.
    await page.click('#draw button:has-text("Clear")');
    const box = await page.locator('.draw-pad').boundingBox();
    const at = (x, y, id) => ({ x: box.x + x * box.width, y: box.y + y * box.height, id });
    const cdp = await page.context().newCDPSession(page);
    const send = (type, touchPoints) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
    await send('touchStart', [at(0.5, 0.15, 1)]);
    await send('touchMove', [at(0.5, 0.3, 1)]);
    await send('touchStart', [at(0.5, 0.3, 1), at(0.1, 0.9, 2)]);
    for (let i = 1; i <= 8; i++) await send('touchMove', [at(0.5, 0.3 + 0.07 * i, 1), at(0.1 + 0.02 * i, 0.9, 2)]);
    await send('touchEnd', []);
    await cdp.detach();
    await nextFrames(page);
    const left = await page.evaluate(() => {
      const ctx = document.querySelector('.draw-pad').getContext('2d');
      const d = ctx.getImageData(0, 0, 100, 280).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
      return n;
    });
    assert.equal(left, 0, 'no ink on the left, where only the second finger was');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
