// Saliency end to end: after some training, a digit drawn with the mouse gets a map of what the
// network looks at, for its prediction and for another class picked from the selector; the image
// shown in "Inside the network" gets one too. Screenshots: saliency-draw.png, saliency-other-class.png,
// saliency-activations.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, drawStroke, drawnClass } from './playground.mjs';

const shot = (name) => ({ path: new URL(`./artifacts/${name}.png`, import.meta.url).pathname });

let app;
before(async () => {
  app = await openPlayground();
  await waitReady(app.page);
});
after(async () => {
  await app?.close();
});

/** How many pixels of the map are tinted (heat), and how many there are. */
function heatPixels(page, selector) {
  return page.$eval(selector, (canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let hot = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] - data[i + 2] > 40) hot += 1;
    return { hot, all: data.length / 4 };
  });
}

test('a drawn digit gets a saliency map for its prediction and for another class', async () => {
  const { page } = app;
  // Some training first, so that the map is of a network that reads digits.
  await page.keyboard.press('Space');
  await page.waitForFunction(() => window.nnp.run.get().report?.steps >= 150, null, { timeout: 60_000 });
  await page.keyboard.press('Space');
  await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 10_000 });

  // A 7: a bar across the top and a stroke down to the bottom left.
  await drawStroke(page, [[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]);
  const top = await drawnClass(page);
  const drawn = await page.getAttribute('.draw-pad', 'data-drawn');
  await page.waitForSelector(`#draw-saliency[data-state="shown"][data-for="${drawn}"]`, { timeout: 10_000 });
  assert.equal(Number(await page.getAttribute('#draw-saliency', 'data-class')), top, 'the map follows the predicted class');
  const { hot, all } = await heatPixels(page, '#draw-saliency canvas');
  assert.ok(hot > 5 && hot < all, `some pixels are hot and some are not (${hot} of ${all})`);
  assert.match(await page.textContent('#draw-saliency .saliency-caption'), /your drawing/);
  await page.locator('#draw').screenshot(shot('saliency-draw'));

  // Another class from the selector: the map is redrawn for it.
  const other = (top + 1) % 10;
  const shown = Number(await page.getAttribute('#draw-saliency', 'data-shown'));
  await page.selectOption('#draw-saliency select', String(other));
  await page.waitForFunction(({ other, shown }) => {
    const el = document.getElementById('draw-saliency');
    return Number(el.dataset.class) === other && Number(el.dataset.shown) > shown;
  }, { other, shown }, { timeout: 10_000 });
  assert.equal(Number(await page.getAttribute('#draw-saliency', 'data-predicted')), top);
  await page.locator('#draw').screenshot(shot('saliency-other-class'));
  assert.deepEqual(app.errors, []);
});

test('the image shown in "Inside the network" gets a saliency map, the drawing too', async () => {
  const { page } = app;
  await page.waitForSelector('#activation-saliency[data-state="shown"]', { timeout: 10_000 });
  assert.match(await page.getAttribute('#activation-saliency', 'data-for'), /^test-\d+$/);
  // The next test image.
  await page.click('button[aria-label="Next test image"]');
  const index = await page.evaluate(() => window.nnp.run.get().inspect.index);
  await page.waitForSelector(`#activation-saliency[data-for="test-${index}"]`, { timeout: 10_000 });
  await page.locator('#activations').screenshot(shot('saliency-activations'));
  // The drawing, followed through the network.
  await page.click('.show-activations');
  await page.waitForSelector('#activation-saliency[data-for="drawing"][data-state="shown"]', { timeout: 10_000 });
  assert.ok((await heatPixels(page, '#activation-saliency canvas')).hot > 5);
  assert.deepEqual(app.errors, []);
});
