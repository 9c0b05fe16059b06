// One step in slow motion: the image of "Inside the network" is traced forward layer by layer, its
// loss, backward layer by layer and one weight's update with the numbers in the optimizer's formula;
// Back and Next (and the arrow keys) move through the stages; the run is not changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground } from './harness.mjs';
import { waitReady, settledQueues } from './playground.mjs';

test('a traced step goes forward, to the loss, backward and to one update, and back again', async () => {
  const app = await openPlayground({ path: '#dataset=mnist&layers=conv2d:4:5,maxpool2d:2,dense:16&optimizer=adam&seed=2' });
  const { page, errors } = app;
  try {
    await waitReady(page);
    await page.click('#btn-step');
    await settledQueues(page);
    const stepsBefore = await page.evaluate(() => window.nnp.run.get().report?.steps ?? 0);
    const view = page.locator('#slow-motion');
    await view.getByRole('button', { name: 'Trace one step' }).click();
    await page.waitForFunction(() => document.querySelector('#slow-motion').dataset.stage === 'input');
    const position = view.locator('.trace-position');
    assert.match(await position.textContent(), /^stage 1 of \d+$/);
    const total = Number((await position.textContent()).match(/of (\d+)/)[1]);
    // the input, 6 layers forward (conv, relu, pool, dense, relu, the output dense), the loss, 6 backward, the update
    assert.equal(total, 1 + 6 + 1 + 6 + 1);
    const heading = view.locator('.trace-heading');
    const seen = [];
    for (let i = 1; i < total; i++) {
      await view.getByRole('button', { name: 'Next →' }).click();
      seen.push(await heading.textContent());
    }
    assert.match(seen[0], /^Forward: layer 1 conv2d/);
    assert.equal(seen[6], 'The loss');
    assert.match(seen[7], /^Backward: layer \d+ dense/);
    assert.match(seen.at(-1), /^The update of layer \d+ dense weights \[\d+, \d+\]$/);
    assert.equal(await page.evaluate(() => document.querySelector('#slow-motion').dataset.stage), 'update');
    const formulas = await view.locator('.trace-body .formula').allTextContents();
    assert.ok(formulas.some((f) => /^m ← β₁·m \+ \(1 − β₁\)·g = 0\.9·/.test(f)), formulas.join('\n'));
    assert.ok(formulas.some((f) => /^θ ← θ − lr·m̂\/\(√v̂ \+ ε\) = /.test(f)), formulas.join('\n'));
    assert.equal(await view.getByRole('button', { name: 'Next →' }).isDisabled(), true);
    await app.screenshot('slow-motion-update');
    // Back with the button and with the arrow key.
    await view.getByRole('button', { name: '← Back' }).click();
    assert.match(await heading.textContent(), /^Backward: layer 1 conv2d/);
    await view.getByRole('button', { name: '← Back' }).focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowLeft');
    assert.equal(await heading.textContent(), 'The loss');
    assert.match(await view.locator('.trace-body .formula').first().textContent(), /^L = −ln p\[\d\] = −ln [\d.]+ = [\d.]+$/);
    await app.screenshot('slow-motion-loss');
    // The arrow keys moved the stages, not the training: no step was taken, and the trace changed nothing.
    await settledQueues(page);
    assert.equal(await page.evaluate(() => window.nnp.run.get().report?.steps ?? 0), stepsBefore);
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});
