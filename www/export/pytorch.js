//! The PyTorch script: the page's network as an nn.Module, its optimizer, schedule and data, a
//! training loop that also runs under torchrun (DistributedDataParallel), and the page's weights
//! loaded from a safetensors file. See index.js for the API.

import { formatDims, isFlat } from './network.js';
import { prepare } from './model.js';
import {
  DATA_LOADER, dataConstants, indent, networkTable, pyBool, pyFloat, pyInt, pyStr, thousands,
} from './python.js';

/** The nn module of one layer, or null when PyTorch needs none (an activation the loss applies). */
function moduleOf(l) {
  const op = l.op;
  switch (op.op) {
    case 'conv2d': {
      const { pad } = op;
      const symmetric = pad.top === pad.bottom && pad.left === pad.right;
      const padding = symmetric ? `, padding=(${pad.top}, ${pad.left})` : '';
      const kernel = op.kh === op.kw ? `${op.kh}` : `(${op.kh}, ${op.kw})`;
      return `nn.Conv2d(${l.inDims.c}, ${op.filters}, kernel_size=${kernel}, stride=${op.stride}${padding})`;
    }
    case 'maxpool2d':
      return `nn.MaxPool2d(kernel_size=${op.size}, stride=${op.stride})`;
    case 'avgpool2d':
      return `nn.AvgPool2d(kernel_size=${op.size}, stride=${op.stride})`;
    case 'flatten':
      return 'nn.Flatten()';
    case 'dense':
      return `nn.Linear(${l.inDims.c * l.inDims.h * l.inDims.w}, ${op.units})`;
    case 'dropout':
      return `nn.Dropout(p=${pyFloat(op.rate)})`;
    case 'batchnorm':
      return `nn.BatchNorm${isFlat(l.inDims) ? '1' : '2'}d(${l.inDims.c}, eps=1e-05, momentum=0.1)`;
    case 'activation':
      switch (op.function) {
        case 'relu': return 'nn.ReLU()';
        case 'sigmoid': return 'nn.Sigmoid()';
        case 'tanh': return 'nn.Tanh()';
        case 'leaky_relu': return `nn.LeakyReLU(negative_slope=${pyFloat(op.alpha)})`;
        case 'elu': return `nn.ELU(alpha=${pyFloat(op.alpha)})`;
        default: throw new Error(`the activation "${op.function}" has no PyTorch module here`);
      }
    default:
      throw new Error(`the layer "${op.op}" has no PyTorch module here`);
  }
}

/** A comment for a layer: what it does to the shape, and what a reader may wonder about. */
function describe(l) {
  const op = l.op;
  switch (op.op) {
    case 'conv2d': {
      const { top, bottom, left, right } = op.pad;
      const pads = top + bottom + left + right === 0 ? 'no padding'
        : top === bottom && left === right ? `${top === left ? top : `${top}×${left}`} zero pixel(s) on each side`
          : `zeros: ${top} top, ${bottom} bottom, ${left} left, ${right} right`;
      return `${op.filters} filters ${op.kh}×${op.kw}, stride ${op.stride}, ${pads}`;
    }
    case 'maxpool2d':
    case 'avgpool2d':
      return `${op.op === 'maxpool2d' ? 'max' : 'average'} of ${op.size}×${op.size} windows, stride ${op.stride}, rounding down`;
    case 'flatten':
      return `${formatDims(l.inDims)} → ${l.outDims.c}, channel by channel${l.implicit ? ' (the page adds it before a dense layer)' : ''}`;
    case 'dense':
      return `${op.units} units`;
    case 'dropout':
      return `drops ${op.rate} of the values while training`;
    case 'batchnorm':
      return `per ${isFlat(l.inDims) ? 'unit' : 'channel'}; batch statistics while training, running ones in eval()`;
    case 'activation':
      return op.function === 'leaky_relu' ? `slope ${op.alpha} below 0` : op.function === 'elu' ? `alpha ${op.alpha}` : '';
    default:
      return '';
  }
}

/** The lines inside the OrderedDict of the module: one entry per layer, with a padding module where needed. */
function moduleEntries(layers) {
  const lines = [];
  for (const l of layers) {
    if (l.op.op === 'conv2d') {
      const { top, bottom, left, right } = l.op.pad;
      if (top !== bottom || left !== right) {
        // nn.Conv2d pads the same on both sides; "same" with an even kernel needs one more pixel bottom/right.
        lines.push(`("pad${l.number}", nn.ZeroPad2d((${left}, ${right}, ${top}, ${bottom}))),  # left, right, top, bottom`);
      }
    }
    const note = [`→ ${formatDims(l.outDims)}`, l.params ? `${thousands(l.params)} parameters` : ''].filter(Boolean).join(', ');
    lines.push(`(${pyStr(l.name)}, ${moduleOf(l)}),  # ${note}`);
  }
  return lines;
}

