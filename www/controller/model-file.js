//! Saving and loading a trained model: the engine's save() bytes (spec, weights, optimizer state,
//! progress) as a `.nnpg` file, and a file read back, with its dataset when the file's name names a
//! built-in one. A load waits for the data switches and builds asked for before it.
import { buildSpec, settingsFromSpec } from '../state/spec.js';
import { builtinSource, builtinMeta } from './data.js';
import { builtKeyOf } from './builds.js';
import { applyBuild, showLoadedProgress } from './run-store.js';
import { exportBundle } from '../export/index.js';

/**
 * The current network as a file: `nn-playground-<dataset>-<steps>.nnpg`. Returns { name, bytes }
 * for the view to download, or null (the reason in run.modelError).
 * @param {import('../controller.js').Controller} c
 */
export async function saveModel(c) {
  c.run.set({ modelError: null });
  try {
    const { bytes, steps } = await c.client.saveModel();
    return { name: `nn-playground-${c.dataMeta?.id ?? 'model'}-${steps}.nnpg`, bytes };
  } catch (err) {
    c.run.set({ modelError: `The model could not be saved: ${err.message}` });
    return null;
  }
}

/**
 * The current network, its trained weights and its data for another framework: `kind` 'pytorch' or
 * 'keras' (a ZIP of a training script and its weights) or 'onnx'. Returns { name, type, bytes } for
 * the view to download, or null (the reason in run.modelError).
 * @param {import('../controller.js').Controller} c
 */
export async function exportModel(c, kind) {
  c.run.set({ modelError: null });
  try {
    const model = await c.client.exportModel();
    const steps = c.run.get().report?.steps ?? 0;
    return exportBundle(model, kind, `nn-playground-${c.dataMeta?.id ?? 'model'}-${steps}-${kind}`);
  } catch (err) {
    c.run.set({ modelError: `The export could not be made: ${err.message}` });
    return null;
  }
}

/**
 * Uses a saved model ({ name, bytes: ArrayBuffer }): its network, weights and settings replace the
 * current ones, training stops, and the settings and link show the loaded spec. A file that is not
 * a model, or does not fit, leaves everything as it was and says why (run.modelError).
 */
export function loadModel(c, file) {
  c.dataSeq += 1; // data switches asked for before this load are dropped
  const job = c.dataQueue.then(() => c.queue).then(() => doLoadModel(c, file));
  c.dataQueue = job.catch(() => {});
  return job;
}

async function doLoadModel(c, file) {
  c.run.set({ modelError: null, modelBusy: true });
  try {
    const info = await c.client.readModel(file.bytes);
    // A file saved by this page names its dataset; a built-in one is loaded for it.
    const named = /^nn-playground-([a-z0-9]+)-\d+/i.exec(file.name)?.[1];
    const builtin = c.run.get().datasets.find((d) => d.id === named);
    let meta = c.dataMeta;
    let data = 'current';
    if (builtin && builtin.id !== c.dataMeta?.id) {
      const source = builtinSource(builtin);
      const dataInfo = await c.client.loadData(source);
      meta = builtinMeta(builtin, dataInfo, source);
      data = 'staged';
    }
    if (!meta) throw new Error('No data is loaded yet.');
    const fits = info.spec.input.join('×') === meta.shape.join('×') && info.spec.classes === meta.classes.length;
    if (!fits) {
      throw new Error(`This model takes ${info.spec.input.join('×')} images in ${info.spec.classes} classes, but the data in use has ${meta.shape.join('×')} images in ${meta.classes.length} classes.`);
    }
    const base = { ...c.settings.get(), dataset: meta.id };
    const settings = settingsFromSpec(info.spec, base);
    // Nothing has changed so far; from here the model replaces the network.
    clearTimeout(c.rebuildTimer);
    c.validateSeq += 1;
    const result = await c.client.loadModel(file.bytes, { data, trainLimit: settings.trainLimit });
    if (data === 'staged') {
      c.dataMeta = meta;
      c.dataSource = meta.restore;
    }
    c.settings.set(settings, { source: 'model' });
    c.builtKey = builtKeyOf(buildSpec(settings, c.dataMeta), settings.trainLimit);
    c.builtSettings = c.settings.get();
    applyBuild(c, result, `Loaded the model ${file.name}: ${result.summary.totalParams.toLocaleString('en-US')} parameters after ${result.progress.steps.toLocaleString('en-US')} training steps.`);
    showLoadedProgress(c, result.progress);
    return true;
  } catch (err) {
    c.run.set({ modelError: `${file.name} could not be loaded: ${err.message}` });
    return false;
  } finally {
    c.run.set({ modelBusy: false });
  }
}
