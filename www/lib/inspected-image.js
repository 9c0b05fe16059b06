// The image the page follows through the network (the run store's `inspect`): a test image chosen in
// "Inside the network", the mistakes or the confusion matrix, or the drawn digit. The activations
// view and the network diagram show the same one.

import { bytesToFloats } from './preprocess.js';
import { formatInt } from './format.js';

/**
 * @param {object} r  the run store's state
 * @returns {{ image: Float32Array, label: string, short: string, key: string, index: number | null } | null}
 *   the image's values (c·h·w in 0..1), how to name it in a sentence and in a short caption, a key
 *   that changes with the image, and its test index (null for a drawing); null before there is data
 */
export function inspectedImage(r) {
  if (!r.data?.testImages) return null;
  const target = r.inspect ?? { kind: 'test', index: 0 };
  if (target.kind === 'drawing') return { image: target.image, label: 'your drawing', short: 'your drawing', key: 'drawing', index: null };
  const n = r.data.testLabels.length;
  if (!n) return null;
  const [c, hh, ww] = r.data.shape;
  const per = c * hh * ww;
  const i = Math.min(target.index, n - 1);
  return {
    image: bytesToFloats(r.data.testImages, i * per, per),
    label: `test image ${formatInt(i + 1)}: a ${r.data.classes[r.data.testLabels[i]]}`,
    short: `test image ${formatInt(i + 1)}`,
    key: `test-${i}`,
    index: i,
  };
}