function initLines(layers) {
  const lines = [];
  for (const l of layers) {
    if (!l.init) continue;
    lines.push(l.init === 'he'
      ? `nn.init.kaiming_uniform_(self.${l.name}.weight, nonlinearity="relu")  # He: a ReLU-family activation follows`
      : `nn.init.xavier_uniform_(self.${l.name}.weight)  # Glorot`);
    lines.push(`nn.init.zeros_(self.${l.name}.bias)`);
  }
  return lines;
}

/** The constants of the training settings, as on the page. */
function trainingConstants(t) {
  const o = t.optimizer;
  const lines = [
    `BATCH_SIZE = ${pyInt(t.batchSize)}  # for all processes together; each takes BATCH_SIZE / processes`,
    `EPOCHS = ${pyInt(t.epochs)}`,
    `SEED = ${pyInt(t.seed)}`,
    `OPTIMIZER = ${pyStr(o.type)}`,
    `LEARNING_RATE = ${pyFloat(o.lr)}`,
  ];
  if (o.type === 'sgd') lines.push(`MOMENTUM = ${pyFloat(o.momentum)}`, `NESTEROV = ${pyBool(o.nesterov)}`);
  if (o.type === 'adam' || o.type === 'adamw') lines.push(`BETAS = (${pyFloat(o.beta1)}, ${pyFloat(o.beta2)})`, `EPS = ${pyFloat(o.eps)}`);
  if (o.type === 'adamw') lines.push(`WEIGHT_DECAY = ${pyFloat(o.weightDecay)}  # AdamW's decoupled decay, on weights only`);
  if (o.type === 'rmsprop') lines.push(`ALPHA = ${pyFloat(o.alpha)}`, `EPS = ${pyFloat(o.eps)}`, `MOMENTUM = ${pyFloat(o.momentum)}`);
  if (o.type === 'adagrad') lines.push(`LR_DECAY = ${pyFloat(o.lrDecay)}`, `INITIAL_ACCUMULATOR = ${pyFloat(o.initialAccumulatorValue)}`, `EPS = ${pyFloat(o.eps)}`);
  if (o.type === 'adadelta') lines.push(`RHO = ${pyFloat(o.rho)}`, `EPS = ${pyFloat(o.eps)}`);
  lines.push(
    `L2 = ${pyFloat(t.l2)}  # the gradient of each weight gains L2·weight (biases: none)`,
    `CLIP_NORM = ${t.clipNorm === null ? 'None' : pyFloat(t.clipNorm)}  # largest global gradient norm (None: no clipping)`,
    `SCHEDULE = ${pyStr(t.schedule.type)}`,
  );
  if (t.schedule.type === 'step') lines.push(`STEP_EVERY_EPOCHS = ${pyInt(t.schedule.everyEpochs)}`, `STEP_GAMMA = ${pyFloat(t.schedule.gamma)}`);
  if (t.schedule.type === 'cosine') lines.push(`MIN_LR = ${pyFloat(t.schedule.minLr)}`);
  lines.push(
    `AUGMENT = ${pyBool(t.augment)}  # shift each training image by up to 2 pixels`,
    `SHUFFLE = ${pyBool(t.shuffle)}  # a new order of the training images every epoch`,
  );
  return lines;
}

