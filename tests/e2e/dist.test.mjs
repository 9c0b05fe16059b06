// The static build (scripts/dist.mjs, `./dev dist`): served from a sub-path as a host would, the page
// trains and so does the widget page; after a first visit the service worker has every file, so the
// page reloads, trains and switches to Fashion-MNIST with the server gone; a new build waits beside the
// running one through a plain reload, takes over when the page's notice is pressed, and leaves one cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist, WWW } from '../../scripts/dist.mjs';
import { openPlayground } from './harness.mjs';
import { waitReady, waitWidgets } from './playground.mjs';

const PREFIX = '/docs/playground/';
let tmp;
let build;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nnp-dist-'));
  build = buildDist({ out: join(tmp, 'out') });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Presses Step on the page and waits for the step to be shown. */
async function stepOnce(page) {
  const before = await page.evaluate(() => window.nnp.run.get().report?.steps ?? 0);
  await page.click('#btn-step');
  await page.waitForFunction((b) => window.nnp.run.get().report?.steps === b + 1, before, { timeout: 20_000 });
}

/** Waits until a service worker is active and controls the page; returns its cache names. */
function offlineReady(page) {
  return page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }));
    }
    return caches.keys();
  });
}

test('the build under a sub-path: relative URLs, hashed engine and data, cross-origin isolated, trains', async () => {
  const app = await openPlayground({ serve: { root: build.site, prefix: PREFIX } });
  const { page } = app;
  try {
    assert.match(app.url, /\/docs\/playground\/$/);
    await waitReady(page);
    await stepOnce(page);
    const seen = await page.evaluate(() => ({
      isolated: window.crossOriginIsolated,
      urls: performance.getEntriesByType('resource').map((e) => e.name),
      version: document.querySelector('meta[name="nnp-offline"]').content,
    }));
    assert.equal(seen.isolated, true, 'the server sends COOP and COEP, so the page is cross-origin isolated');
    assert.equal(seen.version, build.version);
    const local = seen.urls.filter((u) => u.startsWith(new URL(app.url).origin));
    assert.ok(local.length > 20, `the page loaded its files (${local.length})`);
    for (const u of local) assert.ok(new URL(u).pathname.startsWith(PREFIX), `${u} is under the sub-path`);
    // The engine and the data (fetched by the worker) have the hash of their content in their names.
    const catalogue = JSON.parse(readFileSync(join(build.site, 'data/datasets.json'), 'utf8'));
    assert.match(catalogue.datasets[0].files.images, /^mnist\/images-idx3-ubyte\.[0-9a-f]{10}\.gz$/);
    assert.ok(existsSync(join(build.site, 'data', catalogue.datasets[0].files.images)));
    assert.match(readdirSync(join(build.site, 'pkg')).join(' '), /^nn_playground\.[0-9a-f]{10}\.js nn_playground_bg\.[0-9a-f]{10}\.wasm$/);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the widget example page under the sub-path trains', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 }, serve: { root: build.site, prefix: PREFIX } });
  const { page } = app;
  try {
    await waitWidgets(page, ['good', 'high']);
    await page.evaluate(() => document.getElementById('good').shadowRoot.getElementById('btn-step').click());
    await page.waitForFunction(() => document.getElementById('good').run.get().report?.steps === 1, null, { timeout: 20_000 });
    // The widget never registers a service worker (only the page's boot does).
    assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length)), 0);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('offline after a first visit: the page reloads with the server gone, trains, and switches to Fashion-MNIST', async () => {
  const app = await openPlayground({ serve: { root: build.site, prefix: PREFIX } });
  const { page, context, server } = app;
  try {
    await waitReady(page);
    const names = await offlineReady(page);
    assert.deepEqual(names.filter((n) => n.startsWith('nn-playground ')), [`nn-playground ${app.url} ${build.version}`]);
    // The network off, and the server gone too, so nothing can come from it.
    await context.setOffline(true);
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await page.reload();
    await waitReady(page);
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller));
    await stepOnce(page);
    const { runId } = await page.evaluate(() => ({ runId: window.nnp.run.get().runId }));
    await page.check('input[type="radio"][value="fashion"]');
    await page.waitForFunction((id) => window.nnp.run.get().data?.id === 'fashion' && window.nnp.run.get().runId !== id, runId, { timeout: 30_000 });
    await stepOnce(page);
    assert.equal(await page.evaluate(() => window.nnp.run.get().dataError ?? null), null);
    await app.screenshot('dist-offline-fashion');
    assert.deepEqual(app.errors, []);
  } finally {
    await context.setOffline(false);
    await app.close().catch(() => {});
  }
});

