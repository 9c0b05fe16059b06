// Taking the results away: the curves as CSV (the points the charts draw, with the checked earlier
// runs), the loss and accuracy charts, the confusion matrix and a layer's filters as PNG, from the
// small buttons beside their titles — on a laptop, on a phone and inside an <nn-playground> widget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { openPlayground, ARTIFACTS } from './harness.mjs';
import { waitReady, waitWidgets, workerRun, nextFrames } from './playground.mjs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Clicks a download button (a CSS selector or a locator) and returns the file's name and bytes. */
async function downloadFrom(page, target) {
  const locator = typeof target === 'string' ? page.locator(target) : target;
  const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const bytes = readFileSync(await download.path());
  return { name: download.suggestedFilename(), bytes };
}

/** A PNG's width and height from its IHDR chunk, after checking the signature. */
function pngSize(bytes, what) {
  assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, `${what} starts with the PNG signature`);
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR', `${what}: the first chunk is IHDR`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The CSV's rows as arrays of cells (numbers and plain names here), after checking the byte-order mark. */
function csvRows(bytes) {
  const text = bytes.toString('utf8');
  assert.ok(text.startsWith('\uFEFF'), 'a byte-order mark');
  return text.slice(1).trimEnd().split('\r\n').map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).slice(0, 7).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')));
}