function optimizerCode(t) {
  const o = t.optimizer;
  const groups = 'groups = [\n        {"params": weights, "weight_decay": L2},\n        {"params": biases, "weight_decay": 0.0},\n    ]';
  switch (o.type) {
    case 'sgd':
      return [
        '    # PyTorch\'s weight_decay adds weight_decay·w to the gradient: the page\'s L2.',
        `    ${groups}`,
        '    return torch.optim.SGD(groups, lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV)',
      ];
    case 'adam':
      return [
        '    # Adam\'s weight_decay adds weight_decay·w to the gradient (it is not AdamW\'s decay): the page\'s L2.',
        `    ${groups}`,
        '    return torch.optim.Adam(groups, lr=LEARNING_RATE, betas=BETAS, eps=EPS)',
      ];
    case 'rmsprop':
      return [
        '    # RMSprop\'s weight_decay adds weight_decay·w to the gradient: the page\'s L2.',
        `    ${groups}`,
        '    return torch.optim.RMSprop(groups, lr=LEARNING_RATE, alpha=ALPHA, eps=EPS, momentum=MOMENTUM)',
      ];
    case 'adagrad':
      return [
        '    # Adagrad\'s weight_decay adds weight_decay·w to the gradient: the page\'s L2.',
        `    ${groups}`,
        '    return torch.optim.Adagrad(',
        '        groups, lr=LEARNING_RATE, lr_decay=LR_DECAY, initial_accumulator_value=INITIAL_ACCUMULATOR, eps=EPS)',
      ];
    case 'adadelta':
      return [
        '    # Adadelta\'s weight_decay adds weight_decay·w to the gradient: the page\'s L2.',
        `    ${groups}`,
        '    return torch.optim.Adadelta(groups, lr=LEARNING_RATE, rho=RHO, eps=EPS)',
      ];
    case 'adamw':
      return [
        '    # AdamW\'s weight_decay is decoupled: w ← w·(1 − lr·weight_decay) each step. PyTorch decays every',
        '    # parameter unless told otherwise; the page decays weights only, hence the two groups. The page\'s',
        '    # L2 (added to the gradient) is not an AdamW option: train_step adds it by hand.',
        '    groups = [\n        {"params": weights, "weight_decay": WEIGHT_DECAY},\n        {"params": biases, "weight_decay": 0.0},\n    ]',
        '    return torch.optim.AdamW(groups, lr=LEARNING_RATE, betas=BETAS, eps=EPS)',
      ];
    default:
      throw new Error(`no PyTorch optimizer for "${o.type}"`);
  }
}

function scheduleCode(t) {
  switch (t.schedule.type) {
    case 'constant':
      return ['    return None  # a constant learning rate'];
    case 'step':
      return [
        '    # × STEP_GAMMA every STEP_EVERY_EPOCHS epochs; stepped once per epoch.',
        '    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=STEP_EVERY_EPOCHS, gamma=STEP_GAMMA)',
      ];
    case 'cosine':
      return [
        '    # From LEARNING_RATE down to MIN_LR along half a cosine over the whole run; stepped after every batch.',
        '    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs * steps_per_epoch), eta_min=MIN_LR)',
      ];
    default:
      throw new Error(`no PyTorch schedule for "${t.schedule.type}"`);
  }
}

/**
 * The text of a self-contained PyTorch training script for the model (see index.js for `model`).
 * @returns {string}
 */
