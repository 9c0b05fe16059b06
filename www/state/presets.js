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
];

/** Settings a preset resets before applying its own (everything but the dataset and the view). */
export const PRESET_SCOPE = ['trainLimit', 'augment', 'layers', 'optimizer', 'lr', 'momentum', 'nesterov', 'beta1', 'beta2', 'rmsAlpha', 'rmsMomentum', 'eps', 'weightDecay', 'schedule', 'stepEvery', 'stepGamma', 'minLr', 'batchSize', 'l2', 'clipNorm', 'epochs'];
