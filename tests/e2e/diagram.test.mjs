// The live network diagram end to end: it draws every lesson's network with one node per layer and
// the engine's shapes; its feature maps and edges follow training while it is on screen, and not
// while it is folded away; it follows the image chosen in "Inside the network" and the drawn digit;
// a layer's detail opens with Enter (its filters, its maps, its formula) and closes with Escape; on a
// phone it stacks. Screenshots: diagram-laptop.png, diagram-detail.png, diagram-phone.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, drawStroke, drawnClass } from './playground.mjs';
import { PRESETS } from '../../www/state/presets.js';

const shot = (name) => ({ path: new URL(`./artifacts/${name}.png`, import.meta.url).pathname });

let app;
before(async () => {
  app = await openPlayground();
  await waitReady(app.page);
});
after(async () => {
  await app?.close();
});

/** The diagram's refresh counter once it has painted the current network (it paints only on screen). */
async function painted(page, { after = -1 } = {}) {
  await page.evaluate(() => document.getElementById('diagram').scrollIntoView());
  await page.waitForFunction((n) => {
    const el = document.getElementById('diagram');
    const runId = String(window.nnp.run.get().runId);
    return Number(el.dataset.updates ?? 0) > n && el.dataset.run === runId;
  }, after, { timeout: 20_000 });
  return Number(await page.getAttribute('#diagram', 'data-updates'));
}

/** What the nodes say: their key, their title and their output shape. */
function nodes(page) {
  return page.$$eval('#diagram .diagram-node', (buttons) => buttons.map((b) => ({
    key: b.dataset.node, shape: b.querySelector('.node-shape').textContent, title: b.querySelector('.node-title').textContent,
  })));
}

/** Each spec layer's output shape as the engine's summary gives it ("8×28×28", or "10" for a vector). */
function summaryShapes(page) {
  return page.evaluate(() => {
    const out = new Map();
    for (const l of window.nnp.run.get().summary.layers) out.set(l.specIndex, l.outDims);
    const dims = (d) => (d.h === 1 && d.w === 1 ? String(d.c) : `${d.c}×${d.h}×${d.w}`);
    return [dims(window.nnp.run.get().summary.input), ...[...out.values()].map(dims)];
  });
}

test('the default network: one node per layer with its shape, pictures that fill in, edges sized by the weights', async () => {
  const { page } = app;
  await painted(page);
  assert.deepEqual((await nodes(page)).map((n) => [n.key, n.shape]), [
    ['input', '1×28×28'], ['layer-0', '8×28×28'], ['layer-1', '8×14×14'], ['layer-2', '16×14×14'], ['layer-3', '16×4×4'], ['output', '10'],
  ]);
  // Edges into the layers with weights carry their size; a pooling layer's edge carries none.
  const edges = await page.$$eval('#diagram .diagram-edge', (list) => list.map((e) => ({
    weights: e.classList.contains('has-weights'), label: e.querySelector('.edge-label:not(.edge-note)').textContent,
    note: e.querySelector('.edge-note').textContent, thick: e.querySelector('.edge-line').style.getPropertyValue('--thick'),
  })));
  assert.deepEqual(edges.map((e) => e.weights), [true, false, true, false, true]);
  for (const e of edges.filter((x) => x.weights)) {
    assert.match(e.label, /^\|w\| \d/);
    assert.match(e.thick, /^\d+(\.\d)?px$/);
  }
  assert.equal(edges.at(-1).note, 'flatten → 256');
  // The conv node's maps are painted (not blank).
  const inked = await page.$eval('#diagram [data-node="layer-0"] canvas', (c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 2]) n += 1;
    return n;
  });
  assert.ok(inked > 10, `${inked} coloured pixels`);
  await page.screenshot(shot('diagram-laptop'));
  assert.deepEqual(app.errors, []);
});

