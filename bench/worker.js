// The benchmark's module worker: runs ONE (engine × workload) case and posts the result to bench/page.js.
// The case comes in the worker's own URL (?case=<json>), so it starts the moment the page creates it:
//   { engine: 'nn-playground' | 'convnetjs' | 'tfjs-cpu' | 'tfjs-wasm', workload: <workloads.json entry>,
//     workloadId, dataset: { seed, train, test }, timing (workloads.json's, for this run), quick, budgetSeconds }
// Messages to the page: { type: 'log', text }, { type: 'first', workerMs } when the first training batch is
// done, { type: 'done', result }.
import { fetchMnist, splitMnist } from './data.js';
import { measure, classifyError } from './procedure.js';

const ADAPTERS = {
  'nn-playground': { module: './nn-playground.js', options: {} },
  convnetjs: { module: './peers/convnetjs.js', options: {} },
  'tfjs-cpu': { module: './peers/tfjs.js', options: { backend: 'cpu' } },
  'tfjs-wasm': { module: './peers/tfjs.js', options: { backend: 'wasm' } },
};

const root = new URL('../', import.meta.url); // the repository root, as served
const cfg = JSON.parse(new URL(self.location.href).searchParams.get('case'));
const log = (text) => self.postMessage({ type: 'log', text });
const now = () => performance.now();

/** The workload the engine can run: as asked, or with a declared optimizer fallback; null if neither. */
function plan(adapter, w) {
  const problems = adapter.check(w);
  if (!problems.length) return { workload: w, problems, substitutions: [] };
  if (problems.every((p) => p.what === 'optimizer')) {
    for (const { why, ...optimizer } of w.optimizerFallbacks || []) {
      const alt = { ...w, optimizer };
      if (!adapter.check(alt).length) {
        const reason = problems.map((p) => p.detail).join('; ');
        return { workload: alt, problems, substitutions: [{ what: 'optimizer', requested: w.optimizer, used: optimizer, why, reason }] };
      }
    }
  }
  return { workload: null, problems, substitutions: [] };
}

async function run() {
  const result = { engine: cfg.engine, workload: cfg.workloadId, status: 'ok', workerTimeOrigin: performance.timeOrigin, timings: {} };
  const timings = result.timings;
  let model = null;
  try {
    const spec = ADAPTERS[cfg.engine];
    if (!spec) throw new Error(`unknown engine ${cfg.engine}`);
    const { seed, train: nTrain, test: nTest } = cfg.dataset;
    // The engine (its module, or the library) and the data load in parallel.
    const t0 = now();
    timings.workerScriptsMs = t0; // the worker's own modules, fetched and evaluated before this line
    const [loaded, raw] = await Promise.all([
      (async () => {
        const adapter = await import(spec.module);
        const info = await adapter.load({ root, options: spec.options });
        timings.engineLoadMs = now() - t0;
        return { adapter, info };
      })(),
      (async () => {
        const bytes = await fetchMnist(new URL('www/data/mnist/', root));
        timings.dataFetchInflateMs = now() - t0;
        return bytes;
      })(),
    ]);
    const { adapter, info } = loaded;
    result.info = { ...info, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated: self.crossOriginIsolated };

    const p = plan(adapter, cfg.workload);
    result.substitutions = p.substitutions;
    result.problems = p.problems;
    if (!p.workload) {
      result.status = 'unsupported';
      result.error = p.problems.map((x) => `${x.what}: ${x.detail}`).join('; ');
      return result;
    }
    // The peers train on the split made here in JS; our engine splits inside setData (its split is
    // checked against this one after the measurement, so the check costs it no time before the first step).
    const base = { raw, splitSeed: seed, nTrain, nTest, inputSize: 784 };
    const ts = now();
    const data = cfg.engine === 'nn-playground' ? base : { ...base, ...splitMnist(raw, seed, nTrain, nTest) };
    timings.splitMs = now() - ts;
    const tc = now();
    model = await adapter.create(p.workload, data);
    timings.createMs = now() - tc;
    if (model.notes) result.notes = model.notes;
    if (model.summary) result.engineSummary = model.summary;
    if (model.spec) result.engineSpec = model.spec;

    const m = await measure(model, p.workload, {
      nTrain, timing: cfg.timing, quick: cfg.quick, budgetSeconds: cfg.budgetSeconds, log,
      onFirstBatch: (ms) => {
        timings.firstBatchMs = ms;
        timings.firstBatchDoneAt = now();
        self.postMessage({ type: 'first', workerMs: now() });
      },
    });
    Object.assign(result, m);
    if (model.verify) result.dataCheck = model.verify(splitMnist(raw, seed, nTrain, nTest));
    if (model.stats) result.stats = model.stats();
  } catch (e) {
    Object.assign(result, classifyError(e));
    log(`${result.status}: ${result.error}`);
  } finally {
    try {
      if (model && model.dispose) model.dispose();
    } catch {
      // a trapped instance has nothing left to free
    }
  }
  return result;
}

run().then((result) => self.postMessage({ type: 'done', result }));
