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
