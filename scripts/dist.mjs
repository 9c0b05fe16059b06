// The static build: `./dev dist` (or `node scripts/dist.mjs [--out dist]`, after `./dev build`).
//
// Writes two folders from www/ and the built engine in www/pkg/:
//   <out>/site/  the playground for any static host, at its root or under a sub-path: the page, the
//                engine, the datasets, the <nn-playground> element and its example pages, and a
//                service worker (sw.js) with the build's version and file list, so that after a first
//                visit everything loads offline. Every URL in it is relative.
//   <out>/npm/   the npm package of the element: only the files the element loads (its modules, the
//                engine, the datasets, the styles), a package.json and a README; `npm pack` there.
//
// Cache-busting: the files whose names are looked up by one other file get the hash of their content in
// their name (the engine's wasm and its JavaScript glue, the datasets' files), so a host may serve them
// as immutable. The ES modules keep their names, because they import each other by relative paths
// (and the worker's modules too, where an import map does not reach): a host should have browsers
// revalidate them (Cache-Control: no-cache), and the service worker keeps the files of one build together.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const WWW = join(ROOT, 'www');

/** Files of www/ that a site leaves out: the engine's build stamp and the type declarations (the npm package's). */
const SKIP = [/^pkg\/\.built-from$/, /\.d\.ts$/, /(^|\/)\.[^/]*$/];
/** The element's and the engine's type declarations, for the npm package. */
export const TYPES = ['embed/nn-playground.d.ts', 'engine/nn_playground.d.ts'];

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const hashed = (path, bytes) => {
  const dot = path.lastIndexOf('.');
  return `${path.slice(0, dot)}.${sha(bytes).slice(0, 10)}${path.slice(dot)}`;
};

/** Every file under `dir`, as posix paths relative to it. */
function walk(dir, base = dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full, base) : [relative(base, full).split(sep).join('/')];
  });
}

/** Replaces `from` by `to` in `text`, which must hold it exactly once. */
function replaceOnce(text, from, to, where) {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`${where}: expected ${JSON.stringify(from)} once, found it ${parts.length - 1} times`);
  return parts.join(to);
}

/** The site's files: path → bytes, with the hashed names, the offline marker and the service worker. */
export function siteFiles(www = WWW) {
  const files = new Map();
  for (const path of walk(www)) {
    if (SKIP.some((re) => re.test(path))) continue;
    files.set(path, readFileSync(join(www, path)));
  }
  for (const need of ['pkg/nn_playground.js', 'pkg/nn_playground_bg.wasm', 'sw.js', 'index.html']) {
    if (!files.has(need)) throw new Error(`${need} is missing from ${www}: build the engine first (./dev build)`);
  }
  const text = (path) => files.get(path).toString('utf8');
  const move = (from, to, bytes = files.get(from)) => {
    files.delete(from);
    files.set(to, bytes);
    return to;
  };

  // The engine: the wasm, then the glue that names it, then the one module that imports the glue.
  const wasm = move('pkg/nn_playground_bg.wasm', hashed('pkg/nn_playground_bg.wasm', files.get('pkg/nn_playground_bg.wasm')));
  const glue = Buffer.from(replaceOnce(text('pkg/nn_playground.js'), "'nn_playground_bg.wasm'", `'${posix.basename(wasm)}'`, 'pkg/nn_playground.js'));
  const gluePath = move('pkg/nn_playground.js', hashed('pkg/nn_playground.js', glue), glue);
  files.set('engine/wasm-engine.js', Buffer.from(replaceOnce(text('engine/wasm-engine.js'), "'../pkg/nn_playground.js'", `'../${gluePath}'`, 'engine/wasm-engine.js')));

  // The datasets: their files, named in datasets.json (which keeps its name: the page looks it up).
  const catalogue = JSON.parse(text('data/datasets.json'));
  for (const d of catalogue.datasets) {
    for (const role of Object.keys(d.files)) {
      const from = `data/${d.files[role]}`;
      if (!files.has(from)) throw new Error(`datasets.json names ${from}, which is not there`);
      d.files[role] = move(from, hashed(from, files.get(from))).slice('data/'.length);
    }
  }
  files.set('data/datasets.json', Buffer.from(`${JSON.stringify(catalogue, null, 2)}\n`));

  checkRelative(files);

  // The version: every other file's name and content. index.html says the build wants offline use.
  const version = sha([...files].filter(([p]) => p !== 'sw.js' && p !== 'index.html').sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, b]) => `${p}\0${sha(b)}\n`).join('') + sha(files.get('index.html'))).slice(0, 16);
  files.set('index.html', Buffer.from(replaceOnce(text('index.html'), '<meta charset="utf-8">', `<meta charset="utf-8">\n  <meta name="nnp-offline" content="${version}">`, 'index.html')));
  const cached = [...files.keys()].filter((p) => p !== 'sw.js').sort();
  files.set('sw.js', Buffer.from(replaceOnce(text('sw.js'), 'const BUILD = null;', `const BUILD = ${JSON.stringify({ version, files: cached })};`, 'sw.js')));
  return { files, version };
}

