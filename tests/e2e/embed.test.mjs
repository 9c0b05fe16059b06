// The embeddable widget: <nn-playground> elements on a documentation page (www/embed/example.html),
// each with its own engine worker, configured by the same settings as a link, with parts left out
// by `hide`, keys that work only inside the widget that has the focus, and clear words for
// attributes it cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitWidgets } from './playground.mjs';

/** Runs the function body `fn` in the page with `w` (the widget), `root` (its shadow root) and `arg`. */
const inWidget = (page, id, fn, arg) => page.evaluate(([wid, src, a]) => {
  const w = document.getElementById(wid);
  return new Function('w', 'root', 'arg', src)(w, w.shadowRoot, a);
}, [id, fn, arg]);

test('two widgets on one page train independently, each with its own settings and parts', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    // The attributes: the lesson, then lr="1" over it on the second widget.
    assert.equal(await inWidget(page, 'good', 'return w.settings.get().lr'), 0.003);
    assert.equal(await inWidget(page, 'high', 'return w.settings.get().lr'), 1);
    assert.equal(await inWidget(page, 'good', 'return root.querySelector(".widget-title").textContent'), 'Adam at 0.003');
    // hide: whole parts, and single training settings.
    const parts = (id) => inWidget(page, id, `return {
      data: root.getElementById('col-data').hidden,
      network: !!root.querySelector('.layer-card'),
      draw: !!root.querySelector('.draw-pad'),
      batch: getComputedStyle(root.querySelector('.field[data-setting="batchSize"]')).display,
      chart: !!root.querySelector('.chart-base'),
      activationsButton: root.querySelector('.show-activations') ? getComputedStyle(root.querySelector('.show-activations')).display : null,
    }`);
    // Without the activations part, the drawing offers no "Show its activations".
    assert.deepEqual(await parts('good'), { data: true, network: false, draw: true, batch: 'flex', chart: true, activationsButton: 'none' });
    assert.deepEqual(await parts('high'), { data: true, network: false, draw: false, batch: 'none', chart: true, activationsButton: null });

    // Keys act on the widget that has the focus: a click on the first one's background, then Space,
    // trains the first only.
    await page.locator('#good .widget-foot').click();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.getElementById('good').run.get().phase === 'done', null, { timeout: 60_000 });
    assert.equal(await inWidget(page, 'high', 'return w.run.get().report?.steps ?? 0'), 0, 'the other widget did not move');
    const good = await inWidget(page, 'good', 'return w.run.get().evaluation.accuracy');
    assert.ok(good > 0.9, `the first widget's network learned (${good})`);

    // The second diverges and its health note says why, inside the widget.
    await inWidget(page, 'high', 'root.getElementById("btn-play").click()');
    await page.waitForFunction(() => document.getElementById('high').run.get().phase === 'diverged' || document.getElementById('high').run.get().health, null, { timeout: 60_000 });
    assert.match(await inWidget(page, 'high', 'return root.getElementById("health").textContent'), /learning rate/i);
    await app.screenshot('embed-two-widgets');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a widget with unreadable attributes says what is wrong and still trains; removed, it stops its worker', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 900, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    await page.evaluate(() => {
      const w = document.createElement('nn-playground');
      w.id = 'odd';
      w.setAttribute('preset', 'no-such-lesson');
      w.setAttribute('lr', 'fast');
      w.setAttribute('batch-size', '16');
      w.setAttribute('hide', 'sidebar,confusion');
      document.querySelector('main').append(w);
    });
    await waitWidgets(page, ['odd']);
    const notices = await inWidget(page, 'odd', 'return root.getElementById("notices").textContent');
    assert.match(notices, /lesson "no-such-lesson" is unknown/);
    assert.match(notices, /Learning rate η "fast" was ignored: it must be a number/);
    assert.match(notices, /cannot hide "sidebar"/);
    assert.equal(await inWidget(page, 'odd', 'return w.settings.get().batchSize'), 16, 'a kebab-case attribute is read');
    await inWidget(page, 'odd', 'root.getElementById("btn-step").click()');
    await page.waitForFunction(() => document.getElementById('odd').run.get().report?.steps === 1, null, { timeout: 20_000 });

    // Moved within the page, it keeps its run.
    const moved = await page.evaluate(async () => {
      const w = document.getElementById('odd');
      const before = w.controller;
      document.querySelector('h1').before(w);
      await new Promise((r) => setTimeout(r, 50));
      return w.controller === before && w.run.get().report?.steps === 1;
    });
    assert.ok(moved, 'a moved widget keeps its engine and its run');

    // Removed while it trains, it stops: its worker ends and its clock stops.
    await inWidget(page, 'odd', 'root.getElementById("btn-play").click()');
    await page.waitForFunction(() => document.getElementById('odd').run.get().phase === 'training', null, { timeout: 20_000 });

    const removed = await page.evaluate(async () => {
      const w = document.getElementById('odd');
      const { worker } = w.controller.client;
      let terminated = false;
      const terminate = worker.terminate.bind(worker);
      worker.terminate = () => { terminated = true; terminate(); };
      const { run } = w;
      w.remove();
      await new Promise((r) => setTimeout(r, 50));
      return { terminated, controller: w.controller, phase: run.get().phase };
    });
    assert.deepEqual(removed, { terminated: true, controller: null, phase: 'idle' });
    // The page's own widgets keep working.
    await inWidget(page, 'good', 'root.getElementById("btn-step").click()');
    await page.waitForFunction(() => document.getElementById('good').run.get().report?.steps === 1, null, { timeout: 20_000 });
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a widget follows its attributes after it is on the page: a live learning rate, then new parts', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    const runId = await inWidget(page, 'good', 'return w.run.get().runId');
    await page.evaluate(() => document.getElementById('good').setAttribute('lr', '0.01'));
    assert.equal(await inWidget(page, 'good', 'return w.settings.get().lr'), 0.01);
    assert.equal(await inWidget(page, 'good', 'return w.run.get().runId'), runId, 'a learning rate needs no rebuild');
    await page.evaluate(() => document.getElementById('good').setAttribute('lr', 'high'));
    assert.match(await inWidget(page, 'good', 'return root.getElementById("notices").textContent'), /Learning rate η "high" was ignored/);
    assert.equal(await inWidget(page, 'good', 'return w.settings.get().lr'), 0.01, 'an unreadable value changes nothing');
    await page.evaluate(() => document.getElementById('high').removeAttribute('lr'));
    assert.equal(await inWidget(page, 'high', 'return w.settings.get().lr'), 0.003, 'without its attribute, the lesson\'s value');
    await page.evaluate(() => document.getElementById('good').setAttribute('label', 'Renamed'));
    assert.deepEqual(await inWidget(page, 'good', 'return [root.querySelector(".widget-title").textContent, w.run.get().runId]'), ['Renamed', runId], 'a new label keeps the run');

    await page.evaluate(() => document.getElementById('good').setAttribute('hide', 'network,dataset,training,draw'));
    await waitWidgets(page, ['good']);
    assert.deepEqual(await inWidget(page, 'good', 'return [root.getElementById("col-network").hidden, !!root.querySelector(".draw-pad"), !!root.querySelector(".chart-base")]'), [true, false, true]);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('another site embeds the widget with an iframe of frame.html, configured by its query', async () => {
  const app = await openPlayground({ path: 'embed/frame.html?preset=tiny-mlp&lr=0.01&hide=network,dataset,confusion&label=In+a+frame', viewport: { width: 900, height: 900 } });
  const { page, url } = app;
  try {
    await page.waitForFunction(() => document.querySelector('nn-playground')?.run?.get().summary, null, { timeout: 30_000 });
    assert.deepEqual(await page.evaluate(() => {
      const w = document.querySelector('nn-playground');
      return [w.settings.get().lr, w.shadowRoot.querySelector('.widget-title').textContent, w.shadowRoot.getElementById('col-data').hidden];
    }), [0.01, 'In a frame', true]);

    // The same page in an iframe of a page on another origin (localhost against 127.0.0.1) trains.
    const other = url.replace('127.0.0.1', 'localhost');
    assert.notEqual(other, url, 'the served URL names 127.0.0.1');
    await page.goto(`${other}embed/example.html`);
    await page.evaluate((src) => {
      document.querySelector('main').replaceChildren(Object.assign(document.createElement('iframe'), { src, title: 'nn-playground', style: 'width: 100%; height: 700px; border: 0' }));
    }, `${url}embed/frame.html?preset=tiny-mlp&hide=network,dataset`);
    await page.waitForFunction(() => document.querySelector('iframe')?.contentWindow, null, { timeout: 10_000 });
    const frame = await (await page.$('iframe')).contentFrame();
    await frame.waitForFunction(() => document.querySelector('nn-playground')?.run?.get().summary, null, { timeout: 30_000 });
    await frame.locator('nn-playground #btn-step').click();
    await frame.waitForFunction(() => document.querySelector('nn-playground').run.get().report?.steps === 1, null, { timeout: 20_000 });
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('a widget with a sweep attribute trains its sweep and shows its runs; a comparison lesson queues its own', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  try {
    const { page } = app;
    await waitWidgets(page);
    await page.evaluate(() => {
      const sweep = document.createElement('nn-playground');
      sweep.id = 'sweeping';
      sweep.setAttribute('layers', 'dense:32');
      sweep.setAttribute('sweep', 'lr:0.001,0.01,0.1');
      sweep.setAttribute('budget', 'steps:60');
      sweep.setAttribute('hide', 'network,dataset,mistakes,draw,activations');
      const lesson = document.createElement('nn-playground');
      lesson.id = 'lesson';
      lesson.setAttribute('preset', 'compare-optimizer');
      lesson.setAttribute('hide', 'network,dataset,mistakes,draw,activations,confusion');
      document.body.append(sweep, lesson);
    });
    for (const id of ['sweeping', 'lesson']) {
      await page.waitForFunction((i) => document.getElementById(i).shadowRoot?.getElementById('sweep')?.dataset.state === 'done', id, { timeout: 120_000 });
    }
    const rows = await page.evaluate(() => document.getElementById('sweeping').shadowRoot.querySelectorAll('#sweep-table tbody tr[data-status="done"]').length);
    assert.equal(rows, 3);
    const runs = await page.evaluate(() => document.getElementById('sweeping').shadowRoot.querySelectorAll('.runs-table tbody tr').length);
    assert.equal(runs, 3);
    assert.equal(await page.evaluate(() => document.getElementById('lesson').shadowRoot.querySelectorAll('#sweep-table tbody tr').length), 3);
    assert.match(await page.evaluate(() => document.getElementById('lesson').shadowRoot.querySelector('#lesson-box h4').textContent), /optimizers/);
    // The widgets without a sweep have neither part.
    assert.equal(await page.evaluate(() => document.getElementById('good').shadowRoot.getElementById('sweep').hidden), true);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