const HEADER = ['run', 'epoch', 'step', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'];

/** The positions the charts hold for the current run (train and test merged), and the latest evaluation. */
function chartPoints(page) {
  return page.evaluate(() => {
    const { loss } = window.nnp.charts;
    const r = window.nnp.run.get();
    const positions = new Set([...loss.train.x, ...loss.test.x].map((x) => x.toFixed(9)));
    return {
      rows: positions.size,
      train: loss.train.x.length,
      lastTrain: [loss.train.x.at(-1), loss.train.y.at(-1), window.nnp.charts.accuracy.train.y.at(-1)],
      evaluation: { epoch: r.evaluation.epoch, steps: r.evaluation.steps, loss: r.evaluation.loss, accuracy: r.evaluation.accuracy },
      steps: r.report.steps,
    };
  });
}

mkdirSync(ARTIFACTS, { recursive: true });

test('the curves download as CSV and the charts, the confusion matrix and the filters as PNG', async () => {
  const app = await openPlayground({ viewport: { width: 1440, height: 900 } });
  const { page } = app;
  try {
    await waitReady(page);
    // The default network has convolutions, so there are filters to save. Train a little.
    await page.click('#btn-play');
    await page.waitForFunction(() => {
      const r = window.nnp.run.get();
      return (r.report?.steps ?? 0) >= 300 && (r.evaluation?.steps ?? 0) > 0 && r.params;
    }, null, { timeout: 60_000 });
    await page.click('#btn-play');
    await page.waitForFunction(() => window.nnp.run.get().phase === 'paused', null, { timeout: 10_000 });
    assert.equal((await workerRun(page)).training, false);
    await nextFrames(page);
    const points = await chartPoints(page);
    assert.ok(points.train >= 5, `${points.train} training points`);

    // The buttons: beside the titles, named for a screen reader, reachable with Tab.
    const names = await page.evaluate(() => [...document.querySelectorAll('button.download')].map((b) => b.getAttribute('aria-label')));
    assert.deepEqual(names, [
      'Download the filters of layer 1 as PNG', 'Download the filters of layer 3 as PNG',
      'Download the curves as CSV', 'Download the loss chart as PNG', 'Download the accuracy chart as PNG',
      'Download the confusion matrix as PNG',
    ]);
    await page.focus('#charts .chart-head details.help summary');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Download the curves as CSV');

    // The curves: a header, one row per position of the charts' points, the numbers as measured.
    const csv = await downloadFrom(page, '#charts button[data-download="csv"]');
    assert.equal(csv.name, `nn-playground-mnist-${points.steps}-curves.csv`);
    const rows = csvRows(csv.bytes);
    assert.deepEqual(rows[0], HEADER);
    assert.equal(rows.length - 1, points.rows, 'a row per position the charts draw');
    const trainRows = rows.slice(1).filter((r) => r[3] !== '');
    assert.equal(trainRows.length, points.train);
    assert.deepEqual(trainRows.at(-1).slice(1, 2).concat(trainRows.at(-1).slice(3, 5)).map(Number), points.lastTrain, 'the last training point, unsmoothed');
    const evaluated = rows.slice(1).find((r) => Number(r[1]) === points.evaluation.epoch && r[5] !== '');
    assert.ok(evaluated, 'the latest evaluation has its row');
    assert.deepEqual([Number(evaluated[2]), Number(evaluated[5]), Number(evaluated[6])], [points.evaluation.steps, points.evaluation.loss, points.evaluation.accuracy]);

    // The pictures: PNG files of a size worth keeping.
    const files = {
      loss: '#charts figure:nth-of-type(1) button.download',
      accuracy: '#charts figure:nth-of-type(2) button.download',
      confusion: '#confusion button.download',
      'layer1-filters': '.layer-card[data-index="0"] button.download',
    };
    for (const [what, selector] of Object.entries(files)) {
      const png = await downloadFrom(page, selector);
      assert.equal(png.name, `nn-playground-mnist-${points.steps}-${what}.png`);
      const { width, height } = pngSize(png.bytes, what);
      assert.ok(width >= 1000 && width <= 4000, `${what}: ${width} px wide`);
      assert.ok(height >= 200 && height <= 4000, `${what}: ${height} px high`);
      writeFileSync(`${ARTIFACTS}/run-log-${what}.png`, png.bytes); // to look at
    }

    await page.locator('#charts').screenshot({ path: `${ARTIFACTS}/run-log-charts-laptop.png` });
    await page.locator('#confusion').screenshot({ path: `${ARTIFACTS}/run-log-confusion-laptop.png` });
    await page.locator('.layer-card[data-index="0"]').screenshot({ path: `${ARTIFACTS}/run-log-filters-laptop.png` });
    await app.screenshot('run-log-laptop');

    // A new run: the first one, checked in the runs table, is drawn under it and saved with it.
    const first = await page.evaluate(() => window.nnp.run.get().runId);
    await page.click('#btn-reset');
    await page.waitForFunction((id) => window.nnp.run.get().runId > id, first, { timeout: 20_000 });
    for (let i = 0; i < 3; i++) await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 3 && window.nnp.history.store.get().currentId, null, { timeout: 10_000 });
    const earlier = await page.evaluate(() => {
      const { runs, currentId } = window.nnp.history.store.get();
      const r = runs.find((x) => x.id !== currentId);
      const positions = new Set();
      for (let i = 0; i < r.train.length; i += 3) positions.add(r.train[i].toFixed(9));
      for (let i = 0; i < r.test.length; i += 3) positions.add(r.test[i].toFixed(9));
      return { rows: positions.size, checked: r.checked };
    });
    assert.equal(earlier.checked, true);
    const both = csvRows((await downloadFrom(page, '#charts button[data-download="csv"]')).bytes);
    const byRun = new Map();
    for (const r of both.slice(1)) byRun.set(r[0], (byRun.get(r[0]) ?? 0) + 1);
    assert.equal(byRun.size, 2, `two runs: ${[...byRun.keys()].join(' / ')}`);
    assert.equal([...byRun.values()][1], earlier.rows, 'the earlier run: a row per position of its record');
    const legend = await page.locator('.chart-legend-runs .key-run').allTextContents();
    assert.deepEqual([...byRun.keys()].slice(1), legend, 'the earlier run has the name the legend gives it');
    const withOverlay = await downloadFrom(page, files.loss);
    writeFileSync(`${ARTIFACTS}/run-log-loss-two-runs.png`, withOverlay.bytes);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('on a phone the buttons sit beside the titles and the downloads work', async () => {
  const app = await openPlayground({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const { page } = app;
  try {
    await waitReady(page);
    await page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 30_000 });
    // The weights cross for the filter pictures while one is on screen.
    await page.locator('.layer-card[data-index="0"] .filters').scrollIntoViewIfNeeded();
    for (let i = 0; i < 5; i++) await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 5 && window.nnp.run.get().params, null, { timeout: 10_000 });
    // Each button on the row of its title, inside the screen, and at least 24 px high.
    const boxes = await page.evaluate(() => [...document.querySelectorAll('button.download')].map((b) => {
      const r = b.getBoundingClientRect();
      const row = b.parentElement.getBoundingClientRect();
      return { label: b.getAttribute('aria-label'), right: r.right, height: r.height, inRow: r.top >= row.top - 1 && r.bottom <= row.bottom + 1 };
    }));
    for (const b of boxes) {
      assert.ok(b.right <= 390, `${b.label} inside the screen (${b.right})`);
      assert.ok(b.height >= 24, `${b.label} is ${b.height} px high`);
      assert.ok(b.inRow, `${b.label} on its title's row`);
    }
    const csv = csvRows((await downloadFrom(page, '#charts button[data-download="csv"]')).bytes);
    assert.deepEqual(csv[0], HEADER);
    assert.ok(csv.length > 1);
    const png = await downloadFrom(page, '#confusion button.download');
    pngSize(png.bytes, 'confusion');
    await page.locator('#charts').screenshot({ path: `${ARTIFACTS}/run-log-charts-phone.png` });
    await page.locator('#confusion').screenshot({ path: `${ARTIFACTS}/run-log-confusion-phone.png` });
    await page.locator('.layer-card[data-index="0"]').screenshot({ path: `${ARTIFACTS}/run-log-filters-phone.png` });
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('inside a widget the chart and the curves download too', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good']);
    const widget = page.locator('#good');
    await page.waitForFunction(() => document.getElementById('good').run.get().evaluation, null, { timeout: 30_000 });
    const button = widget.locator('button[aria-label="Download the loss chart as PNG"]');
    const png = await downloadFrom(page, button);
    assert.match(png.name, /^nn-playground-mnist-\d+-loss\.png$/);
    const { width } = pngSize(png.bytes, 'the widget\'s loss chart');
    assert.ok(width >= 1000);
    const csv = await downloadFrom(page, widget.locator('button[aria-label="Download the curves as CSV"]'));
    assert.deepEqual(csvRows(csv.bytes)[0], HEADER);
    await widget.locator('.chart-head').screenshot({ path: `${ARTIFACTS}/run-log-widget-head.png` });
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