export function pytorchScript(model) {
  const m = prepare(model);
  const { layers, summary, training: t, data } = m;
  const input = [summary.input.c, summary.input.h, summary.input.w];
  const table = networkTable(layers, summary.input, summary.totalParams, describe);
  const lastLayer = layers[layers.length - 1];
  if (lastLayer.op.op !== 'dense' || !isFlat(lastLayer.outDims)) throw new Error('the network must end with its dense output layer');
  const perEpochSchedule = t.schedule.type === 'step';
  const perStepSchedule = t.schedule.type === 'cosine';
  const adamwL2 = t.optimizer.type === 'adamw';
  const dataHelp = data.separateTest
    ? [`The page trained on ${data.files.images} / ${data.files.labels} and tested on ${data.files.testImages} /`,
      `${data.files.testLabels}: put those four files in one folder and pass it with --data.`]
    : [`The page used one pair of files, ${data.files.images} and ${data.files.labels} (gzipped or not),`,
      `and split it with a seeded shuffle: this script makes the same split, so it tests on the same`,
      `${data.nTest ? thousands(data.nTest) : ''} images. Put the pair in a folder and pass it with --data.`];

  const text = `#!/usr/bin/env python3
"""${m.title}: the playground's network in PyTorch.

${indent(table, '    ').join('\n')}

Softmax is in the loss (F.cross_entropy), so the network outputs class scores (logits).

Data
    ${dataHelp.join('\n    ')}
    The full MNIST (70,000 images): put its four files, train-images-idx3-ubyte.gz,
    train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, in a folder
    (torchvision.datasets.MNIST(root, download=True) leaves them in root/MNIST/raw) and pass that folder
    with --data: the script then trains on the 60,000 and tests on the 10,000. The same works for the
    full Fashion-MNIST.

Run
    python train_pytorch.py                      # trains on the GPU if there is one, else on the CPU
    python train_pytorch.py --data FOLDER        # the IDX files in FOLDER (default: ${data.name === 'custom' ? 'data' : `data/${data.name}`})
    python train_pytorch.py --weights model.safetensors --epochs 0
                                                 # tests the page's trained weights
    python train_pytorch.py --weights model.safetensors
                                                 # goes on training from them
    torchrun --nproc_per_node=4 train_pytorch.py # 4 processes: on 4 GPUs with NCCL, or on the CPU with gloo
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=HOST --master_port=29500 train_pytorch.py
                                                 # 2 machines of 8 GPUs: run this on HOST, and with
                                                 # --node_rank=1 on the other machine
    Under torchrun each process trains on its share of every batch (DistributedSampler) and
    DistributedDataParallel averages the gradients, so the steps are those of one process with the
    whole batch. python train_pytorch.py --help lists the options.
"""

import argparse
import gzip
import json
import math
import os
import struct
from collections import OrderedDict

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

# ---------------------------------------------------------------------------------------------
# Settings, as on the page

${dataConstants(data, input, summary.classes).join('\n')}

${trainingConstants(t).join('\n')}

EXPECTED_PARAMETERS = ${pyInt(summary.totalParams)}  # as the page counts them

# ---------------------------------------------------------------------------------------------
# Data

${DATA_LOADER}


def as_tensors(pair):
    """(pixels, labels) bytes → uint8 images N×C×H×W and int64 labels. Pixels stay bytes until a batch is used."""
    pixels, labels = pair
    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(-1, *INPUT_SHAPE)
    return images, torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()


def to_inputs(images):
    """Pixels 0-255 → floats 0-1, as the page feeds them (pixel / 255)."""
    return images.float() / 255


def shift_images(x):
    """The page's augmentation: each image moves by a whole number of pixels, -2 to 2 down and right
    (drawn separately), and the uncovered border is 0."""
    n, _, h, w = x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    dy, dx = torch.randint(-2, 3, (2, n)).tolist()
    return torch.stack([padded[i, :, 2 - dy[i] : 2 - dy[i] + h, 2 - dx[i] : 2 - dx[i] + w] for i in range(n)])


# ---------------------------------------------------------------------------------------------
# The network

class PlaygroundNet(nn.Sequential):
    """The page's layers in order; the shapes in the comments are those of one image (channels×height×width)."""

    def __init__(self):
        super().__init__(OrderedDict([
${indent(moduleEntries(layers), '            ').join('\n')}
        ]))
        # The page's initialisation: uniform weights (He before ReLU, ELU and leaky ReLU, else Glorot), biases 0.
${indent(initLines(layers), '        ').join('\n')}


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def load_safetensors(path):
    """Reads a safetensors file (what the safetensors package's load_file does): an 8-byte little-endian
    header length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian values."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_length])
    data = raw[8 + header_length :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}; this reader takes F32 only")
        begin, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info["shape"])
    return tensors


# ---------------------------------------------------------------------------------------------
# Training

def decays(name):
    """Whether L2 applies: conv and dense weights; not biases, nor batch norm's scale and shift."""
    return name.endswith("weight") and not name.startswith("batchnorm")


def build_optimizer(model):
    """The page's optimizer. L2 applies to weights only, so weights and biases are separate groups."""
    weights = [p for name, p in model.named_parameters() if decays(name)]
    biases = [p for name, p in model.named_parameters() if not decays(name)]
${optimizerCode(t).join('\n')}


def build_schedule(optimizer, steps_per_epoch, epochs):
${scheduleCode(t).join('\n')}


def train_step(model, optimizer, images, labels):
    """One batch: forward, mean cross-entropy, backward, clipping, update. Returns (loss, correct)."""
    model.train()
    x = to_inputs(images)
    if AUGMENT:
        x = shift_images(x)
    logits = model(x)
    loss = F.cross_entropy(logits, labels)  # softmax and cross-entropy, mean over the batch
    optimizer.zero_grad()
    loss.backward()
    if CLIP_NORM is not None:
        # The gradient's global norm, before L2 is added (the optimizer adds it), as on the page.
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
${adamwL2 ? `    if L2 > 0:
        # The page's L2 on top of AdamW's decay: weights' gradients gain L2·w (PyTorch has no option for it).
        with torch.no_grad():
            for name, p in model.named_parameters():
                if decays(name):
                    p.grad.add_(p, alpha=L2)
` : ''}    optimizer.step()
    return loss.item(), (logits.argmax(1) == labels).sum().item()


@torch.no_grad()
def evaluate(model, images, labels, device, batch_size=250):
    """Accuracy, mean loss and the predicted classes on the test images (dropout off)."""
    model.eval()
    correct, loss_sum, predictions = 0, 0.0, []
    for start in range(0, len(labels), batch_size):
        x = to_inputs(images[start : start + batch_size].to(device))
        y = labels[start : start + batch_size].to(device)
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        predicted = logits.argmax(1)
        correct += (predicted == y).sum().item()
        predictions.append(predicted.cpu())
    return correct / len(labels), loss_sum / len(labels), torch.cat(predictions)


# ---------------------------------------------------------------------------------------------
# Processes and devices

def start_processes(force_cpu):
    """One process, or one of several started by torchrun (it sets WORLD_SIZE, RANK and LOCAL_RANK).
    Returns (rank, world_size, device)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    use_gpu = torch.cuda.is_available() and not force_cpu
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if use_gpu else "cpu")
    if use_gpu:
        torch.cuda.set_device(device)
    if world_size == 1:
        return 0, 1, device
    # NCCL connects GPUs; gloo works on CPUs.
    dist.init_process_group(backend="nccl" if use_gpu else "gloo")
    return dist.get_rank(), world_size, device


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA_FOLDER, help="folder of the IDX files (default: %(default)s)")
    parser.add_argument("--weights", help="a safetensors file of weights to start from (the page's export)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="0: only test (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="all processes together (default: %(default)s)")
    parser.add_argument("--n-train", type=int, help="training images to use (default: as on the page; 0: all)")
    parser.add_argument("--n-test", type=int, help="test images of a split pair (default: as on the page)")
    parser.add_argument("--steps", type=int, help="stop after this many training batches (default: all the epochs)")
    parser.add_argument("--cpu", action="store_true", help="use the CPU even if there is a GPU")
    parser.add_argument("--save", help="write the trained weights to this file (torch.save of the state_dict)")
    parser.add_argument("--predictions", help="write the test predictions to this JSON file")
    args = parser.parse_args()

    rank, world_size, device = start_processes(args.cpu)
    main_process = rank == 0
    torch.manual_seed(SEED)  # the same initial weights in every process

    train_pair, test_pair = load_data(args.data, args.n_train, args.n_test)
    train_images, train_labels = as_tensors(train_pair)
    test_images, test_labels = as_tensors(test_pair)

    model = PlaygroundNet()
    if args.weights:
        model.load_state_dict(load_safetensors(args.weights))
    parameters = count_parameters(model)
    assert parameters == EXPECTED_PARAMETERS, f"{parameters} parameters, but the page has {EXPECTED_PARAMETERS}"
    model.to(device)
    if main_process:
        print(f"{parameters:,} parameters, as on the page; {len(train_labels):,} training and {len(test_labels):,} test images; "
              f"{world_size} process(es) on {device.type}")

    # Each process takes its share of every batch; DDP averages the gradients of the shares.
    per_process_batch = max(1, args.batch_size // world_size)
    train_set = TensorDataset(train_images, train_labels)
    sampler = DistributedSampler(train_set, shuffle=SHUFFLE, seed=SEED) if world_size > 1 else None
    loader = DataLoader(train_set, batch_size=per_process_batch, shuffle=SHUFFLE and sampler is None, sampler=sampler)
    net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) if world_size > 1 else model

    optimizer = build_optimizer(model)
    schedule = build_schedule(optimizer, len(loader), args.epochs)
    steps = 0
    for epoch in range(args.epochs):
        if steps == args.steps:
            break
        if sampler is not None:
            sampler.set_epoch(epoch)  # a new order every epoch
        loss_sum, correct, seen = 0.0, 0, 0
        for images, labels in loader:
            if steps == args.steps:
                break
            steps += 1
            images, labels = images.to(device), labels.to(device)
            loss, right = train_step(net, optimizer, images, labels)
${perStepSchedule ? '            schedule.step()\n' : ''}            loss_sum, correct, seen = loss_sum + loss * len(labels), correct + right, seen + len(labels)
${perEpochSchedule ? '        schedule.step()\n' : ''}        if main_process:
            accuracy, test_loss, _ = evaluate(model, test_images, test_labels, device)
            print(f"epoch {epoch + 1}/{args.epochs}: training loss {loss_sum / seen:.4f}, accuracy {correct / seen:.2%} "
                  f"(this process's share); test loss {test_loss:.4f}, accuracy {accuracy:.2%}")

    if main_process:
        accuracy, test_loss, predictions = evaluate(model, test_images, test_labels, device)
        print(f"test accuracy: {accuracy:.2%} ({round(accuracy * len(test_labels)):,} of {len(test_labels):,} images), loss {test_loss:.4f}")
        if args.predictions:
            with open(args.predictions, "w") as f:
                json.dump({"accuracy": accuracy, "loss": test_loss, "predictions": predictions.tolist()}, f)
        if args.save:
            torch.save(model.state_dict(), args.save)
    if world_size > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
  return text;
}
