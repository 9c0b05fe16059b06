// The page itself: it loads without console errors at phone, tablet and laptop widths with 1, 2 and
// 3 columns, every control has a name, the projector toggle scales the text, and a lesson loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, nextFrames } from './playground.mjs';

const columnsAt = (page) => page.evaluate(() => {
  const tops = ['col-data', 'col-network', 'col-output'].map((id) => document.getElementById(id).getBoundingClientRect());
  return new Set(tops.map((r) => Math.round(r.left))).size;
});

for (const [name, viewport, columns] of [
  ['laptop', { width: 1440, height: 900 }, 3],
  ['tablet', { width: 900, height: 1100 }, 2],
  ['phone', { width: 390, height: 844 }, 1],
]) {
  test(`the page lays out in ${columns} column(s) on a ${name}, without console errors`, async () => {
    const app = await openPlayground({ viewport });
    try {
      await waitReady(app.page);
      await app.page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 20_000 });
      assert.equal(await columnsAt(app.page), columns);
      // Nothing is wider than the screen.
      const overflow = await app.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the viewport`);
      // The ten columns of the confusion matrix fit without a sideways scroll.
      const hidden = await app.page.evaluate(() => { const s = document.querySelector('.confusion-scroll'); return s.scrollWidth - s.clientWidth; });
      assert.ok(hidden <= 0, `${hidden}px of the confusion matrix are scrolled out of sight`);
      // Scrolled down, the top bar keeps Play, Step, Reset and the progress in view, in little room
      // (on a phone its lesson row scrolls away).
      await app.page.evaluate(() => window.scrollTo(0, 1500));
      await nextFrames(app.page);
      const bar = await app.page.evaluate(() => ({
        bottom: document.querySelector('.topbar').getBoundingClientRect().bottom,
        play: document.getElementById('btn-play').getBoundingClientRect().top,
      }));
      assert.ok(bar.play >= 0, 'Play is in view');
      assert.ok(bar.bottom <= (name === 'laptop' ? 70 : 110), `the top bar covers ${Math.round(bar.bottom)}px`);
      await app.page.evaluate(() => window.scrollTo(0, 0));
      await app.screenshot(`page-${name}`);
      assert.deepEqual(app.errors, []);
    } finally {
      await app.close();
    }
  });
}

test('every control is labelled and reachable, the shortcuts are announced, projector mode scales text', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const unnamed = await page.evaluate(() => {
      const name = (el) => el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim()) || el.closest('label')?.textContent.trim() || el.textContent.trim() || el.title;
      return [...document.querySelectorAll('button, input, select, summary, [tabindex="0"]')]
        .filter((el) => !el.closest('[hidden]') && !name(el))
        .map((el) => el.outerHTML.slice(0, 80));
    });
    assert.deepEqual(unnamed, []);
    for (const [id, key] of [['btn-play', 'Space'], ['btn-step', 'ArrowRight'], ['btn-reset', 'R']]) {
      assert.equal(await page.getAttribute(`#${id}`, 'aria-keyshortcuts'), key);
      assert.match(await page.getAttribute(`#${id}`, 'title'), /\(.+\)/);
    }
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    const normal = await size();
    await page.click('#btn-projector');
    assert.ok((await size()) > normal * 1.2);
    assert.equal(await page.getAttribute('#btn-projector', 'aria-pressed'), 'true');
    assert.match(page.url(), /projector=1/);
    await app.screenshot('projector');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a lesson loads its network and says what it shows', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await page.selectOption('#preset', 'lenet');
    await page.waitForFunction(() => document.querySelectorAll('.layer-list > .layer-card').length === 6);
    await page.waitForFunction(() => /LeNet-ish/.test(document.getElementById('notices').textContent), null, { timeout: 10_000 });
    assert.match(page.url(), /dense:120:relu,dense:84:relu/);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('after an engine crash the page starts a fresh worker and rebuilds the same network', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    const before = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, params: window.nnp.run.get().summary.totalParams }));
    // What the worker posts when the wasm instance traps (a panic in the engine).
    await page.evaluate(() => window.nnp.controller.client.receive({ type: 'crashed', message: 'RuntimeError: unreachable' }));
    await page.waitForFunction((id) => window.nnp.run.get().summary && window.nnp.run.get().runId > id, before.runId, { timeout: 20_000 });
    await page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 20_000 });
    assert.match(await page.textContent('#notices'), /internal error \(RuntimeError: unreachable\) and was restarted/);
    assert.equal(await page.evaluate(() => window.nnp.run.get().summary.totalParams), before.params);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 1, null, { timeout: 10_000 });

    // An uncaught error in the worker after the engine has loaded: the same recovery.
    const runId = await page.evaluate(() => window.nnp.run.get().runId);
    await page.evaluate(() => window.nnp.controller.client.worker.onerror({ message: 'Uncaught TypeError: boom', preventDefault() {} }));
    await page.waitForFunction((id) => window.nnp.run.get().summary && window.nnp.run.get().runId > id, runId, { timeout: 20_000 });
    assert.match(await page.textContent('#notices'), /internal error \(Uncaught TypeError: boom\) and was restarted/);
    assert.equal(await page.evaluate(() => document.body.dataset.engine), 'ready');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the page does not jump while it loads, on a phone or a laptop (layout shift under 0.1)', async () => {
  for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
    const app = await openPlayground({
      viewport,
      initScript: () => {
        window.__shifts = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (!e.hadRecentInput) window.__shifts.push({ t: Math.round(e.startTime), value: e.value, nodes: e.sources.map((s) => s.node?.id || s.node?.className || s.node?.nodeName) });
          }
        }).observe({ type: 'layout-shift', buffered: true });
      },
    });
    const { page } = app;
    try {
      await waitReady(page);
      await page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 20_000 });
      // The activations and the sample strip are drawn.
      await page.waitForFunction(() => document.querySelectorAll('.activation-layer').length > 1 && document.querySelector('.sample-strip'), null, { timeout: 20_000 });
      await nextFrames(page);
      const shifts = await page.evaluate(() => window.__shifts);
      const total = shifts.reduce((s, e) => s + e.value, 0);
      // 0.1 is the limit that the Web Vitals call good; shifts after the first paint are what a reader notices.
      assert.ok(total < 0.1, `${viewport.width}px: layout shift ${total.toFixed(3)}: ${JSON.stringify(shifts)}`);
      assert.deepEqual(app.errors, []);
    } finally {
      await app.close();
    }
  }
});

