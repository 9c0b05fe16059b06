//! The top bar: Play/Pause, Step, Reset (with Space, → and R), progress through the epoch and the run,
//! speed and elapsed time, the lesson picker and the projector toggle.

import { h, perFrame, helpNote, setText } from '../lib/dom.js';
import { formatInt, formatDuration } from '../lib/format.js';
import { PRESETS } from '../state/presets.js';
import { maxWorkers } from '../state/workers.js';

const setProp = (el, key, value) => {
  if (el[key] !== value) el[key] = value;
};

const ICON_STEP = '<svg viewBox="0 0 16 16"><path d="M2 2l8 6-8 6z"/><rect x="11" y="2" width="3" height="12"/></svg>';
const ICON_RESET = '<svg viewBox="0 0 16 16"><path d="M8 2a6 6 0 1 1-5.7 4.1l1.9.6A4 4 0 1 0 8 4v2.5L4 3.2 8 0z"/></svg>';

/** Play, Step and Reset, the progress bars and the readouts: the same markup on the page and in a widget. */
const CONTROLS = `
<div class="transport" role="toolbar" aria-label="Training controls">
  <button id="btn-play" class="primary" type="button" aria-keyshortcuts="Space" aria-label="Play (Space)" title="Play: train continuously (Space)" disabled>
    <span class="icon" aria-hidden="true"></span><span class="label">Play</span>
  </button>
  <button id="btn-step" type="button" aria-keyshortcuts="ArrowRight" aria-label="Step one batch (Right arrow)" title="Step: train on one batch (→)" disabled>
    <span class="icon" aria-hidden="true">${ICON_STEP}</span><span class="label">Step</span>
  </button>
  <button id="btn-reset" type="button" aria-keyshortcuts="R" aria-label="Reset to the same initial weights (R)" title="Reset: start again from the same initial weights (R)" disabled>
    <span class="icon" aria-hidden="true">${ICON_RESET}</span><span class="label">Reset</span>
  </button>
</div>
<div class="progress-group">
  <div class="progress-row"><label for="epoch-progress" id="epoch-label">epoch –</label><progress id="epoch-progress" max="1" value="0"></progress></div>
  <div class="progress-row"><label for="run-progress" id="run-label">run 0%</label><progress id="run-progress" max="1" value="0"></progress></div>
</div>
<dl class="readouts">
  <div><dt>speed</dt><dd class="speed"><span id="stat-speed">–</span><select id="workers" class="workers" aria-label="Workers that train the run"></select></dd></div>
  <div><dt>time</dt><dd id="stat-time">0:00</dd></div>
  <div><dt>steps</dt><dd id="stat-steps">0</dd></div>
</dl>`;

