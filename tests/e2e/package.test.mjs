// The element's npm package (dist/npm, written by scripts/dist.mjs): `npm pack` holds only what the
// element loads, and the element trains when its module comes from the unpacked tarball, at another
// path than the page and from another origin (CORS, and workers started from a same-origin blob).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist } from '../../scripts/dist.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { openPlayground } from './harness.mjs';
import { waitWidgets } from './playground.mjs';

let tmp;
let packed;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nnp-pack-'));
  const { npm } = buildDist({ out: join(tmp, 'out') });
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: npm, encoding: 'utf8' }));
  packed = info;
  // Unpacked as a site would have it: vendor/package/…
  mkdirSync(join(tmp, 'site', 'vendor'), { recursive: true });
  execFileSync('tar', ['-xzf', join(tmp, info.filename), '-C', join(tmp, 'site', 'vendor')]);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const page = (src) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A documentation page</title><link rel="icon" href="data:,">
<script type="module" src="${src}"></script></head>
<body><h1>Docs</h1><nn-playground id="w" preset="tiny-mlp" hide="network,mistakes,activations"></nn-playground></body></html>
`;

/** Steps the widget once and waits for the step to show. */
async function stepWidget(p) {
  await waitWidgets(p, ['w']);
  await p.evaluate(() => document.getElementById('w').shadowRoot.getElementById('btn-step').click());
  await p.waitForFunction(() => document.getElementById('w').run.get().report?.steps === 1, null, { timeout: 20_000 });
}

test('npm pack holds the element, its modules, the engine and the data, and nothing else', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const need of ['package.json', 'README.md', 'embed/nn-playground.js', 'embed/embed.css', 'style.css', 'engine/worker.js',
    'pkg/nn_playground.js', 'pkg/nn_playground_bg.wasm', 'data/datasets.json', 'data/mnist/images-idx3-ubyte.gz', 'data/fashion/labels-idx1-ubyte.gz']) {
    assert.ok(files.includes(need), `the package has ${need}`);
  }
  for (const f of files) {
    assert.doesNotMatch(f, /(^|\/)(tests?|src|scripts|bench|node_modules)\/|\.(rs|toml|mjs)$|^(index\.html|main\.js|sw\.js)$|^embed\/(example|frame)/, `${f} is not needed by the element`);
  }
  assert.equal(packed.name, 'nn-playground');
  assert.ok(packed.size < 8e6, `the tarball is ${packed.size} bytes`);
});

test('the element from the unpacked package, at another path than the page, trains', async () => {
  mkdirSync(join(tmp, 'site', 'docs', 'guide'), { recursive: true });
  writeFileSync(join(tmp, 'site', 'docs', 'guide', 'index.html'), page('../../vendor/package/embed/nn-playground.js'));
  const app = await openPlayground({ path: 'docs/guide/', viewport: { width: 1100, height: 900 }, serve: { root: join(tmp, 'site') } });
  try {
    await stepWidget(app.page);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('the element from another origin (CORS) starts its workers (its own and a sweep\'s) from a blob and trains, in an isolated page', async () => {
  const cdn = await startServer({ port: 0, root: join(tmp, 'site', 'vendor'), cors: true });
  try {
    mkdirSync(join(tmp, 'other'), { recursive: true });
    const src = `${cdn.url}package/embed/nn-playground.js`;
    writeFileSync(join(tmp, 'other', 'index.html'), page(src));
    const app = await openPlayground({ viewport: { width: 1100, height: 900 }, serve: { root: join(tmp, 'other') } });
    try {
      assert.notEqual(new URL(cdn.url).origin, new URL(app.url).origin);
      await stepWidget(app.page);
      assert.equal(await app.page.evaluate(() => window.crossOriginIsolated), true);
      // A sweep's workers start as the widget's own does.
      await app.page.evaluate(() => {
        const sweep = document.createElement('nn-playground');
        sweep.id = 'sweeping';
        for (const [name, value] of [['layers', 'dense:16'], ['sweep', 'lr:0.01,0.1'], ['budget', 'steps:20'], ['hide', 'network,mistakes,draw,activations']]) sweep.setAttribute(name, value);
        document.body.append(sweep);
      });
      await app.page.waitForFunction(() => document.getElementById('sweeping').shadowRoot?.getElementById('sweep')?.dataset.state === 'done', null, { timeout: 60_000 });
      assert.equal(await app.page.evaluate(() => document.getElementById('sweeping').shadowRoot.querySelectorAll('#sweep-table tbody tr[data-status="done"]').length), 2);
      assert.deepEqual(app.errors, []);
    } finally {
      await app.close();
    }
  } finally {
    await new Promise((done) => cdn.server.close(done));
  }
});
