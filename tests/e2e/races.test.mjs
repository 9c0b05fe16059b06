// Things done quickly or at awkward moments: rapid Play/Pause presses, Reset with an invalid edit
// pending, a dataset switch while training, a quick back-and-forth between datasets, and an engine
// error in a training setting, which shows next to that setting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, readRun, workerRun, settledQueues } from './playground.mjs';

let app;
before(async () => {
  app = await openPlayground();
  await waitReady(app.page);
});
after(async () => {
  await app?.close();
});

/** Presses Space `n` times within one task, faster than the worker can answer. */
const pressSpace = (page, n) => page.evaluate((count) => {
  for (let i = 0; i < count; i++) document.body.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', code: 'Space', bubbles: true, cancelable: true }));
}, n);

const steps = (page) => page.evaluate(() => window.nnp.run.get().report?.steps ?? 0);

test('rapid Play/Pause presses toggle once each', async () => {
  const { page } = app;
  await pressSpace(page, 5); // play, pause, play, pause, play
  await settledQueues(page);
  assert.equal(await page.evaluate(() => window.nnp.run.get().phase), 'training');
  const a = await steps(page);
  await page.waitForFunction((s) => window.nnp.run.get().report?.steps > s, a, { timeout: 10_000 });

  await pressSpace(page, 3); // pause, play, pause
  await page.waitForFunction(() => window.nnp.run.get().phase === 'paused', null, { timeout: 10_000 });
  await settledQueues(page);
  const worker = await workerRun(page);
  assert.equal(worker.training, false, 'the worker stopped after the last pause');
  assert.equal(await steps(page), worker.steps, 'the page shows every step the worker took');
  assert.equal(await page.textContent('#btn-play .label'), 'Play');

  // Play and Pause before the first batch: paused, nothing called diverged.
  await page.evaluate(() => window.nnp.controller.reset());
  await page.waitForFunction(() => window.nnp.run.get().report === null, null, { timeout: 10_000 });
  const { runId } = await readRun(page);
  await page.evaluate(() => Promise.all([window.nnp.controller.client.play(), window.nnp.controller.client.pause()]));
  assert.equal((await workerRun(page)).training, false);
  const r = await readRun(page);
  assert.equal(r.runId, runId);
  assert.notEqual(r.phase, 'diverged');
  assert.equal(await page.locator('#health .health').count(), 0, 'no health warning');
  assert.deepEqual(app.errors, []);
});

test('Reset during an evaluation ends with the new run\'s evaluation, not the old one\'s', async () => {
  const { page } = app;
  // A step, then Reset while its evaluation is due; then Reset while the new run's first one runs.
  await page.click('#btn-step');
  await page.waitForFunction(() => window.nnp.run.get().report?.steps >= 1, null, { timeout: 10_000 });
  await page.click('#btn-reset');
  await page.click('#btn-reset');
  await settledQueues(page);
  await page.waitForFunction(() => window.nnp.run.get().evaluation?.runId === window.nnp.run.get().runId, null, { timeout: 20_000 });
  await workerRun(page); // any evaluation still in flight has arrived
  const r = await page.evaluate(() => {
    const { runId, evaluation, report } = window.nnp.run.get();
    return { runId, evalRun: evaluation?.runId, evalSteps: evaluation?.steps, report };
  });
  assert.equal(r.evalRun, r.runId, 'the evaluation shown is of the current run');
  assert.equal(r.evalSteps, 0);
  assert.equal(r.report, null);
  assert.equal(await page.textContent('#stat-steps'), '0');
  assert.deepEqual(app.errors, []);
});

test('Reset keeps the message of an invalid edit made meanwhile', async () => {
  const { page } = app;
  const card = page.locator('.layer-card[data-index="3"]');
  await card.locator('input[name="size"]').fill('16');
  await card.locator('input[name="size"]').press('Enter');
  await card.locator('.card-error').waitFor({ state: 'visible', timeout: 10_000 });
  const { runId } = await readRun(page);
  await page.click('#btn-reset');
  await page.waitForFunction((id) => window.nnp.run.get().runId !== id, runId, { timeout: 10_000 });
  assert.equal(await card.locator('.card-error').isVisible(), true, 'the message stays');
  assert.match(await card.locator('.card-error').textContent(), /^layer 4 \(maxpool2d\)/);
  assert.match(await card.locator('.layer-shape').textContent(), /\?/, 'no shape is claimed for the invalid layer');
  await card.locator('input[name="size"]').fill('3');
  await card.locator('input[name="size"]').press('Enter');
  await card.locator('.card-error').waitFor({ state: 'hidden', timeout: 10_000 });
  assert.deepEqual(app.errors, []);
});

test('an engine crash with an invalid edit pending rebuilds the network that was running, and the edit keeps its message', async () => {
  const { page } = app;
  const card = page.locator('.layer-card[data-index="3"]');
  await card.locator('input[name="size"]').fill('16');
  await card.locator('input[name="size"]').press('Enter');
  await card.locator('.card-error').waitFor({ state: 'visible', timeout: 10_000 });
  const before = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, params: window.nnp.run.get().summary.totalParams }));
  await page.evaluate(() => window.nnp.controller.client.receive({ type: 'crashed', message: 'RuntimeError: unreachable' }));
  await page.waitForFunction((id) => window.nnp.run.get().summary && window.nnp.run.get().runId > id, before.runId, { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.nnp.run.get().summary.totalParams), before.params);
  await card.locator('.card-error').waitFor({ state: 'visible', timeout: 10_000 });
  assert.notEqual(await page.evaluate(() => window.nnp.run.get().phase), 'error');
  await card.locator('input[name="size"]').fill('3');
  await card.locator('input[name="size"]').press('Enter');
  await card.locator('.card-error').waitFor({ state: 'hidden', timeout: 10_000 });
  await page.locator('.notice-close').first().click();
  assert.deepEqual(app.errors, []);
});

