// PyTorch's cases of the benchmark, from Node: whether a Python can import torch, one case run through
// bench/pytorch_bench.py (a fresh process per case, with its thread count), and the check that it
// trained on the same split as every other engine.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { splitMnist } from './data.js';

const SCRIPT = new URL('./pytorch_bench.py', import.meta.url);

/** { version } when `python` imports torch, else { reason } (one line). */
export function probeTorch(python) {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { reason: `${python} cannot be run (${r.error.code || r.error.message})` };
  if (r.status !== 0) return { reason: `${python} cannot import torch` };
  return { version: r.stdout.trim() };
}

/** sha256 of the split's bytes as bench/data.js makes it (train pixels, train labels, test pixels, test labels). */
export function splitDigest(dataDir, seed, nTrain, nTest) {
  const raw = {
    imagesIdx: gunzipSync(readFileSync(join(dataDir, 'images-idx3-ubyte.gz'))),
    labelsIdx: gunzipSync(readFileSync(join(dataDir, 'labels-idx1-ubyte.gz'))),
  };
  const s = splitMnist(raw, seed, nTrain, nTest);
  const h = createHash('sha256');
  for (const part of [s.trainU8, s.trainY, s.testU8, s.testY]) h.update(part);
  return h.digest('hex');
}

/**
 * Runs one case ({ threads, ... } as bench/pytorch_bench.py documents it); resolves with its result.
 * OMP/MKL get the thread count too, so a 1-thread case starts no pool of its own.
 */
export function runTorchCase(python, kase, log = () => {}) {
  const threads = String(kase.threads);
  const env = { ...process.env, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
  return new Promise((done) => {
    const child = spawn(python, [SCRIPT.pathname], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => String(d).split('\n').filter(Boolean).forEach((l) => log(l)));
    child.on('error', (e) => done({ status: 'error', error: `${python}: ${e.message}` }));
    child.on('close', (code) => {
      try {
        done(JSON.parse(out));
      } catch {
        done({ status: 'error', error: `bench/pytorch_bench.py exited with ${code} and wrote no result` });
      }
    });
    child.stdin.end(JSON.stringify(kase));
  });
}
