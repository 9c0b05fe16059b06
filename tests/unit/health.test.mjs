// The health coach reads the curve points, which end at fixed step counts: the same run gets the same
// verdict at the same point however its steps were grouped into reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthMonitor } from '../../www/state/health.js';

const context = { classes: 10, lr: 0.8, optimizer: 'adam' };

/** Points of a run that guesses: loss about ln 10, accuracy about 10%, 50 points an epoch. */
function guessingRun(n) {
  const points = [];
  for (let i = 1; i <= n; i++) points.push(i / 50, 2.302 + 0.01 * Math.sin(i), 0.1 + 0.02 * Math.cos(i));
  return points;
}

/** Feeds the points in reports of the given sizes (points per report); returns the first verdict and the point it came at. */
function coach(points, sizes) {
  const monitor = new HealthMonitor();
  let at = 0;
  for (let k = 0; at < points.length / 3; k++) {
    const n = Math.min(sizes[k % sizes.length], points.length / 3 - at);
    const piece = points.slice(3 * at, 3 * (at + n));
    const verdict = monitor.checkReport({ loss: piece.at(-2), points: piece, nonFinite: false }, context);
    if (verdict) {
      // The point that gave it: replay the piece one point at a time.
      const replay = new HealthMonitor();
      const before = points.slice(0, 3 * at);
      for (let i = 0; i < before.length; i += 3) replay.checkPoint(before[i], before[i + 1], before[i + 2], context);
      for (let i = 0; i < piece.length; i += 3) if (replay.checkPoint(piece[i], piece[i + 1], piece[i + 2], context)) return { verdict, position: piece[i] };
    }
    at += n;
  }
  return null;
}

test('a network that keeps guessing is called stuck at the same point, whatever the reports', () => {
  const points = guessingRun(100);
  const one = coach(points, [1]);
  assert.equal(one.verdict.kind, 'stuck');
  assert.equal(one.position, 0.5, 'after half an epoch');
  assert.match(one.verdict.title, /after 0\.5 epochs the network still guesses/);
  assert.match(one.verdict.message, /far above the 0\.001 that usually works here/);
  assert.equal(one.verdict.lr, 0.08);
  for (const sizes of [[7], [3, 11], [1, 2, 40], [100]]) assert.deepEqual(coach(points, sizes), one, `reports of ${sizes} points`);
});

test('an exploding loss is called so after four points above three times chance, in any grouping', () => {
  const points = [];
  for (let i = 1; i <= 20; i++) points.push(i / 50, i < 6 ? 2.2 : 8 + i, 0.1);
  const one = coach(points, [1]);
  assert.equal(one.verdict.kind, 'exploding');
  assert.equal(one.position, 9 / 50);
  for (const sizes of [[2], [5, 1], [20]]) assert.deepEqual(coach(points, sizes), one);
});

test('a network that learns is left alone; a NaN loss is diverged', () => {
  const monitor = new HealthMonitor();
  const points = [];
  for (let i = 1; i <= 100; i++) points.push(i / 50, 2.3 / (1 + i / 10), Math.min(0.98, 0.1 + i / 50));
  assert.equal(monitor.checkReport({ loss: 0.3, points, nonFinite: false }, context), null);
  assert.equal(new HealthMonitor().checkReport({ loss: NaN, points: [], nonFinite: true }, context).kind, 'diverged');
});

/** Statistics every 5 steps (250 steps an epoch: 50 a point), with `layers` from (k) => [{ gradNorm, dead }]. */
function statsRun(n, layers, loss = () => 2.302) {
  return Array.from({ length: n }, (_, i) => ({
    step: 5 * (i + 1), position: (i + 1) / 50, loss: loss(i),
    layers: layers(i).map((l, j) => ({ layer: j, label: `${j + 1} dense`, updateRatio: 1e-3, weights: [], activations: [], dead: null, ...l })),
  }));
}

