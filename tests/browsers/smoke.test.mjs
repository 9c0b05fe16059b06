// The page in the three engines people have (Chromium, Firefox, WebKit), the same checks in each: it
// loads with SIMD; Step gives the same losses as in Chromium, to the bit, and Reset gives them again;
// Play passes 90% test accuracy; a drawn digit is read; an edit rebuilds; a model saves and loads; the
// widget page runs two widgets; a bad link says what is wrong. Screenshots: tests/e2e/artifacts/<engine>-*.png.
// Each engine's examples/s and time to 90% are printed as "# <engine>: …" lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../scripts/serve.mjs';
import { ENGINES, openEngine } from './engines.mjs';

let server;
let base;
/** The first losses in Chromium, which the other engines must give bit for bit. */
let reference = null;

before(async () => {
  ({ server, url: base } = await startServer({ port: 0 }));
});
after(() => new Promise((r) => server?.close(r)));

const STEPS = 8;

for (const engine of ['chromium', 'firefox', 'webkit']) {
  const { label } = ENGINES[engine];
  test(`${label}: loads with SIMD, steps the same losses as Chromium, trains past 90%, reads a drawing, edits, saves and loads`, async (t) => {
    if (!ENGINES[engine].which()) {
      t.skip(`${label} is not installed (./dev test installs it when run as root)`);
      return;
    }
    const b = await openEngine(engine, base);
    try {
      await b.goto('');
      // Predicates answer true or false: a large answer (the run's data) is slow to send back.
      await b.waitFor(() => Boolean(document.body.dataset.engine === 'ready' && window.nnp?.run.get().summary && window.nnp.run.get().data), null, { timeout: 60_000, what: 'the engine and the network' });
      await b.syncErrors?.();
      assert.match(await b.evaluate(() => document.getElementById('engine-status').textContent), /WebAssembly SIMD active/);

      // Step: the same losses as Chromium, to the bit; Reset and Step again: the same once more.
      const stepLosses = async () => {
        for (let i = 0; i < STEPS; i++) {
          await b.evaluate((n) => {
            document.getElementById('btn-step').click();
            return n;
          }, i);
          await b.waitFor((n) => window.nnp.run.get().report?.steps === n, i + 1, { what: `step ${i + 1}` });
        }
        return b.evaluate(() => window.nnp.controller.lossHistory());
      };
      const first = await stepLosses();
      assert.equal(first.length, STEPS);
      const runId = await b.evaluate(() => window.nnp.run.get().runId);
      await b.evaluate(() => {
        document.getElementById('btn-reset').click();
        return true;
      });
      await b.waitFor((id) => window.nnp.run.get().runId !== id && !window.nnp.run.get().report, runId, { what: 'the reset' });
      assert.deepEqual(await stepLosses(), first, 'Reset gives the same losses');
      if (engine === 'chromium') reference = first;
      else if (reference) assert.deepEqual(first, reference, `${label} steps the same losses as Chromium`);

      // Play: past 90% test accuracy.
      const started = Date.now();
      await b.evaluate(() => {
        document.getElementById('btn-play').click();
        return true;
      });
      const reached = await b.waitFor(() => {
        const r = window.nnp.run.get();
        return r.evaluation?.accuracy > 0.9 ? { accuracy: r.evaluation.accuracy, speed: r.speed, steps: r.report?.steps } : null;
      }, null, { timeout: 240_000, what: '90% test accuracy' });
      const seconds = (Date.now() - started) / 1000;
      await b.evaluate(() => {
        document.getElementById('btn-play').click();
        return true;
      });
      await b.waitFor(() => window.nnp.run.get().phase === 'paused', null, { what: 'the pause' });
      console.log(`# ${engine} (${b.version}): ${(100 * reached.accuracy).toFixed(1)}% after ${seconds.toFixed(1)} s, ${Math.round(reached.speed).toLocaleString('en-US')} examples/s`);
      await b.screenshot('trained');

      // A digit drawn with the mouse (a vertical stroke) is read by the trained network.
      await b.stroke('.draw-pad', [[0.5, 0.2], [0.5, 0.8]]);
      await b.waitFor(() => {
        const probs = document.getElementById('draw-probs');
        return probs?.dataset.top !== undefined && probs.dataset.drawn === document.querySelector('.draw-pad').dataset.drawn;
      }, null, { what: 'the prediction of the drawing' });

      // The editor rebuilds: a new dense layer is a new network.
      const before = await b.evaluate(() => window.nnp.run.get().runId);
      await b.evaluate(() => {
        const select = document.querySelector('.add-layer select');
        select.value = 'dense';
        select.dispatchEvent(new Event('change', { bubbles: true }));
        document.querySelector('.add-layer-button').click();
        return true;
      });
      await b.waitFor((id) => window.nnp.run.get().runId !== id && window.nnp.settings.get().layers.length === 5, before, { what: 'the rebuild' });


      // A model saves and loads.
      const loaded = await b.evaluate(async () => {
        const saved = await window.nnp.controller.saveModel();
        const ok = await window.nnp.controller.loadModel({ name: saved.name, bytes: saved.bytes.buffer.slice(0) });
        return ok && /Loaded the model/.test(document.getElementById('notices').textContent);
      });
      assert.ok(loaded, 'the model was saved and loaded');
      await b.syncErrors?.();
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });

  test(`${label}: the widget page runs two widgets, and a bad link says what is wrong`, async (t) => {
    if (!ENGINES[engine].which()) {
      t.skip(`${label} is not installed`);
      return;
    }
    const b = await openEngine(engine, base);
    try {
      await b.goto('embed/example.html');
      await b.waitFor(() => {
        const ws = [...document.querySelectorAll('nn-playground')];
        return ws.length >= 2 && ws.every((w) => Boolean(w.dataset.engine === 'ready' && w.run?.get().summary));
      }, null, { timeout: 60_000, what: 'two widgets' });
      await b.syncErrors?.();
      await b.evaluate(() => {
        for (const w of document.querySelectorAll('nn-playground')) w.shadowRoot.getElementById('btn-play').click();
        return true;
      });
      await b.waitFor(() => [...document.querySelectorAll('nn-playground')].every((w) => (w.run.get().report?.steps ?? 0) > 0), null, { timeout: 60_000, what: 'both widgets training' });
      await b.screenshot('widgets');

      await b.goto('#lr=fast&layers=dense:32');
      await b.waitFor(() => Boolean(document.body.dataset.engine === 'ready' && window.nnp?.run.get().summary), null, { timeout: 60_000, what: 'the page' });
      await b.syncErrors?.();
      assert.match(await b.evaluate(() => document.getElementById('notices').textContent), /Learning rate η "fast" was ignored/);
      await b.screenshot('bad-link');
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}
