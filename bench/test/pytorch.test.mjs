// bench/pytorch_bench.py splits the digits as bench/data.js does (its split needs Python, not torch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { splitDigest } from '../pytorch.mjs';

const python = process.env.NNP_BENCH_PYTHON || 'python3';
const hasPython = !spawnSync(python, ['--version']).error;

test('the PyTorch case trains on the split every engine trains on', { skip: !hasPython && `${python} is not installed` }, () => {
  const script = fileURLToPath(new URL('../pytorch_bench.py', import.meta.url));
  const r = spawnSync(python, [script, '--split', '1234', '8000', '2000'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const data = fileURLToPath(new URL('../../www/data/mnist/', import.meta.url));
  assert.equal(r.stdout.trim(), splitDigest(data, 1234, 8000, 2000));
});
