//! The data: the list of built-in datasets, loading one of them or a person's own IDX files, and
//! switching to it (the network is rebuilt for the new data; if that cannot work, the data in use
//! stays). c.dataMeta describes the data in use; c.dataSource gives it again after an engine restart.
import { defaultState } from '../state/schema.js';
import { PRESET_SCOPE } from '../state/presets.js';
import { notify } from './notices.js';
import { rebuild, validateDraft } from './builds.js';

const DATASET_CREDITS = {
  mnist: 'MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (CC BY-SA 3.0).',
  fashion: 'Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research (MIT licence).',
};

/**
 * The built-in datasets (data/datasets.json); none, with the reason in run.dataError, if the list
 * cannot be read.
 * @param {import('../controller.js').Controller} c
 */
export async function fetchDatasetList(c) {
  try {
    const response = await fetch(new URL('../data/datasets.json', import.meta.url));
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const json = await response.json();
    return Array.isArray(json) ? json : json.datasets ?? [];
  } catch (err) {
    c.run.set({ dataError: `The built-in datasets could not be loaded (${err.message}). You can still load your own IDX files.` });
    return [];
  }
}

/** Loads a built-in dataset (listed in data/datasets.json) and rebuilds the network for it. */
export async function useBuiltin(c, id, { initial = false } = {}) {
  const meta = c.run.get().datasets.find((d) => d.id === id);
  if (!meta) return false;
  const source = builtinSource(meta);
  return useData(c, source, {
    id, name: meta.name, classes: meta.classes, credit: builtinCredit(meta), restore: () => source,
  }, initial ? null : `Switched to ${meta.name}: the network was rebuilt for it.`);
}

/** What the worker loads for a built-in dataset: its files and how to split them. */
export function builtinSource(meta) {
  return {
    kind: 'builtin', id: meta.id,
    images: meta.files.images, labels: meta.files.labels,
    split: meta.split ?? { seed: 0, train: Math.round(meta.count * 0.8), test: Math.round(meta.count * 0.2) },
  };
}

function builtinCredit(meta) {
  return `${meta.credit ?? DATASET_CREDITS[meta.id] ?? ''}${meta.licence ? ` (${meta.licence})` : ''}`;
}

/** The page's description of loaded data (c.dataMeta) from what the worker read. */
function dataMetaFor({ id, name, classes, credit }, info) {
  const classNames = classes && classes.length === info.classes
    ? classes
    : Array.from({ length: info.classes }, (_, i) => String(i));
  return { id, name, shape: info.shape, classes: classNames, credit, info };
}

/** The description of a built-in dataset the worker has read from `source`. */
export function builtinMeta(meta, info, source) {
  return { ...dataMetaFor({ id: meta.id, name: meta.name, classes: meta.classes, credit: builtinCredit(meta) }, info), restore: () => source };
}

/** Loads a person's files ({ name, bytes: ArrayBuffer }[]); nothing changes if they are not usable. */
export async function useFiles(c, files) {
  // Keep our own copies: the bytes are transferred to the worker, and kept for a restart.
  const copies = files.map((f) => ({ name: f.name, bytes: f.bytes.slice(0) }));
  const source = () => ({ kind: 'files', files: copies.map((f) => ({ name: f.name, bytes: f.bytes.slice(0) })) });
  const names = files.map((f) => f.name).join(', ');
  return useData(c, source(), { id: 'custom', name: 'Your files', classes: null, credit: `Your own files (${names}).`, restore: source },
    'Loaded your files: the network was rebuilt for them.');
}

/**
 * Data switches run one at a time, and only the latest one asked for runs at all: arrowing through
 * the dataset radios, or a switch while another is loading, never mixes one dataset's files with
 * another's name and classes.
 */
function useData(c, source, meta, note) {
  const seq = ++c.dataSeq;
  const job = c.dataQueue.then(() => (seq === c.dataSeq ? loadAndRebuild(c, source, meta, note) : false));
  c.dataQueue = job.catch(() => {});
  return job;
}

async function loadAndRebuild(c, source, meta, note) {
  c.run.set({ dataBusy: true, dataError: null });
  try {
    const info = await c.client.loadData(source);
    // The new data's description is used for this build only; c.dataMeta (the data in use,
    // which edits are validated against meanwhile) changes when the build has worked.
    const staged = dataMetaFor(meta, info);
    let ok = await rebuild(c, { data: 'staged', meta: staged, reason: note, dataError: true });
    if (!ok && !c.dataMeta) ok = await fallBackToDefaults(c, staged);
    if (!ok) {
      // The data in use stays; so does the network, whose cards must not keep this data's message.
      if (c.dataMeta) await validateDraft(c);
      return false;
    }
    c.dataSource = meta.restore;
    if (c.settings.get().dataset !== meta.id) c.settings.set({ dataset: meta.id }, { source: 'data' });
    return true;
  } catch (err) {
    c.run.set({ dataError: err.message });
    // The data in use stays, and the dataset setting says so again.
    if (c.dataMeta && c.settings.get().dataset !== c.dataMeta.id) c.settings.set({ dataset: c.dataMeta.id }, { source: 'data' });
    return false;
  } finally {
    c.run.set({ dataBusy: false });
  }
}

/**
 * The page's first data and a network from a link (or a widget's attributes) that does not fit it,
 * or that is over a limit: the page would have no network at all, so, as with any other setting a
 * link gets wrong, the defaults are used (the layers first, then every network and training
 * setting) and a notice says why.
 */
async function fallBackToDefaults(c, meta) {
  const why = c.run.get().specErrors[0]?.message ?? c.run.get().dataError ?? 'it cannot be built';
  const defaults = defaultState();
  const its = `The ${c.source}'s`;
  const attempts = [
    [{ layers: defaults.layers }, `${its} network cannot be used with these ${meta.shape.join('×')} images (${why}); the default network is used.`],
    [Object.fromEntries(PRESET_SCOPE.map((k) => [k, structuredClone(defaults[k])])), `${its} settings cannot be used (${why}); the default settings are used.`],
  ];
  for (const [patch, notice] of attempts) {
    c.settings.set(patch, { source: 'data' });
    if (await rebuild(c, { data: 'staged', meta, reason: null, dataError: true })) {
      notify(c, 'warning', notice);
      return true;
    }
  }
  return false;
}
