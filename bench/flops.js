// FLOPs per example of a workload (bench/workloads.json), counted the way the workloads' conventions and
// the engine's summary() count them: a multiply-add is 2 FLOPs; conv and dense layers count 2·MACs plus
// one add per output for the bias; activations, pooling, dropout and the softmax are not counted.
// A training step is taken as 3 × forward (forward, gradient w.r.t. the inputs, gradient w.r.t. the
// weights), so GFLOP/s = examples/s × 3 × forward FLOPs / 1e9 for every engine alike.
// The L2 term (whichever convention) and the optimizer update are per parameter, not per example,
// and are not counted either: the FLOPs per step do not depend on the L2 convention.

/** { forward, training (= 3 × forward), params, layers: [{type, out, flops}] } for input [h, w, c]. */
export function workloadFlops(workload, inputShape = [28, 28, 1]) {
  let [h, w, c] = inputShape;
  let flat = null; // set after the first dense layer
  let forward = 0;
  let params = 0;
  const layers = [];
  for (const L of workload.layers) {
    if (L.type === 'conv2d') {
      const s = L.stride ?? 1;
      const p = L.pad ?? 0;
      const ho = Math.floor((h + 2 * p - L.kernel) / s) + 1;
      const wo = Math.floor((w + 2 * p - L.kernel) / s) + 1;
      const flops = 2 * ho * wo * L.filters * L.kernel * L.kernel * c + ho * wo * L.filters;
      params += L.kernel * L.kernel * c * L.filters + L.filters;
      [h, w, c] = [ho, wo, L.filters];
      forward += flops;
      layers.push({ type: 'conv2d', out: [h, w, c], flops });
    } else if (L.type === 'maxpool') {
      h = Math.floor((h - L.size) / L.stride) + 1;
      w = Math.floor((w - L.size) / L.stride) + 1;
      layers.push({ type: 'maxpool', out: [h, w, c], flops: 0 });
    } else if (L.type === 'dense') {
      const nIn = flat ?? h * w * c;
      const flops = 2 * nIn * L.units + L.units;
      params += nIn * L.units + L.units;
      flat = L.units;
      forward += flops;
      layers.push({ type: 'dense', out: [L.units], flops });
    } else if (L.type === 'dropout') {
      layers.push({ type: 'dropout', out: flat ? [flat] : [h, w, c], flops: 0 });
    } else {
      throw new Error(`flops: unknown layer type ${L.type}`);
    }
  }
  return { forward, training: 3 * forward, params, layers };
}

/** GFLOP/s achieved at `examplesPerSecond` on a workload of `forwardFlops` per example (3 × forward per step). */
export function gflops(examplesPerSecond, forwardFlops) {
  return examplesPerSecond == null ? null : (examplesPerSecond * 3 * forwardFlops) / 1e9;
}