/** The page's own tools: the lesson picker, the projector toggle and the sticky bar's height. */
function mountPageTools(controller) {
  const { settings } = controller;
  const preset = document.getElementById('preset');
  const projector = document.getElementById('btn-projector');
  preset.closest('.preset-picker').after(helpNote('the lessons',
    'A lesson loads a network and settings that show one idea, such as overfitting or too high a learning rate, and says what to look for. It replaces the network and the training settings (the dataset and the view stay); the link in the address bar keeps them, so a lesson can be shared.'));

  const option = (p) => h('option', { value: p.id, title: p.description }, p.name);
  preset.append(h('option', { value: '' }, 'Choose a lesson…'),
    h('optgroup', { label: 'One network' }, PRESETS.filter((p) => !p.compare).map(option)),
    h('optgroup', { label: 'Comparisons (trains several runs)' }, PRESETS.filter((p) => p.compare).map(option)));
  // A lesson replaces the network (and a comparison starts a sweep), so it is applied when chosen
  // in the open list, or with Enter: arrowing through the closed menu only moves the choice.
  let arrowed = false;
  const apply = () => {
    arrowed = false;
    if (preset.value) controller.applyPreset(preset.value);
    preset.value = '';
  };
  preset.addEventListener('keydown', (event) => {
    if (['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'].includes(event.key)) arrowed = true;
    else if (event.key === 'Enter' && preset.value) {
      event.preventDefault();
      apply();
    }
  });
  preset.addEventListener('pointerdown', () => { arrowed = false; });
  preset.addEventListener('change', () => {
    if (!arrowed) apply();
  });
  preset.addEventListener('blur', () => {
    arrowed = false;
    preset.value = '';
  });

  projector.addEventListener('click', () => settings.set({ projector: !settings.get().projector }));
  const renderProjector = (s) => {
    projector.setAttribute('aria-pressed', String(s.projector));
    document.documentElement.classList.toggle('projector', s.projector);
  };
  settings.subscribe(renderProjector, ['projector']);
  renderProjector(settings.get());

  // The page scrolls focused elements clear of this sticky bar (scroll-padding-top in style.css).
  // On a phone the lesson picker and the projector toggle form the bar's first row, which scrolls
  // away (a negative sticky top); the rows from Play down stay. A bar that would still take over a
  // quarter of a small screen (a phone in projector mode, a phone held sideways) scrolls with the
  // page instead of staying on top.
  const bar = document.querySelector('.topbar');
  const transport = bar.querySelector('.transport');
  const setHeight = () => {
    const box = bar.getBoundingClientRect();
    const height = Math.ceil(box.height);
    const padding = parseFloat(getComputedStyle(bar).paddingTop) || 0;
    const above = Math.max(0, Math.floor(transport.getBoundingClientRect().top - box.top - padding));
    const stuck = height - above;
    const tall = stuck > window.innerHeight / 4;
    bar.classList.toggle('unstuck', tall);
    // Only real changes are written: a style set on <html>, even to the same value, makes the
    // browser recompute the style of the whole page.
    const top = `${-above}px`;
    if (bar.style.top !== top) bar.style.top = top;
    const padTop = `${tall ? 0 : stuck}px`;
    if (document.documentElement.style.getPropertyValue('--topbar-h') !== padTop) document.documentElement.style.setProperty('--topbar-h', padTop);
  };
  // The class and padding it sets can change the bar's own size: measure again on the next frame,
  // never inside the observer's callback (a loop the browser reports as an error).
  let resizeFrame = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(setHeight);
  }).observe(bar);
  window.addEventListener('resize', setHeight);
  setHeight();
}

/**
 * @param {{ root?: Document | ShadowRoot, host?: HTMLElement, page?: boolean }} where  the page's
 *   document by default; an embedded widget passes its shadow root and its element, with
 *   `page: false` (no lesson picker, projector toggle or sticky bar)
 */
