//! How the network learns: optimizer and its settings, learning rate and schedule, batch size, L2,
//! clipping, epochs and seed. Learning rate and L2 change live; the others rebuild the network.

import { h, replace, helpNote, uniqueId } from '../lib/dom.js';
import { formatSetting } from '../lib/format.js';
import { SETTINGS, TYPICAL_LR, parseValue, describeRange } from '../state/schema.js';

export function mountHyperparams(controller, el) {
  const { run, settings } = controller;
  const defs = SETTINGS.filter((d) => d.group === 'training');
  const fields = new Map();
  const generalError = h('div', { class: 'error-box', role: 'alert', hidden: true, id: 'training-error' });

  for (const def of defs) {
    const id = uniqueId(def.name);
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    let control;
    const extra = [];
    if (def.type === 'enum') {
      control = h('select', { id, name: def.name }, def.options.map((o) => h('option', { value: o }, def.optionLabels?.[o] ?? o)));
    } else if (def.type === 'bool') {
      control = h('input', { id, name: def.name, type: 'checkbox' });
    } else {
      control = h('input', {
        id, name: def.name, type: 'number', inputmode: def.type === 'int' ? 'numeric' : 'decimal',
        min: String(def.min), max: String(def.max), step: def.type === 'int' ? '1' : 'any',
      });
    }
    if (def.name === 'lr') {
      const scale = (factor) => {
        const v = Number((settings.get().lr * factor).toPrecision(3));
        if (parseValue(def, String(v)).ok) settings.set({ lr: v });
      };
      extra.push(
        h('button', { type: 'button', class: 'small', 'aria-label': 'Learning rate 10 times smaller', title: '10× smaller', onclick: () => scale(0.1) }, '÷10'),
        h('button', { type: 'button', class: 'small', 'aria-label': 'Learning rate 10 times larger', title: '10× larger', onclick: () => scale(10) }, '×10'));
    }
    if (def.name === 'seed') {
      extra.push(h('button', {
        type: 'button', class: 'small', id: 'btn-new-seed', title: 'Pick another random seed: other initial weights and image order',
        onclick: () => {
          const seed = crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000;
          settings.set({ seed }, { source: 'seed', seed });
        },
      }, 'New seed'));
    }
    control.addEventListener('change', () => {
      const r = def.type === 'bool' ? { ok: true, value: control.checked } : parseValue(def, control.value);
      if (!r.ok) {
        error.hidden = false;
        delete error.dataset.engine;
        error.textContent = `${def.label} must be ${describeRange(def)}.`;
        return;
      }
      error.hidden = true;
      const patch = { [def.name]: r.value };
      if (def.name === 'optimizer') {
        const s = settings.get();
        if (s.lr === TYPICAL_LR[s.optimizer]) patch.lr = TYPICAL_LR[r.value];
      }
      settings.set(patch);
    });
    const label = h('label', { for: id }, def.label, def.live ? h('span', { class: 'live-badge', title: 'Changes while training, without a rebuild' }, 'live') : null);
    const row = h('div', { class: `field${def.type === 'bool' ? ' check' : ''}`, dataset: { setting: def.name } },
      ...(def.type === 'bool' ? [control, label] : [label, control]),
      ...extra,
      helpNote(def.label, def.help, def.formula),
      error);
    fields.set(def.name, { def, row, control, error });
  }

  replace(el, generalError, h('div', { class: 'hyper-grid' }, [...fields.values()].map((f) => f.row)));

  function render() {
    const s = settings.get();
    const r = run.get();
    for (const f of fields.values()) {
      const { def, row, control, error } = f;
      row.hidden = def.when ? !def.when(s) : false;
      const v = s[def.name];
      // A field being typed in keeps what is typed until its own setting changes (a lesson, a link).
      const typing = control.getRootNode().activeElement === control && Object.is(f.shown, v);
      f.shown = v;
      if (def.type === 'bool') control.checked = v;
      else if (!typing) {
        const text = def.type === 'number' ? formatSetting(v) : String(v);
        if (control.value !== text) {
          control.value = text;
          // The field shows a valid setting again (a lesson, a link, a reset): the page's own
          // complaint about what was typed before goes (the engine's messages are handled below).
          if (!error.dataset.engine) error.hidden = true;
        }
      }
    }
    for (const f of fields.values()) {
      f.row.classList.remove('has-error');
      if (f.error.dataset.engine) {
        f.error.hidden = true;
        delete f.error.dataset.engine;
      }
    }
    // Each of the engine's problems shows on the setting it names; one whose setting is hidden, in the box.
    const unplaced = [];
    for (const err of r.specErrors.filter((e) => e.scope === 'training')) {
      const f = fields.get(err.setting);
      if (f && !f.row.hidden) {
        f.error.hidden = false;
        f.error.dataset.engine = '1';
        f.error.textContent = err.message;
        f.row.classList.add('has-error');
      } else {
        unplaced.push(err.message);
      }
    }
    generalError.hidden = unplaced.length === 0;
    generalError.textContent = unplaced.join(' ');
  }
  settings.subscribe(render);
  run.subscribe(render, ['specErrors']);
  render();
}
