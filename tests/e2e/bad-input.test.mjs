// Bad input through every way in — links, widget attributes, IDX files, model files — each from a
// table: every one gets a short message in plain text, nothing it carries runs as HTML, and the page
// keeps working (it builds what its settings say and trains a step).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { openPlayground } from './harness.mjs';
import { waitReady, waitWidgets } from './playground.mjs';
import { idxPair } from './fixtures.mjs';

/** Text a bad input carries that would run if it were ever treated as HTML. */
const INJECTED = '<img src=x onerror="window.__injected=1">';
const LONG = 'x'.repeat(5000);

/**
 * Waits until the page has built what its settings say (a rebuild asked for has happened), or has
 * explained why it cannot (an invalid network shown on its card while the last valid one runs).
 */
async function settled(page) {
  await page.waitForFunction(() => {
    const { run, settings } = window.nnp;
    const r = run.get();
    if (!r.summary || !r.data || r.phase === 'loading') return false;
    if (r.specErrors.length > 0) return true;
    const built = r.data.spec;
    const now = settings.get();
    return Object.keys(now).every((k) => JSON.stringify(now[k]) === JSON.stringify(built[k]) || ['projector', 'smoothing', 'logScale', 'scheme'].includes(k));
  }, null, { timeout: 30_000 });
}

/** The page still trains: one Step adds one step to the run in use. */
async function trainsAStep(page, what) {
  const { runId, steps } = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, steps: window.nnp.run.get().report?.steps ?? 0 }));
  await page.click('#btn-step');
  await page.waitForFunction(([id, s]) => {
    const r = window.nnp.run.get();
    return r.runId !== id || (r.report?.steps ?? 0) > s;
  }, [runId, steps], { timeout: 20_000 }).catch(() => assert.fail(`${what}: Step did nothing`));
}

/** What the page said: its notices and the network's messages (on a card, or on the network as a whole). */
function said(page) {
  return page.evaluate(() => [document.getElementById('notices'), document.getElementById('network-error'), ...document.querySelectorAll('.card-error')]
    .map((el) => el.textContent).join(' ').trim());
}

let app;
before(async () => {
  app = await openPlayground();
  await waitReady(app.page);
});
after(async () => {
  await app?.close();
});

const LINKS = [
  ['a word for a number', '#lr=fast', /Learning rate η "fast" was ignored/],
  ['a negative rate', '#lr=-1', /was ignored/],
  ['an overflowing number', '#lr=1e400', /was ignored/],
  ['a batch of none', '#batchSize=0', /was ignored/],
  ['too many epochs', '#epochs=99999', /was ignored/],
  ['an unknown optimizer', `#optimizer=${encodeURIComponent(INJECTED)}`, /was ignored/],
  ['an unknown dataset', `#dataset=${encodeURIComponent(INJECTED)}`, /was ignored/],
  ['a kernel larger than the image', '#layers=conv2d:8:31:1:valid', /31×31 kernel does not fit the 28×28 input/],
  ['two large poolings', '#layers=maxpool:16:16,maxpool:16:16', /window does not fit/],
  ['a step too heavy to compute', '#layers=conv2d:128:31:1:same,conv2d:128:31:1:same&batchSize=1', /GFLOP/],
  ['units over the limit', '#layers=dense:999999', /default network|was ignored/],
  ['a layer that does not exist', `#layers=${encodeURIComponent(INJECTED)}:3`, /default network|was ignored/],
  ['too many layers', `#layers=${Array(100).fill('dense:8').join(',')}`, /over the limit/],
  ['a prototype name', '#__proto__=1&constructor=2&toString=3', /ignored/],
  ['a link far too long', `#seed=1&note=${LONG}`, /over the limit of 4,096; the default settings are used/],
  ['broken percent-encoding', '#lr=%E0%A4%A&seed=3', /was ignored|could not be read/],
  ['a sweep of an unknown setting', '#sweep=nothing:1,2', /sweep/i],
  ['a sweep of words', '#sweep=lr:a,b&budget=steps:-1', /sweep|budget/i],
];

test('every bad link gets a short plain message and the page keeps training', async () => {
  const { page } = app;
  for (const [what, hash, message] of LINKS) {
    await page.evaluate(() => window.nnp.run.set({ notices: [] }));
    await page.evaluate((h) => { window.location.hash = h; }, hash);
    // A link opened on a running page: a setting it cannot use is a notice; a network that does not
    // fit stays on its card, with the last valid network running.
    await page.waitForFunction(() => document.getElementById('notices').textContent.length > 0 || window.nnp.run.get().specErrors.length > 0, null, { timeout: 10_000 })
      .catch(() => assert.fail(`${what}: nothing said`));
    await settled(page);
    const text = await said(page);
    assert.match(text, message, `${what}: ${text}`);
    assert.ok(text.length < 600, `${what}: the page repeats what it got (${text.length} characters)`);
    await trainsAStep(page, what);
  }
  assert.equal(await page.evaluate(() => window.__injected), undefined, 'nothing from a link ran');
  assert.deepEqual(app.errors, []);
});

