// Peers: TensorFlow.js (npm @tensorflow/tfjs@4.22.0) with its 'cpu' backend (plain JS kernels) or its
// 'wasm' backend (@tensorflow/tfjs-backend-wasm@4.22.0, XNNPACK), in the benchmark's worker. Everything
// is served from node_modules; setWasmPaths points the wasm backend at its .wasm files there.
//
// The model is a tf.layers sequential model trained with model.trainOnBatch per batch: a batch is copied
// into a fresh tensor, one-hot labels are built, and the returned loss is awaited, so each batch has
// finished before the next starts. Kernels are glorotUniform(seed), biases zero, dropout seeded.
// The workloads' L2 (ConvNetJS convention: gradient += l2/batch · w) is an l2 kernel regulariser of
// l2 / (2·batch), which adds exactly that gradient.
//
// The page is cross-origin isolated, so the wasm backend loads its threaded SIMD build when it can; the
// thread count it picks is recorded. In 4.22 the wasm backend has no Conv2DBackpropFilter kernel, so it
// cannot train a convolution: that case is reported as 'unsupported' with the library's error.
export const id = 'tfjs';
let tf = null;
let backend = null;

async function runClassicScript(url) {
  // UMD bundles; module workers have no importScripts. Indirect eval runs them at global scope, where
  // they attach themselves to globalThis.tf.
  const src = await (await fetch(url)).text();
  (0, eval)(`${src}\n//# sourceURL=${url}`);
}

export async function load({ root, options }) {
  backend = options.backend;
  if (!globalThis.tf) await runClassicScript(new URL('node_modules/@tensorflow/tfjs/dist/tf.min.js', root));
  if (backend === 'wasm') {
    await runClassicScript(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js', root));
    globalThis.tf.wasm.setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', root).href);
  }
  tf = globalThis.tf;
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`tfjs backend ${backend} did not start (active: ${tf.getBackend()})`);
  const info = {
    library: `@tensorflow/tfjs@${tf.version.tfjs}`,
    backend,
    precision: 'float32',
    execution: 'batched kernels; tf.layers model.trainOnBatch per batch, loss awaited',
    init: 'glorotUniform(seed) kernels, zero biases (tf.layers defaults, seeded)',
    dropout: 'tf.layers: inverted (scales by 1/(1 - rate) at train time)',
  };
  if (backend === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.threads = tf.wasm.getThreadsCount();
    info.build = info.simd && info.multithread ? 'threaded SIMD' : info.simd ? 'SIMD, single thread' : 'no SIMD';
  }
  return info;
}

export function check(w) {
  const problems = [];
  if (!['sgd', 'adam'].includes(w.optimizer.type)) problems.push({ what: 'optimizer', detail: w.optimizer.type });
  for (const L of w.layers) if (!['dense', 'conv2d', 'maxpool', 'dropout'].includes(L.type)) problems.push({ what: 'layer', detail: L.type });
  return problems;
}

export async function create(w, data) {
  const B = w.batchSize;
  const D = data.inputSize;
  const nb = Math.floor(data.nTrain / B);
  let seed = 1000 * (w.seed ?? 1);
  const shape = [28, 28, 1];
  const regularizer = () => (w.l2 ? tf.regularizers.l2({ l2: w.l2 / (2 * B) }) : undefined);
  const model = tf.sequential();
  let first = true;
  let spatial = true;
  const input = () => (first ? ((first = false), { inputShape: shape }) : {});
  for (const L of w.layers) {
    if (L.type === 'conv2d') {
      const p = L.pad ?? 0;
      const s = L.stride ?? 1;
      let padding = 'valid';
      if (p > 0 && s === 1 && 2 * p === L.kernel - 1) padding = 'same';
      else if (p > 0) model.add(tf.layers.zeroPadding2d({ ...input(), padding: p }));
      model.add(tf.layers.conv2d({
        ...input(), filters: L.filters, kernelSize: L.kernel, strides: s, padding, activation: L.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }), biasInitializer: 'zeros', kernelRegularizer: regularizer(),
      }));
    } else if (L.type === 'maxpool') {
      model.add(tf.layers.maxPooling2d({ ...input(), poolSize: L.size, strides: L.stride, padding: 'valid' }));
    } else if (L.type === 'dense') {
      if (spatial) model.add(tf.layers.flatten(input()));
      spatial = false;
      model.add(tf.layers.dense({
        ...input(), units: L.units, activation: L.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }), biasInitializer: 'zeros', kernelRegularizer: regularizer(),
      }));
    } else if (L.type === 'dropout') {
      model.add(tf.layers.dropout({ ...input(), rate: L.rate, seed: seed++ }));
    }
  }
  const o = w.optimizer;
  const optimizer = o.type === 'sgd' ? tf.train.momentum(o.lr, o.momentum ?? 0) : tf.train.adam(o.lr, o.beta1, o.beta2, o.eps);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const tensorsBefore = tf.memory().numTensors;
  return {
    notes: [`tf.layers: ${model.layers.map((l) => l.getClassName()).join(' > ')}`, `optimizer ${optimizer.getClassName()}`],
    async train(firstBatch, n) {
      for (let k = 0; k < n; k++) {
        const start = ((firstBatch + k) % nb) * B;
        const xs = tf.tensor4d(data.trainX.slice(start * D, (start + B) * D), [B, ...shape]);
        const oneHot = new Float32Array(B * 10);
        for (let i = 0; i < B; i++) oneHot[i * 10 + data.trainY[start + i]] = 1;
        const ys = tf.tensor2d(oneHot, [B, 10]);
        try {
          await model.trainOnBatch(xs, ys);
        } finally {
          xs.dispose();
          ys.dispose();
        }
      }
    },
    async accuracy() {
      let correct = 0;
      for (let i = 0; i < data.nTest; i += 500) {
        const m = Math.min(500, data.nTest - i);
        const t = tf.tidy(() => model.predict(tf.tensor4d(data.testX.slice(i * D, (i + m) * D), [m, ...shape])).argMax(-1));
        const predicted = await t.data();
        t.dispose();
        for (let k = 0; k < m; k++) if (predicted[k] === data.testY[i + k]) correct++;
      }
      return correct / data.nTest;
    },
    stats: () => ({ tensorsLeaked: tf.memory().numTensors - tensorsBefore }),
  };
}
