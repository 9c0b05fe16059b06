// Words: every setting and layer explains itself in the words of a course, and the formulas are the
// rules the engine runs (PyTorch's): SGD with momentum, Adam with bias correction, L2 as λ/2·Σθ² in
// the loss (λ·θ in the gradient), dropout's mask and 1/(1 − p) scaling, convolution, ReLU, max
// pooling. On the page, every field and every card has its "?" note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTING, SETTINGS, LAYER_TYPES, ACTIVATION_HELP } from '../../www/state/schema.js';
import { openPlayground } from './harness.mjs';
import { waitReady } from './playground.mjs';

test('every setting and layer field has a help text', () => {
  for (const s of SETTINGS) assert.ok(s.help?.length > 20, `${s.name} has help`);
  for (const [type, def] of Object.entries(LAYER_TYPES)) {
    assert.ok(def.help.length > 20, `${type} has help`);
    for (const f of def.fields) assert.ok(f.help.length > 10, `${type}.${f.name} has help`);
  }
});

test('the formulas are the update rules the engine runs', () => {
  const opt = SETTING.optimizer.formula;
  // SGD with momentum, PyTorch's form (dampening 0).
  assert.match(opt, /v ← μ·v \+ g;\s+θ ← θ − η·v/);
  // Adam with both moments and their bias correction.
  assert.match(opt, /m ← β₁·m \+ \(1 − β₁\)·g/);
  assert.match(opt, /v ← β₂·v \+ \(1 − β₂\)·g²/);
  assert.match(opt, /m̂ = m \/ \(1 − β₁ᵗ\)/);
  assert.match(opt, /v̂ = v \/ \(1 − β₂ᵗ\)/);
  assert.match(opt, /θ ← θ − η·m̂ \/ \(√v̂ \+ ε\)/);
  assert.match(opt, /AdamW: θ ← \(1 − η·wd\)·θ, then the Adam step/);
  assert.match(opt, /s ← α·s \+ \(1 − α\)·g²;\s+θ ← θ − η·g \/ \(√s \+ ε\)/);
  assert.match(SETTING.nesterov.formula, /θ ← θ − η·\(g \+ μ·v\)/);
  assert.match(SETTING.rmsMomentum.formula, /b ← μ·b \+ g \/ \(√s \+ ε\);\s+θ ← θ − η·b/);
  // L2: λ/2·Σθ² in the loss is λ·θ in the gradient, on weights only.
  assert.match(SETTING.l2.formula, /λ\/2·Σθ²/);
  assert.match(SETTING.l2.formula, /g ← g \+ λ·θ/);
  assert.match(SETTING.l2.help, /biases are left alone/);
  // Dropout: inverted, with the 1/(1 − p) scaling, off at test time.
  assert.match(LAYER_TYPES.dropout.formula, /y = m · x \/ \(1 − p\)/);
  assert.match(LAYER_TYPES.dropout.formula, /probability 1 − p/);
  assert.match(LAYER_TYPES.dropout.formula, /testing: y = x/);
  // Convolution (cross-correlation, as the engine computes it), ReLU, max pooling.
  assert.match(LAYER_TYPES.conv2d.formula, /b_f \+ Σ_c Σ_i Σ_j W\[f, c, i, j\] · in\[c, y·s \+ i − p, x·s \+ j − p\]/);
  assert.match(ACTIVATION_HELP.relu, /max\(0, x\)/);
  assert.match(LAYER_TYPES.maxpool2d.formula, /max over 0 ≤ i, j < size of in\[c, y·s \+ i, x·s \+ j\]/);
  assert.match(LAYER_TYPES.conv2d.fields.find((f) => f.name === 'padding').formula, /⌊\(h − k\) \/ s⌋ \+ 1/);
});

test('on the page, every field, layer card and section has its "?" note, and the notes show their formulas', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await page.waitForFunction(() => window.nnp.run.get().evaluation, null, { timeout: 20_000 });
    const missing = await page.evaluate(() => [...document.querySelectorAll('.field, .card-head, .section-head, .chart-head, .model-file, .add-layer, .transport, .topbar-tools, legend')]
      .filter((el) => !el.closest('[hidden]') && !el.querySelector('details.help'))
      .map((el) => el.textContent.trim().slice(0, 40)));
    assert.deepEqual(missing, []);
    await page.click('#hyperparams [data-setting="optimizer"] summary');
    assert.match(await page.textContent('#hyperparams [data-setting="optimizer"] .formula'), /m̂ = m \/ \(1 − β₁ᵗ\)/);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
