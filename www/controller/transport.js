//! Transport: Play/Pause, Step and Reset. The page's presses run one after another (c.transportQueue),
//! each deciding from the state the previous one left.
import { notify } from './notices.js';
import { applyBuild, showLoadedProgress } from './run-store.js';

/**
 * Runs `action` after the transport actions asked for before it: three quick presses of Space are
 * play, pause, play (while the worker was busy, say evaluating, every press after the first used
 * to read "training" and pause).
 * @param {import('../controller.js').Controller} c
 */
export function transport(c, action) {
  const job = c.transportQueue.then(action);
  c.transportQueue = job.catch(() => {});
  return job;
}

export function togglePlay(c) {
  return transport(c, () => (c.run.get().phase === 'training' ? pause(c) : doPlay(c)));
}

/** Play, not a toggle (the element's play()): nothing if the run is training when its turn comes. */
export function play(c) {
  return transport(c, () => doPlay(c));
}

export function step(c) {
  return transport(c, () => doStep(c));
}

export function reset(c) {
  return transport(c, () => doReset(c));
}

/** Starts training; a finished or diverged run starts again first. */
async function doPlay(c) {
  const { phase, summary } = c.run.get();
  if (!summary || phase === 'training') return;
  if (phase === 'done' || phase === 'diverged') await doReset(c, { fresh: phase === 'done' });
  c.run.set({ phase: 'training', health: c.run.get().health?.pause ? null : c.run.get().health });
  c.elapsed.since = performance.now();
  try {
    await c.client.play();
  } catch (err) {
    c.run.set({ phase: 'paused' });
    notify(c, 'error', err.message);
  }
}

export async function pause(c) {
  if (c.run.get().phase !== 'training') return;
  await c.client.pause().catch(() => {});
}

async function doStep(c) {
  const { phase, summary } = c.run.get();
  if (!summary || phase === 'training') return;
  if (phase === 'done' || phase === 'diverged') await doReset(c, { fresh: phase === 'done' });
  try {
    await c.client.step();
  } catch (err) {
    notify(c, 'error', err.message);
  }
}

/** Back to the start of the run: the loaded model as it was loaded, or (`fresh`, or a built network) the seed's initial weights. */
async function doReset(c, { fresh = false } = {}) {
  if (!c.run.get().summary) return;
  try {
    const result = await c.client.reset({ fresh });
    const { phase } = c.run.get();
    applyBuild(c, result, null, { keepDraft: true });
    if (result.progress) showLoadedProgress(c, result.progress);
    else if (phase === 'done' || phase === 'diverged' || phase === 'paused') c.run.set({ phase: 'idle' });
  } catch (err) {
    notify(c, 'error', err.message);
  }
}