/** A site under a sub-path breaks on root-relative URLs ("/style.css"): none in the HTML or CSS. */
function checkRelative(files) {
  for (const [path, bytes] of files) {
    if (!/\.(html|css)$/.test(path)) continue;
    const text = bytes.toString('utf8');
    const bad = [...text.matchAll(/(?:href|src)\s*=\s*["']\/(?!\/)[^"']*["']|url\(\s*["']?\/(?!\/)[^)]*\)/g)].map((m) => m[0]);
    if (bad.length) throw new Error(`${path} uses root-relative URLs, which break under a sub-path: ${bad.join(', ')}`);
  }
}

/**
 * The files the element loads, following its modules' imports, dynamic imports and
 * `new URL('…', import.meta.url)` from embed/nn-playground.js; the datasets (looked up by name at run
 * time) and the engine's type declarations come along whole.
 */
export function elementFiles(www = WWW) {
  const seen = new Set();
  const queue = ['embed/nn-playground.js'];
  while (queue.length) {
    const path = queue.pop();
    if (seen.has(path)) continue;
    let source;
    try {
      source = readFileSync(join(www, path), 'utf8');
    } catch {
      throw new Error(`${path} is needed by the element but is missing (is the engine built? ./dev build)`);
    }
    seen.add(path);
    if (!path.endsWith('.js')) continue;
    const code = source.replace(/^\s*\/\/.*$/gm, '');
    const imports = [
      ...[...code.matchAll(/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g)].map((m) => m[1]),
      ...[...code.matchAll(/\bimport\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]),
    ].filter((ref) => /^\.{1,2}\//.test(ref));
    const urls = [...code.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*(?:import\.meta\.url|HERE)\s*\)/g)].map((m) => m[1])
      .filter((ref) => !/^[a-z]+:/i.test(ref) && !ref.startsWith('/'));
    for (const ref of [...imports, ...urls]) {
      const target = posix.normalize(posix.join(posix.dirname(path), ref));
      if (target.startsWith('..')) throw new Error(`${path} reaches outside www/: ${ref}`);
      if (target !== '.' && !target.endsWith('/')) queue.push(target);
    }
  }
  for (const path of walk(join(www, 'data'))) seen.add(`data/${path}`);
  for (const path of walk(join(www, 'pkg'))) if (/\.d\.ts$/.test(path)) seen.add(`pkg/${path}`);
  for (const path of TYPES) seen.add(path);
  return [...seen].sort();
}

/** The package's pkg/nn_playground.d.ts: the engine's module gets the typed declarations of engine/nn_playground.d.ts, not the generated `any`s. */
export const ENGINE_TYPES = "export * from '../engine/nn_playground.js';\nexport { default } from '../engine/nn_playground.js';\n";

/** The npm package of the element: path → bytes. */
export function packageFiles(www = WWW) {
  const files = new Map(elementFiles(www).map((p) => [p, readFileSync(join(www, p))]));
  files.set('pkg/nn_playground.d.ts', Buffer.from(ENGINE_TYPES));
  const pkg = packageJson();
  files.set('package.json', Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`));
  files.set('README.md', Buffer.from(packageReadme(pkg)));
  return files;
}

/** The package's package.json: its name and version from the project's, its entry point and types. */
export function packageJson() {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return {
    name: root.name,
    version: root.version,
    description: 'The <nn-playground> element: a neural network that trains live in the page, on a Rust/WebAssembly engine in a Web Worker.',
    license: root.license,
    type: 'module',
    main: './embed/nn-playground.js',
    types: './embed/nn-playground.d.ts',
    exports: {
      '.': { types: './embed/nn-playground.d.ts', default: './embed/nn-playground.js' },
      './nn-playground.js': { types: './embed/nn-playground.d.ts', default: './embed/nn-playground.js' },
      './*': './*',
    },
    sideEffects: true,
    keywords: ['neural network', 'web component', 'custom element', 'webassembly', 'mnist', 'education'],
  };
}

function packageReadme(pkg) {
  return `# ${pkg.name}

\`<nn-playground>\`: a neural network that trains live in a documentation page. The engine is Rust
compiled to WebAssembly (SIMD128) and runs in a Web Worker; the element draws its data, network, curves
and confusion matrix in a shadow root. The MNIST and Fashion-MNIST sets it trains on ship in \`data/\`.

This package is a folder of files for the browser, ready to serve as they are: ES modules that load each
other, the worker, the \`.wasm\` and the datasets by paths relative to \`embed/nn-playground.js\`. Serve the
whole folder and load that module.

## With a plain \`<script type="module">\`

Copy the package to your site (for example to \`assets/nn-playground/\`) and load the element:

\`\`\`html
<script type="module" src="assets/nn-playground/embed/nn-playground.js"></script>

<nn-playground preset="tiny-mlp" lr="1" label="Too high a learning rate"
               hide="network,dataset,confusion,mistakes,activations"></nn-playground>
\`\`\`

## With Vite (or another bundler)

Let the bundler leave the package alone and serve it as static files: its modules find the worker, the
engine and the data next to themselves, which a bundler's renaming would break. Copy it into the public
folder before the dev server and the build start, and load it by its public URL:

\`\`\`json
{
  "scripts": {
    "predev": "rm -rf public/nn-playground && cp -r node_modules/${pkg.name} public/nn-playground",
    "prebuild": "npm run predev",
    "dev": "vite",
    "build": "vite build"
  }
}
\`\`\`

\`\`\`html
<!-- index.html, or any page or component of the site -->
<script type="module" src="/nn-playground/embed/nn-playground.js"></script>
<nn-playground preset="lenet" hide="mistakes,activations"></nn-playground>
\`\`\`

From a script: \`await import(/* @vite-ignore */ '/nn-playground/embed/nn-playground.js')\`, then create the
element. It has \`play()\`, \`pause()\`, \`step()\` and \`reset()\` (Promises), \`settings\` (a copy to read; assign
an object such as \`{ lr: 0.01 }\` to change those settings), \`run\` (what the engine reports, a store), and the
events \`step\`, \`epoch\`, \`done\`, \`diverged\` and \`error\` (their \`detail\` in the types). TypeScript (5.2 or newer)
finds the types (\`embed/nn-playground.d.ts\`; the engine's in \`engine/nn_playground.d.ts\`) from \`import '${pkg.name}'\`.

## Served from another path or another origin

The element finds everything relative to its own module URL, so it may live at any path of the site. It may
also be served from another origin (a CDN, a second site): browsers start workers only from the page's
origin, so there the element starts its worker from a same-origin \`blob:\` script that imports the worker
module. What that needs:

- the origin serving the package sends \`Access-Control-Allow-Origin\` (the worker, the engine and the data
  are fetched with CORS) and, if the page is cross-origin isolated, \`Cross-Origin-Resource-Policy: cross-origin\`;
- a page with a Content-Security-Policy allows that origin in \`script-src\`, \`connect-src\` and \`style-src\`,
  and \`worker-src blob:\`.

## Headers

Any static server works. Sending \`Cross-Origin-Opener-Policy: same-origin\` and
\`Cross-Origin-Embedder-Policy: require-corp\` with the page makes it cross-origin isolated (precise timers in
the worker); without them the element works the same.

## Attributes

\`preset\` (a lesson: \`tiny-mlp\`, \`convnetjs\`, \`lenet\`, \`high-lr\`, \`overfitting\`, \`regularised\`, or a
comparison such as \`compare-lr\`), any setting of the playground's links (\`dataset\`, \`layers\`, \`optimizer\`,
\`lr\`, \`batch-size\`, \`l2\`, \`epochs\`, \`seed\`, …), \`sweep\` and \`budget\`, \`hide\` (parts: \`dataset\`,
\`network\`, \`training\`, \`metrics\`, \`charts\`, \`confusion\`, \`mistakes\`, \`draw\`, \`activations\`, or single
training settings) and \`label\`. The datasets' credits and licences are in \`data/README.md\` and
\`data/datasets.json\`.
`;
}

function writeTree(dir, files) {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, bytes] of files) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
}

const total = (files) => [...files.values()].reduce((n, b) => n + b.length, 0);

/**
 * Writes `<out>/site` and `<out>/npm`; returns { site, npm, version, siteBytes, npmBytes, siteFiles, npmFiles }.
 */
export function buildDist({ out = join(ROOT, 'dist'), www = WWW } = {}) {
  out = resolve(out);
  if (out === ROOT || out === resolve(www) || ROOT.startsWith(out + sep)) throw new Error(`refusing to write the build into ${out}`);
  const site = siteFiles(www);
  const npm = packageFiles(www);
  writeTree(join(out, 'site'), site.files);
  writeTree(join(out, 'npm'), npm);
  return {
    site: join(out, 'site'), npm: join(out, 'npm'), version: site.version,
    siteBytes: total(site.files), npmBytes: total(npm), siteFiles: site.files.size, npmFiles: npm.size,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const r = buildDist(i >= 0 ? { out: args[i + 1] } : {});
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(`${relative(process.cwd(), r.site) || '.'}: the site, ${r.siteFiles} files, ${mb(r.siteBytes)} (version ${r.version})`);
  console.log(`${relative(process.cwd(), r.npm) || '.'}: the npm package of the element, ${r.npmFiles} files, ${mb(r.npmBytes)} (npm pack there)`);
}
