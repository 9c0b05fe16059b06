// Training end to end: while a conv net trains the page takes a live learning rate and Pause (its main-thread
// tasks are reported, not asserted); Play makes the loss fall and MNIST test accuracy pass 90% within a bounded
// number of steps; the trained network reads a drawn vertical stroke as a 1; Pause, Step and Reset do what they say.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, choosePreset, readRun, watchLongTasks, drawStroke, drawnClass, workerRun } from './playground.mjs';

/** Tiny MLP, batch 32: 8,000 training images make 250 steps an epoch; 3 epochs are 750 steps. */
const MAX_STEPS = 750;

let app;
before(async () => {
  app = await openPlayground();
  await waitReady(app.page);
});
after(async () => {
  await app?.close();
});

test('while the default conv net trains, the page reads out its speed, takes a live learning rate, and Pause stops it', async () => {
  const { page } = app;
  await page.keyboard.press('Space');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'training', null, { timeout: 5_000 });
  // How long the page's main-thread tasks take while it draws every report is reported here, not
  // asserted: a duration depends on the machine's load (./dev bench --sweep measures it too).
  const longTasks = await watchLongTasks(page);
  await page.waitForFunction(() => window.nnp.run.get().evaluation && window.nnp.run.get().report?.steps >= 100, null, { timeout: 60_000 });
  const durations = await longTasks.stop();
  console.log(`# main-thread tasks over 50 ms while training: ${durations.filter((d) => d > 50).join(', ') || 'none'}`);
  const during = await readRun(page);
  assert.ok(during.steps > 0, 'it trained');
  await page.waitForFunction(() => /^[\d,]+ ex\/s$/.test(document.getElementById('stat-speed').textContent), null, { timeout: 10_000 });

  // The learning rate changes live: same run, and the next reports use it.
  await page.click('button[aria-label="Learning rate 10 times smaller"]');
  await page.waitForFunction(() => Math.abs(window.nnp.run.get().report?.lr - 0.0001) < 1e-9, null, { timeout: 5_000 });
  assert.equal((await readRun(page)).runId, during.runId, 'no rebuild for a new learning rate');
  assert.equal(await page.textContent('#stat-lr'), '0.0001');

  const t0 = Date.now();
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'paused', null, { timeout: 5_000 });
  console.log(`# Pause took effect after ${Date.now() - t0} ms`);
  const worker = await workerRun(page);
  assert.equal(worker.training, false, 'the worker stopped');
  assert.equal((await readRun(page)).steps, worker.steps, 'no steps after the pause');
  assert.deepEqual(app.errors, []);
});

test('Play makes the loss fall and test accuracy pass 90% on MNIST within a bounded number of steps', async () => {
  const { page } = app;
  await choosePreset(page, 'tiny-mlp');
  const start = await readRun(page);
  assert.equal(start.steps, 0);
  await page.keyboard.press('Space');
  await page.waitForFunction(
    () => (window.nnp.run.get().evaluation?.accuracy ?? 0) > 0.9 || window.nnp.run.get().phase === 'done',
    null,
    { timeout: 60_000 },
  );
  const end = await readRun(page);
  await app.screenshot('training');
  assert.ok(end.testAccuracy > 0.9, `test accuracy ${end.testAccuracy} after ${end.steps} steps`);
  assert.ok(end.steps <= MAX_STEPS, `took ${end.steps} steps`);
  assert.match(end.testAccuracyText, /^\d+\.\d%$/);

  const losses = await page.evaluate(() => window.nnp.controller.lossHistory());
  assert.ok(losses.length >= 2, `${losses.length} reports`);
  const first = losses[0];
  const last = losses.at(-1);
  assert.ok(last < first / 2, `the loss fell from ${first} to ${last}`);
  assert.deepEqual(app.errors, []);
});

test('a confusion-matrix cell shows its test images, and one of them its activations', async () => {
  const { page } = app;
  // The largest off-diagonal cell: the network's most common mistake.
  const cell = await page.evaluate(() => {
    const { evaluation, data } = window.nnp.run.get();
    const k = data.classes.length;
    let best = null;
    for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) {
      const n = evaluation.confusion[t * k + p];
      if (t !== p && n > 0 && (!best || n > best.n)) best = { t, p, n };
    }
    return best;
  });
  assert.ok(cell, 'the network makes at least one mistake');
  await page.click(`.confusion button[data-t="${cell.t}"][data-p="${cell.p}"]`);
  assert.equal(await page.textContent('#mistakes h3'), `${cell.t} taken for ${cell.p}`);
  assert.equal(await page.locator('#mistakes .gallery button').count(), Math.min(cell.n, 24));
  assert.equal(await page.getAttribute(`.confusion button[data-t="${cell.t}"][data-p="${cell.p}"]`, 'aria-pressed'), 'true');
  await page.click('#mistakes .gallery button >> nth=0');
  await page.waitForFunction((t) => new RegExp(`a ${t}, predicted`).test(document.querySelector('.activation-caption')?.textContent), cell.t, { timeout: 10_000 });
  // Input, the hidden dense layer and its ReLU, the output scores, and the softmax probabilities.
  assert.ok(await page.locator('.activation-layers > li').count() >= 4);
  await page.locator('#activations').screenshot({ path: new URL('./artifacts/activations.png', import.meta.url).pathname });
  await page.click('#mistakes button:has-text("Show all mistakes")');
  assert.equal(await page.textContent('#mistakes h3'), 'Mistakes');
  assert.deepEqual(app.errors, []);
});

