//! Ready-made lessons: a network and settings that show one idea each. Applying one resets every
//! network and training setting to its default first, so a lesson is the same for everybody.
import { mi, mo, mn, row, frac, sup, sub, sum, mtext, mspace, msqrt } from '../lib/math-tree.js';

const conv = (filters, kernel, padding = 'same', activation = 'relu', stride = 1) => ({ type: 'conv2d', filters, kernel, stride, padding, activation });
const maxpool = (size, stride = size) => ({ type: 'maxpool2d', size, stride });
const dense = (units, activation = 'relu') => ({ type: 'dense', units, activation });
const dropout = (rate) => ({ type: 'dropout', rate });
/** m̂, v̂: a letter with a hat, as the bias-corrected moments are written. */
const mover = (x) => mi(`${x}\u0302`);

export const PRESETS = [
  {
    id: 'tiny-mlp',
    name: 'Tiny MLP',
    description: 'One hidden layer of 32 neurons: fast, and already above 90% on digits after one epoch.',
    settings: { layers: [dense(32)], optimizer: 'adam', lr: 0.003, batchSize: 32, epochs: 3 },
  },
  {
    id: 'convnetjs',
    name: 'ConvNetJS MNIST',
    description: 'The network of Karpathy\'s ConvNetJS MNIST demo: two small conv + pool stages, SGD with momentum, batch 20, L2 0.001.',
    settings: {
      layers: [conv(8, 5), maxpool(2), conv(16, 5), maxpool(3)],
      optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: 20, l2: 0.001, epochs: 5,
    },
  },
  {
    id: 'lenet',
    name: 'LeNet-ish',
    description: 'LeCun\'s classic layout: 6 and 16 filters of 5×5 with pooling, then 120 and 84 neurons.',
    settings: {
      layers: [conv(6, 5), maxpool(2), conv(16, 5, 'valid'), maxpool(2), dense(120), dense(84)],
      optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 5,
    },
  },
  {
    id: 'high-lr',
    name: 'Too high a learning rate',
    description: 'The tiny network with a learning rate hundreds of times too large for SGD: watch the loss explode, then make it 10× smaller until the network learns.',
    settings: { layers: [dense(32)], optimizer: 'sgd', lr: 8, momentum: 0.9, batchSize: 32, epochs: 3 },
  },
  {
    id: 'overfitting',
    name: 'Overfitting',
    description: 'A big network trained many times over only 500 images: training accuracy reaches 100% while test accuracy stalls far below. Then try dropout, L2, augmentation or more examples.',
    settings: { layers: [dense(256), dense(256)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 60, trainLimit: 500 },
  },
  {
    id: 'regularised',
    name: 'Overfitting, regularised',
    description: 'The overfitting lesson with dropout, L2 and random shifts: the gap between training and test accuracy shrinks.',
    settings: {
      layers: [dense(256), dropout(0.5), dense(256), dropout(0.5)],
      optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 60, trainLimit: 500, l2: 0.001, augment: true,
    },
  },

  // Comparisons: each opens with a sweep of the setting it is about (views/sweep.js), so the runs
  // train side by side and land in the runs table and on the charts together.
  {
    id: 'compare-lr',
    name: 'Compare: learning rates',
    description: 'Plain SGD on the tiny network with learning rates from 0.001 to 10, one epoch each. Too small a step crawls (the loss barely moves), a good one learns fast, too large a step overshoots: the loss jumps around or becomes NaN (marked "diverged").',
    settings: { layers: [dense(32)], optimizer: 'sgd', momentum: 0, lr: 0.01, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'lr', values: [0.001, 0.01, 0.1, 1, 10] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mi('θ'), mo('←'), mi('θ'), mo('−'), mi('η'), mo('·'), mi('g')),
  },
  {
    id: 'compare-activation',
    name: 'Compare: sigmoid, tanh, ReLU',
    description: 'Four dense layers of 64 with SGD, once with each activation. The deep sigmoid network barely learns: σ′(x) ≤ 0.25, so the gradient shrinks at every layer on its way back (vanishing gradients). tanh does better, ReLU, whose slope is 1 where it is active, best.',
    settings: { layers: [dense(64, 'sigmoid'), dense(64, 'sigmoid'), dense(64, 'sigmoid'), dense(64, 'sigmoid')], optimizer: 'sgd', momentum: 0.9, lr: 0.01, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'activation', values: ['sigmoid', 'tanh', 'relu'] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mi('σ'), mo('('), mi('x'), mo(')'), mo('='), frac(mn(1), row(mn(1), mo('+'), sup(mi('e'), row(mo('−'), mi('x'))))), mo(','), mspace(), sup(mi('σ'), mo('′')), mo('('), mi('x'), mo(')'), mo('='), mi('σ'), mo('('), mi('x'), mo(')'), mo('('), mn(1), mo('−'), mi('σ'), mo('('), mi('x'), mo(')'), mo(')'), mo('≤'), frac(mn(1), mn(4))),
  },
  {
    id: 'compare-pooling',
    name: 'Compare: max vs average pooling',
    description: 'The default convolutional network with max pooling and with average pooling, one epoch each. Max pooling keeps the strongest response of each window, average pooling blurs it; on digits both work, and max pooling usually ends a little ahead.',
    settings: { layers: [conv(8, 5), maxpool(2), conv(16, 5), maxpool(3)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'pooling', values: ['max', 'avg'] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mi('max'), mo('('), sub(mi('x'), mn(1)), mo(','), mo('…'), mo(','), sub(mi('x'), mn(4)), mo(')'), mspace(), mtext('vs'), mspace(), frac(mn(1), mn(4)), sum(mi('i')), sub(mi('x'), mi('i'))),
  },
  {
    id: 'compare-optimizer',
    name: 'Compare: optimizers',
    description: 'One hidden layer of 64 trained with plain SGD, SGD with momentum 0.9 and Adam, all at learning rate 0.01, for one epoch. Momentum keeps rolling in the direction of past gradients (v ← μ·v + g), so it moves further per step than plain SGD; Adam also scales each weight\'s step by its recent gradient size, so every weight moves at a similar pace and it gets going fastest.',
    settings: { layers: [dense(64)], optimizer: 'sgd', momentum: 0, lr: 0.01, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'rule', values: ['sgd', 'momentum', 'adam'] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mi('v'), mo('←'), mi('μ'), mi('v'), mo('+'), mi('g'), mo(';'), mspace(), mi('θ'), mo('←'), mi('θ'), mo('−'), mi('η'), mi('v'), mspace(), mtext('Adam:'), mspace(), mi('θ'), mo('←'), mi('θ'), mo('−'), mi('η'), frac(mover('m'), row(msqrt(mover('v')), mo('+'), mi('ε')))),
  },
  {
    id: 'compare-depth',
    name: 'Compare: layers and neurons',
    description: 'No hidden layer, then one, two and four hidden layers of 64 neurons. The runs table lists each run\'s parameter count beside its accuracy: the first hidden layer helps most; more layers add parameters and time for less and less gain on digits.',
    settings: { layers: [dense(64)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'depth', values: [0, 1, 2, 4] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mtext('parameters'), mo('='), sum(mtext('layers')), mo('('), sub(mi('n'), mtext('in')), mo('+'), mn(1), mo(')'), mo('·'), sub(mi('n'), mtext('out'))),
  },
  {
    id: 'compare-l2',
    name: 'Compare: L2, 500 images',
    description: 'A big network on only 500 images, with L2 λ = 0, 0.01 and 0.1, for 30 epochs. Without L2 the training accuracy reaches 100% while the test accuracy stays near 87% (overfitting: compare the Train acc. and Test acc. columns of the runs table). L2 adds λ/2·Σθ² to the loss, which pulls every weight toward zero (g ← g + λ·θ): the gap narrows, but on so few images the test accuracy does not rise, and too strong a pull (0.1) makes both fall (underfitting).',
    settings: { layers: [dense(256), dense(256)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 30, trainLimit: 500 },
    compare: { axes: [{ key: 'l2', values: [0, 0.01, 0.1] }], budget: { kind: 'epochs', n: 30 } },
    formula: row(sub(mi('J'), mtext('reg')), mo('='), mi('J'), mo('+'), frac(mi('λ'), mn(2)), sum(mi('i')), sup(sub(mi('θ'), mi('i')), mn(2)), mo(','), mspace(), mi('g'), mo('←'), mi('g'), mo('+'), mi('λ'), mi('θ')),
  },
  {
    id: 'compare-dropout',
    name: 'Compare: dropout, 500 images',
    description: 'The same big network on 500 images with dropout p = 0, 0.5 and 0.8, for 30 epochs. Dropout zeroes a random share p of the values at each training step and scales the rest by 1/(1 − p), so no single neuron can be relied on: the training accuracy rises more slowly and stays closer to the test accuracy. With p = 0.5 the test accuracy holds; with 0.8 too little gets through and both fall.',
    settings: { layers: [dense(256), dropout(0.5), dense(256), dropout(0.5)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 30, trainLimit: 500 },
    compare: { axes: [{ key: 'dropout', values: [0, 0.5, 0.8] }], budget: { kind: 'epochs', n: 30 } },
    formula: row(mi('y'), mo('='), frac(row(mi('m'), mo('⊙'), mi('x')), row(mn(1), mo('−'), mi('p'))), mo(','), mspace(), sub(mi('m'), mi('i')), mo('∼'), mtext('Bernoulli'), mo('('), mn(1), mo('−'), mi('p'), mo(')')),
  },
  {
    id: 'compare-batchnorm',
    name: 'Compare: batch norm, deep network',
    description: 'Eight dense layers of 64 ReLU neurons, plain SGD at learning rate 1, one epoch, without and with batch norm after each dense layer (before its ReLU). Without it, each layer\'s outputs grow or shrink on their way through eight layers and such a large step throws them further off: the loss explodes and the run diverges. Batch norm brings every layer\'s inputs back to mean 0 and variance 1 (then a learned γ and β), so the same learning rate trains the deep network: above 80% test accuracy in one epoch.',
    settings: { layers: Array.from({ length: 8 }, () => dense(64)), optimizer: 'sgd', momentum: 0, lr: 1, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'batchnorm', values: ['off', 'on'] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mi('y'), mo('='), mi('γ'), mo('·'), frac(row(mi('x'), mo('−'), sub(mi('μ'), mi('B'))), msqrt(row(sup(sub(mi('σ'), mi('B')), mn(2)), mo('+'), mi('ε')))), mo('+'), mi('β')),
  },
  {
    id: 'compare-connections',
    name: 'Compare: dense vs convolutional',
    description: 'Two networks with about the same number of weights (31,810 and 31,786): 40 dense neurons that each look at every pixel, and 16 convolution filters of 5×5 that each look at a small patch, shared across the whole image. Sharing makes the convolution learn features that work anywhere in the picture: with the same budget it usually ends ahead.',
    settings: { layers: [dense(40)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 2 },
    compare: { axes: [{ key: 'network', values: ['dense40', 'conv16'] }], budget: { kind: 'epochs', n: 2 } },
    formula: row(mtext('dense:'), mspace(), mo('('), sub(mi('n'), mtext('in')), mo('+'), mn(1), mo(')'), mo('·'), sub(mi('n'), mtext('out')), mspace(), mtext('conv:'), mspace(), mo('('), sup(mi('k'), mn(2)), mo('·'), sub(mi('c'), mtext('in')), mo('+'), mn(1), mo(')'), mo('·'), sub(mi('c'), mtext('out'))),
  },
  {
    id: 'compare-textbook',
    name: 'Compare: the textbook MLP and CNN',
    description: 'The classic pair: an MLP (784→128→10, 101,770 weights) and a CNN (conv 32 3×3, pool, conv 64 3×3, pool, dense 128, dropout 0.5, dense 10; 225,034 weights), one epoch each. The CNN costs far more arithmetic per image but makes fewer mistakes: look at both confusion matrices and at the examples/s in the runs table.',
    settings: { layers: [dense(128)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'network', values: ['mlp', 'cnn'] }], budget: { kind: 'epochs', n: 1 } },
    formula: row(mtext('out'), mo('['), mi('f'), mo(','), mi('y'), mo(','), mi('x'), mo(']'), mo('='), sub(mi('b'), mi('f')), mo('+'), sum(row(mi('c'), mo(','), mi('i'), mo(','), mi('j'))), mi('W'), mo('['), mi('f'), mo(','), mi('c'), mo(','), mi('i'), mo(','), mi('j'), mo(']'), mo('·'), mtext('in'), mo('['), mi('c'), mo(','), mi('y'), mo('+'), mi('i'), mo(','), mi('x'), mo('+'), mi('j'), mo(']')),
  },
];

/** Settings a preset resets before applying its own (everything but the dataset and the view). */
export const PRESET_SCOPE = ['trainLimit', 'augment', 'layers', 'optimizer', 'lr', 'momentum', 'nesterov', 'beta1', 'beta2', 'rmsAlpha', 'rmsMomentum', 'eps', 'lrDecay', 'adagradInit', 'adagradEps', 'rho', 'adadeltaEps', 'weightDecay', 'schedule', 'stepEvery', 'stepGamma', 'minLr', 'batchSize', 'l2', 'clipNorm', 'epochs'];