export function mountTopbar(controller, { root = document, host = document.body, page = true } = {}) {
  const { run, settings } = controller;
  const template = document.createElement('template');
  template.innerHTML = CONTROLS;
  root.querySelector('.topbar .brand').after(template.content);
  const $ = (id) => root.getElementById(id);
  const play = $('btn-play');
  const step = $('btn-step');
  const reset = $('btn-reset');
  // Found once: a widget laid out again has new elements with the same ids.
  const [epochLabel, epochProgress, runLabel, runProgress, statSpeed, statSteps, statTime] =
    ['epoch-label', 'epoch-progress', 'run-label', 'run-progress', 'stat-speed', 'stat-steps', 'stat-time'].map($);

  root.querySelector('.transport').append(helpNote('Play, Step and Reset',
    'Play trains continuously, one batch after another (Space pauses). Step trains on exactly one batch: the forward pass computes the predictions, the loss measures how wrong they are, the backward pass computes the gradient of the loss for every weight, and the optimizer updates the weights (→). Reset starts again from the same initial weights, drawn from the seed (R). An epoch is one pass over all the training images.',
    'one step:  ŷ = f(x; θ),  L = loss(ŷ, y),  g = ∂L/∂θ,  θ ← update(θ, g)'));
  const workers = $('workers');
  for (let n = 1; n <= maxWorkers(); n += 1) workers.append(h('option', { value: String(n) }, `×${n}`));
  workers.addEventListener('change', () => controller.setWorkers(Number(workers.value)));
  play.addEventListener('click', () => controller.togglePlay());
  step.addEventListener('click', () => controller.step());
  reset.addEventListener('click', () => controller.reset());
  if (page) mountPageTools(controller);

  // A widget's keys work while the focus is inside it (several can share a page).
  (page ? document : root).addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const t = event.target;
    const tag = t?.tagName;
    // Keys keep their own meaning inside form fields and widgets that use them (sliders, the drawing
    // pad, charts read with arrows); on a focused button, Space presses that button.
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || t?.isContentEditable || t?.closest?.('[data-keys="own"]')) return;
    const onButton = tag === 'BUTTON' || tag === 'SUMMARY' || tag === 'A';
    if ((event.key === ' ' || event.code === 'Space') && !onButton) {
      event.preventDefault();
      controller.togglePlay();
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      controller.step();
    } else if (event.key === 'r' || event.key === 'R') {
      event.preventDefault();
      controller.reset();
    }
  });

  const render = perFrame(() => {
    const r = run.get();
    const s = r.data?.spec ?? settings.get();
    const ready = !!r.summary;
    const training = r.phase === 'training';
    // Only what changed is written: every write, even of the same value, costs a style pass.
    setProp(play, 'disabled', !ready);
    setProp(step, 'disabled', !ready || training);
    setProp(reset, 'disabled', !ready);
    const icon = training ? 'pause' : 'play';
    if (play.dataset.icon !== icon) {
      play.dataset.icon = icon;
      play.querySelector('.icon').innerHTML = training
        ? '<svg viewBox="0 0 16 16"><rect x="3" y="2" width="3.5" height="12"/><rect x="9.5" y="2" width="3.5" height="12"/></svg>'
        : '<svg viewBox="0 0 16 16"><path d="M3 2l11 6-11 6z"/></svg>';
    }
    setText(play.querySelector('.label'), training ? 'Pause' : 'Play');
    const again = r.phase === 'done' || r.phase === 'diverged';
    const label = training ? 'Pause (Space)' : again ? 'Play again from the start (Space)' : 'Play (Space)';
    if (play.getAttribute('aria-label') !== label) play.setAttribute('aria-label', label);
    const title = training ? 'Pause training (Space)' : again ? 'Play: start again from the same initial weights (Space)' : 'Play: train continuously (Space)';
    if (play.title !== title) play.title = title;
    if (play.classList.contains('is-training') !== training) play.classList.toggle('is-training', training);
    if (host.dataset.phase !== r.phase) host.dataset.phase = r.phase;

    const rep = r.report;
    const epochs = s.epochs;
    const done = rep ? Math.min(epochs, rep.epoch) : 0;
    const within = rep ? (rep.done ? 1 : rep.epochProgress) : 0;
    const current = rep?.done ? epochs : Math.min(epochs, done + 1);
    setText(epochLabel, rep ? `epoch ${current} of ${formatInt(epochs)}` : `epoch – of ${formatInt(epochs)}`);
    if (epochProgress.value !== within) epochProgress.value = within;
    const overall = rep ? (rep.done ? 1 : (done + within) / epochs) : 0;
    if (runProgress.value !== overall) runProgress.value = overall;
    setText(runLabel, `run ${Math.floor(overall * 100)}%`);
    setText(statSpeed, r.speed > 0 ? `${formatInt(r.speed)} ex/s` : '–');
    const w = r.workers;
    setProp(workers, 'value', String(Math.min(w.wanted, maxWorkers())));
    const usage = `Trains on ${w.workers} worker${w.workers === 1 ? '' : 's'} (this computer has ${navigator.hardwareConcurrency || 'an unknown number of'} cores); the numbers are the same on any number of workers.${w.reason ? ` ${w.reason}` : ''}`;
    setProp(statSpeed, 'title', usage);
    setProp(workers, 'title', usage);
    if (workers.dataset.limited !== String(!!w.reason)) workers.dataset.limited = String(!!w.reason);
    setText(statSteps, formatInt(rep?.steps ?? 0));
    setText(statTime, formatDuration(controller.elapsedSeconds()));
  });
  run.subscribe(render);
  settings.subscribe(render, ['epochs']);
  // The clock ticks only while training: an idle page runs no timer.
  let clock = 0;
  run.subscribe((r) => {
    if (r.phase === 'training' && !clock) clock = setInterval(render, 500);
    if (r.phase !== 'training' && clock) {
      clearInterval(clock);
      clock = 0;
    }
  }, ['phase']);
  render();
}
