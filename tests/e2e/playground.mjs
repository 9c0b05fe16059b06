// Steps the end-to-end tests share: wait for the page to be ready, pick a lesson, train until a
// target, draw on the canvas. They drive the page the way a person would (clicks and keys) and read
// what it shows; `window.nnp` is only used to read state that is drawn on canvases.

/** Waits until the engine is loaded and a network is built on the data. */
export async function waitReady(page, { timeout = 30_000 } = {}) {
  await page.waitForSelector('body[data-engine="ready"]', { timeout });
  await page.waitForFunction(() => window.nnp?.run.get().summary && window.nnp.run.get().data, null, { timeout });
}

/** Waits until the `<nn-playground>` widgets with these ids (all of the page's by default) have built their network. */
export async function waitWidgets(page, ids = null, { timeout = 30_000 } = {}) {
  await page.waitForFunction((list) => {
    const widgets = list ? list.map((id) => document.getElementById(id)) : [...document.querySelectorAll('nn-playground')];
    return widgets.length > 0 && widgets.every((w) => w?.dataset.engine === 'ready' && w.run?.get().summary);
  }, ids, { timeout });
}

/** Picks a lesson from the top bar and waits for the network it describes to be built. */
export async function choosePreset(page, id) {
  const before = await page.evaluate(() => window.nnp.run.get().runId);
  await page.selectOption('#preset', id);
  await page.waitForFunction((b) => window.nnp.run.get().runId !== b, before, { timeout: 20_000 });
}

/**
 * Asks the worker where its run is, and checks the page shows the same: the reply comes after every
 * push the worker sent before it, so a worker that says it is not training has no step in flight.
 * @returns {Promise<{ training: boolean, steps: number, runId: number }>}
 */
export async function workerRun(page) {
  const stats = await page.evaluate(() => window.nnp.controller.client.stats());
  const shown = await page.evaluate(() => ({ runId: window.nnp.run.get().runId, steps: window.nnp.run.get().report?.steps ?? 0 }));
  if (!stats.training && stats.runId === shown.runId && stats.steps !== shown.steps) {
    throw new Error(`the worker is at step ${stats.steps}, the page shows ${shown.steps}`);
  }
  return stats;
}

/** Waits until the presses and edits already made have been handled (the controller's queues are empty). */
export async function settledQueues(page) {
  await page.evaluate(async () => {
    const c = window.nnp.controller;
    await c.transport(() => {});
    await c.dataQueue;
    await c.queue;
  });
}

/** Waits until the page has drawn two more frames: what was asked to repaint on the next frame has. */
export function nextFrames(page) {
  return page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** The numbers the page shows for the current run. */
export function readRun(page) {
  return page.evaluate(() => {
    const r = window.nnp.run.get();
    return {
      phase: r.phase,
      runId: r.runId,
      steps: r.report?.steps ?? 0,
      loss: r.report?.loss ?? null,
      testAccuracy: r.evaluation?.accuracy ?? null,
      testAccuracyText: document.getElementById('stat-test-acc').textContent,
    };
  });
}

/**
 * Watches long tasks on the page's main thread from now on; `stop()` returns their durations in ms.
 */
export async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__longTaskObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
    });
    window.__longTaskObserver.observe({ type: 'longtask' });
  });
  return {
    stop: () => page.evaluate(() => {
      window.__longTaskObserver.disconnect();
      return window.__longTasks;
    }),
  };
}

/** Draws a polyline on the drawing canvas; points are fractions (0..1) of its size. */
export async function drawStroke(page, points, { steps = 12 } = {}) {
  const pad = page.locator('.draw-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  const [x0, y0] = at(points[0]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps });
  }
  await page.mouse.up();
}

/**
 * Draws a polyline with a finger: real touch input through the DevTools protocol, which the browser
 * turns into touch and pointer events (pointerType "touch"), as on a phone. Needs `hasTouch`.
 */
export async function touchStroke(page, points, { steps = 12 } = {}) {
  const pad = page.locator('.draw-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = ([x, y]) => ({ x: box.x + x * box.width, y: box.y + y * box.height });
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, p) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: p ? [{ ...p, id: 1 }] : [] });
  let last = at(points[0]);
  await touch('touchStart', last);
  for (const p of points.slice(1)) {
    const next = at(p);
    for (let i = 1; i <= steps; i++) {
      await touch('touchMove', { x: last.x + ((next.x - last.x) * i) / steps, y: last.y + ((next.y - last.y) * i) / steps });
    }
    last = next;
  }
  await touch('touchEnd');
  await cdp.detach();
}

/** Waits until the prediction is the one for the whole drawing, and returns the top class index. */
export async function drawnClass(page) {
  await page.waitForFunction(() => {
    const probs = document.getElementById('draw-probs');
    return probs?.dataset.top !== undefined && probs.dataset.drawn === document.querySelector('.draw-pad').dataset.drawn;
  }, null, { timeout: 10_000 });
  return Number(await page.getAttribute('#draw-probs', 'data-top'));
}