test('when the system switches to dark, the pictures repaint in the dark palette', async () => {
  const app = await openPlayground({ viewport: { width: 1280, height: 900 } });
  const { page } = app;
  try {
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('#mistakes .gallery canvas'), null, { timeout: 20_000 });
    // The top-left pixel of each picture: the background of a digit, or the gap between filters.
    const corners = () => page.evaluate(() => Object.fromEntries(['.sample-strip', '.draw-seen', '#mistakes canvas', '.filter-grid']
      .map((sel) => [sel, document.querySelector(sel).getContext('2d').getImageData(0, 0, 1, 1).data[0]])));
    const light = await corners();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => window.nnp.run.get().scheme === 'dark', null, { timeout: 5_000 });
    await nextFrames(page); // the repaints wait for the next frame
    const dark = await corners();
    for (const sel of Object.keys(light)) assert.ok(dark[sel] < light[sel], `${sel}: ${light[sel]} in light, ${dark[sel]} in dark`);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('under a strict Content-Security-Policy the page trains and a widget still hides single settings', async () => {
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
  const app = await openPlayground({ csp });
  try {
    const { page } = app;
    await waitReady(page);
    await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 1);
    await page.goto(`${app.url}embed/example.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('nn-playground')].every((w) => w.dataset.engine === 'ready'));
    // The second widget hides batchSize, epochs and seed one by one.
    const shown = await page.evaluate(() => {
      const root = document.getElementById('high').shadowRoot;
      return ['batchSize', 'epochs', 'seed', 'lr'].map((name) => getComputedStyle(root.querySelector(`.field[data-setting="${name}"]`)).display !== 'none');
    });
    assert.deepEqual(shown, [false, false, false, true]);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
