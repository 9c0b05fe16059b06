//! What a change of the settings does: the link is rewritten, a dataset switch loads the data, a
//! live setting (learning rate, L2, epochs) goes to the running engine, anything else rebuilds the network
//! with a note that says why. Also the changes the page's buttons make: a lesson's settings, and the
//! learning rate the health message offers.
import { SETTING, defaultState } from '../state/schema.js';
import { PRESETS, PRESET_SCOPE } from '../state/presets.js';
import { writeHash } from './link.js';
import { useBuiltin } from './data.js';
import { applyLive, scheduleRebuild } from './builds.js';
import { reset } from './transport.js';

/** Settings that the engine takes while training, without a rebuild. */
const LIVE = new Set(['lr', 'l2', 'epochs']);
/** Settings of the views only. */
const VIEW = new Set(['logScale', 'smoothing', 'projector']);
/** Settings that load other data (the data switch rebuilds on its own). */
const DATA = new Set(['dataset']);

/**
 * The settings store's listener.
 * @param {import('../controller.js').Controller} c
 */
export function onSettings(c, s, changed, meta) {
  writeHash(c);
  if (changed.includes('projector') && c.page) document.documentElement.classList.toggle('projector', s.projector);
  if (meta.source === 'data' || meta.source === 'model') return;
  if (changed.includes('dataset') && s.dataset !== 'custom' && s.dataset !== c.dataMeta?.id) {
    useBuiltin(c, s.dataset);
  }
  const rest = changed.filter((k) => !VIEW.has(k) && !DATA.has(k));
  if (rest.length === 0) return;
  // A restored run starts again from its initial weights, even when only a live setting differs.
  if (rest.every((k) => LIVE.has(k)) && c.run.get().summary && meta.source !== 'restore') {
    applyLive(c, s, rest);
    return;
  }
  scheduleRebuild(c, describeChange(rest, meta));
}

/** The note shown when a change rebuilt the network. */
function describeChange(keys, meta) {
  if (meta.source === 'preset') return `Loaded the lesson “${meta.preset.name}”: ${meta.preset.description}`;
  if (meta.source === 'restore') return `Restored the run “${meta.name}”: its settings are the current ones and the network was rebuilt.`;
  if (meta.source === 'url') return 'Loaded the settings from the link: the network was rebuilt.';
  if (keys.includes('layers')) return 'The network changed: it was rebuilt with new initial weights.';
  if (keys.includes('seed')) return `New seed ${meta.seed ?? ''}: the network was rebuilt with other initial weights.`.replace('  ', ' ');
  const labels = keys.map((k) => SETTING[k]?.label ?? k).join(', ');
  return `${labels} changed: the network was rebuilt and training starts again.`;
}

/** A lesson: its settings over the defaults of every setting a lesson may set. */
export function applyPreset(c, id) {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) return;
  const defaults = defaultState();
  const patch = {};
  for (const key of PRESET_SCOPE) patch[key] = defaults[key];
  Object.assign(patch, structuredClone(preset.settings));
  c.settings.set(patch, { source: 'preset', preset });
}

/** The learning-rate fix the health message offers: set it, reset, and keep training. */
export async function applyLr(c, lr) {
  c.settings.set({ lr }, { source: 'health' });
  c.run.set({ health: null });
  await c.queue;
  await reset(c);
}
