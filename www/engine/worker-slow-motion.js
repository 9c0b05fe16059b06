//! The worker's slow-motion request: one training step on one image alone, traced layer by layer
//! (forward values, loss, backward gradients) with one weight's update by the optimizer's own rule,
//! computed by the engine without changing the run.
import { requireEngine } from './worker-build.js';
import { session } from './worker-state.js';
import { own } from './worker-post.js';

/** { image, label, weight } → {@link import('./protocol.js').StepTrace}, its arrays transferred. */
export function traceStep({ image, label, weight = -1 }) {
  const engine = requireEngine();
  const t = engine.traceStep(image, label);
  const grads = t.paramGradients;
  const params = engine.paramLayout().map((p) => ({ layer: p.layer, name: p.name, offset: p.offset, len: p.len, norm: norm(grads, p.offset, p.len) }));
  const index = Number.isInteger(weight) && weight >= 0 && weight < grads.length ? weight : largestInLastWeights(params, grads);
  const u = engine.traceUpdate(index, grads[index]);
  const layers = t.layers.map((l) => ({ label: l.label, dims: l.dims, output: own(Float32Array, l.output), gradient: own(Float32Array, l.gradient) }));
  const probabilities = own(Float32Array, t.probabilities);
  const update = {
    name: u.name, theta: u.theta, gradient: u.gradient, l2: u.l2, lr: u.lr, step: u.step, thetaAfter: u.thetaAfter,
    stateNames: u.stateNames, before: own(Float32Array, u.before), after: own(Float32Array, u.after),
    optimizer: session.spec?.optimizer ?? null,
    l2Setting: session.spec?.l2 ?? 0,
  };
  return {
    value: { label: t.label, loss: t.loss, probabilities, layers, params, weight: index, update },
    transfer: [probabilities.buffer, ...layers.flatMap((l) => [l.output.buffer, l.gradient.buffer])],
  };
}

function norm(values, offset, len) {
  let s = 0;
  for (let i = offset; i < offset + len; i += 1) s += values[i] * values[i];
  return Math.sqrt(s);
}

/** The weight of the last weight tensor (the classifier's) whose gradient is largest in size. */
function largestInLastWeights(params, grads) {
  const weights = params.filter((p) => p.name.endsWith('weights'));
  const p = weights[weights.length - 1] ?? params[params.length - 1];
  let best = p.offset;
  for (let i = p.offset; i < p.offset + p.len; i += 1) if (Math.abs(grads[i]) > Math.abs(grads[best])) best = i;
  return best;
}
