// The network diagram's nodes, worked out from the engine's summary: the input, one node per layer
// of the spec (a convolution and the activation the engine runs after it are one node), and the
// output. Pure, so the shapes the diagram shows are tested without a browser.

import { LAYER_TYPES } from './schema.js';
import { formatDims } from '../lib/format.js';

/**
 * @typedef {object} DiagramNode
 * @property {string} key          'input', 'layer-<i>' or 'output'
 * @property {'input'|'layer'|'output'} kind
 * @property {number} specIndex    the layer's index in the spec's layers (−1 for the input; the output
 *   layer comes after the hidden ones)
 * @property {string} type         the operation ('conv2d', 'maxpool2d', 'avgpool2d', 'dense', 'flatten',
 *   'dropout', 'activation'; 'input' for the input)
 * @property {object|null} op      the engine's description of it (summary layers' `op`)
 * @property {string|null} activation  the function applied after it ('relu', 'softmax', …)
 * @property {string} title        "Convolution", "Output"
 * @property {string} detail       its sizes in words ("8 filters 5×5, stride 1")
 * @property {import('../engine/protocol.js').Dims|null} inDims
 * @property {import('../engine/protocol.js').Dims} outDims
 * @property {number} params
 * @property {number} flops
 * @property {{ inDims: object, outDims: object }|null} flatten  an implicit flatten before it
 * @property {number} activationIndex  which entry of the ACTIVATIONS reply is its output (0: the input)
 * @property {boolean} weights     it has weights (a convolution or a dense layer)
 */

/**
 * @param {import('../engine/protocol.js').Summary} summary
 * @returns {DiagramNode[]}
 */
export function diagramNodes(summary) {
  const nodes = [{
    key: 'input', kind: 'input', specIndex: -1, type: 'input', op: null, activation: null,
    title: 'Input', detail: 'the image', inDims: null, outDims: summary.input, params: 0, flops: 0,
    flatten: null, activationIndex: 0, weights: false,
  }];
  const last = summary.layers.reduce((m, l) => Math.max(m, l.specIndex), -1);
  summary.layers.forEach((l, i) => {
    // The engine's plan entry i is the output at i + 1 of the activations (the input is at 0).
    let node = nodes.at(-1);
    if (node.specIndex !== l.specIndex) {
      const output = l.specIndex === last;
      node = {
        key: output ? 'output' : `layer-${l.specIndex}`, kind: output ? 'output' : 'layer', specIndex: l.specIndex,
        type: null, op: null, activation: output ? 'softmax' : null, title: '', detail: '', inDims: l.inDims,
        outDims: l.outDims, params: 0, flops: 0, flatten: null, activationIndex: i + 1, weights: false,
      };
      nodes.push(node);
    }
    node.params += l.params;
    node.flops += l.flops;
    node.outDims = l.outDims;
    node.activationIndex = i + 1;
    if (l.implicit && l.op.op === 'flatten') {
      node.flatten = { inDims: l.inDims, outDims: l.outDims };
      node.inDims = l.outDims;
    } else if (l.op.op === 'activation' && node.op) {
      node.activation = l.op.function; // applied after a conv or dense layer
    } else {
      node.op = l.op;
      node.type = l.op.op;
      if (l.op.op === 'activation') node.activation = l.op.function;
    }
  });
  for (const node of nodes.slice(1)) {
    node.weights = node.type === 'conv2d' || node.type === 'dense';
    node.title = node.kind === 'output' ? 'Output' : LAYER_TYPES[node.type]?.label ?? node.type;
    node.detail = describe(node);
  }
  return nodes;
}

/** A layer's sizes in words, as its card sets them. */
function describe({ op, activation, outDims, kind }) {
  const act = activation && activation !== 'linear' ? ` · ${activation}` : '';
  switch (op?.op) {
    case 'conv2d': {
      const pad = op.pad.top + op.pad.bottom + op.pad.left + op.pad.right > 0 ? `, pad ${op.pad.top}` : '';
      return `${op.filters} filters ${op.kh}×${op.kw}, stride ${op.stride}${pad}${act}`;
    }
    case 'maxpool2d':
    case 'avgpool2d':
      return `${op.size}×${op.size}, stride ${op.stride}`;
    case 'dense':
      return kind === 'output' ? `${op.units} classes${act}` : `${op.units} units${act}`;
    case 'dropout':
      return `p = ${op.rate}`;
    case 'flatten':
      return `to ${formatDims(outDims)} values`;
    case 'activation':
      return op.function;
    default:
      return '';
  }
}

/**
 * How thick and what colour the edge into each layer with weights is drawn: thickness by its mean
 * |w| against the largest of the network's (so the layers compare), colour by how that mean has
 * grown (> 0) or shrunk (< 0) since the run's first measurement, as log₂ of the ratio.
 * @param {{ layer: number, meanAbs: number }[]} sizes  this measurement (WeightSizes.layers)
 * @param {Map<number, number>} first  the run's first mean |w| per layer (filled in here)
 * @returns {Map<number, { meanAbs: number, share: number, growth: number }>} by spec layer index
 */
export function edgeWeights(sizes, first) {
  const top = sizes.reduce((m, s) => Math.max(m, s.meanAbs), 0);
  const out = new Map();
  for (const s of sizes) {
    if (!first.has(s.layer)) first.set(s.layer, s.meanAbs);
    const start = first.get(s.layer);
    const growth = start > 0 && s.meanAbs > 0 ? Math.log2(s.meanAbs / start) : 0;
    out.set(s.layer, { meanAbs: s.meanAbs, share: top > 0 ? s.meanAbs / top : 0, growth });
  }
  return out;
}
