//! Boot: start the engine worker, read the settings from the URL, mount the views, load the data.
import { EngineClient } from './engine/client.js';
import { Controller } from './controller.js';
import { mountTopbar } from './views/topbar.js';
import { mountNotices } from './views/notices.js';
import { mountDataPanel } from './views/data-panel.js';
import { mountNetworkEditor } from './views/network-editor.js';
import { mountHyperparams } from './views/hyperparams.js';
import { mountMetrics } from './views/metrics.js';
import { mountCharts } from './views/loss-chart.js';
import { mountConfusion } from './views/confusion.js';
import { mountMistakes } from './views/mistakes.js';
import { mountDraw } from './views/draw.js';
import { mountActivations } from './views/activations.js';
import { mountModelFile } from './views/model-file.js';
import { RunArchive } from './state/run-archive.js';
import { takeSweep } from './state/sweep.js';
import { mountComparison } from './comparison.js';

const $ = (id) => document.getElementById(id);
const client = new EngineClient();
// A link may carry a sweep besides the settings: it is queued once the data is loaded.
const linked = takeSweep(window.location.hash);
const controller = new Controller(client, linked.hash);
controller.client = client;
// Every run since the page was opened, kept across reloads; sweeps and comparisons.
const { history, sweeps, startLinked } = mountComparison(controller, { sweepEl: $('sweep'), runsEl: $('runs'), archive: new RunArchive() });

mountTopbar(controller);
mountNotices(controller, $('notices'));
mountDataPanel(controller, $('data-panel'));
mountNetworkEditor(controller, $('network-editor'));
mountModelFile(controller, $('model-file'));
mountHyperparams(controller, $('hyperparams'));
mountMetrics(controller, $('metrics'), $('health'));
const charts = mountCharts(controller, $('charts'), { history });
mountConfusion(controller, $('confusion'));
mountMistakes(controller, $('mistakes'));
mountDraw(controller, $('draw'));
mountActivations(controller, $('activations'));

// The skip link moves the focus without touching the URL hash, which holds the settings.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  const target = $('col-output');
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'start' });
});

// The engine status line (tests read it): version and whether SIMD is active.
const status = $('engine-status');
controller.run.subscribe((r) => {
  if (r.engine?.error) {
    status.textContent = r.engine.error;
    status.dataset.state = 'error';
    document.body.dataset.engine = 'error';
  } else if (r.engine) {
    status.textContent = `Engine ${r.engine.version} · WebAssembly SIMD ${r.engine.simd ? 'active' : 'off'}`;
    status.dataset.state = 'ready';
    document.body.dataset.engine = 'ready';
  }
}, ['engine']);
controller.run.subscribe((r) => {
  document.body.dataset.runId = String(r.runId);
}, ['runId']);

// A read-only handle for people poking around in the console (and for the end-to-end tests).
window.nnp = { settings: controller.settings, run: controller.run, controller, history, sweeps, charts };

history.load();
const started = controller.start();
if (linked.sweep) startLinked(linked.sweep, started);