/** Feeds points and statistics in reports of `size` points (and the statistics up to their position); returns every verdict. */
function coachAll(points, stats, size, ctx = context) {
  const monitor = new HealthMonitor();
  const verdicts = [];
  for (let at = 0; at < points.length / 3; at += size) {
    const piece = points.slice(3 * at, 3 * (at + size));
    const end = piece.at(-3);
    const mine = stats.filter((s) => s.position <= end && s.position > (at ? points[3 * at - 3] : -1));
    const v = monitor.checkReport({ loss: piece.at(-2), points: piece, stats: mine, nonFinite: false }, ctx);
    if (v) verdicts.push({ kind: v.kind, pause: v.pause, title: v.title, at: end });
  }
  return verdicts;
}

test('a deep network whose first layer gets a thousandth of the last one\'s gradient is told about vanishing gradients, in any grouping', () => {
  const ctx = { classes: 10, lr: 0.01, optimizer: 'sgd' };
  const points = guessingRun(60);
  const stats = statsRun(60, () => [{ gradNorm: 2e-6 }, { gradNorm: 3e-5 }, { gradNorm: 4e-4 }, { gradNorm: 2e-3 }]);
  const one = coachAll(points, stats, 1, ctx);
  assert.equal(one[0].kind, 'vanishing');
  assert.equal(one[0].pause, false, 'said without pausing');
  assert.equal(one[0].at, 6 / 50, 'after six statistics');
  assert.match(one[0].title, /^Vanishing gradients: layer 1 dense's gradient is 1,000× smaller than layer 4 dense's, and the loss is not falling\.$/);
  // Later, still at chance after half an epoch: paused, with the same diagnosis.
  assert.deepEqual(one.slice(1).map((v) => [v.kind, v.pause, v.at]), [['vanishing', true, 0.5]]);
  // `at` is where a report ended, and a report that holds both says only the pausing one: the
  // verdicts themselves, and the pausing one, compare across groupings.
  const words = ({ kind, pause, title }) => ({ kind, pause, title });
  for (const size of [2, 7, 25, 60]) {
    const got = coachAll(points, stats, size, ctx);
    assert.ok(got.every((v) => v.kind === 'vanishing'), `reports of ${size} points`);
    assert.deepEqual(words(got.at(-1)), words(one.at(-1)), `reports of ${size} points`);
  }
});

test('small first-layer gradients with a falling loss, or in a shallow network, are left alone', () => {
  const learning = [];
  for (let i = 1; i <= 60; i++) learning.push(i / 50, 2.3 / (1 + i / 10), Math.min(0.98, 0.1 + i / 50));
  const tiny = () => [{ gradNorm: 1e-6 }, { gradNorm: 1e-4 }, { gradNorm: 1e-2 }];
  assert.deepEqual(coachAll(learning, statsRun(60, tiny, (i) => 2.3 / (1 + i / 10)), 5), []);
  const shallow = () => [{ gradNorm: 1e-6 }, { gradNorm: 1e-2 }];
  assert.deepEqual(coachAll(learning, statsRun(60, shallow), 5), []);
});

test('most ReLUs of a layer dead while the network still learns is pointed out once, with a smaller learning rate', () => {
  const ctx = { classes: 10, lr: 0.05, optimizer: 'adam' };
  const points = [];
  for (let i = 1; i <= 40; i++) points.push(i / 50, 1.2, 0.6);
  const stats = statsRun(40, (i) => [{ gradNorm: 1e-2, dead: i < 5 ? 0.1 : 0.8 }, { gradNorm: 1e-2 }]);
  const verdicts = coachAll(points, stats, 3, ctx);
  assert.equal(verdicts.length, 1, 'once a run');
  assert.equal(verdicts[0].kind, 'dead-relu');
  assert.equal(verdicts[0].pause, false);
  assert.equal(verdicts[0].at, 9 / 50, 'the third statistic in a row with 80% dead');
  assert.match(verdicts[0].title, /^Dead ReLUs: 80\.0% of the ReLUs after layer 1 dense never fire\.$/);
  const monitor = new HealthMonitor();
  const v = monitor.checkReport({ loss: 1.2, points, stats, nonFinite: false }, ctx);
  assert.equal(v.lr, 0.005);
  assert.match(v.message, /Too large a learning rate \(0\.05\)/);
});
