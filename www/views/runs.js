// The runs table: every run since the page was opened (and kept from earlier visits), each named by
// what differs from the others, with its colour, its final and best numbers, a box that overlays it
// on the charts, Restore and Remove; sortable by any column; Export CSV and Clear below it.
// Rows are updated in place, keyed by run, so a click or the keyboard focus survives the updates
// that arrive while a run trains.
import { h, replace, helpNote, setText, perFrame } from '../lib/dom.js';
import { formatPercent, formatReal, formatInt, formatDuration } from '../lib/format.js';
import { RUN_COLUMNS, RUN_COLOURS, runMetrics, runNames, sortRuns, runsCsv } from '../state/runs.js';

const STATUS_TEXT = { training: 'training', paused: 'paused', done: 'done', diverged: 'diverged (NaN)', exploding: 'loss exploding', stuck: 'not learning', stopped: 'stopped' };

function formatCell(kind, v) {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '–';
  switch (kind) {
    case 'percent': return formatPercent(v);
    case 'real': return formatReal(v, 4);
    case 'int': return formatInt(v);
    case 'epochs': return v.toFixed(2);
    case 'duration': return formatDuration(v);
    case 'time': return new Date(v).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    default: return String(v);
  }
}

/** The colour a run is drawn in: the current run in the charts' train colour, the others their own. */
export function runColour(run, currentId) {
  return run.id === currentId ? 'var(--train)' : RUN_COLOURS[run.colour % RUN_COLOURS.length];
}

/** How often the numbers of runs that are training are brought up to date. */
const LIVE_NUMBERS_MS = 400;

/** The columns the table shows, in order (the "Started" column only sorts, through the header). */
const SHOWN = ['testAccuracy', 'bestTestAccuracy', 'testLoss', 'trainAccuracy', 'trainLoss', 'params', 'epochs', 'seconds', 'examplesPerSecond'];

