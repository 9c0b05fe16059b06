//! Settings → engine: validating the settings being edited (every problem shown where it belongs),
//! rebuilding the network once an edit rests, and sending the live settings (learning rate, L2,
//! epochs) to the running engine. Builds run one at a time, in the order asked for (c.queue).
import { buildSpec, placeProblem, problemsOf } from '../state/spec.js';
import { applyBuild } from './run-store.js';

/** How long an edit must rest before the network is rebuilt. */
const REBUILD_DELAY_MS = 350;

/** What identifies a built network: asking for the same again keeps the one running. */
export function builtKeyOf(spec, trainLimit) {
  return JSON.stringify([spec, trainLimit]);
}

/**
 * Learning rate, L2 and epochs go to the running engine; the spec keeps them for the next rebuild.
 * @param {import('../controller.js').Controller} c
 */
export async function applyLive(c, s, keys) {
  const check = await validateDraft(c);
  if (!check) return;
  try {
    if (keys.includes('lr')) await c.client.setLearningRate(s.lr);
    if (keys.includes('l2')) await c.client.setL2(s.l2);
    if (keys.includes('epochs')) {
      // A finished run given more epochs goes on from its weights when Play is pressed.
      const { done } = await c.client.setEpochs(s.epochs);
      if (c.run.get().phase === 'done' && !done) c.run.set({ phase: 'paused' });
    }
    // The running network now has these settings: undoing them later is a change again, and the
    // progress counts the new number of epochs.
    const live = Object.fromEntries(keys.map((k) => [k, s[k]]));
    c.builtSettings = { ...c.builtSettings, ...live };
    c.builtKey = builtKeyOf(buildSpec(c.builtSettings, c.dataMeta), c.builtSettings.trainLimit);
    const data = c.run.get().data;
    if (data) c.run.set({ data: { ...data, spec: c.builtSettings } });
  } catch (err) {
    const others = c.run.get().specErrors.filter((e) => e.scope !== 'training');
    c.run.set({ specErrors: [...others, ...problemsOf(err, s)] });
  }
}

/**
 * Validates the current settings and shows every problem where it belongs. While only training
 * settings are wrong, the cards keep their true shapes (the engine still sends the summary).
 * Returns the summary, or null if anything is wrong.
 */
export async function validateDraft(c) {
  if (!c.dataMeta) return null;
  const seq = ++c.validateSeq;
  const s = c.settings.get();
  const spec = buildSpec(s, c.dataMeta);
  const { summary, problems } = await check(c, spec, s);
  if (seq === c.validateSeq) {
    const draft = summary ? { draft: summary, draftLayers: spec.layers } : {};
    c.run.set({ specErrors: problems, ...draft });
  }
  return problems.length === 0 ? summary : null;
}

/** The engine's summary of a spec (null when its layers do not fit) and every problem, placed. */
async function check(c, spec, s) {
  try {
    const { summary, problems } = await c.client.validate(spec);
    return { summary, problems: problems.map((p) => placeProblem(p, s)) };
  } catch (err) {
    return { summary: null, problems: problemsOf(err, s) };
  }
}

/** Rebuilds once the edit has rested, if the settings are valid; `reason` is the note the page shows. */
export function scheduleRebuild(c, reason) {
  clearTimeout(c.rebuildTimer);
  validateDraft(c).then((summary) => {
    if (!summary) return;
    clearTimeout(c.rebuildTimer);
    c.rebuildTimer = setTimeout(() => rebuild(c, { data: 'current', reason }), REBUILD_DELAY_MS);
  });
}

/** Builds the network from the current settings; runs one at a time. Returns whether it worked. */
export function rebuild(c, { data = 'current', meta = null, settings = null, reason = null, dataError = false } = {}) {
  // The data description and the settings are read when the build's turn comes, not when it is asked for.
  const job = c.queue.then(() => doRebuild(c, { data, meta: meta ?? c.dataMeta, settings: settings ?? c.settings.get(), reason, dataError }));
  c.queue = job.catch(() => {});
  return job;
}

/** `meta` describes the data the network is built for: the staged data's, or the data in use. */
async function doRebuild(c, { data, meta, settings: s, reason, dataError }) {
  if (!meta) return false;
  const spec = buildSpec(s, meta);
  // Back to the network that is already running (an edit undone): keep it and its progress.
  const key = builtKeyOf(spec, s.trainLimit);
  if (data === 'current' && key === c.builtKey) {
    c.run.set({ specErrors: [], draft: c.run.get().summary });
    return true;
  }
  // The build validates: its refusal carries every problem, so no check goes before it.
  let result;
  try {
    result = await c.client.build(spec, { data, trainLimit: s.trainLimit });
  } catch (err) {
    const problems = problemsOf(err, s);
    if (err.problems || !dataError) c.run.set({ specErrors: problems });
    if (dataError) c.run.set({ dataError: err.problems ? `This data does not fit the network: ${problems[0].message}` : err.message });
    return false;
  }
  c.dataMeta = meta;
  c.builtKey = key;
  c.builtSettings = s;
  applyBuild(c, result, reason);
  return true;
}
