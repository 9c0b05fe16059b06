//! The worker's saliency request: the gradient of one class's score with respect to an image's
//! pixels, computed by the engine between training chunks without changing the run.
import { requireEngine } from './worker-build.js';
import { own } from './worker-post.js';

/** { image, class } → {@link import('./protocol.js').Saliency}, its arrays transferred. */
export function saliency({ image, class: cls = -1 }) {
  const s = requireEngine().saliency(image, Number.isInteger(cls) ? cls : -1);
  const probabilities = own(Float32Array, s.probabilities);
  const gradient = own(Float32Array, s.gradient);
  return {
    value: { class: s.class, predicted: s.predicted, probabilities, gradient },
    transfer: [probabilities.buffer, gradient.buffer],
  };
}
