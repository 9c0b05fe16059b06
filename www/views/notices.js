//! Notices under the top bar: settings from a link that could not be used, errors, and what a rebuild did.

import { h, replace } from '../lib/dom.js';

export function mountNotices(controller, el) {
  const { run } = controller;
  const render = (r) => {
    const items = [...r.notices];
    if (r.rebuildNote) items.push({ ...r.rebuildNote, kind: 'info', rebuild: true });
    replace(el, items.map((n) => h('div', { class: `notice notice-${n.kind}`, role: n.kind === 'error' ? 'alert' : 'status', dataset: { kind: n.kind } },
      h('div', { class: 'notice-body' },
        h('p', {}, n.text),
        n.action && h('button', { type: 'button', class: 'notice-action', onclick: n.action.run }, n.action.label)),
      h('button', {
        type: 'button', class: 'notice-close', 'aria-label': 'Dismiss this notice', title: 'Dismiss',
        onclick: () => (n.rebuild ? run.set({ rebuildNote: null }) : controller.dismiss(n.id)),
      }, '×'))));
  };
  run.subscribe(render, ['notices', 'rebuildNote']);
  // What a rebuild did matters for a few seconds; then it makes room.
  run.subscribe((r) => {
    const note = r.rebuildNote;
    if (note) setTimeout(() => run.get().rebuildNote === note && run.set({ rebuildNote: null }), 10_000);
  }, ['rebuildNote']);
  render(run.get());
}
