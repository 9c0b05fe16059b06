// The element's npm package in a site built with Vite, as the package's README says: a scratch project
// installs the packed tarball, copies it into public/ before the build (its modules find the worker,
// the engine and the data next to themselves, so the bundler leaves them alone), and its own bundled
// script drives the element through its JS API and events. The built site, served as static files,
// trains a widget in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist } from '../../scripts/dist.mjs';
import { openPlayground } from './harness.mjs';
import { waitWidgets } from './playground.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const VITE_BIN = join(ROOT, 'node_modules', '.bin');

let tmp;
let project;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nnp-vite-'));
  const { npm } = buildDist({ out: join(tmp, 'out') });
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: npm, encoding: 'utf8' }));
  project = join(tmp, 'docs-site');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({
    name: 'docs-site',
    private: true,
    type: 'module',
    // The README's scripts.
    scripts: {
      predev: 'rm -rf public/nn-playground && cp -r node_modules/nn-playground public/nn-playground',
      prebuild: 'npm run predev',
      dev: 'vite',
      build: 'vite build',
    },
  }, null, 2)}\n`);
  writeFileSync(join(project, 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs built with Vite</title><link rel="icon" href="data:,">
<script type="module" src="/nn-playground/embed/nn-playground.js"></script>
<script type="module" src="/src/main.js"></script></head>
<body><h1>Docs</h1><nn-playground id="w" preset="tiny-mlp" hide="network,mistakes,activations"></nn-playground></body></html>
`);
  // The site's own script, bundled by Vite: it listens to the element's events and drives it.
  writeFileSync(join(project, 'src', 'main.js'), `const seen = [];
window.seen = seen;
const w = document.getElementById('w');
for (const type of ['step', 'epoch', 'done', 'diverged', 'error']) w.addEventListener(type, (e) => seen.push({ type, detail: e.detail }));
window.driveWidget = async () => {
  await customElements.whenDefined('nn-playground');
  w.settings = { lr: 0.01 };
  await w.step();
  return { steps: w.run.get().report.steps, lr: w.settings.lr };
};
`);
  // Installed from the tarball alone: the package has no dependencies, so nothing else is fetched.
  mkdirSync(join(project, 'public'), { recursive: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(tmp, info.filename)], { cwd: project, stdio: 'pipe' });
  // Vite is this repository's devDependency; the project's scripts find it on the PATH.
  execFileSync('npm', ['run', 'build'], { cwd: project, stdio: 'pipe', env: { ...process.env, PATH: `${VITE_BIN}${delimiter}${process.env.PATH}` } });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a Vite build of a site that installs the packed element: the element and the site\'s bundled script', () => {
  const dist = join(project, 'dist');
  for (const need of ['index.html', 'nn-playground/embed/nn-playground.js', 'nn-playground/embed/nn-playground.d.ts', 'nn-playground/engine/worker.js', 'nn-playground/data/datasets.json']) {
    assert.ok(existsSync(join(dist, need)), `the build has ${need}`);
  }
  const pkgJson = JSON.parse(readFileSync(join(project, 'node_modules', 'nn-playground', 'package.json'), 'utf8'));
  assert.equal(pkgJson.types, './embed/nn-playground.d.ts');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  assert.match(html, /src="\/nn-playground\/embed\/nn-playground\.js"/, 'the element is loaded by its public URL');
  const bundles = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
  assert.equal(bundles.length, 1, `one bundle of the site's own script (${bundles})`);
  assert.match(html, new RegExp(`/assets/${bundles[0].replace(/\./g, '\\.')}`));
});

test('the built site, served as static files, trains the widget and its script hears the events', async () => {
  const app = await openPlayground({ viewport: { width: 1100, height: 900 }, serve: { root: join(project, 'dist') } });
  const { page } = app;
  try {
    await waitWidgets(page, ['w']);
    assert.deepEqual(await page.evaluate(() => window.driveWidget()), { steps: 1, lr: 0.01 });
    assert.deepEqual(await page.evaluate(() => window.seen.map((e) => [e.type, e.detail.steps])), [['step', 1]]);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
