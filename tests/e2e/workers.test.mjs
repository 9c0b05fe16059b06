// One run on several workers: the same bits on 1, 2 and 3 workers (the saved model — weights,
// optimizer state, streams — and every curve point), a worker that fails mid-run sends the run back
// to one worker from the same weights, and a page that is not cross-origin isolated trains on one
// worker and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

// Batches of 48 split into 6 shards: 2 and 3 workers share them evenly, and the epoch's last batch
// (8,000 − 166 · 48 = 32) has 4.
const LINK = '#dataset=mnist&layers=conv2d:8:5,maxpool2d:2,dropout:0.2,dense:32&batchSize=48&augment=1&seed=5';

/**
 * Trains the run from its initial weights for `steps` steps on `workers` workers (a fault injected
 * in worker `fault` at step `faultAt`, if given); returns the points, the workers each report
 * names, the notices and a digest of the saved model.
 */
function trainOn(page, { workers, steps, fault = 0, faultAt = 0 }) {
  return page.evaluate(async ({ workers, steps, fault, faultAt }) => {
    const c = window.nnp.controller;
    await c.pause();
    await c.setWorkers(workers);
    await c.reset(); // the same initial weights, as a new run the page follows
    const points = [];
    const used = new Set();
    let lost = '';
    const stopped = new Promise((resolve) => {
      const off = c.client.onPush((m) => {
        if (m.type === 'report') {
          points.push(...(m.points ?? []));
          used.add(m.workers);
          lost ||= m.workersLost ?? '';
          if (fault && m.steps >= faultAt) c.client.request('injectFault', { worker: fault });
        }
        if (m.type === 'status' && m.status !== 'training') {
          off();
          resolve(m.status);
        }
      });
    });
    await c.client.play({ until: steps });
    const status = await stopped;
    const saved = new Uint8Array((await c.client.saveModel()).bytes);
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', saved)), (b) => b.toString(16).padStart(2, '0')).join('');
    return { status, points, used: [...used].sort(), lost, digest, workers: window.nnp.run.get().workers };
  }, { workers, steps, fault, faultAt });
}

test('a run gives the same bits on 1, 2 and 3 workers, and goes on alone from the same weights when a worker fails', async () => {
  const app = await openPlayground({ path: LINK });
  const { page, errors } = app;
  try {
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.crossOriginIsolated), true);
    const steps = 200; // past the end of the first epoch (167 steps)
    const one = await trainOn(page, { workers: 1, steps });
    assert.equal(one.status, 'paused');
    assert.deepEqual(one.used, [1]);
    assert.ok(one.points.length >= 3 * 20, `points: ${one.points.length / 3}`);
    for (const workers of [2, 3]) {
      const run = await trainOn(page, { workers, steps });
      assert.ok(run.used.includes(workers), `${workers} workers asked, reports name ${run.used}`);
      assert.equal(run.lost, '');
      assert.deepEqual(run.points, one.points, `the curve on ${workers} workers`);
      assert.equal(run.digest, one.digest, `the saved model after ${steps} steps on ${workers} workers`);
    }
    // The page shows the choice (it offers 1 to the number of cores) and how many train.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(await page.locator('#workers').inputValue(), String(Math.min(3, cores)));
    assert.match(await page.locator('#stat-speed').getAttribute('title'), /Trains on 3 workers/);

    // Worker 2 fails at a step after the 50th: the run ends on one worker with the same numbers.
    const failed = await trainOn(page, { workers: 2, steps, fault: 2, faultAt: 50 });
    assert.match(failed.lost, /Worker 2 of this run stopped during a step; training goes on with one worker, from the same weights/);
    assert.deepEqual(failed.used, [1, 2]);
    assert.equal(failed.digest, one.digest, 'the weights after the failure');
    assert.deepEqual(failed.points, one.points);
    assert.deepEqual(failed.workers, { wanted: 1, workers: 1, reason: failed.lost });
    assert.equal(await page.locator('#workers').inputValue(), '1');
    await page.getByText('Worker 2 of this run stopped').first().waitFor();
    await app.screenshot('workers-fallback');
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});

test('a network with batch norm gives the same bits on 1 and 2 workers (each shard normalised by its own statistics)', async () => {
  // conv → batch norm → relu, then dense → batch norm: the running statistics move once per step
  // from every shard's statistics, which the workers exchange with the gradients.
  const app = await openPlayground({ path: '#dataset=mnist&layers=conv2d:8:5:1:same:linear,bn,act:relu,maxpool:2:2,dense:32:linear,bn,act:relu&batchSize=48&seed=6' });
  const { page, errors } = app;
  try {
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.nnp.settings.get().layers.filter((l) => l.type === 'batchnorm').length), 2);
    const one = await trainOn(page, { workers: 1, steps: 60 });
    const two = await trainOn(page, { workers: 2, steps: 60 });
    assert.ok(two.used.includes(2), `reports name ${two.used}`);
    assert.deepEqual(two.points, one.points);
    assert.equal(two.digest, one.digest, 'weights, optimizer state and running statistics');
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});

test('a member that never answers the copy of the network leaves the run on one worker, which trains', async () => {
  const app = await openPlayground({ path: LINK });
  const { page, errors } = app;
  try {
    await waitReady(page);
    const run = await page.evaluate(async () => {
      const c = window.nnp.controller;
      await c.setWorkers(2);
      await c.client.request('injectFault', { worker: 2, atSync: true });
      c.play();
      // The leader gives up on the silent member after its stall limit and trains alone.
      await new Promise((resolve) => {
        const off = window.nnp.run.subscribe((r) => {
          if ((r.report?.steps ?? 0) >= 5) {
            off();
            resolve();
          }
        }, ['report']);
      });
      await c.pause();
      return c.client.stats();
    });
    assert.equal(run.workers.workers, 1);
    assert.match(run.workers.reason, /did not answer for 15 s while copying the network/);
    assert.ok(run.steps >= 5);
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});

test('a page that is not cross-origin isolated trains on one worker and says why', async () => {
  const app = await openPlayground({ path: LINK, serve: { isolated: false } });
  const { page, errors } = app;
  try {
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.crossOriginIsolated), false);
    const run = await trainOn(page, { workers: 2, steps: 20 });
    assert.deepEqual(run.used, [1]);
    assert.match(run.workers.reason, /not cross-origin isolated/);
    assert.match(await page.locator('#stat-speed').getAttribute('title'), /Trains on 1 worker .*not cross-origin isolated/);
    assert.equal(await page.locator('#workers').getAttribute('data-limited'), 'true');
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});
