// A few cycles of the soak (bench/soak.mjs, `./dev soak` runs it for half an hour): lesson after
// lesson trained, models saved and loaded, datasets switched; the page's heap, DOM and wasm memory
// do not keep growing, one engine stays alive, and nothing goes to the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';
import { soak } from '../../bench/soak.mjs';

test('a session of lessons keeps its memory flat', async () => {
  const app = await openPlayground();
  try {
    await waitReady(app.page);
    const report = await soak(app, { cycles: 8, steps: 60 });
    if (process.env.SHOW) console.log(report.samples);
    assert.deepEqual(report.problems, []);
    assert.ok(report.samples.at(-1).runs >= 8, 'every run was kept in the history');
  } finally {
    await app.close();
  }
});
