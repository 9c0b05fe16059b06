//! Boot: start the engine worker, read the settings from the URL, mount the views, load the data.
import { EngineClient } from './engine/client.js';
import { Controller } from './controller.js';
import { mountViews, mountEngineStatus } from './mount-views.js';
import { RunArchive } from './state/run-archive.js';
import { takeSweep } from './state/sweep.js';
import { mountComparison } from './comparison.js';
import { startOffline } from './offline.js';

const $ = (id) => document.getElementById(id);
// A link may carry a sweep besides the settings: it is queued once the data is loaded.
const linked = takeSweep(window.location.hash);
const controller = new Controller(new EngineClient(), linked.hash);
// Every run since the page was opened, kept across reloads; sweeps and comparisons.
const { history, sweeps, startLinked } = mountComparison(controller, { sweepEl: $('sweep'), runsEl: $('runs'), archive: new RunArchive() });
const { charts } = mountViews(controller, $, { history });

// The skip link moves the focus without touching the URL hash, which holds the settings.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  const target = $('col-output');
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'start' });
});

// The engine status line (tests read it): version and whether SIMD is active.
mountEngineStatus(controller, $('engine-status'), document.body);
controller.run.subscribe((r) => {
  document.body.dataset.runId = String(r.runId);
}, ['runId']);

// A read-only handle for people poking around in the console (and for the end-to-end tests).
window.nnp = { settings: controller.settings, run: controller.run, controller, history, sweeps, charts };

history.load();
const started = controller.start();
if (linked.sweep) startLinked(linked.sweep, started);

// Offline (a static build only): `./dev dist` marks index.html with <meta name="nnp-offline"> and writes
// sw.js with its files; served from www/ as it is, nothing registers, so development always gets the
// files on disk.
if (document.querySelector('meta[name="nnp-offline"]') && 'serviceWorker' in navigator) startOffline(controller, navigator.serviceWorker);
