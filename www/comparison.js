// The comparison parts of a playground, the page's or a widget's: the run history, the sweep runner
// and their views (the sweep panel and the runs table), and the comparison lessons that open with
// their sweep queued. The charts draw the history's runs (mountCharts takes `history`).
import { RunHistory } from './state/run-history.js';
import { SweepRunner } from './sweep-runner.js';
import { decodeSweep } from './state/sweep.js';
import { mountSweep } from './views/sweep.js';
import { mountRuns } from './views/runs.js';

/**
 * @param {import('./controller.js').Controller} controller
 * @param {{ sweepEl: HTMLElement, runsEl: HTMLElement, archive?: import('./state/run-archive.js').RunArchive | null }} parts
 *   an archive keeps the runs across reloads (the page); without one they last as long as the controller
 */
export function mountComparison(controller, { sweepEl, runsEl, archive = null }) {
  const history = new RunHistory(controller, { archive });
  const sweeps = new SweepRunner(controller, history);
  const { signal } = controller.lifetime;
  const panel = mountSweep(sweeps, sweepEl, { signal });
  mountRuns(history, runsEl, { signal });

  // A comparison lesson opens with its sweep queued.
  controller.settings.subscribe((s, changed, meta) => {
    const compare = meta.source === 'preset' ? meta.preset.compare : null;
    if (!compare) return;
    panel.showPlan(compare.axes, compare.budget);
    sweeps.start(compare.axes, compare.budget, { lesson: meta.preset });
  });

  /**
   * Queues a sweep given as link text ("lr:0.001,0.01", "epochs:1"), once the controller has started
   * (`started`, its start() promise): it begins when the data and the network are there.
   */
  async function startLinked({ sweep, budget }, started, { source = 'link', lesson = null } = {}) {
    const plan = decodeSweep(sweep, budget);
    if (!plan.ok) {
      controller.notify('warning', source === 'link' ? plan.message : plan.message.replace("The link's", `The ${source}'s`));
      return;
    }
    panel.showPlan(plan.axes, plan.budget);
    await started;
    if (controller.run.get().summary) await sweeps.start(plan.axes, plan.budget, { lesson });
  }

  return { history, sweeps, startLinked };
}
