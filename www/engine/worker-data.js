//! The worker's data: a built-in dataset downloaded (and kept, so switching back costs nothing) or a
//! person's files, inflated and paired into images and labels; how many examples train and test;
//! and handing them to an engine.
import { inflate, pairFiles, sliceIdx } from './idx.js';
import { wasm } from './wasm-engine.js';

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

/** A file with what the engine's parser reads of it (an Error that names the file if it is not IDX). */
function withInfo(name, bytes) {
  const i = wasm.idxInfo(bytes, name);
  return { name, bytes, info: { kind: i.kind, count: i.count, shape: [1, i.rows, i.cols], maxLabel: i.maxLabel ?? -1, headerBytes: i.headerBytes } };
}

async function loadBuiltin(source) {
  if (builtinCache.has(source.id)) return builtinCache.get(source.id);
  const [images, labels] = await Promise.all([fetchBytes(source.images), fetchBytes(source.labels)]);
  const pair = pairFiles([withInfo(source.images, images), withInfo(source.labels, labels)]);
  const { count } = pair.train.info;
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
  for (const f of source.files) files.push(withInfo(f.name, await inflate(new Uint8Array(f.bytes), f.name)));
  const pair = pairFiles(files);
  const count = pair.train.info.count + (pair.test?.info.count ?? 0);
  return {
    id: 'custom', names: pair.names,
    train: pair.train, test: pair.test, shape: pair.shape, classes: pair.classes, count,
    splitSeed: 0,
    nTest: pair.test ? pair.test.info.count : Math.max(1, Math.round(count * 0.2)),
    notes: pair.notes,
  };
}

/** How many examples train (at most `limit`, if set) and test, and how many could train. */
export function counts(d, limit) {
  const available = d.test ? d.train.info.count : d.count - d.nTest;
  return { nTrain: limit > 0 ? Math.min(limit, available) : available, nTest: d.nTest, available };
}

/** Hands data `d` to engine `e`: its own test split, or one the engine draws with the data's seed. */
export function giveData(e, d, limit) {
  const { nTrain, nTest } = counts(d, limit);
  if (d.test) {
    const images = sliceIdx(d.train.images, nTrain, d.train.info);
    const labels = sliceIdx(d.train.labels, nTrain, d.train.labelsInfo);
    e.setDataSplits(images, labels, d.test.images, d.test.labels);
  } else {
    if (d.count - d.nTest < 1) throw new Error(`The data holds ${d.count} examples, too few to keep ${d.nTest} for testing.`);
    e.setData(d.train.images, d.train.labels, d.splitSeed, nTrain, nTest);
  }
}
