// The benchmark's probe worker: how fast the engine's GEMM kernel multiplies two square 256×256
// matrices, and each layer's forward and backward time of the given networks, in the bench-only module
// built from the engine's sources (examples/bench_probe.rs), in the same browser as the cases.
// The case comes in the worker's URL (?case=<json>): { probe: true, module (URL of its JS glue),
// specs: { id: engine spec }, quick }. Posts { type: 'log', text } and { type: 'done', result }.
import { median } from '../www/engine/throughput.js';

const cfg = JSON.parse(new URL(self.location.href).searchParams.get('case'));
const log = (text) => self.postMessage({ type: 'log', text });
const now = () => performance.now();

/**
 * Seconds per repetition of `work(reps)`: the repetitions are calibrated so one sample takes at least
 * `sampleMs`, then `count` samples are taken. Returns every sample's seconds per repetition.
 */
function sample(work, sampleMs, count) {
  let reps = 1;
  for (;;) {
    const t0 = now();
    work(reps);
    const dt = now() - t0;
    if (dt >= sampleMs) break;
    reps = dt < 1 ? reps * 10 : Math.ceil((reps * sampleMs * 1.2) / dt);
  }
  return Array.from({ length: count }, () => {
    const t0 = now();
    work(reps);
    return (now() - t0) / 1000 / reps;
  });
}

const spread = (perSecond) => ({ median: median(perSecond), min: Math.min(...perSecond), max: Math.max(...perSecond), samples: perSecond.length });

async function run() {
  const probe = await import(cfg.module);
  await probe.default();
  const gemmSamples = cfg.quick ? [5, 50] : [15, 200];
  const layerSamples = cfg.quick ? [3, 20] : [7, 50];

  const size = 256;
  const gemm = new probe.Gemm(size, size, size);
  const flops = gemm.flops();
  const g = spread(sample((reps) => gemm.run(reps), gemmSamples[1], gemmSamples[0]).map((s) => flops / s / 1e9));
  gemm.free();
  log(`gemm_nn ${size}×${size}×${size}: ${g.median.toFixed(2)} GFLOP/s (${g.min.toFixed(2)}–${g.max.toFixed(2)})`);

  const layers = {};
  for (const [id, spec] of Object.entries(cfg.specs)) {
    const net = new probe.Layers(JSON.stringify(spec));
    const batch = spec.batchSize;
    layers[id] = JSON.parse(net.describe()).map((l, i) => {
      const forward = median(sample((reps) => net.forward(i, reps), layerSamples[1], layerSamples[0]));
      const backward = median(sample((reps) => net.backward(i, reps), layerSamples[1], layerSamples[0]));
      // Backward: the weight gradient and, past the first layer, the input gradient (each as many FLOPs as forward).
      const backwardFlops = (i === 0 ? 1 : 2) * l.flops;
      return {
        ...l,
        batch,
        forwardMs: forward * 1000,
        backwardMs: backward * 1000,
        forwardGflops: l.flops ? (l.flops * batch) / forward / 1e9 : null,
        backwardGflops: l.flops ? (backwardFlops * batch) / backward / 1e9 : null,
      };
    });
    net.free();
    log(`layers of ${id}: ${layers[id].length} timed`);
  }
  return { status: 'ok', gemm: { m: size, k: size, n: size, gflops: g }, layers };
}

run()
  .catch((e) => ({ status: 'error', error: String(e && (e.message || e)) }))
  .then((result) => self.postMessage({ type: 'done', result }));
