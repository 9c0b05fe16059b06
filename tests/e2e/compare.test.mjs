// Comparing runs end to end: the runs table keeps every run, names it by what differs, overlays it on
// the charts, exports CSV, survives a reload and restores a run's settings; a sweep over three
// learning rates trains on several workers, and its run's curve equals the same run trained alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

/** A tiny network and one epoch: 250 steps of batch 32, a curve point every 5 steps. */
const LINK = '#layers=dense:32&lr=0.01&epochs=1';

let app;
before(async () => {
  app = await openPlayground({ path: LINK });
  await waitReady(app.page);
});
after(async () => {
  await app?.close();
});

/** Plays the current run to its end (the phase says done). */
async function trainToEnd(page) {
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase === 'done', null, { timeout: 60_000 });
}

test('every run is kept and named by what differs; checked runs are drawn on the charts; the CSV has a row per run', async () => {
  const { page } = app;
  await trainToEnd(page);
  await page.waitForFunction(() => window.nnp.history.runs.length === 1 && window.nnp.history.runs[0].status === 'done');
  // A second run with a 10× smaller learning rate.
  await page.click('button[aria-label="Learning rate 10 times smaller"]');
  await page.waitForFunction(() => window.nnp.settings.get().lr === 0.001);
  await trainToEnd(page);
  await page.waitForFunction(() => window.nnp.history.runs.length === 2 && window.nnp.history.runs.every((r) => r.status === 'done'));
  const names = await page.$$eval('.runs-table tbody .run-name', (els) => els.map((e) => e.textContent).sort());
  assert.deepEqual(names, ['lr 0.001', 'lr 0.01']);
  // The earlier run is on the charts, in the legend, with its name.
  await page.waitForFunction(() => document.querySelectorAll('.chart-legend-runs .key-run').length === 1);
  assert.equal(await page.textContent('.chart-legend-runs .key-run'), 'lr 0.01');
  // Sorting by test accuracy puts the better run first.
  await page.click('.runs-table button.sort[data-sort="testAccuracy"]');
  await page.waitForSelector('.runs-table th[data-col="testAccuracy"][aria-sort="descending"]');
  const sorted = await page.$$eval('.runs-table tbody tr', (rows) => rows.map((r) => Number.parseFloat(r.querySelector('[data-col="testAccuracy"]').textContent)));
  assert.ok(sorted[0] >= sorted[1], `sorted ${sorted}`);
  // Unchecking a run takes it off the charts.
  const first = page.locator('.runs-table tbody tr[data-current="false"] input[type="checkbox"]');
  await first.uncheck();
  await page.waitForFunction(() => document.querySelector('.chart-legend-runs').hidden);
  await first.check();

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.runs-csv')]);
  const bytes = await (await import('node:fs/promises')).readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark, for spreadsheets');
  const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0], /^name,dataset,status/);
  await app.screenshot('compare-runs');
  assert.deepEqual(app.errors, []);
});

test('the history survives a reload, and Restore makes a run\'s settings the current ones', async () => {
  const { page } = app;
  await page.evaluate(() => window.nnp.history.settled());
  await page.reload();
  await waitReady(page);
  await page.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr').length === 2);
  assert.equal(await page.evaluate(() => window.nnp.settings.get().lr), 0.001);
  const row = page.locator('.runs-table tbody tr', { has: page.locator('.run-name', { hasText: /^lr 0\.01$/ }) });
  await row.locator('.run-restore').click();
  await page.waitForFunction(() => window.nnp.settings.get().lr === 0.01);
  await page.waitForFunction(() => /Restored the run/.test(document.body.textContent));
  // Clear asks first, then empties the table.
  await page.click('.runs-clear');
  await page.click('.runs-clear-yes');
  await page.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr').length === 0);
  assert.deepEqual(app.errors, []);
});

