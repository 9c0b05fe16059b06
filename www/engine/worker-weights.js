//! The worker's weight-size request: per layer, how large its weights are (mean |w| over the layer,
//! and the L2 norm of each filter or unit), and optionally one layer's weights in full. The network
//! diagram asks for it on its own rhythm, only while it is on screen, so nothing is computed for a
//! page that does not show it.
import { requireEngine } from './worker-build.js';
import { session } from './worker-state.js';
import { own } from './worker-post.js';
import { weightSizes } from './weight-sizes.js';

/** The weight tensors (not biases) of paramLayout(), read once per run: the layout is fixed for a run. */
let cached = { runId: -1, layout: [] };

function weightLayout(engine) {
  if (cached.runId !== session.runId) {
    const layout = engine.paramLayout().map((p, index) => ({ ...p, index })).filter((p) => p.decay && p.shape.length >= 2);
    cached = { runId: session.runId, layout };
  }
  return cached.layout;
}

/** { full } → {@link import('./protocol.js').WeightSizes}, its arrays transferred. */
export function weights({ full = -1 } = {}) {
  const engine = requireEngine();
  const layers = [];
  let tensor = null;
  for (const p of weightLayout(engine)) {
    const values = engine.paramTensor(p.index);
    const { meanAbs, norms } = weightSizes(values, p.shape[0]);
    layers.push({ layer: p.layer, shape: p.shape, meanAbs, norms });
    if (p.layer === full) tensor = { layer: p.layer, shape: p.shape, data: own(Float32Array, values) };
  }
  const transfer = [...layers.map((l) => l.norms.buffer), ...(tensor ? [tensor.data.buffer] : [])];
  return { value: { runId: session.runId, layers, tensor }, transfer };
}
