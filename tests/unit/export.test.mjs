// The export generators (www/export) without the engine: the scripts' text against hand-written
// summaries (the Plans src/model/validate.rs makes for these specs; its tests pin the same shapes),
// the weights files and the ONNX model parsed back, and the layout transforms on tiny tensors.
// tests/optional/export_frameworks.py runs the scripts in PyTorch and Keras against the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import {
  exportFiles, kerasScript, kerasWeights, onnxModel, pytorchScript, pytorchWeights,
} from '../../www/export/index.js';
import { namedLayers, oihwToHwio, samePadding, transpose2d } from '../../www/export/network.js';
import { crc32 } from '../../www/export/crc32.js';
import { npyBytes } from '../../www/export/npz.js';
import { safetensorsBytes } from '../../www/export/safetensors.js';

// ---------------------------------------------------------------------------------------------
// Summaries as the engine writes them (camelCase, op tagged by "op", dims {c, h, w})

const dims = (c, h = 1, w = 1) => ({ c, h, w });
const layer = (specIndex, op, inDims, outDims, params = 0, implicit = false) => ({ specIndex, op, inDims, outDims, params, flops: 0, implicit });
const pads = (top, bottom, left, right) => ({ top, bottom, left, right });
const conv = (i, filters, k, stride, pad, from, to) => layer(i, { op: 'conv2d', filters, kh: k[0], kw: k[1], stride, pad }, from, to, filters * from.c * k[0] * k[1] + filters);
const act = (i, fn, d, alpha = fn === 'leaky_relu' ? 0.01 : 1) => layer(i, { op: 'activation', function: fn, alpha }, d, d);
const pool = (i, kind, size, stride, from, to) => layer(i, { op: kind, size, stride }, from, to);
const flatten = (i, from, implicit = true) => layer(i, { op: 'flatten' }, from, dims(from.c * from.h * from.w), 0, implicit);
const dense = (i, units, from) => layer(i, { op: 'dense', units }, from, dims(units), from.c * from.h * from.w * units + units);
const summaryOf = (input, layers, classes = 10) => ({ input, classes, layers, totalParams: layers.reduce((n, l) => n + l.params, 0), forwardFlops: 0, trainingFlops: 0, memoryBytes: 0 });