test('a sweep over three learning rates trains every run, shows a row and a point for each, and a run equals itself trained alone', async () => {
  const { page } = app;
  // Alone: lr 0.01 for one epoch (its record holds its curve points).
  await trainToEnd(page);
  const alone = await page.evaluate(() => window.nnp.history.runs.find((r) => r.id === window.nnp.history.store.get().currentId).train);

  await page.selectOption('#sweep .sweep-axis >> nth=0', 'lr');
  await page.fill('#sweep .sweep-values >> nth=0', '0.001, 0.01, 0.1');
  await page.fill('#sweep .sweep-budget', '1');
  await page.selectOption('#sweep select[aria-label="Budget unit"]', 'epochs');
  await page.click('#sweep-start');
  await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'running');
  // One pool of cores: the sweep trains on as many workers as the workers menu gives one run.
  const { workers, wanted } = await page.evaluate(() => ({ workers: window.nnp.sweeps.store.get().workers, wanted: window.nnp.run.get().workers.wanted }));
  assert.equal(workers, Math.min(3, wanted));
  // Meanwhile the paused run keeps one worker and says why; it takes the others back at the end.
  const during = await page.evaluate(() => window.nnp.run.get().workers);
  assert.equal(during.workers, 1);
  assert.match(during.reason, /sweep is training/);
  await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 120_000 });
  await page.waitForFunction(() => !/sweep/.test(window.nnp.run.get().workers.reason));
  const rows = await page.$$eval('#sweep-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.status, tr.querySelector('.job-accuracy').textContent]));
  assert.equal(rows.length, 3);
  for (const [status, acc] of rows) {
    assert.equal(status, 'done');
    assert.match(acc, /^\d+\.\d%$/);
  }
  assert.equal(await page.locator('#sweep-plot circle').count(), 3);
  assert.match(await page.textContent('#sweep-status'), /3 of 3 runs done · finished · up to [\d.]+ MB of memory per worker/);

  const swept = await page.evaluate(() => {
    const job = window.nnp.sweeps.sweep.jobs.find((j) => j.values[0] === 0.01);
    return window.nnp.history.runs.find((r) => r.id === job.recordId).train;
  });
  const losses = (curve) => curve.filter((_, i) => i % 3 === 1).slice(0, 50);
  assert.equal(losses(alone).length, 50);
  assert.deepEqual(losses(swept), losses(alone), 'the same configuration gives the same losses in a sweep');
  await page.locator('#sweep').scrollIntoViewIfNeeded();
  await app.screenshot('compare-sweep');

  // The sweep's link opens the same comparison in another browser, with the same results to the bit.
  const link = new URL(await page.getAttribute('#sweep-link', 'href'));
  const accuracies = await page.evaluate(() => window.nnp.sweeps.sweep.jobs.map((j) => j.accuracy));
  const again = await openPlayground({ path: `index.html${link.hash}` });
  try {
    await waitReady(again.page);
    await again.page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 120_000 });
    assert.deepEqual(await again.page.evaluate(() => window.nnp.sweeps.sweep.jobs.map((j) => j.accuracy)), accuracies);
  } finally {
    await again.close();
  }

  // Use the best: its settings become the current ones.
  await page.click('#sweep-best');
  const best = await page.evaluate(() => window.nnp.sweeps.best().settings.lr);
  await page.waitForFunction((lr) => window.nnp.settings.get().lr === lr, best);
  assert.deepEqual(app.errors, []);
});

test('a sweep link over two settings opens, trains, and draws one heatmap cell per combination', async () => {
  const other = await openPlayground({ path: `${LINK}&sweep=lr:0.001,0.01;batchSize:32,64&budget=steps:40` });
  try {
    await waitReady(other.page);
    await other.page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 120_000 });
    assert.equal(await other.page.locator('#sweep-heatmap td.heat-cell').count(), 4);
    assert.equal(await other.page.locator('#sweep-heatmap td.heat-cell[data-status="done"]').count(), 4);
    assert.equal(await other.page.locator('#sweep-heatmap td.heat-cell[data-best="true"]').count(), 1);
    await other.page.locator('#sweep').scrollIntoViewIfNeeded();
    await other.screenshot('compare-heatmap');
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});

