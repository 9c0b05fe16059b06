// The formula of each kind of layer, for the network diagram's layer detail: a sentence in the words
// of a course and the formula as a MathML tree (lib/mathml.js). One entry per operation the engine
// reports (summary layers' `op.op`), one per activation function; a new layer adds its entry here.
import { mi, mo, mn, row, frac, sup, sub, sum, mtext } from './math-tree.js';

/** The input position a window reads, s·i + u − p, leaving out a stride of 1 and a padding of 0. */
const tap = (stride, i, u, pad) => row(...(stride === 1 ? [] : [stride === undefined ? mi('s') : mn(stride)]), mi(i), mo('+'), mi(u), ...(pad === 0 ? [] : [mo('−'), pad === undefined ? mi('p') : mn(pad)]));
/** x[a, b, …] with the indices as a row. */
const at = (x, ...idx) => row(mi(x), mo('['), ...idx.flatMap((v, k) => (k ? [mo(','), v] : [v])), mo(']'));

/**
 * @typedef {object} LayerFormula
 * @property {string} words              what the layer computes, in a sentence
 * @property {(op: object) => any[]} math  the formula, given the engine's op (sizes filled in)
 */

/** @type {Record<string, LayerFormula>} */
export const LAYER_FORMULAS = {
  input: {
    words: 'One number per pixel and channel: the grey level scaled so that paper is 0 and full ink is 1.',
    math: () => row(at('x', mi('c'), mi('i'), mi('j')), mo('='), frac(mtext('pixel'), mn(255))),
  },
  conv2d: {
    words: 'Each filter slides over the input; its output at a position is the sum of the filter\'s weights times the pixels under it, plus its bias (zero outside the image). One feature map per filter.',
    math: (op) => row(
      at('y', mi('f'), mi('i'), mi('j')), mo('='), sub(mi('b'), mi('f')), mo('+'),
      sum(mi('c')), sum(row(mi('u'), mo('<'), (op ? mn(op.kh) : mi('k')))), sum(row(mi('v'), mo('<'), (op ? mn(op.kw) : mi('k')))),
      at('W', mi('f'), mi('c'), mi('u'), mi('v')), mo('·'),
      at('x', mi('c'), tap(op?.stride, 'i', 'u', op?.pad?.top), tap(op?.stride, 'j', 'v', op?.pad?.left))),
  },
  maxpool2d: {
    words: 'Keeps the largest value of each window, channel by channel: the maps get smaller, and the gradient flows back only to the largest value.',
    math: (op) => row(at('y', mi('c'), mi('i'), mi('j')), mo('='), ['munder', mo('max'), row(mi('u'), mo(','), mi('v'), mo('<'), (op ? mn(op.size) : mi('k')))],
      at('x', mi('c'), tap(op?.stride, 'i', 'u', 0), tap(op?.stride, 'j', 'v', 0))),
  },
  avgpool2d: {
    words: 'Averages each window, channel by channel: the maps get smaller and smoother.',
    math: (op) => row(at('y', mi('c'), mi('i'), mi('j')), mo('='), frac(mn(1), sup((op ? mn(op.size) : mi('k')), mn(2))),
      sum(row(mi('u'), mo(','), mi('v'), mo('<'), (op ? mn(op.size) : mi('k')))),
      at('x', mi('c'), tap(op?.stride, 'i', 'u', 0), tap(op?.stride, 'j', 'v', 0))),
  },
  dense: {
    words: 'Every output is a weighted sum of every input plus a bias (a fully connected layer); maps are flattened into one vector first.',
    math: () => row(sub(mi('y'), mi('j')), mo('='), sub(mi('b'), mi('j')), mo('+'), sum(mi('i')), at('W', mi('j'), mi('i')), mo('·'), sub(mi('x'), mi('i'))),
  },
  flatten: {
    words: 'Lays the feature maps out as one long vector, channel after channel, row after row; the values do not change.',
    math: () => row(sub(mi('y'), row(mi('c'), mo('·'), mi('H'), mi('W'), mo('+'), mi('i'), mo('·'), mi('W'), mo('+'), mi('j'))), mo('='), at('x', mi('c'), mi('i'), mi('j'))),
  },
  dropout: {
    words: 'While training, each value is dropped with probability p and the others are scaled up so the average stays the same; a new random mask every step. For testing it changes nothing.',
    math: (op) => row(mi('y'), mo('='), frac(row(mi('m'), mo('·'), mi('x')), row(mn(1), mo('−'), (op ? mn(op.rate) : mi('p')))), mtext(' with '), mi('m'), mo('∼'), mtext('Bernoulli'), mo('('), mn(1), mo('−'), (op ? mn(op.rate) : mi('p')), mo(')')),
  },
  activation: {
    words: 'Applies one function to every value on its own.',
    math: (op) => ACTIVATION_FORMULAS[op?.function]?.math ?? row(mi('y'), mo('='), mi('f'), mo('('), mi('x'), mo(')')),
  },
};

