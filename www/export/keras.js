//! The Keras 3 script: the page's network as a keras.Sequential model (channels last), its optimizer,
//! schedule and data, model.fit, and the page's weights loaded from a .npz file in Keras's layout.
//! See index.js for the API.

import { formatDims, isFlat, isSamePadding } from './network.js';
import { prepare } from './model.js';
import {
  DATA_LOADER, dataConstants, indent, networkTable, pyBool, pyFloat, pyInt, pyStr, thousands,
} from './python.js';

/** Keras shapes are height×width×channels. */
function keraDims(d) {
  return isFlat(d) ? `${d.c}` : `${d.h}×${d.w}×${d.c}`;
}

/** The Keras layers of one engine layer (a padding or permute layer may come first). */
function layersOf(l, regularize) {
  const op = l.op;
  const name = pyStr(l.name);
  const init = l.init === 'he' ? '"he_uniform"' : '"glorot_uniform"';
  const reg = regularize ? ', kernel_regularizer=regularizer' : '';
  const shape = `# → ${keraDims(l.outDims)}`;
  switch (op.op) {
    case 'conv2d': {
      const { top, bottom, left, right } = op.pad;
      const kernel = `(${op.kh}, ${op.kw})`;
      const none = top + bottom + left + right === 0;
      const same = !none && isSamePadding(l);
      const lines = [];
      if (!none && !same) {
        lines.push(`layers.ZeroPadding2D(((${top}, ${bottom}), (${left}, ${right})), name="pad${l.number}"),  # (top, bottom), (left, right)`);
      }
      const padding = same ? '"same"' : '"valid"';
      lines.push(`layers.Conv2D(${op.filters}, ${kernel}, strides=${op.stride}, padding=${padding}, kernel_initializer=${init}${reg}, name=${name}),  ${shape}, ${thousands(l.params)} parameters`);
      return lines;
    }
    case 'maxpool2d':
      return [`layers.MaxPooling2D(pool_size=${op.size}, strides=${op.stride}, name=${name}),  ${shape}`];
    case 'avgpool2d':
      return [`layers.AveragePooling2D(pool_size=${op.size}, strides=${op.stride}, name=${name}),  ${shape}`];
    case 'flatten':
      if (isFlat(l.inDims)) return [`layers.Flatten(name=${name}),  ${shape}`];
      return [
        // The page flattens channel by channel (NCHW); Keras's maps are height×width×channels.
        `layers.Permute((3, 1, 2), name="channels_first${l.number}"),  # → ${formatDims(l.inDims)}: channels first, as the page flattens`,
        `layers.Flatten(name=${name}),  ${shape}`,
      ];
    case 'dense':
      return [`layers.Dense(${op.units}, kernel_initializer=${init}${reg}, name=${name}),  ${shape}, ${thousands(l.params)} parameters`];
    case 'dropout':
      return [`layers.Dropout(${pyFloat(op.rate)}, name=${name}),`];
    case 'batchnorm':
      // Keras's momentum is the weight of the old estimate: 1 − PyTorch's 0.1. Keras moves the
      // variance towards the batch's biased variance, PyTorch (and the page) the unbiased one.
      return [`layers.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-05, name=${name}),  ${shape}, ${thousands(l.params)} parameters`];
    case 'activation':
      switch (op.function) {
        case 'relu':
        case 'sigmoid':
        case 'tanh':
          return [`layers.Activation(${pyStr(op.function)}, name=${name}),`];
        case 'leaky_relu':
          return [`layers.LeakyReLU(negative_slope=${pyFloat(op.alpha)}, name=${name}),  # the page's slope (Keras's default is 0.3)`];
        case 'elu':
          return [`layers.ELU(alpha=${pyFloat(op.alpha)}, name=${name}),`];
        default:
          throw new Error(`the activation "${op.function}" has no Keras layer here`);
      }
    default:
      throw new Error(`the layer "${op.op}" has no Keras layer here`);
  }
}

