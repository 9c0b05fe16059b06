//! The URL hash is the serialized state: a link reproduces a run (dataset, layers, seed, every setting).
//!
//!   #dataset=mnist&layers=conv2d:8:5:1:same:relu,maxpool2d:2:2&optimizer=adam&lr=0.001&seed=42
//!
//! Only settings that differ from their defaults are written, except the dataset, the layer list and
//! the seed, which are always there so a link stays the same run if the defaults change. Values that
//! cannot be read fall back to their defaults and produce a notice for the page to show. A link is
//! text anyone can write, so its names are looked up as own properties only, its size and layer count
//! are limited, and a notice repeats at most the start of any value.

import {
  SETTINGS, LAYER_TYPES, MAX_LAYERS, MAX_LINK_CHARS, settingNamed, layerTypeNamed, shortenForNotice, defaultState, parseValue, describeRange,
} from './schema.js';
import { formatInt, formatSetting } from '../lib/format.js';

const ALWAYS = new Set(['dataset', 'layers', 'seed']);

/** Short names for layer types in links; the full names are accepted too. */
const LAYER_CODE = { conv2d: 'conv2d', maxpool2d: 'maxpool', avgpool2d: 'avgpool', dense: 'dense', dropout: 'dropout', flatten: 'flatten', batchnorm: 'bn', activation: 'act' };
/** Code → layer type; a Map, so a code such as "constructor" finds nothing. */
const CODE_LAYER = new Map(Object.entries(LAYER_CODE).map(([type, code]) => [code, type]));

function encodeValue(def, value) {
  if (def.type === 'bool') return value ? '1' : '0';
  if (def.type === 'number') return formatSetting(value);
  return String(value);
}

/** "conv2d:8:5:1:same:relu" — the fields in the order the schema lists them. */
export function encodeLayer(layer) {
  const def = LAYER_TYPES[layer.type];
  return [LAYER_CODE[layer.type], ...def.fields.map((f) => encodeValue(f, layer[f.name]))].join(':');
}

/**
 * Reads one layer; missing trailing fields take their defaults.
 * @returns {{ ok: true, value: object } | { ok: false, message: string }}
 */
export function decodeLayer(text, position) {
  const [code, ...parts] = text.split(':');
  const type = CODE_LAYER.get(code) ?? (layerTypeNamed(code) ? code : null);
  if (!type) return { ok: false, message: `layer ${position} "${shortenForNotice(text)}" has an unknown type "${shortenForNotice(code)}"` };
  const def = LAYER_TYPES[type];
  if (parts.length > def.fields.length) return { ok: false, message: `layer ${position} "${shortenForNotice(text)}" has too many values for a ${type} layer` };
  const layer = { type };
  for (const [i, field] of def.fields.entries()) {
    if (i >= parts.length || parts[i] === '') {
      layer[field.name] = field.default;
      continue;
    }
    const r = parseValue(field, parts[i]);
    if (!r.ok) return { ok: false, message: `layer ${position} (${type}): ${field.label.toLowerCase()} must be ${describeRange(field)}, not "${shortenForNotice(parts[i])}"` };
    layer[field.name] = r.value;
  }
  return { ok: true, value: layer };
}

/** The hash for a state (without the leading "#"). */
export function encodeState(state) {
  const defaults = defaultState();
  const parts = [];
  for (const def of SETTINGS) {
    const value = state[def.name];
    if (def.name === 'dataset' && value === 'custom') continue; // a person's files cannot travel in a link
    const isDefault = JSON.stringify(value) === JSON.stringify(defaults[def.name]);
    if (isDefault && !ALWAYS.has(def.name)) continue;
    const text = def.type === 'layers' ? value.map(encodeLayer).join(',') : encodeValue(def, value);
    // ':' and ',' are allowed in a fragment; keeping them unescaped keeps links readable.
    parts.push(`${def.name}=${encodeURIComponent(text).replace(/%3A/gi, ':').replace(/%2C/gi, ',')}`);
  }
  return parts.join('&');
}

/**
 * Reads a hash into a full state over `base` (the defaults unless given, such as a lesson's
 * settings). Anything unreadable keeps its base value and adds a notice.
 * @returns {{ state: object, notices: string[], present: boolean }}
 */
export function decodeState(hash, { source = 'link', base = null } = {}) {
  const its = `The ${source}'s`;
  const state = base ? structuredClone(base) : defaultState();
  const notices = [];
  const text = (hash ?? '').replace(/^#/, '');
  if (!text) return { state, notices, present: false };
  if (text.length > MAX_LINK_CHARS) {
    const used = base ? 'the settings stay as they were' : 'the default settings are used';
    notices.push(`${its} settings are ${formatInt(text.length)} characters long, over the limit of ${formatInt(MAX_LINK_CHARS)}; ${used}.`);
    return { state, notices, present: true };
  }
  const params = new URLSearchParams(text);
  for (const [key, raw] of params) {
    const def = settingNamed(key);
    if (!def) {
      notices.push(`${its} setting "${shortenForNotice(key)}" is unknown and was ignored.`);
      continue;
    }
    if (def.type === 'layers') {
      const items = raw === '' ? [] : raw.split(',');
      const keptNetwork = base ? 'the network stays as it was' : 'the default network is used';
      if (items.length > MAX_LAYERS) {
        notices.push(`${its} network has ${formatInt(items.length)} layers, over the limit of ${MAX_LAYERS}; ${keptNetwork}.`);
        continue;
      }
      const layers = [];
      let failed = null;
      for (const [i, item] of items.entries()) {
        const r = decodeLayer(item.trim(), i + 1);
        if (!r.ok) {
          failed = r.message;
          break;
        }
        layers.push(r.value);
      }
      if (failed) notices.push(`${its} network could not be read (${failed}); ${keptNetwork}.`);
      else state.layers = layers;
      continue;
    }
    if (key === 'dataset' && raw === 'custom') {
      notices.push(`The ${source} was made with someone's own files, which cannot travel with it; MNIST is used instead.`);
      continue;
    }
    const r = parseValue(def, raw);
    if (r.ok) {
      state[key] = r.value;
    } else {
      const kept = state[key];
      const fallback = def.type === 'number' ? formatSetting(kept) : String(kept);
      notices.push(`${its} ${def.label} "${shortenForNotice(raw)}" was ignored: it must be ${describeRange(def)}. Using ${fallback}.`);
    }
  }
  if (state.schedule === 'cosine' && state.minLr > state.lr) {
    notices.push(`${its} final learning rate ${formatSetting(state.minLr)} is above the learning rate; using 0.`);
    state.minLr = 0;
  }
  return { state, notices, present: true };
}
