// The <nn-playground> element driven from a page's script: play(), pause(), step() and reset() resolve
// once the widget has done them, `settings` reads a copy and takes an object of settings (read as the
// attributes are), and the element tells the page what happens with the events step, epoch, done,
// diverged and error (bubbling out of its shadow root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitWidgets } from './playground.mjs';

/** Runs the function body `fn` in the page with `w` (the widget), `root` (its shadow root) and `arg`. */
const inWidget = (page, id, fn, arg) => page.evaluate(([wid, src, a]) => {
  const w = document.getElementById(wid);
  return new Function('w', 'root', 'arg', `return (async () => { ${src} })();`)(w, w.shadowRoot, a);
}, [id, fn, arg]);

/** Records every event of the element's five on the document (they bubble out of the widget): window.seen[id]. */
const recordEvents = (page) => page.evaluate(() => {
  window.seen = {};
  for (const type of ['step', 'epoch', 'done', 'diverged', 'error']) {
    document.addEventListener(type, (e) => {
      if (e.target.localName !== 'nn-playground') return;
      (window.seen[e.target.id] ??= []).push({ type, detail: e.detail, bubbles: e.bubbles, composed: e.composed });
    });
  }
});
const seen = (page, id, type) => page.evaluate(([wid, t]) => (window.seen[wid] ?? []).filter((e) => e.type === t), [id, type]);

/** Sets `settings` and waits until the network they describe is built (a new run from all the settings). */
async function rebuildWith(page, id, settings) {
  const before = await inWidget(page, id, 'return w.run.get().runId');
  await inWidget(page, id, 'w.settings = arg', settings);
  await page.waitForFunction(([wid, b]) => {
    const w = document.getElementById(wid);
    const r = w.run.get();
    return r.runId !== b && r.summary && r.phase === 'idle' && JSON.stringify(w.controller.builtSettings) === JSON.stringify(w.controller.settings.get());
  }, [id, before], { timeout: 30_000 });
}

