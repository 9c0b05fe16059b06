// The gradients view's history of per-layer statistics: every one kept up to a bound, then thinned to
// fixed steps, so the same run keeps the same points however its reports came.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayerStatsHistory, MAX_KEPT } from '../../www/state/layer-stats.js';

const stat = (step) => ({ step, position: step / 250, loss: 2, layers: [{ layer: 0, label: '1 dense', gradNorm: step, updateRatio: 1e-3, dead: null, weights: [], activations: [] }] });

test('statistics are kept in step order, once each, and thinned to every 2nd, 4th… past the bound', () => {
  const a = new LayerStatsHistory();
  const all = Array.from({ length: 3 * MAX_KEPT }, (_, i) => stat(25 * (i + 1)));
  a.add(all.slice(0, 10));
  a.add(all.slice(5, 20)); // overlapping: nothing twice
  assert.deepEqual(a.items.map((s) => s.step), all.slice(0, 20).map((s) => s.step));
  a.add(all.slice(20));
  assert.ok(a.items.length <= MAX_KEPT);
  assert.equal(a.keepEvery, 4);
  assert.ok(a.items.every((s) => (s.step / 25) % 4 === 0));
  const b = new LayerStatsHistory();
  for (let i = 0; i < all.length; i += 7) b.add(all.slice(i, i + 7));
  assert.deepEqual(b.items, a.items, 'the same points in other groupings');
  assert.deepEqual(a.series(0, (l) => l.gradNorm).y, a.items.map((s) => s.step));
  assert.deepEqual(a.layers(), [{ layer: 0, label: '1 dense' }]);
});