test('every comparison lesson opens with its sweep queued, and Stop and Resume work', async () => {
  const other = await openPlayground();
  try {
    const { page } = other;
    await waitReady(page);
    const lessons = await page.$$eval('#preset option', (options) => options.map((o) => o.value).filter((v) => v.startsWith('compare-')));
    assert.ok(lessons.length >= 10, `comparison lessons: ${lessons}`);
    for (const id of lessons) {
      await page.selectOption('#preset', id);
      await page.waitForFunction((want) => {
        const { sweep, state } = window.nnp.sweeps.store.get();
        return state === 'running' && sweep?.link.sweep.startsWith(want);
      }, { 'compare-lr': 'lr:', 'compare-activation': 'activation:', 'compare-pooling': 'pooling:', 'compare-optimizer': 'rule:', 'compare-depth': 'depth:', 'compare-l2': 'l2:', 'compare-dropout': 'dropout:', 'compare-batchnorm': 'batchnorm:', 'compare-connections': 'network:', 'compare-textbook': 'network:' }[id] ?? '');
      // The lesson says what to look for, with its formula as math.
      assert.equal(await page.locator('#lesson-box h4').textContent(), await page.locator(`#preset option[value="${id}"]`).textContent());
      assert.equal(await page.locator('#lesson-box math').count(), 1, `${id} has a formula`);
      await page.click('#sweep-stop');
      await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'stopped');
    }
    // The last lesson goes on where it stopped and finishes.
    await page.click('#sweep-resume');
    await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 180_000 });
    const statuses = await page.$$eval('#sweep-table tbody tr', (trs) => trs.map((tr) => tr.dataset.status));
    assert.ok(statuses.length >= 2 && statuses.every((s) => s === 'done'), `statuses ${statuses}`);
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});

test('the lesson menu by keyboard: the arrows move the choice, Enter applies it', async () => {
  const other = await openPlayground();
  try {
    const { page } = other;
    await waitReady(page);
    const before = await page.evaluate(() => window.nnp.run.get().runId);
    await page.focus('#preset');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#preset'), 'convnetjs', 'the second lesson is chosen');
    assert.equal(await page.evaluate(() => window.nnp.settings.get().optimizer), 'adam', 'nothing applied yet');
    await page.keyboard.press('Enter');
    await page.waitForFunction((b) => window.nnp.run.get().runId !== b && window.nnp.settings.get().optimizer === 'sgd', before);
    assert.equal(await page.inputValue('#preset'), '');
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});

test('"Compare with…" trains the current settings and one change side by side, with both confusion matrices', async () => {
  const other = await openPlayground({ path: LINK });
  try {
    const { page } = other;
    await waitReady(page);
    await page.selectOption('#sweep .compare-axis', 'activation');
    await page.fill('#sweep .compare-value', 'sigmoid');
    await page.click('#compare-start');
    await page.waitForFunction(() => window.nnp.sweeps.store.get().state === 'done', null, { timeout: 120_000 });
    const jobs = await page.evaluate(() => window.nnp.sweeps.sweep.jobs.map((j) => ({ name: j.name, status: j.status, started: j.started, finished: j.finished })));
    assert.deepEqual(jobs.map((j) => [j.name, j.status]), [['relu', 'done'], ['sigmoid', 'done']]);
    if (await page.evaluate(() => window.nnp.sweeps.store.get().workers) === 2) {
      assert.ok(Math.max(...jobs.map((j) => j.started)) < Math.min(...jobs.map((j) => j.finished)), 'both trained at the same time');
    }
    assert.equal(await page.locator('#sweep-confusions .mini-grid').count(), 2);
    assert.equal(await page.locator('#sweep-confusions .mini-grid >> nth=0').locator('.mini-cell').count(), 100);
    assert.match(await page.getAttribute('#sweep-confusions .mini-grid >> nth=1', 'aria-label'), /^Confusion matrix of sigmoid: \d+\.\d% right/);
    // Both runs are in the runs table, named by what differs.
    const names = await page.$$eval('.runs-table tbody .run-name', (els) => els.map((e) => e.textContent).sort());
    assert.deepEqual(names, ['layer 1 relu', 'layer 1 sigmoid']);
    await page.locator('#sweep').scrollIntoViewIfNeeded();
    await other.screenshot('compare-pair');
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});

test('a sweep that would not fit in the memory a device allows uses fewer workers, or says why it cannot run', async () => {
  // A device that says it has 100 MB: a sweep may use 50 MB.
  const other = await openPlayground({ path: LINK, initScript: () => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 0.1 }) });
  try {
    const { page } = other;
    await waitReady(page);
    await page.selectOption('#sweep .sweep-axis >> nth=0', 'width');
    await page.fill('#sweep .sweep-values >> nth=0', '4096');
    await page.click('#sweep-start');
    await page.waitForSelector('#sweep-error:not([hidden])');
    assert.match(await page.textContent('#sweep-error'), /^Each run of this sweep needs about [\d.]+ MB .*more than the 50\.0 MB a sweep may use on this device/);
    assert.equal(await page.evaluate(() => window.nnp.sweeps.store.get().state), 'idle');
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});
