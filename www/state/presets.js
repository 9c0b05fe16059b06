//! Ready-made lessons: a network and settings that show one idea each. Applying one resets every
//! network and training setting to its default first, so a lesson is the same for everybody.

const conv = (filters, kernel, padding = 'same', activation = 'relu', stride = 1) => ({ type: 'conv2d', filters, kernel, stride, padding, activation });
const maxpool = (size, stride = size) => ({ type: 'maxpool2d', size, stride });
const dense = (units, activation = 'relu') => ({ type: 'dense', units, activation });
const dropout = (rate) => ({ type: 'dropout', rate });

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
  },
  {
    id: 'compare-activation',
    name: 'Compare: sigmoid, tanh, ReLU',
    description: 'Four dense layers of 64 with SGD, once with each activation. The deep sigmoid network barely learns: σ′(x) ≤ 0.25, so the gradient shrinks at every layer on its way back (vanishing gradients). tanh does better, ReLU, whose slope is 1 where it is active, best.',
    settings: { layers: [dense(64, 'sigmoid'), dense(64, 'sigmoid'), dense(64, 'sigmoid'), dense(64, 'sigmoid')], optimizer: 'sgd', momentum: 0.9, lr: 0.01, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'activation', values: ['sigmoid', 'tanh', 'relu'] }], budget: { kind: 'epochs', n: 1 } },
  },
  {
    id: 'compare-pooling',
    name: 'Compare: max vs average pooling',
    description: 'The default convolutional network with max pooling and with average pooling, one epoch each. Max pooling keeps the strongest response of each window, average pooling blurs it; on digits both work, and max pooling usually ends a little ahead.',
    settings: { layers: [conv(8, 5), maxpool(2), conv(16, 5), maxpool(3)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'pooling', values: ['max', 'avg'] }], budget: { kind: 'epochs', n: 1 } },
  },
  {
    id: 'compare-optimizer',
    name: 'Compare: optimizers',
    description: 'The tiny network with plain SGD, SGD with momentum 0.9 and Adam, each at its usual learning rate. Momentum keeps rolling in the direction of past gradients (v ← μ·v + g); Adam also scales each weight\'s step by its recent gradient size, so it gets going fastest.',
    settings: { layers: [dense(64)], optimizer: 'sgd', momentum: 0, lr: 0.01, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'optimizer', values: ['sgd', 'adam'] }, { key: 'momentum', values: [0, 0.9] }], budget: { kind: 'epochs', n: 1 } },
  },
  {
    id: 'compare-depth',
    name: 'Compare: layers and neurons',
    description: 'No hidden layer, then one, two and four hidden layers of 64 neurons. The runs table lists each run\'s parameter count beside its accuracy: the first hidden layer helps most; more layers add parameters and time for less and less gain on digits.',
    settings: { layers: [dense(64)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 1 },
    compare: { axes: [{ key: 'depth', values: [0, 1, 2, 4] }], budget: { kind: 'epochs', n: 1 } },
  },
  {
    id: 'compare-l2',
    name: 'Compare: L2, 500 images',
    description: 'A big network on only 500 images, with L2 λ = 0, 0.001 and 0.01. Without L2 the training accuracy reaches 100% while the test accuracy stays behind (overfitting). L2 adds λ/2·Σθ² to the loss, which pulls every weight toward zero (g ← g + λ·θ) and narrows the gap.',
    settings: { layers: [dense(256), dense(256)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 30, trainLimit: 500 },
    compare: { axes: [{ key: 'l2', values: [0, 0.001, 0.01] }], budget: { kind: 'epochs', n: 30 } },
  },
  {
    id: 'compare-dropout',
    name: 'Compare: dropout, 500 images',
    description: 'The same big network on 500 images with dropout p = 0, 0.25 and 0.5. Dropout zeroes a random share p of the values at each step and scales the rest by 1/(1 − p), so no single neuron can be relied on: training accuracy rises more slowly and the test accuracy holds up better.',
    settings: { layers: [dense(256), dropout(0.5), dense(256), dropout(0.5)], optimizer: 'adam', lr: 0.001, batchSize: 32, epochs: 30, trainLimit: 500 },
    compare: { axes: [{ key: 'dropout', values: [0, 0.25, 0.5] }], budget: { kind: 'epochs', n: 30 } },
  },
];

/** Settings a preset resets before applying its own (everything but the dataset and the view). */
export const PRESET_SCOPE = ['trainLimit', 'augment', 'layers', 'optimizer', 'lr', 'momentum', 'nesterov', 'beta1', 'beta2', 'rmsAlpha', 'rmsMomentum', 'eps', 'weightDecay', 'schedule', 'stepEvery', 'stepGamma', 'minLr', 'batchSize', 'l2', 'clipNorm', 'epochs'];
