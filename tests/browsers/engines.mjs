// The three browser engines people have, driven the same way: Chromium (playwright-core), Firefox
// (puppeteer-core over WebDriver BiDi) and WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver,
// on a virtual display). Each is the system's own browser; nothing is downloaded.
//
// A driven page offers: goto(path), evaluate(fn, arg), waitFor(fn, arg, { timeout }), stroke(selector,
// points) (a mouse drag), screenshot(name), close(); `fn` runs in the page and must be self-contained
// (it is sent as text).
import { spawn, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ARTIFACTS = fileURLToPath(new URL('../e2e/artifacts/', import.meta.url));

/** Where each engine's browser is, and what runs it; `which` says whether this machine has it. */
export const ENGINES = {
  chromium: { label: 'Chromium', which: () => process.env.CHROMIUM_PATH || find('chromium') },
  firefox: { label: 'Firefox', which: () => process.env.FIREFOX_PATH || find('firefox-esr') || find('firefox') },
  webkit: { label: 'WebKit', which: () => (find('WebKitWebDriver') && find('xvfb-run') && miniBrowser() ? 'WebKitWebDriver' : null) },
};

function find(command) {
  try {
    return execSync(`command -v ${command}`, { shell: '/bin/sh', stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** WebKitGTK's small browser, which WebKitWebDriver drives (shipped with the WebKitGTK library). */
function miniBrowser() {
  try {
    return execSync('ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser /usr/lib/*/webkit2gtk-4.0/MiniBrowser 2>/dev/null | head -n 1', { shell: '/bin/sh' }).toString().trim() || null;
  } catch {
    return null;
  }
}

const CHROMIUM_ARGS = ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** Polls `fn` in the page until it returns something truthy (the state a test needs), then returns it. */
async function poll(evaluate, fn, arg, { timeout = 30_000, what = 'the page', every = 100 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${fn.toString().slice(0, 160)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function saveShot(engine, name, png) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${engine}-${name}.png`);
  writeFileSync(file, png);
  return file;
}

/**
 * Draws a polyline with the mouse, as a person would: `points` are fractions (0..1) of the element's
 * box, which `box()` scrolls into view and measures in viewport pixels.
 */
async function mouseStroke(page, selector, points, box) {
  const b = await box();
  const at = ([x, y]) => [b.x + x * b.width, b.y + y * b.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 10 });
  await page.mouse.up();
}

/** Opens `engine` on the server at `base`. Console errors and page errors collect in `errors`. */
export async function openEngine(engine, base) {
  if (engine === 'chromium') return openChromium(base);
  if (engine === 'firefox') return openFirefox(base);
  if (engine === 'webkit') return openWebKit(base);
  throw new Error(`unknown engine ${engine}`);
}

async function openChromium(base) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'nnp-chromium-')), {
    executablePath: ENGINES.chromium.which(), headless: true, viewport: { width: 1280, height: 900 }, args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  const evaluate = (fn, arg) => page.evaluate(fn, arg);
  return {
    engine: 'chromium', errors, evaluate,
    version: context.browser()?.version() ?? '',
    goto: (path) => page.goto(base + path),
    waitFor: (fn, arg, options) => poll(evaluate, fn, arg, options),
    stroke: (selector, points) => mouseStroke(page, selector, points, async () => {
      const el = page.locator(selector);
      await el.scrollIntoViewIfNeeded();
      return el.boundingBox();
    }),
    screenshot: async (name) => saveShot('chromium', name, await page.screenshot({ fullPage: true })),
    close: () => context.close(),
  };
}

async function openFirefox(base) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', protocol: 'webDriverBiDi', executablePath: ENGINES.firefox.which(), headless: true,
    userDataDir: mkdtempSync(join(tmpdir(), 'nnp-firefox-')), defaultViewport: { width: 1280, height: 900 },
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  const evaluate = (fn, arg) => page.evaluate(fn, arg);
  return {
    engine: 'firefox', errors, evaluate,
    version: await browser.version(),
    goto: (path) => page.goto(base + path),
    waitFor: (fn, arg, options) => poll(evaluate, fn, arg, options),
    stroke: (selector, points) => mouseStroke(page, selector, points, async () => {
      const el = await page.$(selector);
      await el.scrollIntoView();
      return el.boundingBox();
    }),
    screenshot: async (name) => saveShot('firefox', name, await page.screenshot({ fullPage: true })),
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * WebKit: WebKitWebDriver (W3C WebDriver over HTTP) on a virtual display, driving MiniBrowser. Page
 * errors are caught by a listener the page gets on each load, since classic WebDriver has no events.
 */
async function openWebKit(base) {
  const port = await freePort();
  // Skia paints on the CPU: on a virtual display its GPU path runs on Mesa's software renderer,
  // whose first use on a machine (no shader cache yet) left the page without a step for minutes.
  const env = { ...process.env, WEBKIT_SKIA_ENABLE_CPU_RENDERING: '1' };
  const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
  let driverLog = '';
  driver.stderr.on('data', (d) => { driverLog = (driverLog + d).slice(-2000); });
  const root = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    let res;
    try {
      res = await fetch(root + path, {
        method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(90_000),
      });
    } catch (err) {
      throw new Error(`WebKitWebDriver did not answer ${method} ${path.replace(/^\/session\/[^/]+/, '')} (${err.cause?.code ?? err.message})${body?.script ? ` running ${body.script.slice(body.script.indexOf('(('), 200)}` : ''}\n${driverLog}`);
    }
    const json = await res.json();
    if (json.value?.error) throw new Error(`WebKitWebDriver: ${json.value.error}: ${json.value.message}`);
    return json.value;
  };
  const stopDriver = () => {
    try {
      process.kill(-driver.pid);
    } catch {
      driver.kill();
    }
  };
  let session = null;
  for (let i = 0; !session; i++) {
    try {
      session = await call('POST', '/session', { capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] } } } });
    } catch (err) {
      if (i > 100) {
        stopDriver();
        throw new Error(`WebKitWebDriver did not start: ${err.message}\n${driverLog}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const id = session.sessionId;
  await call('POST', `/session/${id}/window/rect`, { width: 1280, height: 900 }).catch(() => {});
  // Synchronous scripts only: an asynchronous one whose page is busy can leave the driver waiting for
  // good. A function that returns a promise is started, and its outcome is looked up until it is there.
  let nextCall = 0;
  const evaluate = async (fn, arg) => {
    const key = `c${nextCall++}`;
    const script = `const results = (window.__results ??= {});
      let v;
      try { v = (${fn.toString()})(arguments[0]); } catch (e) { return { ok: false, e: String(e && e.stack || e) }; }
      if (!v || typeof v.then !== 'function') return { ok: true, v: v === undefined ? null : v };
      v.then((x) => { results[arguments[1]] = { ok: true, v: x === undefined ? null : x }; }, (e) => { results[arguments[1]] = { ok: false, e: String(e && e.stack || e) }; });
      return { pending: true };`;
    let r = await call('POST', `/session/${id}/execute/sync`, { script, args: [arg === undefined ? null : arg, key] });
    const deadline = Date.now() + 120_000;
    while (r.pending) {
      if (Date.now() > deadline) throw new Error(`a promise in the page did not settle in 2 minutes: ${fn.toString().slice(0, 160)}`);
      await new Promise((done) => setTimeout(done, 250));
      r = await call('POST', `/session/${id}/execute/sync`, { script: 'const r = (window.__results ?? {})[arguments[0]]; if (!r) return { pending: true }; delete window.__results[arguments[0]]; return r;', args: [key] });
    }
    if (!r.ok) throw new Error(r.e);
    return r.v;
  };
  const errorsIn = () => evaluate(() => window.__errors ?? []).catch(() => []);
  const collected = [];
  const watchErrors = () => evaluate(() => {
    window.__errors = [];
    window.addEventListener('error', (e) => window.__errors.push(`page: ${e.message}`));
    window.addEventListener('unhandledrejection', (e) => window.__errors.push(`page: ${e.reason}`));
    const original = console.error;
    console.error = (...a) => { window.__errors.push(`console: ${a.join(' ')}`); original.apply(console, a); };
    return true;
  });
  return {
    engine: 'webkit',
    get errors() { return collected; },
    evaluate,
    version: `WebKitGTK ${session.capabilities?.browserVersion ?? ''}`.trim(),
    async goto(path) {
      collected.push(...(await errorsIn()));
      await call('POST', `/session/${id}/url`, { url: base + path });
      await watchErrors();
    },
    // A script WebDriver runs holds the page's main thread: asked too often, the page never gets to
    // the messages of its worker. Half a second between looks leaves it room.
    waitFor: (fn, arg, options) => poll(evaluate, fn, arg, { every: 500, ...options }),
    // WebDriver actions: a mouse in viewport pixels, pressed, moved through the points, released.
    async stroke(selector, points) {
      const b = await evaluate((sel) => {
        const el = document.querySelector(sel);
        el.scrollIntoView({ block: 'center' });
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }, selector);
      const at = ([x, y]) => ({ x: Math.round(b.x + x * b.width), y: Math.round(b.y + y * b.height) });
      const moves = [];
      for (let i = 1; i < points.length; i++) {
        const [from, to] = [at(points[i - 1]), at(points[i])];
        for (let k = 1; k <= 10; k++) moves.push({ type: 'pointerMove', duration: 10, origin: 'viewport', x: Math.round(from.x + ((to.x - from.x) * k) / 10), y: Math.round(from.y + ((to.y - from.y) * k) / 10) });
      }
      await call('POST', `/session/${id}/actions`, {
        actions: [{
          type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
          actions: [{ type: 'pointerMove', duration: 0, origin: 'viewport', ...at(points[0]) }, { type: 'pointerDown', button: 0 }, ...moves, { type: 'pointerUp', button: 0 }],
        }],
      });
    },
    async screenshot(name) {
      return saveShot('webkit', name, Buffer.from(await call('GET', `/session/${id}/screenshot`), 'base64'));
    },
    async syncErrors() {
      collected.push(...(await errorsIn()));
      await evaluate(() => { window.__errors = []; return true; });
    },
    async close() {
      await call('DELETE', `/session/${id}`).catch(() => {});
      stopDriver();
    },
  };
}