test('every bad IDX file is explained next to the data and changes nothing', async () => {
  const { page } = app;
  await page.evaluate(() => { window.location.hash = '#dataset=mnist&seed=9'; });
  await settled(page);
  const good = idxPair(60);
  const header = (magic, dims) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  const labels = { name: 'train-labels-idx1-ubyte', buffer: good.labels };
  const cases = [
    ['an empty file', [{ name: 'train-images-idx3-ubyte', buffer: Buffer.alloc(0) }, labels], /is empty \(0 bytes\)/],
    ['a picture', [{ name: `${INJECTED}.png`, buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]) }, labels], /not an IDX file/],
    ['floats instead of bytes', [{ name: 'train-images-idx3-ubyte', buffer: header(0x0d03, [1, 28, 28]) }, labels], /element type 0x0D \(32-bit float\) is not supported/],
    ['a header that ends early', [{ name: 'train-images-idx3-ubyte', buffer: header(0x803, [5]) }, labels], /is truncated: an images header is 16 bytes/],
    ['a header promising a billion images', [{ name: 'train-images-idx3-ubyte', buffer: header(0x803, [1_000_000_000, 28, 28]) }, labels], /header says 1,000,000,000 images of 28×28/],
    ['a gzip that promises too much', [{ name: 'train-images-idx3-ubyte.gz', buffer: gzipSync(Buffer.alloc(200_000_000)) }, labels], /MB|too large|larger/],
    ['images and labels that differ in count', [{ name: 'train-images-idx3-ubyte', buffer: idxPair(50).images }, labels], /50|60|count|differ/],
    ['labels only', [labels], /images/],
  ];
  await page.check('input[type="radio"][value="custom"]');
  const input = page.locator('#data-panel input[type="file"]');
  const error = page.locator('#data-error');
  for (const [what, files, message] of cases) {
    await page.evaluate(() => { document.getElementById('data-error').textContent = ''; });
    await input.setInputFiles(files.map((f) => ({ mimeType: 'application/octet-stream', ...f })));
    await page.waitForFunction(() => document.getElementById('data-error').textContent.length > 0, null, { timeout: 20_000 })
      .catch(() => assert.fail(`${what}: no message`));
    const text = await error.textContent();
    assert.match(text, message, `${what}: ${text}`);
    assert.ok(text.length < 600, `${what}: ${text.length} characters`);
    assert.equal(await page.evaluate(() => window.nnp.run.get().data.id), 'mnist', `${what}: the data in use stays`);
  }
  await page.check('input[type="radio"][value="mnist"]');
  await settled(page);
  await trainsAStep(page, 'after the IDX files');
  assert.equal(await page.evaluate(() => window.__injected), undefined, 'nothing from a file name ran');
  assert.deepEqual(app.errors, []);
});

test('every bad model file is explained next to its button and changes nothing', async () => {
  const { page } = app;
  const saved = await page.evaluate(async () => Array.from(new Uint8Array((await window.nnp.controller.client.saveModel()).bytes)));
  const bytes = Buffer.from(saved);
  const flipped = Buffer.from(bytes);
  flipped[Math.floor(flipped.length / 2)] ^= 0x40;
  const cases = [
    ['an empty file', Buffer.alloc(0), /not a saved nn-playground model|empty|truncated/],
    ['random bytes', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)), /not a saved nn-playground model/],
    ['a model cut in half', bytes.subarray(0, bytes.length >> 1), /damaged or truncated/],
    ['one flipped bit', flipped, /checksum does not match/],
    ['a later format', Buffer.concat([bytes.subarray(0, 4), Buffer.from([99, 0, 0, 0]), bytes.subarray(8)]), /version|format|damaged/],
  ];
  const { runId } = await page.evaluate(() => ({ runId: window.nnp.run.get().runId }));
  for (const [what, buffer, message] of cases) {
    await page.evaluate(() => { document.getElementById('model-error').textContent = ''; });
    await page.setInputFiles('#model-file input[type="file"]', { name: `${INJECTED}.nnpg`, mimeType: 'application/octet-stream', buffer });
    await page.waitForFunction(() => document.getElementById('model-error').textContent.length > 0, null, { timeout: 20_000 })
      .catch(() => assert.fail(`${what}: no message`));
    const text = await page.textContent('#model-error');
    assert.match(text, message, `${what}: ${text}`);
    assert.ok(text.length < 600, `${what}: ${text.length} characters`);
    assert.equal(await page.evaluate(() => window.nnp.run.get().runId), runId, `${what}: the network in use stays`);
  }
  await trainsAStep(page, 'after the model files');
  assert.equal(await page.evaluate(() => window.__injected), undefined, 'nothing from a file name ran');
  assert.deepEqual(app.errors, []);
});

test('every bad widget attribute gets a notice in the widget, which still trains', async () => {
  const widgets = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = widgets;
  try {
    await waitWidgets(page);
    const attributes = [
      { lr: 'fast' }, { layers: 'conv2d:8:31:1:valid' }, { layers: INJECTED }, { preset: INJECTED },
      { 'batch-size': '0' }, { epochs: LONG }, { hide: 'everything' }, { sweep: 'lr:a,b' }, { budget: 'forever' },
      { dataset: 'kittens' }, { seed: '-4' },
    ];
    for (const [i, attrs] of attributes.entries()) {
      const id = `bad${i}`;
      await page.evaluate(([wid, list]) => {
        const w = document.createElement('nn-playground');
        w.id = wid;
        for (const [k, v] of Object.entries(list)) w.setAttribute(k, v);
        document.querySelector('main').append(w);
      }, [id, attrs]);
      await waitWidgets(page, [id]);
      const notices = await page.evaluate((wid) => document.getElementById(wid).shadowRoot.getElementById('notices').textContent, id);
      assert.ok(notices.length > 0 && notices.length < 600, `${JSON.stringify(attrs).slice(0, 80)}: ${notices.slice(0, 200)}`);
      await page.evaluate((wid) => document.getElementById(wid).shadowRoot.getElementById('btn-step').click(), id);
      await page.waitForFunction((wid) => (document.getElementById(wid).run.get().report?.steps ?? 0) >= 1, id, { timeout: 20_000 });
      await page.evaluate((wid) => document.getElementById(wid).remove(), id);
    }
    assert.equal(await page.evaluate(() => window.__injected), undefined, 'nothing from an attribute ran');
    assert.deepEqual(widgets.errors, []);
  } finally {
    await widgets.close();
  }
});
