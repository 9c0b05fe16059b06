// The curves as CSV: a header, one row per position of each run (a training point, a test
// evaluation or both on one row), the step from the position, numbers as measured, run names quoted
// or defused like the runs table's CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvesCsv } from '../../www/state/runs.js';

/** The CSV's rows as arrays of cells (no quoted commas in these tests), without the byte-order mark. */
function rows(csv) {
  assert.ok(csv.startsWith('\uFEFF'), 'a byte-order mark, so spreadsheets read UTF-8');
  assert.ok(csv.endsWith('\r\n'));
  return csv.slice(1, -2).split('\r\n').map((line) => line.split(','));
}

test('training and test points merge by position, the step follows the position, and nothing is rounded', () => {
  const csv = curvesCsv([{
    name: 'current',
    stepsPerEpoch: 1875,
    train: [0.02, 2.3025850929940455, 0.09375, 0.04, 1.5, 0.5, 0.5, 0.30000001192092896, 0.9],
    test: [0, 2.31, 0.1, 0.5, 0.35, 0.899],
  }]);
  assert.deepEqual(rows(csv), [
    ['run', 'epoch', 'step', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'],
    ['current', '0', '0', '', '', '2.31', '0.1'],
    ['current', '0.02', '38', '2.3025850929940455', '0.09375', '', ''],
    ['current', '0.04', '75', '1.5', '0.5', '', ''],
    ['current', '0.5', '938', '0.30000001192092896', '0.9', '0.35', '0.899'],
  ]);
});

test('several runs follow one another; a run without steps per epoch leaves the step empty', () => {
  const csv = curvesCsv([
    { name: 'lr 0.1', stepsPerEpoch: 100, train: [0.5, 1, 0.6, 1, 0.5, 0.8], test: [1, 0.6, 0.81] },
    { name: 'lr 0.01', train: [0.5, 2, 0.3], test: [] },
  ]);
  const r = rows(csv);
  assert.equal(r.length, 1 + 2 + 1);
  assert.deepEqual(r[2], ['lr 0.1', '1', '100', '0.5', '0.8', '0.6', '0.81']);
  assert.deepEqual(r[3], ['lr 0.01', '0.5', '', '2', '0.3', '', '']);
});

test('a run with only test points, or none, and values that are not numbers', () => {
  assert.equal(curvesCsv([]), '\uFEFFrun,epoch,step,train_loss,train_accuracy,test_loss,test_accuracy\r\n');
  assert.equal(rows(curvesCsv([{ name: 'a', train: [], test: [] }])).length, 1);
  const r = rows(curvesCsv([{ name: 'a', stepsPerEpoch: 10, train: [], test: [0, NaN, 0.1, 0.3, Infinity, 0.2] }]));
  assert.deepEqual(r.slice(1), [['a', '0', '0', '', '', '', '0.1'], ['a', '0.3', '3', '', '', '', '0.2']]);
});

test('run names are text: commas and quotes are quoted, a leading "=" cannot become a formula', () => {
  const csv = curvesCsv([
    { name: 'Adam lr 0.001 · conv8 5×5, "wide"', train: [1, 0.5, 0.9], test: [] },
    { name: '=HYPERLINK("x")', train: [1, 0.5, 0.9], test: [] },
  ]);
  const lines = csv.slice(1).split('\r\n');
  assert.equal(lines[1], '"Adam lr 0.001 · conv8 5×5, ""wide""",1,,0.5,0.9,,');
  assert.equal(lines[2], '"\'=HYPERLINK(""x"")",1,,0.5,0.9,,');
});