/** The functions applied after a layer, each with its formula. */
export const ACTIVATION_FORMULAS = {
  relu: { words: 'ReLU passes positive values and zeroes negative ones.', math: row(mi('y'), mo('='), mo('max'), mo('('), mn(0), mo(','), mi('x'), mo(')')) },
  leaky_relu: { words: 'Leaky ReLU keeps a small slope α for negative values.', math: row(mi('y'), mo('='), mo('max'), mo('('), mi('α'), mi('x'), mo(','), mi('x'), mo(')')) },
  elu: { words: 'ELU is the identity above zero and smooth below it.', math: row(mi('y'), mo('='), mi('x'), mtext(' if '), mi('x'), mo('>'), mn(0), mtext(', else '), mi('α'), mo('('), sup(mi('e'), mi('x')), mo('−'), mn(1), mo(')')) },
  tanh: { words: 'tanh squashes any value into (−1, 1).', math: row(mi('y'), mo('='), frac(row(sup(mi('e'), mi('x')), mo('−'), sup(mi('e'), row(mo('−'), mi('x')))), row(sup(mi('e'), mi('x')), mo('+'), sup(mi('e'), row(mo('−'), mi('x')))))) },
  sigmoid: { words: 'The sigmoid squashes any value into (0, 1).', math: row(mi('y'), mo('='), frac(mn(1), row(mn(1), mo('+'), sup(mi('e'), row(mo('−'), mi('x')))))) },
  linear: { words: 'No activation: the output is the weighted sum itself.', math: row(mi('y'), mo('='), mi('x')) },
  softmax: { words: 'Softmax turns the class scores into probabilities that add up to 1; the loss is −log of the correct class\'s.', math: row(sub(mi('p'), mi('k')), mo('='), frac(sup(mi('e'), sub(mi('z'), mi('k'))), row(sum(mi('j')), sup(mi('e'), sub(mi('z'), mi('j')))))) },
};

/**
 * The formulas of a diagram node: its operation's, then its activation's when it has one after it
 * (a convolution with ReLU shows both).
 * @param {{ type: string, op: object|null, activation: string|null }} node
 * @returns {{ words: string, math: any[] }[]}
 */
export function formulasOf(node) {
  const out = [];
  const main = Object.hasOwn(LAYER_FORMULAS, node.type) ? LAYER_FORMULAS[node.type] : null;
  if (main) {
    const words = node.type === 'activation' ? ACTIVATION_FORMULAS[node.op?.function]?.words ?? main.words : main.words;
    out.push({ words, math: main.math(node.op) });
  }
  if (node.type !== 'activation' && node.activation && Object.hasOwn(ACTIVATION_FORMULAS, node.activation) && node.activation !== 'linear') {
    out.push(ACTIVATION_FORMULAS[node.activation]);
  }
  return out;
}
