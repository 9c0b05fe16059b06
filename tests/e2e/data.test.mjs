// Data: switching to Fashion-MNIST rebuilds the network for it; a person's own IDX files load (gzipped
// or not), and a malformed file gets a clear message while everything loaded before stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { openPlayground } from './harness.mjs';
import { waitReady, readRun } from './playground.mjs';
import { idxPair } from './fixtures.mjs';

test('switching to Fashion-MNIST rebuilds the network for clothing', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const { runId } = await readRun(page);
    await page.check('input[type="radio"][value="fashion"]');
    await page.waitForFunction((id) => window.nnp.run.get().data?.id === 'fashion' && window.nnp.run.get().runId !== id, runId, { timeout: 30_000 });
    assert.match(page.url(), /dataset=fashion/);
    assert.match(await page.textContent('#col-data'), /Zalando Research/);
    assert.match(await page.textContent('#draw h3'), /clothing/);
    await page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 20_000 });
    assert.match(await page.textContent('#confusion'), /T-shirt\/top/);
    // (The focus is still on the radio, where → would choose the next dataset.)
    await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 1, null, { timeout: 10_000 });
    await app.screenshot('fashion');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a malformed IDX file is explained and changes nothing; a good pair loads', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const { runId } = await readRun(page);
    await page.check('input[type="radio"][value="custom"]');
    const input = page.locator('#data-panel input[type="file"]');
    const good = idxPair(200);

    // Not an IDX file at all.
    await input.setInputFiles([
      { name: 'digits.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]) },
      { name: 'train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: good.labels },
    ]);
    const error = page.locator('#data-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await error.textContent(), /^digits\.png: images file is not an IDX file: expected it to start with the magic number 0x00000803, found bytes 89 50 4e 47/);

    // An images file whose header promises more than it holds.
    const cut = good.images.subarray(0, good.images.length - 500);
    await input.setInputFiles([
      { name: 'train-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: gzipSync(cut) },
      { name: 'train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: good.labels },
    ]);
    await page.waitForFunction(() => /cut short/.test(document.getElementById('data-error').textContent), null, { timeout: 10_000 });
    await app.screenshot('data-error');
    let now = await readRun(page);
    assert.equal(now.runId, runId, 'the network and data in use were kept');
    assert.equal(await page.evaluate(() => window.nnp.run.get().data.id), 'mnist');

    // A good pair, one of them gzipped: it becomes the data (200 images → 160 train, 40 test).
    await input.setInputFiles([
      { name: 'my-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: gzipSync(good.images) },
      { name: 'my-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: good.labels },
    ]);
    await page.waitForFunction(() => window.nnp.run.get().data?.id === 'custom', null, { timeout: 20_000 });
    await error.waitFor({ state: 'hidden' });
    const counts = await page.textContent('#data-panel .counts');
    assert.match(counts, /training\s*160/);
    assert.match(counts, /test\s*40/);
    now = await readRun(page);
    assert.notEqual(now.runId, runId);

    // Four files dropped on the data column: a training pair and a test pair, told apart by their names.
    const test = idxPair(30);
    const dropped = [
      ['t10k-labels-idx1-ubyte', test.labels],
      ['train-images-idx3-ubyte', good.images],
      ['t10k-images-idx3-ubyte.gz', gzipSync(test.images)],
      ['train-labels-idx1-ubyte.gz', gzipSync(good.labels)],
    ].map(([name, buffer]) => ({ name, b64: buffer.toString('base64') }));
    await page.evaluate((files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      const column = document.getElementById('col-data');
      column.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      column.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, dropped);
    await page.waitForFunction(() => window.nnp.run.get().data?.nTest === 30, null, { timeout: 20_000 });
    const pair = await page.textContent('#data-panel .counts');
    assert.match(pair, /training\s*200/);
    assert.match(pair, /test\s*30/);
    assert.match(await page.textContent('#data-panel .file-notes'), /t10k-images-idx3-ubyte\.gz: test images, 30 of 28×28/);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a dataset switch with the network gone says what happened and keeps the data in use', async () => {
  const app = await openPlayground();
  try {
    const { page } = app;
    await waitReady(page);
    await page.context().route('**/data/fashion/**', (route) => route.abort('internetdisconnected'));
    // A click, not check(): the choice goes back to MNIST as soon as the download fails, which may be
    // before check() would look at it.
    await page.click('input[type="radio"][value="fashion"]');
    await page.waitForFunction(() => /could not be downloaded/.test(window.nnp.run.get().dataError ?? ''));
    assert.match(await page.evaluate(() => window.nnp.run.get().dataError), /offline\? The data in use stays\./);
    await page.waitForFunction(() => window.nnp.settings.get().dataset === 'mnist');
    assert.equal(await page.isChecked('input[type="radio"][value="mnist"]'), true);
    await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 1);
    // A failed download is not a page error; the console's own network line is the browser's.
    assert.deepEqual(app.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  } finally {
    await app.close();
  }
});