function describe(l) {
  const op = l.op;
  switch (op.op) {
    case 'conv2d': return `${op.filters} filters ${op.kh}×${op.kw}, stride ${op.stride}`;
    case 'maxpool2d': return `max of ${op.size}×${op.size}, stride ${op.stride}`;
    case 'avgpool2d': return `average of ${op.size}×${op.size}, stride ${op.stride}`;
    case 'flatten': return 'channel by channel';
    case 'dense': return `${op.units} units`;
    case 'dropout': return `rate ${op.rate}`;
    case 'batchnorm': return `per ${isFlat(l.inDims) ? 'unit' : 'channel'}`;
    default: return '';
  }
}

function trainingConstants(t) {
  const o = t.optimizer;
  const lines = [
    `BATCH_SIZE = ${pyInt(t.batchSize)}`,
    `EPOCHS = ${pyInt(t.epochs)}`,
    `SEED = ${pyInt(t.seed)}`,
    `LEARNING_RATE = ${pyFloat(o.lr)}`,
  ];
  if (o.type === 'sgd') lines.push(`MOMENTUM = ${pyFloat(o.momentum)}`, `NESTEROV = ${pyBool(o.nesterov)}`);
  if (o.type === 'adam' || o.type === 'adamw') lines.push(`BETA_1 = ${pyFloat(o.beta1)}`, `BETA_2 = ${pyFloat(o.beta2)}`, `EPSILON = ${pyFloat(o.eps)}`);
  if (o.type === 'adamw') lines.push(`WEIGHT_DECAY = ${pyFloat(o.weightDecay)}  # decoupled, on weights only`);
  if (o.type === 'rmsprop') lines.push(`RHO = ${pyFloat(o.alpha)}  # the page's alpha`, `EPSILON = ${pyFloat(o.eps)}`, `MOMENTUM = ${pyFloat(o.momentum)}`);
  if (o.type === 'adagrad') {
    lines.push(
      `INITIAL_ACCUMULATOR = ${pyFloat(o.initialAccumulatorValue)}  # the page's (PyTorch's) start; Keras's default is 0.1`,
      `EPSILON = ${pyFloat(o.eps)}  # the page's (PyTorch's); Keras's default is 1e-7`,
    );
    if (o.lrDecay > 0) lines.push(`LR_DECAY = ${pyFloat(o.lrDecay)}  # PyTorch's lr_decay: lr / (1 + (t − 1)·LR_DECAY)`);
  }
  if (o.type === 'adadelta') lines.push(`RHO = ${pyFloat(o.rho)}  # the page's (PyTorch's); Keras's default is 0.95`, `EPSILON = ${pyFloat(o.eps)}  # Keras's default is 1e-7`);
  lines.push(
    `L2 = ${pyFloat(t.l2)}  # the gradient of each weight gains L2·weight (biases: none)`,
    `CLIP_NORM = ${t.clipNorm === null ? 'None' : pyFloat(t.clipNorm)}  # largest global gradient norm (None: no clipping)`,
  );
  if (t.schedule.type === 'step') lines.push(`STEP_EVERY_EPOCHS = ${pyInt(t.schedule.everyEpochs)}`, `STEP_GAMMA = ${pyFloat(t.schedule.gamma)}`);
  if (t.schedule.type === 'cosine') lines.push(`MIN_LR = ${pyFloat(t.schedule.minLr)}`);
  lines.push(
    `AUGMENT = ${pyBool(t.augment)}  # shift each training image by up to 2 pixels`,
    `SHUFFLE = ${pyBool(t.shuffle)}  # a new order of the training images every epoch`,
  );
  return lines;
}

