//! Mounting the playground's views, shared by the page (main.js) and the <nn-playground> element
//! (embed/nn-playground.js): the same views in the same ids, found by `$` in the page's document or
//! in the element's shadow root. The element may leave parts out (its `hide` attribute); the page
//! shows them all.
import { mountTopbar } from './views/topbar.js';
import { mountNotices } from './views/notices.js';
import { mountDataPanel } from './views/data-panel.js';
import { mountNetworkEditor } from './views/network-editor.js';
import { mountModelFile } from './views/model-file.js';
import { mountHyperparams } from './views/hyperparams.js';
import { mountMetrics } from './views/metrics.js';
import { mountCharts } from './views/loss-chart.js';
import { mountConfusion } from './views/confusion.js';
import { mountMistakes } from './views/mistakes.js';
import { mountDraw } from './views/draw.js';
import { mountActivations } from './views/activations.js';
import { mountGradients } from './views/gradients.js';
import { mountSlowMotion } from './views/slow-motion.js';
import { mountNetworkDiagram } from './views/network-diagram.js';

/** The parts that can be left out, in the order they appear. */
export const PARTS = ['diagram', 'dataset', 'network', 'training', 'metrics', 'charts', 'confusion', 'mistakes', 'draw', 'activations', 'gradients', 'slow-motion'];

/** The output column's pictures below the charts, each mounted into the element of its part's id. */
const OUTPUTS = { confusion: mountConfusion, mistakes: mountMistakes, draw: mountDraw, activations: mountActivations, gradients: mountGradients, 'slow-motion': mountSlowMotion };

/**
 * @param {import('./controller.js').Controller} controller
 * @param {(id: string) => HTMLElement} $  the playground's element of an id
 * @param {{ show?: (part: string) => boolean, history?: import('./state/run-history.js').RunHistory | null,
 *   topbar?: Parameters<typeof mountTopbar>[1] }} options  `show` says which of PARTS are mounted
 *   (a column left with none is hidden); `history`, the comparison's runs, which the charts draw and
 *   whose tables keep the output column; `topbar`, the top bar's options (the element's shadow root)
 * @returns {{ charts: ReturnType<typeof mountCharts> | null }}
 */
export function mountViews(controller, $, { show = () => true, history = null, topbar } = {}) {
  mountTopbar(controller, topbar);
  mountNotices(controller, $('notices'));
  if (show('diagram')) mountNetworkDiagram(controller, $('diagram'));
  else $('diagram').hidden = true;
  if (show('dataset')) mountDataPanel(controller, $('data-panel'));
  else $('col-data').hidden = true;
  if (show('network')) {
    mountNetworkEditor(controller, $('network-editor'));
    mountModelFile(controller, $('model-file'));
  } else {
    controller.setParamsWanted(false); // no filter pictures: the worker need not send the weights
  }
  if (show('training')) mountHyperparams(controller, $('hyperparams'));
  if (!show('network') && !show('training')) $('col-network').hidden = true;
  if (show('metrics')) mountMetrics(controller, $('metrics'), $('health'));
  const charts = show('charts') ? mountCharts(controller, $('charts'), { history }) : null;
  for (const [part, mount] of Object.entries(OUTPUTS)) if (show(part)) mount(controller, $(part));
  if (!history && !['metrics', 'charts', ...Object.keys(OUTPUTS)].some(show)) $('col-output').hidden = true;
  return { charts };
}

/**
 * The engine status line: its version and whether SIMD is active, or why it did not start. `host`
 * gets `data-engine` (ready or error), which the tests wait for.
 */
export function mountEngineStatus(controller, statusEl, host) {
  controller.run.subscribe((r) => {
    if (r.engine?.error) {
      statusEl.textContent = r.engine.error;
      statusEl.dataset.state = 'error';
      host.dataset.engine = 'error';
    } else if (r.engine) {
      statusEl.textContent = `Engine ${r.engine.version} · WebAssembly SIMD ${r.engine.simd ? 'active' : 'off'}`;
      statusEl.dataset.state = 'ready';
      host.dataset.engine = 'ready';
    }
  }, ['engine']);
}