test('every lesson\'s network: one node per layer, with the engine\'s shapes', async () => {
  const { page } = app;
  const seen = new Set();
  for (const preset of PRESETS) {
    const key = JSON.stringify(preset.settings.layers);
    if (seen.has(key)) continue;
    seen.add(key);
    const before = await page.evaluate(() => window.nnp.run.get().runId);
    await page.evaluate((layers) => window.nnp.settings.set({ layers }), preset.settings.layers);
    await page.waitForFunction((b) => window.nnp.run.get().runId !== b, before, { timeout: 20_000 });
    await painted(page);
    const shown = await nodes(page);
    assert.equal(shown.length, preset.settings.layers.length + 2, `${preset.id}: ${shown.map((n) => n.key).join(' ')}`);
    assert.deepEqual(shown.map((n) => n.shape), await summaryShapes(page), preset.id);
    assert.deepEqual(shown.slice(1, -1).map((n) => n.key), preset.settings.layers.map((_, i) => `layer-${i}`), preset.id);
  }
  assert.ok(seen.size >= 5, `${seen.size} networks`);
  assert.deepEqual(app.errors, []);
});

test('it follows training while on screen, and not while folded away', async () => {
  const { page } = app;
  await page.evaluate(() => window.nnp.settings.set({ layers: [{ type: 'conv2d', filters: 4, kernel: 3, stride: 1, padding: 'same', activation: 'relu' }, { type: 'maxpool2d', size: 2, stride: 2 }, { type: 'dense', units: 16, activation: 'relu' }] }));
  await page.waitForFunction(() => window.nnp.run.get().summary?.layers.some((l) => l.op.op === 'conv2d' && l.op.filters === 4));
  const start = await painted(page);
  const edgeBefore = await page.$eval('#diagram [data-node="layer-0"]', (b) => b.closest('li').querySelector('.edge-label:not(.edge-note)').textContent);
  // The diagram is at the foot of the page, where whatever grows above it while training (the runs
  // table, notes) could push it out of view; it paints only on screen, so the page keeps it there.
  await page.evaluate(() => {
    const diagram = document.getElementById('diagram');
    window.__keepDiagram = new ResizeObserver(() => diagram.scrollIntoView({ block: 'start' }));
    window.__keepDiagram.observe(document.body);
  });
  await page.click('#btn-play');
  // Two refreshes while training, the second from a later step than the first.
  await page.waitForFunction((n) => Number(document.getElementById('diagram').dataset.updates) > n + 1 && Number(document.getElementById('diagram').dataset.steps) > 0, start, { timeout: 30_000 });
  const firstSteps = Number(await page.getAttribute('#diagram', 'data-steps'));
  await page.waitForFunction((s) => Number(document.getElementById('diagram').dataset.steps) > s, firstSteps, { timeout: 30_000 });
  await page.waitForFunction((text) => {
    const label = document.querySelector('#diagram [data-node="layer-0"]').closest('li').querySelector('.edge-label:not(.edge-note)');
    return label.textContent !== text;
  }, edgeBefore, { timeout: 30_000 });

  // Folded away: training goes on, the diagram asks for nothing.
  await page.click('#diagram .diagram-toggle');
  assert.equal(await page.getAttribute('#diagram .diagram-toggle', 'aria-expanded'), 'false');
  const folded = await page.evaluate(() => window.nnp.controller.client.stats()); // the worker has read everything sent before
  const updates = Number(await page.getAttribute('#diagram', 'data-updates'));
  await page.evaluate(() => {
    window.__diagramRequests = 0;
    const client = window.nnp.controller.client;
    window.__weights = client.weights;
    client.weights = (...args) => { window.__diagramRequests += 1; return window.__weights.apply(client, args); };
  });
  await page.waitForFunction((s) => (window.nnp.run.get().report?.steps ?? 0) > s + 100, folded.steps, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__diagramRequests), 0, 'no requests while folded');
  assert.equal(Number(await page.getAttribute('#diagram', 'data-updates')), updates);
  // Shown again: it catches up at once.
  await page.click('#diagram .diagram-toggle');
  await page.waitForFunction((n) => Number(document.getElementById('diagram').dataset.updates) > n, updates, { timeout: 20_000 });
  await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 10_000 });
  await page.evaluate(() => {
    window.nnp.controller.client.weights = window.__weights;
    window.__keepDiagram.disconnect();
  });
  assert.deepEqual(app.errors, []);
});