function scheduleCode(t) {
  const o = t.optimizer;
  const adagradDecay = o.type === 'adagrad' && o.lrDecay > 0;
  if (adagradDecay && t.schedule.type === 'constant') {
    return [
      '    # Adagrad\'s lr_decay as PyTorch defines it: Keras counts updates from 0, so this is lr / (1 + (t − 1)·LR_DECAY).',
      '    return keras.optimizers.schedules.InverseTimeDecay(LEARNING_RATE, decay_steps=1, decay_rate=LR_DECAY)',
    ];
  }
  const note = adagradDecay ? ['    # Keras takes one schedule: Adagrad\'s LR_DECAY is left out here, so the steps are larger than the page\'s.'] : [];
  return [...note, ...scheduleLines(t)];
}

function scheduleLines(t) {
  switch (t.schedule.type) {
    case 'constant':
      return ['    return LEARNING_RATE'];
    case 'step':
      return [
        '    # × STEP_GAMMA every STEP_EVERY_EPOCHS epochs (staircase: the rate changes at whole epochs).',
        '    return keras.optimizers.schedules.ExponentialDecay(',
        '        LEARNING_RATE, decay_steps=STEP_EVERY_EPOCHS * steps_per_epoch, decay_rate=STEP_GAMMA, staircase=True)',
      ];
    case 'cosine':
      return [
        '    # From LEARNING_RATE down to MIN_LR along half a cosine over the whole run, per batch.',
        '    return keras.optimizers.schedules.CosineDecay(',
        '        LEARNING_RATE, decay_steps=max(1, epochs * steps_per_epoch), alpha=MIN_LR / LEARNING_RATE)',
      ];
    default:
      throw new Error(`no Keras schedule for "${t.schedule.type}"`);
  }
}

function optimizerCode(t) {
  const o = t.optimizer;
  switch (o.type) {
    case 'sgd':
      return [
        '    # Keras keeps v = μv − lr·g and adds it; PyTorch and the page keep v = μv + g and subtract lr·v:',
        '    # the same steps while the learning rate is constant.',
        '    return keras.optimizers.SGD(learning_rate, momentum=MOMENTUM, nesterov=NESTEROV, global_clipnorm=CLIP_NORM)',
      ];
    case 'adam':
      return [
        '    # Keras adds EPSILON to √v before the bias correction, PyTorch and the page after: a difference only',
        '    # in the first steps, and only for tiny gradients.',
        '    return keras.optimizers.Adam(learning_rate, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON, global_clipnorm=CLIP_NORM)',
      ];
    case 'adamw':
      return [
        '    # AdamW\'s decay is decoupled (w ← w·(1 − lr·WEIGHT_DECAY)); Keras decays every variable unless told',
        '    # otherwise, the page decays weights only.',
        '    optimizer = keras.optimizers.AdamW(',
        '        learning_rate, weight_decay=WEIGHT_DECAY, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON, global_clipnorm=CLIP_NORM)',
        '    optimizer.exclude_from_weight_decay(var_names=["bias"])',
        '    return optimizer',
      ];
    case 'rmsprop':
      return [
        '    # Keras divides by √(s + EPSILON), PyTorch and the page by √s + EPSILON: close unless s is tiny.',
        '    return keras.optimizers.RMSprop(learning_rate, rho=RHO, momentum=MOMENTUM, epsilon=EPSILON, global_clipnorm=CLIP_NORM)',
      ];
    case 'adagrad':
      return [
        '    # Keras divides by √(s + EPSILON), PyTorch and the page by √s + EPSILON: close unless s is tiny.',
        '    return keras.optimizers.Adagrad(',
        '        learning_rate, initial_accumulator_value=INITIAL_ACCUMULATOR, epsilon=EPSILON, global_clipnorm=CLIP_NORM)',
      ];
    case 'adadelta':
      return [
        '    # The same rule as PyTorch and the page: Δ = √(a + ε) / √(s + ε) · g.',
        '    return keras.optimizers.Adadelta(learning_rate, rho=RHO, epsilon=EPSILON, global_clipnorm=CLIP_NORM)',
      ];
    default:
      throw new Error(`no Keras optimizer for "${o.type}"`);
  }
}