export function mountRuns(history, el, { signal } = {}) {
  const body = h('tbody');
  const headRow = h('tr');
  const status = h('p', { class: 'runs-status', role: 'status' });
  const problem = h('p', { class: 'runs-problem', hidden: true });
  const confirmBox = h('span', { class: 'runs-confirm', hidden: true });
  const clearButton = h('button', { type: 'button', class: 'runs-clear', onclick: () => askClear() }, 'Clear…');
  const csvButton = h('button', { type: 'button', class: 'runs-csv', onclick: () => downloadCsv() }, 'Export CSV');
  const table = h('table', { class: 'runs-table' },
    h('caption', { class: 'visually-hidden' }, 'Runs: each row is one training run; check a run to draw its curves on the charts'),
    h('thead', {}, headRow), body);
  const empty = h('p', { class: 'runs-empty' }, 'No runs yet. Press Play: each run (every build or reset that trains) is listed here, so you can compare it with the next one.');

  replace(el,
    h('div', { class: 'runs-head' },
      h('h3', {}, 'Runs'),
      helpNote('the runs', 'Every run that trained is kept here, also after a reload of the page. A run is named by what differs from the other runs. Check a run to draw its curves on the charts (the current run is drawn on top, in the usual colours); click a heading to sort; Restore makes a run\'s settings the current ones again.'),
      status),
    empty,
    h('div', { class: 'runs-scroll' }, table),
    h('div', { class: 'runs-actions' }, csvButton, clearButton, confirmBox),
    problem);

  // Header: one sort button per column.
  const sortButtons = new Map();
  const th = (label, key) => {
    if (!key) return h('th', { scope: 'col' }, label);
    const button = h('button', { type: 'button', class: 'sort', dataset: { sort: key }, onclick: () => history.sortBy(key) }, label);
    sortButtons.set(key, button);
    return h('th', { scope: 'col', dataset: { col: key } }, button);
  };
  replace(headRow,
    th(h('span', { class: 'visually-hidden' }, 'On the charts'), null),
    th('Run', 'created'),
    th('Status', null),
    SHOWN.map((key) => th(RUN_COLUMNS.find((c) => c.key === key).label, key)),
    th(h('span', { class: 'visually-hidden' }, 'Actions'), null));

  /** id → { row, cells } */
  const rows = new Map();

  function makeRow(run) {
    const check = h('input', { type: 'checkbox', dataset: { run: run.id, key: 'check' }, onchange: () => history.check(run.id, check.checked) });
    const swatch = h('span', { class: 'run-swatch', 'aria-hidden': 'true' });
    const name = h('span', { class: 'run-name' });
    const restore = h('button', { type: 'button', class: 'run-restore', dataset: { run: run.id, key: 'restore' }, onclick: () => history.restore(run.id, name.textContent) }, 'Restore');
    const remove = h('button', { type: 'button', class: 'run-remove', dataset: { run: run.id, key: 'remove' }, onclick: () => history.remove(run.id) }, '×');
    const stat = h('td', { class: 'run-status' });
    const cells = SHOWN.map((key) => h('td', { class: 'num', dataset: { col: key } }));
    const row = h('tr', { dataset: { run: run.id } },
      h('td', {}, check),
      h('th', { scope: 'row', class: 'run-label' }, swatch, name),
      stat, cells, h('td', { class: 'run-buttons' }, restore, remove));
    return { row, check, swatch, name, stat, cells, restore, remove };
  }

  const render = perFrame(() => {
    const { runs, currentId, sort, descending, problem: why } = history.store.get();
    empty.hidden = runs.length > 0;
    table.hidden = runs.length === 0;
    csvButton.disabled = runs.length === 0;
    clearButton.disabled = runs.length === 0 || (runs.length === 1 && runs[0].id === currentId);
    problem.hidden = !why;
    setText(problem, why ?? '');
    setText(status, runs.length ? `${runs.length} run${runs.length === 1 ? '' : 's'}` : '');
    for (const [key, button] of sortButtons) {
      const active = key === sort;
      button.parentElement.setAttribute('aria-sort', active ? (descending ? 'descending' : 'ascending') : 'none');
      button.dataset.active = String(active);
    }
    const names = runNames(runs);
    const nameOf = new Map(runs.map((r, i) => [r.id, names[i]]));
    const ordered = sortRuns(runs, sort, descending);
    const seen = new Set();
    let previous = null;
    for (const run of ordered) {
      seen.add(run.id);
      let entry = rows.get(run.id);
      if (!entry) {
        entry = makeRow(run);
        rows.set(run.id, entry);
      }
      const current = run.id === currentId;
      const m = runMetrics(run);
      entry.row.dataset.current = String(current);
      entry.row.dataset.status = run.status;
      entry.check.checked = run.checked;
      entry.check.setAttribute('aria-label', `Draw ${nameOf.get(run.id)} on the charts`);
      entry.swatch.style.setProperty('--run-colour', runColour(run, currentId));
      setText(entry.name, nameOf.get(run.id));
      setText(entry.stat, current ? `${STATUS_TEXT[run.status] ?? run.status} · now` : STATUS_TEXT[run.status] ?? run.status);
      SHOWN.forEach((key, i) => {
        const column = RUN_COLUMNS.find((c) => c.key === key);
        setText(entry.cells[i], formatCell(column.kind, column.read(run, m)));
      });
      entry.remove.disabled = current;
      entry.remove.setAttribute('aria-label', current ? 'The run training now cannot be removed' : `Remove ${nameOf.get(run.id)}`);
      entry.restore.setAttribute('aria-label', `Restore the settings of ${nameOf.get(run.id)}`);
      // Moved only when out of place: moving a row that holds the focus would drop it.
      const expected = previous ? previous.nextSibling : body.firstChild;
      if (expected !== entry.row) body.insertBefore(entry.row, expected);
      previous = entry.row;
    }
    for (const [id, entry] of rows) {
      if (seen.has(id)) continue;
      entry.row.remove();
      rows.delete(id);
    }
  });

  function askClear() {
    const n = history.runs.filter((r) => r.id !== history.store.get().currentId).length;
    replace(confirmBox,
      `Remove ${n} run${n === 1 ? '' : 's'} for good? `,
      h('button', { type: 'button', class: 'runs-clear-yes', onclick: async () => { hideConfirm(); await history.clear(); clearButton.focus(); } }, 'Remove them'),
      h('button', { type: 'button', onclick: () => { hideConfirm(); clearButton.focus(); } }, 'Keep them'));
    confirmBox.hidden = false;
    confirmBox.querySelector('button').focus();
  }

  function hideConfirm() {
    confirmBox.hidden = true;
    confirmBox.replaceChildren();
  }

  function downloadCsv() {
    const { runs, sort, descending } = history.store.get();
    const ordered = sortRuns(runs, sort, descending);
    const page = typeof location === 'undefined' ? '' : `${location.origin}${location.pathname}`;
    const blob = new Blob([runsCsv(ordered, page)], { type: 'text/csv' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `nn-playground-runs-${ordered.length}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  // A new run, a removed one or another order shows at once; numbers of runs that are training
  // (several, in a sweep) a few times a second, which is as fast as anyone reads a table.
  let shape = '';
  let later = 0;
  const update = () => {
    const { runs, currentId, sort, descending, problem: why } = history.store.get();
    const next = JSON.stringify([runs.map((r) => [r.id, r.status, r.checked]), currentId, sort, descending, why]);
    if (next !== shape) {
      shape = next;
      clearTimeout(later);
      later = 0;
      render();
    } else {
      later ||= setTimeout(() => {
        later = 0;
        render();
      }, LIVE_NUMBERS_MS);
    }
  };
  const unsubscribe = history.store.subscribe(update);
  signal?.addEventListener('abort', unsubscribe);
  render();
  return { render };
}
