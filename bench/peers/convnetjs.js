// Peer: ConvNetJS (npm convnetjs@0.3.0, served from node_modules), in the benchmark's worker.
//
// ConvNetJS works one example at a time, in float64: trainer.train(vol, label) runs forward and backward
// for one example and updates the weights every `batch_size` examples, with the gradient summed over the
// batch and divided by batch_size. Its l2_decay follows the workloads' L2 convention as it is (that
// convention is ConvNetJS's). Its SGDTrainer in 0.3.0 knows sgd (+momentum), adagrad, windowgrad and
// adadelta — no adam, so adam workloads run the fallback they declare (reported as a substitution).
// ConvNetJS has no seed: Math.random is swapped for mulberry32(seed) while ConvNetJS code runs (weight
// init, dropout), so its runs repeat exactly.
import { mulberry32 } from '../data.js';

export const id = 'convnetjs';
let cnj = null;
let version = null;

export async function load({ root }) {
  const url = new URL('node_modules/convnetjs/build/convnet.js', root);
  const src = await (await fetch(url)).text();
  // The bundle is a classic script that declares `var convnetjs` and then assigns it to `window.jsfeat`
  // (sic); module workers have no importScripts, so it runs in a function with a stand-in `window`.
  cnj = new Function('window', 'module', `${src}\n;return convnetjs;\n//# sourceURL=${url}`)({}, undefined);
  version = (await (await fetch(new URL('node_modules/convnetjs/package.json', root))).json()).version;
  return {
    library: `convnetjs@${version}`,
    precision: 'float64',
    execution: 'one example at a time; gradients summed over batch_size examples, then one update',
    init: 'ConvNetJS default (weights randn·sqrt(1/fan_in); biases 0, 0.1 before relu), Math.random = mulberry32(seed)',
    dropout: 'ConvNetJS: zeroes at train time, multiplies by rate at test time (= 1 - rate for rate 0.5)',
  };
}

export function check(w) {
  const problems = [];
  const o = w.optimizer;
  if (o.type === 'adam') problems.push({ what: 'optimizer', detail: `convnetjs@${version} has no adam (its SGDTrainer: sgd, adagrad, windowgrad, adadelta)` });
  else if (o.type === 'adadelta' && (o.lr ?? 1) !== 1) problems.push({ what: 'optimizer', detail: 'ConvNetJS adadelta has no learning rate' });
  else if (!['sgd', 'adadelta'].includes(o.type)) problems.push({ what: 'optimizer', detail: o.type });
  w.layers.forEach((L, i) => {
    const last = i === w.layers.length - 1;
    if (!['dense', 'conv2d', 'maxpool', 'dropout'].includes(L.type)) problems.push({ what: 'layer', detail: L.type });
    if (last !== (L.type === 'dense' && L.activation === 'softmax')) problems.push({ what: 'layer', detail: 'softmax dense only as the last layer' });
  });
  return problems;
}

function layerDefs(w) {
  const defs = [{ type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 }];
  for (const L of w.layers) {
    if (L.type === 'conv2d') defs.push({ type: 'conv', sx: L.kernel, filters: L.filters, stride: L.stride ?? 1, pad: L.pad ?? 0, activation: L.activation });
    else if (L.type === 'maxpool') defs.push({ type: 'pool', sx: L.size, stride: L.stride });
    else if (L.type === 'dropout') defs.push({ type: 'dropout', drop_prob: L.rate });
    else if (L.activation === 'softmax') defs.push({ type: 'softmax', num_classes: L.units }); // = fc(units) + softmax
    else defs.push({ type: 'fc', num_neurons: L.units, activation: L.activation });
  }
  return defs;
}

export async function create(w, data) {
  const rand = mulberry32(w.seed ?? 1);
  const seeded = (fn) => {
    const saved = Math.random;
    Math.random = rand;
    try {
      return fn();
    } finally {
      Math.random = saved;
    }
  };
  const net = new cnj.Net();
  seeded(() => net.makeLayers(layerDefs(w)));
  const o = w.optimizer;
  const options = { batch_size: w.batchSize, l2_decay: w.l2 || 0 };
  if (o.type === 'sgd') Object.assign(options, { method: 'sgd', learning_rate: o.lr, momentum: o.momentum ?? 0 });
  else Object.assign(options, { method: 'adadelta', ro: o.rho, eps: o.eps });
  const trainer = new cnj.SGDTrainer(net, options);
  const D = data.inputSize;
  const B = w.batchSize;
  const nb = Math.floor(data.nTrain / B);
  const vol = new cnj.Vol(28, 28, 1, 0.0);
  const setInput = (x, i) => {
    for (let p = 0; p < D; p++) vol.w[p] = x[i * D + p];
  };
  return {
    notes: [`layers: ${net.layers.map((l) => l.layer_type).join(' > ')}`, `SGDTrainer(${JSON.stringify(options)})`],
    train(first, n) {
      seeded(() => {
        for (let k = 0; k < n; k++) {
          const start = ((first + k) % nb) * B;
          for (let i = start; i < start + B; i++) {
            setInput(data.trainX, i);
            trainer.train(vol, data.trainY[i]);
          }
        }
      });
    },
    accuracy() {
      let correct = 0;
      for (let i = 0; i < data.nTest; i++) {
        setInput(data.testX, i);
        net.forward(vol, false);
        if (net.getPrediction() === data.testY[i]) correct++;
      }
      return correct / data.nTest;
    },
  };
}
