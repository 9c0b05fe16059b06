// Our engine in the benchmark's worker, driven the way the page's worker drives it: the wasm module from
// www/pkg (built by ./dev bench), an Engine built from a spec, the data handed over once with setData
// (uncompressed IDX bytes, split seed), then trainSteps in chunks of about one frame (20 ms) of work.
export const id = 'nn-playground';
let nn = null;

/** Time per trainSteps call the page's worker aims for (www/engine/training-loop.js, CHUNK_MS). */
const CHUNK_MS = 20;

/**
 * The engine spec of a workload. Layers map one to one (conv2d, maxpool, dense, dropout; "pad" is an alias
 * of "padding"). The engine's "l2" is PyTorch's (gradient += λ·w), the workloads' is ConvNetJS's
 * (gradient += l2/batchSize · w), so λ = l2 / batchSize gives the same update; either way the FLOPs per
 * step are the same. "shuffle": false trains in stored order; the most epochs the engine takes leave
 * room for the windows after the evaluation, however many epochs those need.
 */
export function engineSpec(w) {
  const o = w.optimizer;
  const optimizer = o.type === 'sgd'
    ? { type: 'sgd', lr: o.lr, momentum: o.momentum ?? 0 }
    : o.type === 'adadelta'
      ? { type: 'adadelta', lr: o.lr, rho: o.rho, eps: o.eps }
      : { type: o.type, lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps };
  return {
    input: [1, 28, 28],
    classes: 10,
    layers: w.layers.map((L) => ({ ...L })),
    optimizer,
    l2: (w.l2 || 0) / w.batchSize,
    batchSize: w.batchSize,
    epochs: 1000,
    seed: w.seed ?? 1,
    shuffle: false,
  };
}

export async function load({ root }) {
  nn = await import(new URL('www/pkg/nn_playground.js', root).href);
  await nn.default();
  return {
    library: `nn-playground@${nn.engineVersion()}`,
    precision: 'float32',
    simd128: nn.simdEnabled(),
    execution: `batched kernels, single thread; engine.trainSteps(n) with n sized to ~${CHUNK_MS} ms of work, as the page's worker does`,
    init: 'engine default (He/Glorot uniform from the spec seed)',
    dropout: 'inverted (scales by 1/(1 - rate) at train time)',
  };
}

export function check() {
  return [];
}

export async function create(w, data) {
  const spec = engineSpec(w);
  const engine = new nn.Engine(spec);
  engine.setData(data.raw.imagesIdx, data.raw.labelsIdx, data.splitSeed, data.nTrain, data.nTest);
  const summary = engine.summary();
  const nb = engine.stepsPerEpoch();
  let steps = 0;
  let chunk = 1;
  return {
    spec,
    summary: { forwardFlops: summary.forwardFlops, trainingFlops: summary.trainingFlops, totalParams: summary.totalParams },
    notes: [`spec ${JSON.stringify(spec)}`],
    train(first, n) {
      if (first !== steps % nb) throw new Error(`internal: the engine is at batch ${steps % nb}, asked for ${first}`);
      for (let left = n; left > 0;) {
        const m = Math.min(chunk, left);
        const t0 = performance.now();
        const r = engine.trainSteps(m);
        const dt = Math.max(0.1, performance.now() - t0);
        const ran = r.steps - steps;
        if (ran !== m) throw new Error(`trainSteps(${m}) ran ${ran} steps (done: ${r.done})`);
        if (r.nonFinite) throw new Error('the loss became non-finite');
        steps = r.steps;
        left -= m;
        chunk = Math.max(1, Math.min(chunk * 2, Math.round((CHUNK_MS * m) / dt)));
      }
    },
    accuracy() {
      return engine.evaluate(data.nTest).accuracy;
    },
    /** Checks that the engine split the data as the peers' split (bench/data.js) does. */
    verify(split) {
      const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
      const n = split.nTrain;
      const check = {
        testLabels: same(engine.testLabels(), split.testY),
        testImages: same(engine.testImages(), split.testU8),
        trainImages: same(engine.trainSample(n), split.trainU8),
        trainLabels: same(engine.trainLabelsSample(n), split.trainY),
      };
      check.identical = Object.values(check).every(Boolean);
      if (!check.identical) throw new Error(`the engine's split differs from the peers' split: ${JSON.stringify(check)}`);
      return check;
    },
    dispose() {
      engine.free();
    },
  };
}