/**
 * The text of a self-contained Keras 3 training script for the model (see index.js for `model`).
 * @returns {string}
 */
export function kerasScript(model) {
  const m = prepare(model);
  const { layers, summary, training: t, data } = m;
  const input = [summary.input.c, summary.input.h, summary.input.w];
  const regularize = t.l2 > 0;
  const table = networkTable(layers, summary.input, summary.totalParams, describe);
  const modelLines = layers.flatMap((l) => layersOf(l, regularize));
  const dataHelp = data.separateTest
    ? `Put ${data.files.images}, ${data.files.labels}, ${data.files.testImages} and ${data.files.testLabels} in one folder.`
    : `Put ${data.files.images} and ${data.files.labels} in one folder; the script splits them as the page does.`;

  return `#!/usr/bin/env python3
"""${m.title}: the playground's network in Keras 3.

${indent(table, '    ').join('\n')}

The shapes above are the page's (channels×height×width); Keras keeps images height×width×channels.
The last layer outputs class scores (logits): softmax is in the loss, as on the page.

Data
    ${dataHelp}
    Pass the folder with --data (default: ${data.name === 'custom' ? 'data' : `data/${data.name}`}).
    The full MNIST (70,000 images): a folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
    t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz trains on the 60,000 and tests on the 10,000.

Run
    python train_keras.py                                        # Keras on JAX, TensorFlow or PyTorch,
                                                                 # whichever KERAS_BACKEND names or is installed
    KERAS_BACKEND=jax python train_keras.py --data FOLDER
    python train_keras.py --weights model_keras.npz --epochs 0   # tests the page's trained weights
    python train_keras.py --weights model_keras.npz              # goes on training from them
"""

import argparse
import gzip
import importlib.util
import json
import math
import os
import struct

# Keras 3 runs on JAX, TensorFlow or PyTorch: the one KERAS_BACKEND names, else the first installed.
if "KERAS_BACKEND" not in os.environ:
    for backend in ("jax", "tensorflow", "torch"):
        if importlib.util.find_spec(backend):
            os.environ["KERAS_BACKEND"] = backend
            break

import keras
import numpy as np
from keras import layers, regularizers

# ---------------------------------------------------------------------------------------------
# Settings, as on the page

${dataConstants(data, input, summary.classes).join('\n')}

${trainingConstants(t).join('\n')}

EXPECTED_PARAMETERS = ${pyInt(summary.totalParams)}  # as the page counts them

# ---------------------------------------------------------------------------------------------
# Data

${DATA_LOADER}


def as_arrays(pair):
    """(pixels, labels) bytes → float images N×H×W×C in 0-1 (pixel / 255, as the page) and int labels."""
    pixels, labels = pair
    images = np.frombuffer(pixels, dtype=np.uint8).reshape(-1, *INPUT_SHAPE).transpose(0, 2, 3, 1)
    return images.astype("float32") / 255, np.frombuffer(labels, dtype=np.uint8).astype("int64")


class TrainingBatches(keras.utils.PyDataset):
    """The training images in batches, in a new order every epoch, shifted as the page's augmentation
    does when AUGMENT is on: by a whole number of pixels, -2 to 2 down and right, with 0 in the border."""

    def __init__(self, images, labels, batch_size, seed):
        super().__init__()
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(labels))
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __getitem__(self, index):
        chosen = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        x, y = self.images[chosen], self.labels[chosen]
        if AUGMENT:
            h, w = x.shape[1:3]
            padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))
            x = np.empty_like(x)
            for i, (dy, dx) in enumerate(self.rng.integers(-2, 3, size=(len(chosen), 2))):
                x[i] = padded[i, 2 - dy : 2 - dy + h, 2 - dx : 2 - dx + w]
        return x, y

    def on_epoch_end(self):
        if SHUFFLE:
            self.rng.shuffle(self.order)


# ---------------------------------------------------------------------------------------------
# The network

def build_model():
    """The page's layers in order; the shapes in the comments are Keras's (height×width×channels)."""
    # The page's L2 adds L2·w to each weight's gradient: the loss term (L2/2)·Σw² does that.
    regularizer = regularizers.L2(L2 / 2) if L2 > 0 else None
    return keras.Sequential([
        keras.Input(shape=(INPUT_SHAPE[1], INPUT_SHAPE[2], INPUT_SHAPE[0]), name="image"),
${indent(modelLines, '        ').join('\n')}
    ], name="playground")


def load_weights(model, path):
    """Weights from a .npz file in Keras's layout: "<layer>.kernel" (conv: height, width, in, out;
    dense: in, out) and "<layer>.bias"; batch norm's "gamma", "beta", "moving_mean", "moving_variance"."""
    arrays = np.load(path)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            names = ["gamma", "beta", "moving_mean", "moving_variance"]
            layer.set_weights([arrays[f"{layer.name}.{n}"] for n in names])
        elif layer.weights:
            layer.set_weights([arrays[f"{layer.name}.kernel"], arrays[f"{layer.name}.bias"]])


# ---------------------------------------------------------------------------------------------
# Training

def learning_rate_schedule(steps_per_epoch, epochs):
${scheduleCode(t).join('\n')}


def build_optimizer(steps_per_epoch, epochs):
    learning_rate = learning_rate_schedule(steps_per_epoch, epochs)
    # global_clipnorm scales the gradient down to CLIP_NORM; it sees the L2 term's gradient too, which the
    # page adds after clipping.
${optimizerCode(t).join('\n')}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA_FOLDER, help="folder of the IDX files (default: %(default)s)")
    parser.add_argument("--weights", help="a .npz file of weights to start from (the page's export for Keras)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="0: only test (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--n-train", type=int, help="training images to use (default: as on the page; 0: all)")
    parser.add_argument("--n-test", type=int, help="test images of a split pair (default: as on the page)")
    parser.add_argument("--save", help="write the trained model to this .keras file")
    parser.add_argument("--predictions", help="write the test predictions to this JSON file")
    args = parser.parse_args()

    keras.utils.set_random_seed(SEED)
    train_pair, test_pair = load_data(args.data, args.n_train, args.n_test)
    train_images, train_labels = as_arrays(train_pair)
    test_images, test_labels = as_arrays(test_pair)

    model = build_model()
    if args.weights:
        load_weights(model, args.weights)
    # Trainable only: Keras counts batch norm's moving statistics too, the page does not.
    parameters = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert parameters == EXPECTED_PARAMETERS, f"{parameters} parameters, but the page has {EXPECTED_PARAMETERS}"
    print(f"{parameters:,} parameters, as on the page; {len(train_labels):,} training and {len(test_labels):,} test images; "
          f"Keras on {keras.backend.backend()}")

    batches = TrainingBatches(train_images, train_labels, args.batch_size, SEED)
    model.compile(
        optimizer=build_optimizer(len(batches), args.epochs),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),  # softmax + cross-entropy, batch mean
        metrics=["accuracy"],
    )
    if args.epochs > 0:
        model.fit(batches, epochs=args.epochs, validation_data=(test_images, test_labels), verbose=2)

    logits = model.predict(test_images, batch_size=250, verbose=0)
    predictions = logits.argmax(axis=1)
    accuracy = float((predictions == test_labels).mean())
    print(f"test accuracy: {accuracy:.2%} ({int((predictions == test_labels).sum()):,} of {len(test_labels):,} images)")
    if args.predictions:
        with open(args.predictions, "w") as f:
            json.dump({"accuracy": accuracy, "predictions": predictions.tolist()}, f)
    if args.save:
        model.save(args.save)


if __name__ == "__main__":
    main()
`;
}