/** The convnetjs MNIST network of validate.rs's `convnetjs_mnist_shapes_and_costs` (5,994 parameters). */
const CONVNET = {
  spec: {
    input: [1, 28, 28], classes: 10,
    layers: [
      { type: 'conv2d', filters: 8, kernel: 5, stride: 1, padding: 2, activation: 'relu' },
      { type: 'maxpool2d', size: 2, stride: 2 },
      { type: 'conv2d', filters: 16, kernel: 5, stride: 1, padding: 2, activation: 'relu' },
      { type: 'maxpool2d', size: 3, stride: 3 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', lr: 0.009999999776482582, momentum: 0.8999999761581421, nesterov: true },
    l2: 0.0005000000237487257, schedule: { type: 'step', everyEpochs: 2, gamma: 0.5 }, clipNorm: 5, batchSize: 64, epochs: 3, seed: 42, augment: true, shuffle: true,
  },
  summary: summaryOf(dims(1, 28, 28), [
    conv(0, 8, [5, 5], 1, pads(2, 2, 2, 2), dims(1, 28, 28), dims(8, 28, 28)),
    act(0, 'relu', dims(8, 28, 28)),
    pool(1, 'maxpool2d', 2, 2, dims(8, 28, 28), dims(8, 14, 14)),
    conv(2, 16, [5, 5], 1, pads(2, 2, 2, 2), dims(8, 14, 14), dims(16, 14, 14)),
    act(2, 'relu', dims(16, 14, 14)),
    pool(3, 'maxpool2d', 3, 3, dims(16, 14, 14), dims(16, 4, 4)), // (14 − 3)/3 + 1 = 4: floor
    flatten(4, dims(16, 4, 4)),
    dense(4, 10, dims(256)),
  ]),
};

/** validate.rs's `same_padding_keeps_size_with_stride_one_and_halves_with_two`, with tanh, avg pooling, dropout and AdamW. */
const SAME = {
  spec: {
    input: [1, 9, 7], classes: 10,
    layers: [
      { type: 'conv2d', filters: 2, kernel: 4, padding: 'same', activation: 'tanh' },
      { type: 'conv2d', filters: 2, kernel: 3, stride: 2, padding: 'same' },
      { type: 'avgpool2d', size: 2 },
      { type: 'dropout', rate: 0.25 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'adamw', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
    l2: 0.0001, schedule: { type: 'cosine', minLr: 0.00001 }, batchSize: 32, epochs: 2, seed: 0,
  },
  summary: summaryOf(dims(1, 9, 7), [
    conv(0, 2, [4, 4], 1, pads(1, 2, 1, 2), dims(1, 9, 7), dims(2, 9, 7)), // even kernel: the extra pixel bottom/right
    act(0, 'tanh', dims(2, 9, 7)),
    conv(1, 2, [3, 3], 2, pads(1, 1, 1, 1), dims(2, 9, 7), dims(2, 5, 4)), // ceil(9/2) = 5, ceil(7/2) = 4
    pool(2, 'avgpool2d', 2, 2, dims(2, 5, 4), dims(2, 2, 2)),
    layer(3, { op: 'dropout', rate: 0.25 }, dims(2, 2, 2), dims(2, 2, 2)),
    flatten(4, dims(2, 2, 2)),
    dense(4, 10, dims(8)),
  ]),
};

/** An MLP with leaky ReLU and ELU alphas, an explicit flatten and RMSprop. */
const MLP = {
  spec: {
    input: [1, 4, 4], classes: 3,
    layers: [
      { type: 'flatten' },
      { type: 'dense', units: 5, activation: 'leaky_relu', alpha: 0.1 },
      { type: 'dense', units: 4, activation: 'elu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    optimizer: { type: 'rmsprop', lr: 0.001, alpha: 0.99, eps: 1e-8, momentum: 0 }, l2: 0, batchSize: 8, epochs: 1, seed: 3,
  },
  summary: summaryOf(dims(1, 4, 4), [
    flatten(0, dims(1, 4, 4), false),
    dense(1, 5, dims(16)),
    act(1, 'leaky_relu', dims(5), Math.fround(0.1)), // the engine's f32, written back as 0.1
    dense(2, 4, dims(5)),
    act(2, 'elu', dims(4)),
    dense(3, 3, dims(4)),
  ], 3),
};

/** The engine's paramLayout() for a summary: each conv/dense layer's weights, then its bias. */
function layoutOf(summary) {
  const layout = [];
  let offset = 0;
  for (const l of summary.layers) {
    if (!l.params) continue;
    const n = l.specIndex + 1;
    if (l.op.op === 'batchnorm') {
      for (const role of ['scale', 'shift']) {
        layout.push({ name: `layer ${n} batchnorm ${role}`, layer: l.specIndex, offset, len: l.inDims.c, shape: [l.inDims.c], decay: false });
        offset += l.inDims.c;
      }
      continue;
    }
    const w = l.op.op === 'conv2d' ? [l.op.filters, l.inDims.c, l.op.kh, l.op.kw] : [l.op.units, l.inDims.c * l.inDims.h * l.inDims.w];
    const len = w.reduce((a, b) => a * b, 1);
    layout.push({ name: `layer ${n} ${l.op.op} weights`, layer: l.specIndex, offset, len, shape: w, decay: true });
    offset += len;
    layout.push({ name: `layer ${n} ${l.op.op} bias`, layer: l.specIndex, offset, len: w[0], shape: [w[0]], decay: false });
    offset += w[0];
  }
  return layout;
}

/** A full export model with the value of parameter k = k / 1000 (each value tells where it came from). */
function withWeights(net, data) {
  const layout = layoutOf(net.summary);
  const values = Float32Array.from({ length: net.summary.totalParams }, (_, k) => k / 1000);
  return { ...net, layout, values, data };
}

// ---------------------------------------------------------------------------------------------
// The scripts' text

test('names follow the spec layers, counting from 1 as the page does', () => {
  assert.deepEqual(namedLayers(CONVNET.summary).map((l) => l.name),
    ['conv1', 'relu1', 'maxpool2', 'conv3', 'relu3', 'maxpool4', 'flatten5', 'dense5']);
  assert.deepEqual(namedLayers(MLP.summary).map((l) => l.name),
    ['flatten1', 'dense2', 'leaky_relu2', 'dense3', 'elu3', 'dense4']);
  // He before a ReLU-family activation, Glorot otherwise (src/model/network.rs init_for).
  assert.deepEqual(namedLayers(SAME.summary).filter((l) => l.init).map((l) => `${l.name} ${l.init}`), ['conv1 glorot', 'conv2 glorot', 'dense5 glorot']);
  assert.deepEqual(namedLayers(CONVNET.summary).filter((l) => l.init).map((l) => l.init), ['he', 'he', 'glorot']);
});

test('a c×1×1 input gets the flatten step the frameworks need before a dense layer', () => {
  const summary = summaryOf(dims(6), [dense(0, 4, dims(6)), act(0, 'relu', dims(4)), dense(1, 3, dims(4))], 3);
  assert.deepEqual(namedLayers(summary).map((l) => l.name), ['flatten1', 'dense1', 'relu1', 'dense2']);
});

/** The lines of a script between two markers. */
function section(text, from, to) {
  const start = text.indexOf(from);
  assert.ok(start >= 0, `no ${from}`);
  return text.slice(start, text.indexOf(to, start));
}

test('the PyTorch script builds the summary\'s layers with its shapes and parameter count', () => {
  const text = pytorchScript(CONVNET);
  const modules = section(text, 'super().__init__(OrderedDict([', ']))');
  const entries = [...modules.matchAll(/\("(\w+)", (nn\.\w+)\(([^\n]*)\)\),\s+# → ([^,\n]+)(?:, ([\d,]+) parameters)?/g)]
    .map((m) => [m[1], m[2], m[4], m[5] ?? '']);
  assert.deepEqual(entries, [
    ['conv1', 'nn.Conv2d', '8×28×28', '208'],
    ['relu1', 'nn.ReLU', '8×28×28', ''],
    ['maxpool2', 'nn.MaxPool2d', '8×14×14', ''],
    ['conv3', 'nn.Conv2d', '16×14×14', '3,216'],
    ['relu3', 'nn.ReLU', '16×14×14', ''],
    ['maxpool4', 'nn.MaxPool2d', '16×4×4', ''],
    ['flatten5', 'nn.Flatten', '256', ''],
    ['dense5', 'nn.Linear', '10', '2,570'],
  ]);
  assert.match(modules, /nn\.Conv2d\(1, 8, kernel_size=5, stride=1, padding=\(2, 2\)\)/);
  assert.match(modules, /nn\.MaxPool2d\(kernel_size=3, stride=3\)/); // ceil_mode stays False: floor, as the engine
  assert.match(modules, /nn\.Linear\(256, 10\)/);
  assert.match(text, /^EXPECTED_PARAMETERS = 5994 /m);
  assert.match(text, /assert parameters == EXPECTED_PARAMETERS/);
  // The header's table: one row per layer and the total.
  const header = section(text, '"""', 'Softmax is in the loss');
  for (const row of ['conv1     8×28×28', 'maxpool4  16×4×4', 'flatten5  256', 'dense5    10']) assert.ok(header.includes(row), `${row} in\n${header}`);
  assert.match(header, /5,994  in total/);
  // The initialisation the engine uses.
  assert.match(text, /nn\.init\.kaiming_uniform_\(self\.conv1\.weight, nonlinearity="relu"\)/);
  assert.match(text, /nn\.init\.xavier_uniform_\(self\.dense5\.weight\)/);
});

test('the PyTorch script has the page\'s optimizer, L2 on weights only, schedule, clipping, augmentation and data', () => {
  const text = pytorchScript({ ...CONVNET, data: { name: 'fashion', nTrain: 500, nTest: 2000 } });
  // f32 values written as their shortest decimals
  for (const line of ['LEARNING_RATE = 0.01', 'MOMENTUM = 0.9', 'NESTEROV = True', 'L2 = 0.0005', 'CLIP_NORM = 5.0', 'BATCH_SIZE = 64',
    'EPOCHS = 3', 'SEED = 42', 'AUGMENT = True', 'STEP_EVERY_EPOCHS = 2', 'STEP_GAMMA = 0.5', 'N_TRAIN = 500', 'N_TEST = 2000',
    'SPLIT_SEED = 0', 'DATA_FOLDER = "data/fashion"', 'IMAGES_FILE = "images-idx3-ubyte.gz"']) {
    assert.match(text, new RegExp(`^${line.replace(/[.()]/g, '\\$&')}(\\s|$)`, 'm'), line);
  }
  assert.match(text, /torch\.optim\.SGD\(groups, lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV\)/);
  assert.match(text, /\{"params": weights, "weight_decay": L2\},\s+\{"params": biases, "weight_decay": 0\.0\}/);
  assert.match(text, /StepLR\(optimizer, step_size=STEP_EVERY_EPOCHS, gamma=STEP_GAMMA\)/);
  assert.match(text, /clip_grad_norm_\(model\.parameters\(\), CLIP_NORM\)/);
  assert.match(text, /DistributedDataParallel\(/);
  assert.match(text, /DistributedSampler\(/);
  assert.match(text, /backend="nccl" if use_gpu else "gloo"/);
  assert.match(text, /torchrun --nproc_per_node=4/);
  assert.match(text, /70,000 images/);
  assert.doesNotMatch(text, /undefined|NaN|\bnull\b|\[object/);
});

test('asymmetric "same" padding becomes a ZeroPad2d before the convolution in PyTorch', () => {
  const text = pytorchScript(SAME);
  assert.match(text, /\("pad1", nn\.ZeroPad2d\(\(1, 2, 1, 2\)\)\),  # left, right, top, bottom\n\s+\("conv1", nn\.Conv2d\(1, 2, kernel_size=4, stride=1\)\)/);
  assert.match(text, /\("conv2", nn\.Conv2d\(2, 2, kernel_size=3, stride=2, padding=\(1, 1\)\)\),\s+# → 2×5×4/);
  assert.match(text, /\("dropout4", nn\.Dropout\(p=0\.25\)\)/);
  assert.match(text, /nn\.AvgPool2d\(kernel_size=2, stride=2\)/);
  // AdamW: decoupled decay on weights only, and the page's L2 added to the gradient by hand.
  assert.match(text, /"weight_decay": WEIGHT_DECAY\},\s+\{"params": biases, "weight_decay": 0\.0\}/);
  assert.match(text, /torch\.optim\.AdamW\(groups, lr=LEARNING_RATE, betas=BETAS, eps=EPS\)/);
  assert.match(text, /p\.grad\.add_\(p, alpha=L2\)/);
  assert.match(text, /CosineAnnealingLR\(optimizer, T_max=max\(1, epochs \* steps_per_epoch\), eta_min=MIN_LR\)/);
  assert.match(text, /^            schedule\.step\(\)$/m); // per batch
  assert.match(text, /^EXPECTED_PARAMETERS = 162 /m); // 2·16+2 + 2·2·9+2 + 8·10+10
});

test('the Keras script is channels last, flattens in the page\'s order and counts the same parameters', () => {
  const text = kerasScript(CONVNET);
  const model = section(text, 'keras.Sequential([', '], name="playground")');
  const names = [...model.matchAll(/name="(\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(names, ['image', 'conv1', 'relu1', 'maxpool2', 'conv3', 'relu3', 'maxpool4', 'channels_first5', 'flatten5', 'dense5']);
  assert.match(model, /keras\.Input\(shape=\(INPUT_SHAPE\[1\], INPUT_SHAPE\[2\], INPUT_SHAPE\[0\]\)/);
  // 28 + 2 + 2 − 5 + 1 = 28 is Keras's "same" for 5×5 at stride 1.
  assert.match(model, /layers\.Conv2D\(8, \(5, 5\), strides=1, padding="same", kernel_initializer="he_uniform", kernel_regularizer=regularizer, name="conv1"\),  # → 28×28×8, 208 parameters/);
  assert.match(model, /layers\.MaxPooling2D\(pool_size=3, strides=3, name="maxpool4"\),  # → 4×4×16/);
  assert.match(model, /layers\.Permute\(\(3, 1, 2\), name="channels_first5"\),  # → 16×4×4/);
  assert.match(model, /layers\.Dense\(10, kernel_initializer="glorot_uniform", kernel_regularizer=regularizer, name="dense5"\),  # → 10, 2,570 parameters/);
  assert.match(text, /^EXPECTED_PARAMETERS = 5994 /m);
  assert.match(text, /regularizers\.L2\(L2 \/ 2\)/);
  assert.match(text, /keras\.optimizers\.SGD\(learning_rate, momentum=MOMENTUM, nesterov=NESTEROV, global_clipnorm=CLIP_NORM\)/);
  assert.match(text, /ExponentialDecay\(\s+LEARNING_RATE, decay_steps=STEP_EVERY_EPOCHS \* steps_per_epoch, decay_rate=STEP_GAMMA, staircase=True\)/);
  assert.match(text, /SparseCategoricalCrossentropy\(from_logits=True\)/);
  assert.doesNotMatch(text, /undefined|NaN|\bnull\b|\[object/);
});

test('Keras gets padding="same" where it is TensorFlow\'s, and zero padding layers elsewhere', () => {
  const text = kerasScript(SAME);
  assert.match(text, /layers\.Conv2D\(2, \(4, 4\), strides=1, padding="same", kernel_initializer="glorot_uniform", kernel_regularizer=regularizer, name="conv1"\),  # → 9×7×2/);
  assert.match(text, /layers\.Conv2D\(2, \(3, 3\), strides=2, padding="same",[^\n]+# → 5×4×2/);
  assert.match(text, /optimizer\.exclude_from_weight_decay\(var_names=\["bias"\]\)/);
  assert.match(text, /CosineDecay\(\s+LEARNING_RATE, decay_steps=max\(1, epochs \* steps_per_epoch\), alpha=MIN_LR \/ LEARNING_RATE\)/);
  // 1 pixel of padding around a 5×5 kernel is not "same" (2 on each side for 9×7 at stride 2): an explicit ZeroPadding2D.
  assert.deepEqual([samePadding(9, 5, 2), samePadding(7, 5, 2)], [[2, 2], [2, 2]]);
  const padded = {
    spec: { ...SAME.spec, layers: [{ type: 'conv2d', filters: 2, kernel: 5, stride: 2, padding: 1 }, { type: 'dense', units: 10, activation: 'softmax' }] },
    summary: summaryOf(dims(1, 9, 7), [conv(0, 2, [5, 5], 2, pads(1, 1, 1, 1), dims(1, 9, 7), dims(2, 4, 3)), flatten(1, dims(2, 4, 3)), dense(1, 10, dims(24))]),
  };
  assert.match(kerasScript(padded), /layers\.ZeroPadding2D\(\(\(1, 1\), \(1, 1\)\), name="pad1"\),[^\n]*\n\s+layers\.Conv2D\(2, \(5, 5\), strides=2, padding="valid"/);
  assert.match(pytorchScript(padded), /\("conv1", nn\.Conv2d\(1, 2, kernel_size=5, stride=2, padding=\(1, 1\)\)\),  # → 2×4×3/);
  // Leaky ReLU's slope and ELU's alpha are the engine's, not Keras's defaults; RMSprop's alpha is rho.
  const mlp = kerasScript(MLP);
  assert.match(mlp, /layers\.LeakyReLU\(negative_slope=0\.1, name="leaky_relu2"\)/);
  assert.match(mlp, /layers\.ELU\(alpha=1\.0, name="elu3"\)/);
  assert.match(mlp, /keras\.optimizers\.RMSprop\(learning_rate, rho=RHO/);
  assert.match(mlp, /^RHO = 0\.99 /m);
  assert.match(pytorchScript(MLP), /\("leaky_relu2", nn\.LeakyReLU\(negative_slope=0\.1\)\)/);
});

test('Adagrad and Adadelta export with the engine\'s (PyTorch\'s) settings, not Keras\'s defaults', () => {
  const adagrad = { ...MLP, spec: { ...MLP.spec, optimizer: { type: 'adagrad', lr: 0.01, lrDecay: 0.001 } } };
  const torchText = pytorchScript(adagrad);
  assert.match(torchText, /^LR_DECAY = 0\.001$/m);
  assert.match(torchText, /^INITIAL_ACCUMULATOR = 0\.0$/m);
  assert.match(torchText, /^EPS = 1e-10$/m);
  assert.match(torchText, /torch\.optim\.Adagrad\(\s+groups, lr=LEARNING_RATE, lr_decay=LR_DECAY, initial_accumulator_value=INITIAL_ACCUMULATOR, eps=EPS\)/);
  const kerasText = kerasScript(adagrad);
  assert.match(kerasText, /^INITIAL_ACCUMULATOR = 0\.0 /m);
  assert.match(kerasText, /^EPSILON = 1e-10 /m);
  assert.match(kerasText, /InverseTimeDecay\(LEARNING_RATE, decay_steps=1, decay_rate=LR_DECAY\)/);
  assert.match(kerasText, /keras\.optimizers\.Adagrad\(\s+learning_rate, initial_accumulator_value=INITIAL_ACCUMULATOR, epsilon=EPSILON/);
  const adadelta = { ...MLP, spec: { ...MLP.spec, optimizer: { type: 'adadelta' } } };
  const torchDelta = pytorchScript(adadelta);
  assert.match(torchDelta, /^LEARNING_RATE = 1\.0$/m);
  assert.match(torchDelta, /torch\.optim\.Adadelta\(groups, lr=LEARNING_RATE, rho=RHO, eps=EPS\)/);
  const kerasDelta = kerasScript(adadelta);
  assert.match(kerasDelta, /^RHO = 0\.9 /m);
  assert.match(kerasDelta, /^EPSILON = 0\.000001 /m);
  assert.match(kerasDelta, /keras\.optimizers\.Adadelta\(learning_rate, rho=RHO, epsilon=EPSILON/);
});

test('a person\'s own files with a separate test pair are named in the scripts', () => {
  const data = { name: 'custom', nTrain: 300, nTest: 100, separateTest: true, files: { images: 'my-train-images.gz', labels: 'my-train-labels.gz', testImages: 'my-test-images', testLabels: 'my-test-labels' } };
  for (const text of [pytorchScript({ ...MLP, data }), kerasScript({ ...MLP, data })]) {
    assert.match(text, /^TEST_IMAGES_FILE = "my-test-images"$/m);
    assert.match(text, /^IMAGES_FILE = "my-train-images\.gz"$/m);
    assert.match(text, /^N_TRAIN = 300 /m);
    assert.match(text, /^DATA_FOLDER = "data" /m);
  }
  assert.throws(() => pytorchScript({ ...MLP, data: { name: 'custom' } }), /names of its images and labels/);
});

test('a summary that belongs to another spec, or a layout that does not fit it, is refused in words', () => {
  assert.throws(() => pytorchScript({ spec: CONVNET.spec, summary: SAME.summary }), /input 1×9×7 is not the spec's 1×28×28/);
  const model = withWeights(CONVNET);
  assert.throws(() => pytorchWeights({ ...model, values: model.values.subarray(1) }), /hold 5993 numbers/);
  const layout = model.layout.map((p, i) => (i === 0 ? { ...p, shape: [8, 1, 25] } : p));
  assert.throws(() => kerasWeights({ ...model, layout }), /layer 1 \(conv\)/);
  assert.throws(() => onnxModel(CONVNET), /paramLayout/);
});

// ---------------------------------------------------------------------------------------------
// Layout transforms

test('conv weights OIHW → HWIO and dense weights transposed, on tiny tensors', () => {
  // [o=2, i=3, h=2, w=2], value = 1000·o + 100·i + 10·h + w
  const shape = [2, 3, 2, 2];
  const oihw = new Float32Array(24);
  for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) oihw[((o * 3 + i) * 2 + h) * 2 + w] = 1000 * o + 100 * i + 10 * h + w;
  const hwio = oihwToHwio(oihw, shape);
  for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) for (let i = 0; i < 3; i++) for (let o = 0; o < 2; o++) {
    assert.equal(hwio[((h * 2 + w) * 3 + i) * 2 + o], 1000 * o + 100 * i + 10 * h + w);
  }
  // [[1, 2, 3], [4, 5, 6]] → [[1, 4], [2, 5], [3, 6]]
  assert.deepEqual([...transpose2d(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])], [1, 4, 2, 5, 3, 6]);
});

// ---------------------------------------------------------------------------------------------
// Files parsed back

function parseSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const start = 8 + length;
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = info.data_offsets;
    tensors[name] = { ...info, values: Array.from({ length: (e - b) / 4 }, (_, k) => view.getFloat32(start + b + 4 * k, true)) };
  }
  return { length, header, tensors, dataLength: bytes.length - start };
}

test('the safetensors file has the state_dict names, PyTorch shapes and the engine\'s values', () => {
  const model = withWeights(CONVNET);
  const file = parseSafetensors(pytorchWeights(model));
  assert.equal(file.length % 8, 0);
  assert.deepEqual(file.header.__metadata__, { format: 'pt', source: 'nn-playground', parameters: '5994' });
  assert.deepEqual(Object.keys(file.tensors), ['conv1.weight', 'conv1.bias', 'conv3.weight', 'conv3.bias', 'dense5.weight', 'dense5.bias']);
  assert.deepEqual(Object.values(file.tensors).map((t) => t.shape), [[8, 1, 5, 5], [8], [16, 8, 5, 5], [16], [10, 256], [10]]);
  let end = 0;
  for (const t of Object.values(file.tensors)) {
    assert.equal(t.dtype, 'F32');
    assert.equal(t.data_offsets[0], end, 'tensors follow each other');
    end = t.data_offsets[1];
  }
  assert.equal(end, file.dataLength);
  assert.equal(end, 4 * 5994);
  // Values unchanged and in the engine's order: dense5.weight starts at parameter 208 + 3216 + 16·... = its layout offset.
  const denseOffset = model.layout.find((p) => p.name === 'layer 5 dense weights').offset;
  assert.equal(file.tensors['dense5.weight'].values[0], Math.fround(denseOffset / 1000));
  assert.equal(file.tensors['conv1.bias'].values[7], Math.fround(207 / 1000));
  assert.throws(() => safetensorsBytes([{ name: 'x', shape: [2], data: new Float32Array(3) }]), /holds 2 values/);
});

/** The files of a ZIP, each checked: local header, stored, sizes and CRC-32 as the central directory says. */
function parseZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  assert.equal(view.getUint32(end, true), 0x06054b50, 'end of central directory');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = {};
  for (let k = 0; k < count; k++) {
    assert.equal(view.getUint32(at, true), 0x02014b50, 'central directory header');
    assert.equal(view.getUint16(at + 10, true), 0, 'stored');
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 20, true);
    assert.equal(view.getUint32(at + 24, true), size);
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    assert.equal(view.getUint32(local, true), 0x04034b50, 'local file header');
    assert.equal(view.getUint32(local + 14, true), crc);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(dataStart, dataStart + size);
    assert.equal(zlibCrc32(data), crc, `CRC-32 of ${name}`);
    files[name] = data;
    at += 46 + nameLength + extra;
  }
  return files;
}

function parseNpy(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  assert.equal((10 + headerLength) % 64, 0, 'values start 64-byte aligned');
  assert.ok(header.endsWith('\n'));
  const m = /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([\d, ]*)\), \}/.exec(header);
  assert.ok(m, header);
  const shape = m[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  assert.equal(bytes.length, 10 + headerLength + 4 * n);
  return { shape, values: Array.from({ length: n }, (_, k) => view.getFloat32(10 + headerLength + 4 * k, true)) };
}

test('the .npz file is a stored ZIP of .npy arrays in Keras\'s layout', () => {
  const model = withWeights(SAME);
  const files = parseZip(kerasWeights(model));
  assert.deepEqual(Object.keys(files), ['conv1.kernel.npy', 'conv1.bias.npy', 'conv2.kernel.npy', 'conv2.bias.npy', 'dense5.kernel.npy', 'dense5.bias.npy']);
  const arrays = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name.replace(/\.npy$/, ''), parseNpy(bytes)]));
  assert.deepEqual(arrays['conv1.kernel'].shape, [4, 4, 1, 2]); // HWIO
  assert.deepEqual(arrays['conv2.kernel'].shape, [3, 3, 2, 2]);
  assert.deepEqual(arrays['conv1.bias'].shape, [2]);
  assert.deepEqual(arrays['dense5.kernel'].shape, [8, 10]); // [in, units]
  // conv2.kernel[h][w][i][o] is the engine's conv2 weight [o][i][h][w].
  const conv2 = model.layout.find((p) => p.name === 'layer 2 conv2d weights');
  const engine = (o, i, h, w) => Math.fround((conv2.offset + ((o * 2 + i) * 3 + h) * 3 + w) / 1000);
  assert.equal(arrays['conv2.kernel'].values[((2 * 3 + 1) * 2 + 0) * 2 + 1], engine(1, 0, 2, 1));
  // dense5.kernel[j][u] is the engine's dense weight [u][j].
  const d = model.layout.find((p) => p.name === 'layer 5 dense weights');
  assert.equal(arrays['dense5.kernel'].values[3 * 10 + 7], Math.fround((d.offset + 7 * 8 + 3) / 1000));
  assert.deepEqual(parseNpy(npyBytes([3], Float32Array.of(1, 2, 3))).shape, [3]);
});

test('CRC-32 is the standard one', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

// A protobuf reader for the test: fields as { number: [values] }, length-delimited ones as bytes.
function readFields(bytes) {
  const fields = {};
  let at = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++];
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const [number, wire] = [Math.floor(key / 8), key % 8];
    let value;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = bytes.subarray(at, at + n);
      at += n;
    } else if (wire === 5) {
      value = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true);
      at += 4;
    } else throw new Error(`wire type ${wire}`);
    (fields[number] ??= []).push(value);
  }
  return fields;
}
const text = (b) => new TextDecoder().decode(b);

test('the ONNX model decodes to opset 13 with the network\'s operators, pads and weights', () => {
  const model = withWeights(SAME);
  const m = readFields(onnxModel(model));
  assert.deepEqual(m[1], [7]); // ir_version
  const opset = readFields(m[8][0]);
  assert.deepEqual([text(opset[1][0]), opset[2][0]], ['', 13]);
  const graph = readFields(m[7][0]);
  const nodes = graph[1].map(readFields);
  assert.deepEqual(nodes.map((n) => text(n[4][0])), ['Conv', 'Tanh', 'Conv', 'AveragePool', 'Flatten', 'Gemm', 'Softmax']); // no Dropout
  const attributes = (n) => Object.fromEntries(n[5].map(readFields).map((a) => [text(a[1][0]), a[8] ?? a[3] ?? a[2]]));
  assert.deepEqual(attributes(nodes[0]), { kernel_shape: [4, 4], strides: [1, 1], pads: [1, 1, 2, 2] }); // top, left, bottom, right
  assert.deepEqual(attributes(nodes[3]), { kernel_shape: [2, 2], strides: [2, 2] });
  assert.deepEqual(attributes(nodes[5]), { transB: [1] });
  assert.deepEqual(attributes(nodes[6]), { axis: [1] });
  // Each node reads the previous one's output.
  assert.deepEqual(nodes.map((n) => n[1].map(text)), [
    ['image', 'conv1.weight', 'conv1.bias'], ['conv1'], ['tanh1', 'conv2.weight', 'conv2.bias'], ['conv2'], ['avgpool3'],
    ['flatten5', 'dense5.weight', 'dense5.bias'], ['dense5'],
  ]);
  assert.equal(text(nodes[6][2][0]), 'probabilities');
  const initializers = graph[5].map(readFields);
  assert.deepEqual(initializers.map((t) => [text(t[8][0]), t[1]]), [
    ['conv1.weight', [2, 1, 4, 4]], ['conv1.bias', [2]], ['conv2.weight', [2, 2, 3, 3]], ['conv2.bias', [2]], ['dense5.weight', [10, 8]], ['dense5.bias', [10]],
  ]);
  const raw = initializers[5][9][0];
  const dense = model.layout.find((p) => p.name === 'layer 5 dense bias');
  assert.equal(new DataView(raw.buffer, raw.byteOffset).getFloat32(4 * 9, true), Math.fround((dense.offset + 9) / 1000));
  // input "image" [batch, 1, 9, 7]
  const input = readFields(graph[11][0]);
  assert.equal(text(input[1][0]), 'image');
  const shape = readFields(readFields(readFields(input[2][0])[1][0])[2][0])[1].map(readFields);
  assert.deepEqual(shape.map((d) => (d[2] ? text(d[2][0]) : d[1][0])), ['batch', 1, 9, 7]);
  // Leaky ReLU and ELU carry their alphas.
  const mlp = readFields(readFields(onnxModel(withWeights(MLP)))[7][0]);
  const mlpNodes = mlp[1].map(readFields);
  assert.deepEqual(mlpNodes.map((n) => text(n[4][0])), ['Flatten', 'Gemm', 'LeakyRelu', 'Gemm', 'Elu', 'Gemm', 'Softmax']);
  assert.ok(Math.abs(attributes(mlpNodes[2]).alpha[0] - 0.1) < 1e-7);
});

test('exportFiles names every file and leaves the weights out when there are none', () => {
  const all = exportFiles(withWeights(CONVNET));
  assert.deepEqual(all.map((f) => f.name), ['train_pytorch.py', 'train_keras.py', 'model.safetensors', 'model_keras.npz', 'model.onnx']);
  assert.deepEqual(exportFiles(CONVNET).map((f) => f.name), ['train_pytorch.py', 'train_keras.py']);
  assert.equal(typeof all[0].content, 'string');
  assert.ok(all[2].content instanceof Uint8Array);
});

// ---------------------------------------------------------------------------------------------
// Batch norm

const bn = (i, d) => layer(i, { op: 'batchnorm' }, d, d, 2 * d.c);
/** conv 2 3×3 same → batch norm → relu → dense 5 → batch norm → dense 10, on 1×4×4 images. */
const BATCHNORM = {
  spec: { input: [1, 4, 4], classes: 10, layers: [], optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, l2: 0.001, batchSize: 32, epochs: 1, seed: 1 },
  summary: summaryOf(dims(1, 4, 4), [
    conv(0, 2, [3, 3], 1, pads(1, 1, 1, 1), dims(1, 4, 4), dims(2, 4, 4)),
    bn(1, dims(2, 4, 4)),
    act(2, 'relu', dims(2, 4, 4)),
    flatten(3, dims(2, 4, 4)),
    dense(3, 5, dims(32)),
    bn(4, dims(5)),
    dense(5, 10, dims(5)),
  ]),
};
/** Running means 0.1, 0.2, … then variances 1.1, 1.2, … per batch-norm layer. */
const BATCHNORM_STATE = Float32Array.from([0.1, 0.2, 1.1, 1.2, 0.1, 0.2, 0.3, 0.4, 0.5, 1.1, 1.2, 1.3, 1.4, 1.5]);

test('batch norm exports as BatchNorm1d/2d, BatchNormalization and ONNX BatchNormalization with its running statistics', () => {
  const model = { ...withWeights(BATCHNORM), state: BATCHNORM_STATE };
  assert.deepEqual(namedLayers(BATCHNORM.summary).map((l) => l.name),
    ['conv1', 'batchnorm2', 'relu3', 'flatten4', 'dense4', 'batchnorm5', 'dense6']);
  // He for the conv: its ReLU follows past the batch norm (src/model/network.rs init_for).
  assert.equal(namedLayers(BATCHNORM.summary)[0].init, 'he');

  const torch = pytorchScript(model);
  assert.match(torch, /\("batchnorm2", nn\.BatchNorm2d\(2, eps=1e-05, momentum=0\.1\)\),\s+# → 2×4×4, 4 parameters/);
  assert.match(torch, /\("batchnorm5", nn\.BatchNorm1d\(5, eps=1e-05, momentum=0\.1\)\)/);
  assert.match(torch, /return name\.endswith\("weight"\) and not name\.startswith\("batchnorm"\)/, 'no L2 on γ');

  const keras = kerasScript(model);
  assert.match(keras, /layers\.BatchNormalization\(axis=-1, momentum=0\.9, epsilon=1e-05, name="batchnorm2"\)/);
  assert.match(keras, /model\.trainable_weights/);

  // safetensors: the state_dict's names, the running statistics from layerState().
  const st = pytorchWeights(model);
  const view = new DataView(st.buffer, st.byteOffset, st.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + headerLength)));
  const read = (name) => {
    const [begin, end] = header[name].data_offsets;
    return Array.from(new Float32Array(st.slice(8 + headerLength + begin, 8 + headerLength + end).buffer));
  };
  assert.deepEqual(Object.keys(header).filter((k) => k.startsWith('batchnorm5')).sort(),
    ['batchnorm5.bias', 'batchnorm5.running_mean', 'batchnorm5.running_var', 'batchnorm5.weight']);
  assert.deepEqual(read('batchnorm5.running_var'), Array.from(BATCHNORM_STATE.subarray(9)));
  assert.deepEqual(read('batchnorm2.running_mean'), Array.from(BATCHNORM_STATE.subarray(0, 2)));
  const scale = model.layout.find((p) => p.name === 'layer 2 batchnorm scale');
  assert.deepEqual(read('batchnorm2.weight'), Array.from(model.values.subarray(scale.offset, scale.offset + 2)));

  const npz = new TextDecoder('latin1').decode(kerasWeights(model));
  for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) assert.ok(npz.includes(`batchnorm2.${name}.npy`), name);

  const onnx = new TextDecoder('latin1').decode(onnxModel(model));
  assert.ok(onnx.includes('BatchNormalization') && onnx.includes('batchnorm5.running_var'));
  assert.throws(() => onnxModel(withWeights(BATCHNORM)), /running statistics: the engine's layerState\(\)/);
});
