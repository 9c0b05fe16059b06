//! The worker's data: a built-in dataset downloaded (and kept, so switching back costs nothing) or a
//! person's files, inflated and paired into images and labels; how many examples train and test;
//! and handing them to an engine.
import { inflate, readIdx, pairFiles, sliceIdx } from './idx.js';

const builtinCache = new Map();

/**
 * Reads the data a LOAD_DATA request names: { id, names, train: {images, labels}, test, shape,
 * classes, count, nTest, splitSeed, notes }; `id` is the built-in dataset's ('custom' for files),
 * `names` the files' names (which the exported scripts read).
 */
export function loadSource(source) {
  return source.kind === 'builtin' ? loadBuiltin(source) : loadFiles(source);
}

async function fetchBytes(path) {
  const url = new URL(`../data/${path}`, import.meta.url);
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    // fetch rejects only when nothing came back at all: no network, or the server is gone.
    throw new Error(`${path} could not be downloaded: the server did not answer (${err.message}). Is this computer offline? The data in use stays.`);
  }
  if (!response.ok) throw new Error(`Could not load ${path} (${response.status} ${response.statusText}).`);
  return inflate(new Uint8Array(await response.arrayBuffer()), path);
}

async function loadBuiltin(source) {
  if (builtinCache.has(source.id)) return builtinCache.get(source.id);
  const [images, labels] = await Promise.all([fetchBytes(source.images), fetchBytes(source.labels)]);
  const pair = pairFiles([
    { name: source.images, bytes: images },
    { name: source.labels, bytes: labels },
  ]);
  const count = readIdx(images).count;
  const data = {
    id: source.id, names: pair.names,
    train: pair.train, test: null, shape: pair.shape, classes: pair.classes, count,
    splitSeed: source.split?.seed ?? 0,
    nTest: source.split?.test ?? Math.round(count * 0.2),
    notes: pair.notes,
  };
  builtinCache.set(source.id, data);
  return data;
}

async function loadFiles(source) {
  const files = [];
  for (const f of source.files) files.push({ name: f.name, bytes: await inflate(new Uint8Array(f.bytes), f.name) });
  const pair = pairFiles(files);
  const count = readIdx(pair.train.images).count + (pair.test ? readIdx(pair.test.images).count : 0);
  return {
    id: 'custom', names: pair.names,
    train: pair.train, test: pair.test, shape: pair.shape, classes: pair.classes, count,
    splitSeed: 0,
    nTest: pair.test ? readIdx(pair.test.images).count : Math.max(1, Math.round(count * 0.2)),
    notes: pair.notes,
  };
}

/** How many examples train (at most `limit`, if set) and test, and how many could train. */
export function counts(d, limit) {
  const available = d.test ? readIdx(d.train.images).count : d.count - d.nTest;
  return { nTrain: limit > 0 ? Math.min(limit, available) : available, nTest: d.nTest, available };
}

/** Hands data `d` to engine `e`: its own test split, or one the engine draws with the data's seed. */
export function giveData(e, d, limit) {
  const { nTrain, nTest } = counts(d, limit);
  if (d.test) {
    const images = sliceIdx(d.train.images, nTrain);
    const labels = sliceIdx(d.train.labels, nTrain);
    e.setDataSplits(images, labels, d.test.images, d.test.labels);
  } else {
    if (d.count - d.nTest < 1) throw new Error(`The data holds ${d.count} examples, too few to keep ${d.nTest} for testing.`);
    e.setData(d.train.images, d.train.labels, d.splitSeed, nTrain, nTest);
  }
}