test('play, pause, step and reset resolve once done, in the order they were called', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    await recordEvents(page);

    // step(): the report is in the run store when it resolves, and one step event said it.
    assert.equal(await inWidget(page, 'good', 'await w.step(); return w.run.get().report.steps'), 1);
    assert.deepEqual((await seen(page, 'good', 'step')).map((e) => [e.detail.steps, e.bubbles, e.composed]), [[1, true, true]]);
    const detail = (await seen(page, 'good', 'step'))[0].detail;
    assert.deepEqual(Object.keys(detail).sort(), ['accuracy', 'epoch', 'loss', 'steps']);
    assert.ok(Number.isFinite(detail.loss) && detail.epoch > 0 && detail.epoch < 1, JSON.stringify(detail));

    // play(): training when it resolves; a second play() does not pause it (it is not a toggle).
    assert.equal(await inWidget(page, 'good', 'await w.play(); return w.run.get().phase'), 'training');
    assert.equal(await inWidget(page, 'good', 'await w.play(); return w.run.get().phase'), 'training');
    assert.equal(await inWidget(page, 'good', 'await w.pause(); return w.run.get().phase'), 'paused');
    // Called one after another without waiting, they act in that order.
    assert.equal(await inWidget(page, 'good', 'w.play(); await w.pause(); return w.run.get().phase'), 'paused');
    assert.equal(await inWidget(page, 'good', 'w.pause(); w.play(); await w.play(); return w.run.get().phase'), 'training');
    await inWidget(page, 'good', 'await w.pause()');
    assert.ok(await inWidget(page, 'good', 'return w.run.get().report.steps') > 1);

    // reset(): back to step 0 of a new run.
    assert.deepEqual(await inWidget(page, 'good', 'await w.reset(); const r = w.run.get(); return [r.report, r.phase]'), [null, 'idle']);
    // Each report the store received is one step event, no more.
    const reports = await inWidget(page, 'good', `
      let n = 0;
      const off = w.run.subscribe(() => n++, ['report']);
      const before = window.seen.good.filter((e) => e.type === 'step').length;
      await w.play();
      await new Promise((done) => { const stop = w.run.subscribe((r) => { if (r.report?.steps >= 20) { stop(); done(); } }, ['report']); });
      await w.pause();
      off();
      return [n, window.seen.good.filter((e) => e.type === 'step').length - before];
    `);
    assert.equal(reports[1], reports[0], `one step event per report (${reports})`);
    assert.equal((await seen(page, 'high', 'step')).length, 0, 'the other widget said nothing');

    // Not on the page: the methods reject.
    await assert.rejects(page.evaluate(() => document.createElement('nn-playground').play()), /not on the page/);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('settings: a copy to read, an object to set, read as the attributes are', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    const runId = await inWidget(page, 'good', 'return w.run.get().runId');
    assert.equal(await inWidget(page, 'good', 'w.settings = { lr: 0.01 }; return w.settings.lr'), 0.01);
    assert.equal(await inWidget(page, 'good', 'return w.run.get().runId'), runId, 'a learning rate needs no rebuild');
    // A copy: changing it changes nothing; a spread or JSON holds only settings.
    assert.equal(await inWidget(page, 'good', 'const s = w.settings; s.lr = 5; return w.settings.lr'), 0.01);
    const keys = await inWidget(page, 'good', 'return Object.keys(JSON.parse(JSON.stringify(w.settings)))');
    assert.ok(keys.includes('lr') && keys.includes('layers') && !keys.includes('get'), keys.join(','));
    assert.equal(await inWidget(page, 'good', 'return w.settings.get().lr'), 0.01, 'the store\'s get() still answers');

    // Unreadable values keep their setting and say so in the widget's notices; the readable ones apply.
    const after = await inWidget(page, 'good', `w.settings = { lr: 'fast', 'batch-size': 16, colour: 'red' };
      const s = w.settings; return [s.lr, s.batchSize, root.getElementById('notices').textContent]`);
    assert.equal(after[0], 0.01);
    assert.equal(after[1], 16, 'an attribute\'s spelling is read too');
    assert.match(after[2], /Learning rate η "fast" was ignored/);
    assert.match(after[2], /setting "colour" is unknown/);
    assert.match(await inWidget(page, 'good', 'w.settings = 3; return root.getElementById("notices").textContent'), /must be set to an object of settings/);

    // Layers as objects (fields left out take their defaults) or as the attribute's text.
    await rebuildWith(page, 'good', { layers: [{ type: 'dense', units: 16 }] });
    assert.deepEqual(await inWidget(page, 'good', 'return w.settings.layers'), [{ type: 'dense', units: 16, activation: 'relu' }]);
    await rebuildWith(page, 'good', { layers: 'dense:24:tanh' });
    assert.equal(await inWidget(page, 'good', 'return w.run.get().summary.layers.find((l) => l.op.op === "dense").outDims.c'), 24);
    assert.match(await inWidget(page, 'good', 'w.settings = { layers: [{ type: "lstm" }] }; return root.getElementById("notices").textContent'), /network could not be read/);

    // Set before the widget is on the page: over its attributes when it starts.
    assert.deepEqual(await page.evaluate(async () => {
      const w = document.createElement('nn-playground');
      w.id = 'late';
      w.setAttribute('preset', 'tiny-mlp');
      w.settings = { lr: 0.02, epochs: 2 };
      const early = [w.settings.lr, w.settings.epochs];
      document.querySelector('main').append(w);
      return early;
    }), [0.02, 2]);
    await waitWidgets(page, ['late']);
    assert.deepEqual(await inWidget(page, 'late', 'return [w.settings.lr, w.settings.epochs, w.settings.optimizer]'), [0.02, 2, 'adam']);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('events: step, epoch and done for a short run; diverged at a learning rate of 8; error', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    await recordEvents(page);

    // A tiny network, one epoch over 960 images: 30 steps (a learning rate that learns that fast, or
    // the health check would find it still guessing).
    await rebuildWith(page, 'good', { layers: [{ type: 'dense', units: 16 }], epochs: 1, trainLimit: 960, batchSize: 32, lr: 0.01 });
    await inWidget(page, 'good', 'await w.play()');
    await page.waitForFunction(() => window.seen.good?.some((e) => e.type === 'done'), null, { timeout: 60_000 });
    const [done] = await seen(page, 'good', 'done');
    assert.equal(done.detail.steps, 30);
    assert.ok(done.detail.testAccuracy > 0 && done.detail.testAccuracy <= 1, JSON.stringify(done.detail));
    assert.equal(done.detail.testAccuracy, await inWidget(page, 'good', 'return w.run.get().evaluation.accuracy'));
    assert.deepEqual([done.bubbles, done.composed], [true, true]);
    const epochs = await seen(page, 'good', 'epoch');
    assert.deepEqual(epochs.map((e) => e.detail.epoch), [1]);
    assert.equal(epochs[0].detail.testAccuracy, done.detail.testAccuracy, 'the epoch\'s end was evaluated on the whole test split');
    const steps = await seen(page, 'good', 'step');
    assert.ok(steps.length >= 1 && steps.length <= 30, `${steps.length} step events`);
    assert.equal(steps.at(-1).detail.steps, 30);
    assert.equal(steps.at(-1).detail.epoch, 1);
    const order = await page.evaluate(() => window.seen.good.map((e) => e.type).filter((t) => t !== 'step'));
    assert.deepEqual(order, ['epoch', 'done']);

    // The lesson "Too high a learning rate": SGD at 8 with momentum; the health check pauses it.
    await rebuildWith(page, 'high', { optimizer: 'sgd', lr: 8, momentum: 0.9 });
    await inWidget(page, 'high', 'await w.play()');
    await page.waitForFunction(() => window.seen.high?.some((e) => e.type === 'diverged'), null, { timeout: 60_000 });
    const [diverged] = await seen(page, 'high', 'diverged');
    assert.ok(['exploding', 'diverged', 'stuck'].includes(diverged.detail.kind), diverged.detail.kind);
    assert.match(diverged.detail.message, /learning rate/i);
    assert.equal(await inWidget(page, 'high', 'return w.run.get().phase'), 'diverged');
    assert.equal((await seen(page, 'high', 'done')).length, 0);

    // An error notice in the widget is an error event.
    await inWidget(page, 'good', 'w.controller.notify("error", "The engine could not do that.")');
    assert.deepEqual((await seen(page, 'good', 'error')).map((e) => e.detail), [{ message: 'The engine could not do that.' }]);
    assert.equal((await seen(page, 'high', 'error')).length, 0);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
