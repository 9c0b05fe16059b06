// Shared set-up for the end-to-end tests: serve www/ on a free port and drive Debian's Chromium
// with playwright-core. Screenshots go to tests/e2e/artifacts/ so a person can look at them.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execSync('command -v chromium || command -v chromium-browser', { shell: '/bin/sh' }).toString().trim();
  } catch {
    throw new Error('Chromium was not found: install it with `apt-get install -y chromium chromium-driver`.');
  }
}

/**
 * Opens the playground in a fresh headless Chromium. Console errors and page errors are collected
 * in `errors`; tests assert it stays empty. `serve`: more options of the server (`root`, `prefix`,
 * `cors`), to serve a static build under a sub-path.
 */
export async function openPlayground({ path = '', viewport = { width: 1440, height: 900 }, hasTouch = false, initScript = null, csp = null, serve = {} } = {}) {
  const { server, url } = await startServer({ port: 0, csp, ...serve });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'nnp-e2e-')), {
    executablePath: chromiumPath(),
    headless: true,
    viewport,
    hasTouch,
    args: [
      '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  // Runs before the page's own scripts (to instrument timers, for example).
  if (initScript) await page.addInitScript(initScript);
  await page.goto(url + path);
  return {
    page,
    url,
    errors,
    context,
    server,
    async screenshot(name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await new Promise((r) => server.close(r));
    },
  };
}