/** The page's notice that offers a new build, or null. */
const updateNotice = (page) => page.waitForFunction(() => [...document.querySelectorAll('#notices .notice')]
  .find((n) => /new version/.test(n.textContent) && n.querySelector('.notice-action')), null, { timeout: 30_000 });

/** The build the page runs, whether a newer one waits, and the playground's caches. */
const buildState = (page) => page.evaluate(async () => {
  const r = await navigator.serviceWorker.getRegistration();
  return {
    meta: document.querySelector('meta[name="nnp-offline"]').content,
    waiting: r.waiting?.state ?? null,
    caches: (await caches.keys()).filter((n) => n.startsWith('nn-playground ')).sort(),
  };
});

test('a new build installs beside the running one; a reload keeps the running one, "Reload to update" hands over and the other tab is told', async () => {
  // A copy of www/ whose style differs by a comment: another build, another version.
  const www = join(tmp, 'www-b');
  cpSync(WWW, www, { recursive: true });
  appendFileSync(join(www, 'style.css'), '\n/* another build */\n');
  const out = join(tmp, 'out-update');
  const first = buildDist({ out });
  const app = await openPlayground({ serve: { root: first.site, prefix: PREFIX } });
  const { page, context } = app;
  let other = null;
  try {
    await waitReady(page);
    await offlineReady(page);
    // A later visit, controlled from its start.
    await page.reload();
    await waitReady(page);
    await page.waitForSelector('body[data-offline="watching"]');
    const second = buildDist({ out, www });
    assert.notEqual(second.version, first.version);
    const cacheOf = (b) => `nn-playground ${app.url} ${b.version}`;
    // The browser finds the new sw.js and installs it next to the running one; the page offers it.
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    await updateNotice(page);
    assert.deepEqual(await buildState(page), { meta: first.version, waiting: 'installed', caches: [cacheOf(first), cacheOf(second)].sort() });
    await stepOnce(page);

    // A plain reload of the only tab keeps the running build, and offers the new one again.
    await page.reload();
    await waitReady(page);
    await updateNotice(page);
    assert.deepEqual(await buildState(page), { meta: first.version, waiting: 'installed', caches: [cacheOf(first), cacheOf(second)].sort() });
    await app.screenshot('dist-update-offered');

    // A second tab, opened while the new build waits: it gets the running build and the offer too.
    other = await context.newPage();
    const otherErrors = [];
    other.on('pageerror', (err) => otherErrors.push(err.message));
    other.on('console', (msg) => msg.type() === 'error' && otherErrors.push(msg.text()));
    await other.goto(app.url);
    await waitReady(other);
    await updateNotice(other);
    assert.equal((await buildState(other)).meta, first.version);

    // "Reload to update": the new build takes over and the page reloads with its files.
    const reloaded = page.waitForEvent('load');
    await page.click('#notices .notice-action');
    await reloaded;
    await waitReady(page);
    assert.deepEqual(await buildState(page), { meta: second.version, waiting: null, caches: [cacheOf(second)] });
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller));
    assert.equal(await page.evaluate(() => document.querySelectorAll('#notices .notice-action').length), 0, 'nothing more to offer');
    await stepOnce(page);

    // The other tab, still on the first build, is told to reload, and its Reload gets the new one.
    await other.waitForFunction(() => [...document.querySelectorAll('#notices .notice')].some((n) => /updated in another tab/.test(n.textContent)), null, { timeout: 30_000 });
    const otherReloaded = other.waitForEvent('load');
    await other.click('#notices .notice-action');
    await otherReloaded;
    await waitReady(other);
    assert.equal(await other.evaluate(() => document.querySelector('meta[name="nnp-offline"]').content), second.version);
    await stepOnce(other);
    assert.deepEqual(otherErrors, []);
    assert.deepEqual(app.errors, []);
  } finally {
    await other?.close();
    await app.close();
  }
});
