// Links are text anyone can write: prototype names as keys, links too long to read at once, too
// many layers and huge values must all end in a short notice and a usable state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeState, decodeLayer, encodeState } from '../../www/state/url.js';
import { SETTINGS, MAX_LAYERS, MAX_LINK_CHARS, defaultState, checkLayer } from '../../www/state/schema.js';

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/** A layer list of `count` small dense layers, in the link's form. */
const denseLayers = (count) => Array.from({ length: count }, () => 'dense:10').join(',');

test('a prototype name as a setting is an unknown setting', () => {
  for (const name of PROTOTYPE_NAMES) {
    const { state, notices } = decodeState(`#${name}=1`);
    assert.deepEqual(notices, [`The link's setting "${name}" is unknown and was ignored.`], name);
    assert.deepEqual(state, defaultState(), name);
  }
});

test('a prototype name as a layer type is an unknown layer type', () => {
  for (const name of PROTOTYPE_NAMES) {
    const { state, notices } = decodeState(`#layers=dense:10,${name}:1`);
    assert.equal(notices.length, 1, name);
    assert.match(notices[0], /network could not be read/);
    assert.ok(notices[0].includes(`unknown type "${name}"`), notices[0]);
    assert.deepEqual(state.layers, defaultState().layers, name);

    assert.equal(decodeLayer(name, 1).ok, false, name);
    const checked = checkLayer({ type: name });
    assert.equal(checked.ok, false, name);
    assert.ok(checked.message.includes(`unknown layer type "${name}"`), checked.message);
  }
});

test('a link over the limit is refused with one short notice that does not repeat it', () => {
  const hash = `#layers=${'dense,'.repeat(17_066)}`.slice(0, 102_401);
  const { state, notices } = decodeState(hash);
  assert.equal(notices.length, 1);
  assert.ok(notices[0].length < 200, notices[0]);
  assert.match(notices[0], /102,400 characters long, over the limit of 4,096/);
  assert.doesNotMatch(notices[0], /dense/);
  assert.deepEqual(state, defaultState());

  const base = { ...defaultState(), lr: 0.05 };
  assert.deepEqual(decodeState(hash, { base }).state, base, 'with a base, the base is kept');
});

test('a link of exactly the limit is read, one character more is not', () => {
  const padding = (length) => '&'.repeat(length - 'seed=7'.length); // empty pairs, which mean nothing
  const atLimit = decodeState(`#seed=7${padding(MAX_LINK_CHARS)}`);
  assert.deepEqual(atLimit.notices, []);
  assert.equal(atLimit.state.seed, 7);
  const over = decodeState(`#seed=7${padding(MAX_LINK_CHARS + 1)}`);
  assert.equal(over.notices.length, 1);
  assert.equal(over.state.seed, defaultState().seed);
});

test(`${MAX_LAYERS} layers are accepted and ${MAX_LAYERS + 1} refused`, () => {
  const accepted = decodeState(`#layers=${denseLayers(MAX_LAYERS)}`);
  assert.deepEqual(accepted.notices, []);
  assert.equal(accepted.state.layers.length, MAX_LAYERS);

  const refused = decodeState(`#layers=${denseLayers(MAX_LAYERS + 1)}&seed=7`);
  assert.deepEqual(refused.notices, [`The link's network has ${MAX_LAYERS + 1} layers, over the limit of ${MAX_LAYERS}; the default network is used.`]);
  assert.deepEqual(refused.state.layers, defaultState().layers);
  assert.equal(refused.state.seed, 7, 'the rest of the link is still read');
});

test('a long bad value is shortened in its notice', () => {
  const long = '9'.repeat(1000);
  const cases = [`lr=${long}`, `${'k'.repeat(1000)}=1`, `layers=dense:${long}`, `layers=${'q'.repeat(1000)}:1`];
  for (const hash of cases) {
    const { notices } = decodeState(`#${hash}`);
    assert.equal(notices.length, 1, hash.slice(0, 20));
    assert.ok(notices[0].length < 300, notices[0]);
    assert.match(notices[0], /(9|k|q){40}…/, 'the start of the value is shown');
    assert.doesNotMatch(notices[0], /(9|k|q){41}/, 'but no more of it');
  }
});

test('the largest link the page can make is under the limit and reads back unchanged', () => {
  const state = defaultState();
  for (const def of SETTINGS) {
    if (def.type === 'int') state[def.name] = def.max;
    else if (def.type === 'number') state[def.name] = Number((def.min + (def.max - def.min) * 0.7654321).toPrecision(6));
    else if (def.type === 'bool') state[def.name] = true;
    else if (def.type === 'enum') state[def.name] = def.options.findLast((o) => o !== 'custom');
  }
  state.minLr = state.lr / 2; // the cosine schedule's final rate may not exceed the rate
  const widestLayer = { type: 'conv2d', filters: 256, kernel: 31, stride: 8, padding: 'valid', activation: 'leaky_relu' };
  state.layers = Array.from({ length: MAX_LAYERS }, () => ({ ...widestLayer }));
  const hash = encodeState(state);
  assert.ok(hash.length <= MAX_LINK_CHARS, `${hash.length} characters`);
  const back = decodeState(`#${hash}`);
  assert.deepEqual(back.notices, []);
  assert.deepEqual(back.state, state);
});