test('it follows the image chosen in "Inside the network", and the drawn digit', async () => {
  const { page } = app;
  const input = page.locator('#activations input[type="number"]');
  await input.fill('6');
  await input.press('Enter');
  await page.evaluate(() => document.getElementById('diagram').scrollIntoView());
  await page.waitForFunction(() => /^Feature maps of test image 6: /.test(document.querySelector('#diagram .diagram-caption').textContent), null, { timeout: 20_000 });
  await drawStroke(page, [[0.5, 0.15], [0.5, 0.85]]);
  await drawnClass(page);
  await page.click('#draw .show-activations');
  await page.evaluate(() => document.getElementById('diagram').scrollIntoView());
  await page.waitForFunction(() => /^Feature maps of your drawing, predicted /.test(document.querySelector('#diagram .diagram-caption').textContent), null, { timeout: 20_000 });
  assert.deepEqual(app.errors, []);
});

test('Enter on a layer opens its detail (filters, maps, formula); Escape closes it and gives the focus back', async () => {
  const { page } = app;
  await page.evaluate(() => window.nnp.controller.applyPreset('convnetjs'));
  await page.waitForFunction(() => window.nnp.run.get().summary?.layers.filter((l) => l.op.op === 'conv2d').length === 2, null, { timeout: 20_000 });
  await painted(page);
  const node = page.locator('#diagram .diagram-node[data-node="layer-2"]');
  await node.focus();
  await page.keyboard.press('Enter');
  assert.equal(await node.getAttribute('aria-expanded'), 'true');
  const detail = page.locator('#diagram .layer-detail');
  await detail.waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H3', 'the focus moves to the detail');
  assert.match(await detail.locator('h3').textContent(), /^Layer 3 · Convolution/);
  // Its filters: 16 of 5×5 over 8 channels, once their weights arrive.
  await page.waitForFunction(() => /^The 16 filters of layer 3, 5×5 each/.test(document.querySelector('#diagram .layer-detail canvas.filter-grid')?.getAttribute('aria-label') ?? ''), null, { timeout: 20_000 });
  assert.equal(await detail.locator('.maps canvas.map').count(), 16);
  assert.equal(await detail.locator('.norm-bar').count(), 16);
  assert.ok(await detail.locator('math, .formula').count() >= 2, 'the convolution\'s formula and ReLU\'s');
  assert.match(await detail.locator('.detail-formula').first().textContent(), /filter slides over the input/);
  await detail.screenshot(shot('diagram-detail'));

  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'hidden' });
  assert.equal(await node.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.node), 'layer-2', 'the focus is back on the node');

  // The output opens too: the class probabilities and softmax.
  await page.click('#diagram .diagram-node[data-node="output"]');
  await page.waitForFunction(() => document.querySelectorAll('#diagram .layer-detail .prob-bars li').length === 10, null, { timeout: 20_000 });
  assert.match(await detail.textContent(), /Softmax turns the class scores into probabilities/);
  await page.click('#diagram .layer-detail .detail-head button');
  await detail.waitFor({ state: 'hidden' });
  assert.deepEqual(app.errors, []);
});

test('on a phone it starts folded, and opened it stacks without widening the page', async () => {
  const phone = await openPlayground({ viewport: { width: 390, height: 844 } });
  const { page } = phone;
  try {
    await waitReady(page);
    assert.equal(await page.getAttribute('#diagram .diagram-toggle', 'aria-expanded'), 'false');
    await page.click('#diagram .diagram-toggle');
    await painted(page);
    const lefts = await page.$$eval('#diagram .diagram-node', (list) => list.map((b) => b.getBoundingClientRect()).map((r) => [Math.round(r.left), Math.round(r.top)]));
    assert.ok(lefts.every(([left]) => left === lefts[0][0]), `one column: ${JSON.stringify(lefts)}`);
    assert.ok(lefts.every(([, top], i) => i === 0 || top > lefts[i - 1][1]), 'from top to bottom');
    await page.click('#diagram .diagram-node[data-node="layer-0"]');
    await page.waitForFunction(() => document.querySelector('#diagram .layer-detail')?.dataset.painted, null, { timeout: 20_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the viewport`);
    await page.locator('#diagram').screenshot(shot('diagram-phone'));
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.close();
  }
});
