// A long session on the page, as a class would use it for a lesson after lesson, with its memory
// measured: `./dev soak [--minutes 30]`. Each cycle picks the next lesson, trains until a test
// evaluation, pauses, and now and then saves and reloads the model or switches the dataset. After
// each cycle it collects garbage and samples the page's JavaScript heap, its DOM nodes and the
// engine's wasm memory; at the end it prints the samples and says whether anything kept growing.
// The end-to-end tests run a few cycles of it (tests/e2e/soak.test.mjs).
import { fileURLToPath } from 'node:url';

const MB = 1e6;

/** Lessons that train one network (the comparison lessons start sweeps, which `sweeps` adds). */
const LESSONS = ['tiny-mlp', 'convnetjs', 'overfitting', 'regularised', 'lenet', 'high-lr'];

/** How much growth from the first warm sample to the last counts as a leak. */
export const LIMITS = { heapMB: 25, nodes: 3000, wasmMB: 40 };

/** Heap after a full collection, DOM nodes, wasm memory of the page's engine, runs kept. */
async function sample(page, cdp, cycle, started) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? NaN;
  const page_ = await page.evaluate(async () => {
    const stats = await window.nnp.controller.client.stats();
    return { wasmBytes: stats.memoryBytes, engines: stats.engines, runs: window.nnp.history?.runs?.length ?? null };
  });
  return {
    cycle,
    minutes: (Date.now() - started) / 60_000,
    heapMB: metric('JSHeapUsedSize') / MB,
    nodes: metric('Nodes'),
    listeners: metric('JSEventListeners'),
    wasmMB: page_.wasmBytes / MB,
    engines: page_.engines,
    runs: page_.runs,
  };
}

async function newRun(page, action) {
  const before = await page.evaluate(() => window.nnp.run.get().runId);
  await action();
  await page.waitForFunction((b) => window.nnp.run.get().runId !== b, before, { timeout: 60_000 });
}

/** Trains until the run has a test evaluation after at least `steps` steps, then pauses. */
async function trainAWhile(page, steps) {
  await page.click('#btn-play');
  await page.waitForFunction((s) => {
    const r = window.nnp.run.get();
    return r.phase !== 'training' || ((r.report?.steps ?? 0) >= s && (r.evaluation?.steps ?? 0) >= s);
  }, steps, { timeout: 120_000 });
  if (await page.evaluate(() => window.nnp.run.get().phase === 'training')) await page.click('#btn-play');
  await page.waitForFunction(() => window.nnp.run.get().phase !== 'training', null, { timeout: 30_000 });
}

async function saveAndLoad(page) {
  const { bytes, name } = await page.evaluate(async () => {
    const saved = await window.nnp.controller.client.saveModel();
    return { bytes: Array.from(new Uint8Array(saved.bytes)), name: 'nn-playground-soak-1.nnpg' };
  });
  await newRun(page, () => page.setInputFiles('#model-file input[type="file"]', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) }));
}

async function switchDataset(page, id) {
  await newRun(page, () => page.check(`#data-panel input[type="radio"][value="${id}"]`));
}

/**
 * Runs the session on an open playground (`app` from tests/e2e/harness.mjs) for `minutes` or
 * `cycles`, whichever ends first. Returns { samples, growth, ok, problems }.
 */
export async function soak(app, { minutes = Infinity, cycles = Infinity, steps = 150, log = () => {} } = {}) {
  const { page } = app;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const started = Date.now();
  const samples = [await sample(page, cdp, 0, started)];
  log(format(samples[0]));
  for (let cycle = 1; cycle <= cycles && Date.now() - started < minutes * 60_000; cycle++) {
    await newRun(page, () => page.selectOption('#preset', LESSONS[(cycle - 1) % LESSONS.length]));
    await trainAWhile(page, steps);
    if (cycle % 3 === 0) await saveAndLoad(page);
    if (cycle % 4 === 0) {
      await switchDataset(page, 'fashion');
      await trainAWhile(page, steps);
      await switchDataset(page, 'mnist');
    }
    samples.push(await sample(page, cdp, cycle, started));
    log(format(samples.at(-1)));
  }
  // The first cycle loads what stays (the datasets, the lessons' code paths): growth counts from there.
  const warm = samples[Math.min(1, samples.length - 1)];
  const last = samples.at(-1);
  const growth = { heapMB: last.heapMB - warm.heapMB, nodes: last.nodes - warm.nodes, wasmMB: last.wasmMB - warm.wasmMB };
  const problems = Object.entries(LIMITS)
    .filter(([key, limit]) => growth[key] > limit)
    .map(([key, limit]) => `${key} grew by ${growth[key].toFixed(1)} (limit ${limit})`);
  if (last.engines !== 1) problems.push(`${last.engines} engines alive in the page's worker`);
  if (app.errors.length) problems.push(...app.errors);
  return { samples, growth, ok: problems.length === 0, problems };
}

function format(s) {
  return `cycle ${String(s.cycle).padStart(4)} · ${s.minutes.toFixed(1).padStart(5)} min · heap ${s.heapMB.toFixed(1).padStart(6)} MB · ` +
    `${String(s.nodes).padStart(6)} DOM nodes · ${String(s.listeners).padStart(5)} listeners · wasm ${s.wasmMB.toFixed(0).padStart(4)} MB · ` +
    `${s.engines} engine · ${s.runs ?? '–'} runs kept`;
}

async function main() {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--minutes');
  const minutes = at >= 0 ? Number(argv[at + 1]) : 30;
  if (!(minutes > 0)) throw new Error('--minutes takes a number above 0');
  const { openPlayground } = await import('../tests/e2e/harness.mjs');
  const app = await openPlayground();
  try {
    await app.page.waitForFunction(() => window.nnp?.run.get().summary, null, { timeout: 60_000 });
    console.log(`soak: ${minutes} min of lessons, training, saving and loading, dataset switches`);
    const report = await soak(app, { minutes, log: (line) => console.log(line) });
    const g = report.growth;
    console.log(`growth after the first cycle: heap ${g.heapMB.toFixed(1)} MB, ${g.nodes} DOM nodes, wasm ${g.wasmMB.toFixed(0)} MB`);
    console.log(report.ok ? 'nothing kept growing' : `problems:\n  ${report.problems.join('\n  ')}`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await app.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
