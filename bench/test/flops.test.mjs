// The FLOP counts behind the GFLOP/s column: node --test bench/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gflops, workloadFlops } from '../flops.js';

const spec = JSON.parse(readFileSync(new URL('../workloads.json', import.meta.url), 'utf8'));

test('forward FLOPs per example of the standard workloads', () => {
  // mlp: 2·784·128 + 128 + 2·128·10 + 10
  assert.equal(workloadFlops(spec.workloads.mlp).forward, 203_402);
  // the engine's own summary() gives the same (src/model/validate.rs pins 1,582,538 for this net)
  assert.equal(workloadFlops(spec.workloads['convnetjs-mnist']).forward, 1_582_538);
  assert.equal(workloadFlops(spec.workloads['lenet-ish']).forward, 5_291_594);
});

test('GFLOP/s is examples/s × 3 × forward', () => {
  assert.equal(gflops(1000, 1e6), 3);
  assert.equal(gflops(null, 1e6), null);
});
