// Accessibility: axe-core finds no serious or critical problem on the loaded page, after training,
// with a help note open, in projector mode, in dark mode and on a phone; and the whole page works from
// the keyboard: every control is reached with Tab, shows a focus ring and is never hidden under the
// sticky top bar, the "?" notes open and close with keys, confusion cells and mistakes answer Enter
// and Space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openPlayground } from './harness.mjs';
import { waitReady, waitWidgets, nextFrames } from './playground.mjs';

const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

/** Runs axe on the whole page; returns the serious and critical violations, readably. */
async function axeProblems(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`);
  });
}

async function waitEvaluated(page) {
  await page.waitForFunction(() => window.nnp.run.get().evaluation && document.querySelector('#mistakes .gallery button'), null, { timeout: 20_000 });
}

test('axe: no serious or critical problems loaded, after training, with a note open, in projector and dark mode', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await waitEvaluated(page);
    assert.deepEqual(await axeProblems(page), [], 'the loaded page');

    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 5, null, { timeout: 10_000 });
    // The evaluation after the last step, and the activations that follow it.
    await page.waitForFunction(() => window.nnp.run.get().evaluation?.steps === 5, null, { timeout: 10_000 });
    await page.click('#hyperparams [data-setting="optimizer"] summary');
    assert.deepEqual(await axeProblems(page), [], 'after a few steps, with a help note open');

    await page.click('#btn-projector');
    assert.deepEqual(await axeProblems(page), [], 'projector mode');

    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await axeProblems(page), [], 'dark mode');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('axe: no serious or critical problems in the phone layout', async () => {
  const app = await openPlayground({ viewport: { width: 390, height: 844 } });
  const { page } = app;
  try {
    await waitReady(page);
    await waitEvaluated(page);
    assert.deepEqual(await axeProblems(page), []);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('keyboard only: Tab reaches every control with a visible focus ring, clear of the sticky top bar', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await waitEvaluated(page);
    // Every control a person can see and use; of a radio group only the checked radio is a Tab stop.
    const expected = await page.evaluate(() => {
      const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      const controls = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
        .filter((el) => !el.disabled && el.tabIndex >= 0 && !el.closest('[hidden]') && !(el.type === 'radio' && !el.checked))
        .filter((el) => visible(el) || el.type === 'file' || el.classList.contains('skip-link'));
      controls.forEach((el, i) => { el.dataset.tabcheck = String(i); });
      return controls.map((el) => el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.outerHTML.slice(0, 60));
    });
    assert.ok(expected.length > 100, `${expected.length} controls`);

    const visit = () => page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      const bar = document.querySelector('.topbar').getBoundingClientRect();
      return {
        id: el.dataset.tabcheck ?? null,
        what: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.tagName,
        ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        // Off-screen skip links and visually hidden inputs (whose label shows the ring) aside.
        shown: rect.width > 2 && rect.height > 2,
        underBar: !el.closest('.topbar') && !el.classList.contains('skip-link') && rect.width > 2 && rect.top < bar.bottom - 1,
        inBar: !!el.closest('.topbar'),
      };
    });
    const seen = new Set();
    const problems = [];
    for (let i = 0; i < expected.length + 5; i++) {
      await page.keyboard.press('Tab');
      const v = await visit();
      if (v.id === null) {
        if (seen.size >= expected.length) break;
        problems.push(`Tab stop outside the list: ${v.what}`);
        continue;
      }
      seen.add(v.id);
      if (v.shown && !v.ring) problems.push(`no focus ring on ${v.what}`);
      if (v.underBar) problems.push(`${v.what} is under the top bar`);
      if (seen.size === expected.length) break;
    }
    const missed = expected.filter((_, i) => !seen.has(String(i)));
    assert.deepEqual(missed, [], 'controls Tab never reached');
    // And back up: Shift+Tab scrolls upwards, where a sticky bar hides things most easily.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Shift+Tab');
      const v = await visit();
      if (v.underBar) problems.push(`${v.what} is under the top bar (Shift+Tab)`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('keyboard only: the skip link; "?" notes, confusion cells and mistakes open with Enter and Space, notes close with Escape; radios keep the focus', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await waitEvaluated(page);
    // The first Tab stop skips to the results, and leaves the settings in the URL alone.
    const hash = await page.evaluate(() => window.location.hash);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'col-output');
    await nextFrames(page);
    assert.equal(await page.evaluate(() => window.location.hash), hash);
    assert.equal(await page.locator('.notice').count(), 0);
    // A fragment that is not settings (an old in-page link) is not read as a link full of errors.
    await page.evaluate(() => { window.location.hash = '#col-output'; });
    await page.waitForFunction((h) => window.location.hash === h, hash);
    assert.equal(await page.locator('.notice').count(), 0);

    const note = page.locator('#hyperparams [data-setting="lr"] details.help');
    await note.locator('summary').focus();
    await page.keyboard.press('Enter');
    assert.equal(await note.evaluate((d) => d.open), true, 'Enter opens a note');
    assert.match(await note.locator('.help-body').textContent(), /how big a step/);
    await page.keyboard.press('Escape');
    assert.equal(await note.evaluate((d) => d.open), false, 'Escape closes it');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'SUMMARY', 'the focus stays on its "?"');
    await page.keyboard.press('Space');
    assert.equal(await note.evaluate((d) => d.open), true, 'Space opens it');
    assert.equal(await page.evaluate(() => window.nnp.run.get().phase), 'idle', 'Space on a note does not start training');
    // Only one note is open at a time.
    const other = page.locator('#hyperparams [data-setting="batchSize"] details.help');
    await other.locator('summary').focus();
    await page.keyboard.press('Enter');
    assert.equal(await other.evaluate((d) => d.open), true);
    assert.equal(await note.evaluate((d) => d.open), false, 'opening one note closes the other');
    await page.keyboard.press('Escape');

    // A confusion-matrix cell: Enter shows its images; Space on the same cell shows all mistakes again.
    const cell = page.locator('.confusion button[data-t="3"][data-p="3"]');
    await cell.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^Right: 3$/.test(document.querySelector('#mistakes h3').textContent));
    assert.equal(await cell.getAttribute('aria-pressed'), 'true');
    await page.locator('.confusion button[data-t="3"][data-p="3"]').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#mistakes h3').textContent === 'Mistakes');
    assert.equal(await page.evaluate(() => window.nnp.run.get().phase), 'idle', 'Space on a cell does not start training');

    // A mistake: Enter follows it through the network.
    const mistake = page.locator('#mistakes .gallery button').nth(2);
    const index = Number(await mistake.getAttribute('data-index'));
    await mistake.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((i) => document.querySelector('.activation-caption')?.textContent.startsWith(`Following test image ${i + 1}:`), index, { timeout: 10_000 });
    assert.equal(await page.locator('#mistakes .gallery button').nth(2).getAttribute('aria-current'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.index), String(index), 'the focus stays on it');
    // Space on the next one.
    await page.keyboard.press('Tab');
    const next = Number(await page.evaluate(() => document.activeElement.dataset.index));
    await page.keyboard.press('Space');
    await page.waitForFunction((i) => document.querySelector('.activation-caption')?.textContent.startsWith(`Following test image ${i + 1}:`), next, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.nnp.run.get().phase), 'idle', 'Space on a mistake does not start training');

    // Arrow keys move through the dataset radios; the focus stays on the radio while the data loads.
    await page.focus('input[type="radio"][value="mnist"]');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => window.nnp.run.get().data?.id === 'fashion' && !window.nnp.run.get().dataBusy, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.activeElement.value), 'fashion');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});

test('axe: no serious or critical problems on a page with two embedded widgets', async () => {
  const app = await openPlayground({ path: 'embed/example.html', viewport: { width: 1100, height: 900 } });
  const { page } = app;
  try {
    await waitWidgets(page);
    assert.deepEqual(await axeProblems(page), [], 'the loaded widgets');
    await page.evaluate(() => document.getElementById('high').shadowRoot.getElementById('btn-play').click());
    await page.waitForFunction(() => document.getElementById('high').run.get().health, null, { timeout: 30_000 });
    assert.deepEqual(await axeProblems(page), [], 'a widget with its health note');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