test('an engine error in a training setting shows next to it, and the network keeps running', async () => {
  const { page } = app;
  await page.selectOption('#hyperparams select[name="optimizer"]', 'sgd');
  await page.waitForFunction(() => window.nnp.run.get().data?.spec.optimizer === 'sgd', null, { timeout: 10_000 });
  const { runId } = await readRun(page);
  await page.fill('#hyperparams input[name="momentum"]', '0');
  await page.press('#hyperparams input[name="momentum"]', 'Enter');
  await page.waitForFunction((id) => window.nnp.run.get().runId !== id, runId, { timeout: 10_000 });
  const built = (await readRun(page)).runId;
  await page.check('#hyperparams input[name="nesterov"]');
  const error = page.locator('#hyperparams [data-setting="nesterov"] .field-error');
  await error.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await error.textContent(), /Nesterov momentum needs a momentum above 0/);
  assert.equal(await page.locator('#training-error').isVisible(), false, 'not in the general box');
  await settledQueues(page);
  assert.equal((await readRun(page)).runId, built, 'the valid network was kept');

  // A layer that does not fit as well: the engine names one problem at a time, the page shows both.
  const card = page.locator('.layer-card[data-index="3"]');
  await card.locator('input[name="size"]').fill('16');
  await card.locator('input[name="size"]').press('Enter');
  await card.locator('.card-error').waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await card.locator('.card-error').textContent(), /^layer 4 \(maxpool2d\)/);
  assert.equal(await error.isVisible(), true, 'the Nesterov message stays');
  await page.uncheck('#hyperparams input[name="nesterov"]');
  await error.waitFor({ state: 'hidden', timeout: 10_000 });
  assert.equal(await card.locator('.card-error').isVisible(), true, 'the layer message stays');
  await card.locator('input[name="size"]').fill('3');
  await card.locator('input[name="size"]').press('Enter');
  await card.locator('.card-error').waitFor({ state: 'hidden', timeout: 10_000 });

  // Only a training setting wrong: the cards show the shapes of the layers as edited.
  await page.check('#hyperparams input[name="nesterov"]');
  await error.waitFor({ state: 'visible', timeout: 10_000 });
  await page.locator('.layer-card[data-index="0"] input[name="filters"]').fill('6');
  await page.locator('.layer-card[data-index="0"] input[name="filters"]').press('Enter');
  await page.waitForFunction(() => /→ 6×28×28/.test(document.querySelector('.layer-card[data-index="0"] .layer-shape').textContent), null, { timeout: 10_000 });
  await page.uncheck('#hyperparams input[name="nesterov"]');
  await error.waitFor({ state: 'hidden', timeout: 10_000 });
  assert.deepEqual(app.errors, []);
});

test('a dataset switch while training goes on training on the new data; a quick back-and-forth ends on the last choice', async () => {
  const { page } = app;
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'training' && window.nnp.run.get().report, null, { timeout: 10_000 });
  const { runId } = await readRun(page);
  // Every report the page takes in, in order: a rebuild while a chunk of batches is in flight must
  // never let the old run's report in after the new run's.
  await page.evaluate(() => {
    window.__reports = [];
    window.nnp.run.subscribe((r) => r.report && window.__reports.push([r.runId, r.report.runId, r.report.steps]), ['report']);
  });
  await page.check('input[type="radio"][value="fashion"]');
  await page.waitForFunction((id) => {
    const r = window.nnp.run.get();
    return r.data?.id === 'fashion' && r.runId !== id && r.phase === 'training' && r.report?.runId === r.runId && r.report.steps > 0;
  }, runId, { timeout: 30_000 });
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'paused', null, { timeout: 10_000 });
  const reports = await page.evaluate(() => window.__reports);
  assert.ok(reports.some(([id]) => id === runId) && reports.some(([id]) => id !== runId), 'reports of both runs');
  for (const [i, [id, reportId, n]] of reports.entries()) {
    assert.equal(reportId, id, 'a report of the run shown');
    if (i > 0) {
      const [prevId, , prevSteps] = reports[i - 1];
      assert.ok(id > prevId || (id === prevId && n >= prevSteps), `report ${i}: run ${id} step ${n} after run ${prevId} step ${prevSteps}`);
    }
  }

  // MNIST, Fashion-MNIST, MNIST again, faster than one dataset loads.
  await page.focus('input[type="radio"][value="fashion"]');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => {
    const r = window.nnp.run.get();
    return !r.dataBusy && r.data?.id === 'mnist';
  }, null, { timeout: 30_000 });
  await settledQueues(page);
  const end = await page.evaluate(() => ({ id: window.nnp.run.get().data.id, classes: window.nnp.run.get().data.classes.join(''), dataset: window.nnp.settings.get().dataset }));
  assert.deepEqual(end, { id: 'mnist', classes: '0123456789', dataset: 'mnist' });
  assert.equal(await page.isChecked('input[type="radio"][value="mnist"]'), true);
  assert.deepEqual(app.errors, []);
});
