// The engine side of the optional export test: for each network below, the built engine (www/pkg,
// loaded in Node) trains a few steps on the shipped MNIST, and this writes into OUT/<network>/ the
// export files (www/export) and engine.json: the engine's accuracy, predictions and probabilities on
// the first 200 test images, and those images (u8) for the ONNX check.
//
//   node tests/optional/export_fixture.mjs OUT
//
// For the networks of STEPPED (no dropout, no augmentation, stored order), it also writes initial.safetensors
// (the weights before training) and stepped.safetensors (after STEPS steps), so that the PyTorch script
// can be checked to take the engine's steps: same optimizer, L2, clipping and schedule.
//
// Exits 3 with a note when the engine is not built (./dev build makes www/pkg).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { exportFiles, pytorchWeights } from '../../www/export/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const COMPARED = 200;

const adam = { type: 'adam', lr: 0.002 };
const conv = (filters, kernel, extra = {}) => ({ type: 'conv2d', filters, kernel, activation: 'relu', ...extra });
const out10 = { type: 'dense', units: 10, activation: 'softmax' };

/** Networks that cover every layer kind, padding form, activation, optimizer and schedule. */
export const NETWORKS = {
  // The page's default: "same" 5×5 convolutions and a pooling that rounds down (14 → 4).
  default: {
    layers: [conv(8, 5, { padding: 'same' }), { type: 'maxpool2d', size: 2, stride: 2 }, conv(16, 5, { padding: 'same' }), { type: 'maxpool2d', size: 3, stride: 3 }, out10],
    optimizer: adam,
  },
  // Even kernel: "same" pads 1 top/left and 2 bottom/right; stride 2; average pooling; tanh; SGD with Nesterov and a step schedule.
  asymmetric: {
    layers: [conv(6, 4, { padding: 'same', stride: 2, activation: 'tanh' }), { type: 'avgpool2d', size: 2 }, { type: 'dense', units: 24, activation: 'sigmoid' }, out10],
    optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, schedule: { type: 'step', everyEpochs: 1, gamma: 0.5 }, l2: 0.0005,
  },
  // Pixel padding, a rectangular kernel, a standalone activation, leaky ReLU and ELU with their alphas, dropout, an explicit flatten.
  mixed: {
    layers: [
      { type: 'conv2d', filters: 5, kernel: [3, 5], padding: 1, activation: 'linear' },
      { type: 'activation', fn: 'leaky_relu', alpha: 0.1 },
      { type: 'maxpool2d', size: 3, stride: 2 },
      { type: 'dropout', rate: 0.25 },
      { type: 'flatten' },
      { type: 'dense', units: 32, activation: 'elu', alpha: 0.5 },
      { type: 'dropout', rate: 0.5 },
      out10,
    ],
    optimizer: { type: 'adamw', lr: 0.003, weightDecay: 0.05 }, l2: 0.0001, clipNorm: 1,
  },
  // An MLP with RMSprop, a cosine schedule and augmentation.
  mlp: {
    layers: [{ type: 'dense', units: 48, activation: 'relu' }, { type: 'dense', units: 16, activation: 'leaky_relu' }, out10],
    optimizer: { type: 'rmsprop', lr: 0.001, momentum: 0.5 }, schedule: { type: 'cosine', minLr: 0.0001 }, augment: true,
  },
};

/** Optimizer conventions, checked step by step (the order of the examples is the split's: no shuffle). */
export const STEPPED = {
  sgd: {
    layers: [conv(4, 3, { padding: 'same', stride: 2 }), { type: 'maxpool2d', size: 2 }, { type: 'dense', units: 10, activation: 'softmax' }],
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }, l2: 0.001, clipNorm: 0.5, schedule: { type: 'cosine', minLr: 0.001 }, epochs: 1,
  },
  adamw: {
    layers: [{ type: 'dense', units: 20, activation: 'tanh' }, out10],
    optimizer: { type: 'adamw', lr: 0.01, weightDecay: 0.1 }, l2: 0.001, schedule: { type: 'step', everyEpochs: 1, gamma: 0.1 },
  },
  rmsprop: {
    layers: [{ type: 'dense', units: 20, activation: 'elu' }, out10],
    optimizer: { type: 'rmsprop', lr: 0.001, momentum: 0.9 }, l2: 0.01,
  },
  adam: {
    layers: [conv(3, 4, { padding: 'same', activation: 'leaky_relu' }), { type: 'avgpool2d', size: 4 }, out10],
    optimizer: { type: 'adam', lr: 0.01 }, l2: 0.01,
  },
};
export const STEPS = 5;

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node tests/optional/export_fixture.mjs OUT');
  const wasmPath = `${root}www/pkg/nn_playground_bg.wasm`;
  if (!existsSync(wasmPath)) {
    console.log('note: the engine is not built (www/pkg); ./dev build makes it');
    process.exit(3);
  }
  const { initSync, Engine } = await import('../../www/pkg/nn_playground.js');
  initSync({ module: readFileSync(wasmPath) });
  const images = gunzipSync(readFileSync(`${root}www/data/mnist/images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${root}www/data/mnist/labels-idx1-ubyte.gz`));
  for (const [name, extra] of Object.entries(NETWORKS)) {
    const engine = new Engine({ input: [1, 28, 28], classes: 10, batchSize: 32, epochs: 2, seed: 7, ...extra });
    engine.setData(images, labels, 0, 8000, 2000);
    engine.trainSteps(60);
    const evaluation = engine.evaluate(COMPARED);
    const model = {
      spec: engine.spec(), summary: engine.summary(), layout: engine.paramLayout(), values: engine.paramValues(),
      data: { name: 'mnist', nTrain: 8000, nTest: 2000, splitSeed: 0 }, title: `Export test: ${name}`,
    };
    const dir = `${out}/${name}`;
    mkdirSync(dir, { recursive: true });
    for (const f of exportFiles(model)) writeFileSync(`${dir}/${f.name}`, f.content);
    const testImages = engine.testImages().subarray(0, COMPARED * 784);
    writeFileSync(`${dir}/test_images.u8`, testImages);
    writeFileSync(`${dir}/engine.json`, JSON.stringify({
      totalParams: model.summary.totalParams,
      accuracy: evaluation.accuracy,
      predictions: [...evaluation.predictions],
      probabilities: [...evaluation.confidences],
      labels: [...engine.testLabels().subarray(0, COMPARED)],
    }));
    engine.free();
    console.log(`${name}: ${model.summary.totalParams} parameters, engine accuracy on ${COMPARED} test images ${evaluation.accuracy}`);
  }
  for (const [name, extra] of Object.entries(STEPPED)) {
    const engine = new Engine({ input: [1, 28, 28], classes: 10, batchSize: 16, epochs: 2, seed: 11, shuffle: false, ...extra });
    engine.setData(images, labels, 0, 8000, 2000);
    const model = () => ({
      spec: engine.spec(), summary: engine.summary(), layout: engine.paramLayout(), values: engine.paramValues(),
      data: { name: 'mnist', nTrain: 8000, nTest: 2000, splitSeed: 0 },
    });
    const dir = `${out}/steps-${name}`;
    mkdirSync(dir, { recursive: true });
    for (const f of exportFiles(model(), { weights: false })) writeFileSync(`${dir}/${f.name}`, f.content);
    writeFileSync(`${dir}/initial.safetensors`, pytorchWeights(model()));
    engine.trainSteps(STEPS);
    writeFileSync(`${dir}/stepped.safetensors`, pytorchWeights(model()));
    writeFileSync(`${dir}/steps.json`, JSON.stringify({ steps: STEPS }));
    engine.free();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