test('a drawn vertical stroke is read as a 1 by the trained network', async () => {
  const { page } = app;
  await drawStroke(page, [[0.5, 0.15], [0.5, 0.85]]);
  const top = await drawnClass(page);
  await page.locator('#draw').screenshot({ path: new URL('./artifacts/draw.png', import.meta.url).pathname });
  assert.equal(top, 1, `the network says ${top}`);
  assert.match(await page.textContent('#draw-verdict'), /The network says: 1/);
  assert.deepEqual(app.errors, []);
});

test('Pause stops training, Step trains one batch, Reset returns to the same initial weights', async () => {
  const { page } = app;
  const phase = await page.evaluate(() => window.nnp.run.get().phase);
  if (phase === 'training') {
    await page.click('#btn-play');
    await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 5_000 });
  }
  await page.keyboard.press('r');
  await page.waitForFunction(() => window.nnp.run.get().report === null && window.nnp.run.get().phase === 'idle', null, { timeout: 10_000 });
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.nnp.run.get().report?.steps === 1, null, { timeout: 10_000 });
  const firstLoss = await page.evaluate(() => window.nnp.run.get().report.loss);
  await page.click('#btn-reset');
  await page.waitForFunction(() => window.nnp.run.get().report === null, null, { timeout: 10_000 });
  await page.click('#btn-step');
  await page.waitForFunction(() => window.nnp.run.get().report?.steps === 1, null, { timeout: 10_000 });
  const again = await page.evaluate(() => window.nnp.run.get().report.loss);
  assert.equal(again, firstLoss, 'the same seed gives the same first step');
  await page.waitForFunction(() => document.getElementById('stat-steps').textContent === '1', null, { timeout: 5_000 });
  assert.deepEqual(app.errors, []);
});

test('a network that trains an epoch in a blink still draws a detailed curve (50 points per epoch) and shows its speed', async () => {
  const { page } = app;
  // The tiny MLP lesson with another seed: a fresh run whatever the earlier tests left.
  const before = await page.evaluate(() => window.nnp.run.get().runId);
  await page.evaluate(() => {
    window.nnp.controller.applyPreset('tiny-mlp');
    window.nnp.settings.set({ seed: window.nnp.settings.get().seed + 1 });
  });
  await page.waitForFunction((b) => window.nnp.run.get().runId !== b && window.nnp.run.get().phase === 'idle', before, { timeout: 20_000 });
  await page.evaluate(() => {
    window.__points = 0;
    window.nnp.run.subscribe((r) => { window.__points += (r.report?.points?.length ?? 0) / 3; }, ['report']);
  });
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'done', null, { timeout: 60_000 });
  const { points, epochs } = await page.evaluate(() => ({ points: window.__points, epochs: window.nnp.settings.get().epochs }));
  assert.ok(points >= 50 * epochs, `${points} points over ${epochs} epochs`);
  // A run shorter than one speed window (half a second) still shows how fast it went.
  assert.match(await page.textContent('#stat-speed'), /^[\d,]+ ex\/s$/);
  assert.deepEqual(app.errors, []);
});

test('a finished run given more epochs trains on from its weights, without a rebuild', async () => {
  const { page } = app;
  await page.evaluate(() => window.nnp.settings.set({ epochs: 1, trainLimit: 640, layers: [{ type: 'dense', units: 32, activation: 'relu' }] }));
  await page.waitForFunction(() => window.nnp.run.get().data?.spec.trainLimit === 640 && window.nnp.run.get().data?.spec.epochs === 1, null, { timeout: 20_000 });
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'done', null, { timeout: 60_000 });
  const done = await readRun(page);
  await page.fill('#hyperparams input[name="epochs"]', '2');
  await page.press('#hyperparams input[name="epochs"]', 'Enter');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'paused', null, { timeout: 10_000 });
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'done', null, { timeout: 60_000 });
  const after = await readRun(page);
  assert.equal(after.runId, done.runId, 'the same run, not a rebuild');
  assert.equal(after.steps, 2 * done.steps, 'one more epoch of steps');
  assert.match(await page.textContent('.topbar'), /epoch 2 of 2/);
  assert.deepEqual(app.errors, []);
});
