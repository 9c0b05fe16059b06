//! The <nn-playground> element's events, read from its run store (the controller's `run`): what the
//! engine reported, said once each, in the words of a page that drives the widget from script.
//!
//!   step      { steps, loss, accuracy, epoch }  a training report arrived (at most ~20 a second while
//!             training, one per Step); `epoch` is the epochs trained, as a fraction
//!   epoch     { epoch, testAccuracy? }          an epoch completed (1, 2, …); `testAccuracy` when the
//!             test split was evaluated at its end
//!   done      { steps, testAccuracy }           the run trained all its epochs; the accuracy on the
//!             whole test split (null if a new run began before it was measured)
//!   diverged  { kind, message }                 the health check paused the run (the loss exploded,
//!             overflowed or stuck); `message` says what to change
//!   error     { message }                       the engine failed, or the widget showed an error notice
//!
//! Every event comes from a change of the store, never from a timer, and costs no redraw.

/** The message of a run that stopped on a non-finite loss before the health check named it. */
const NON_FINITE = 'The loss became infinite or not a number.';

/**
 * Calls `emit(type, detail)` for each event the run store's changes make. Returns the unsubscribe
 * function.
 * @param {import('../state/store.js').Store} run
 * @param {(type: string, detail: object) => void} emit
 */
export function watchRun(run, emit) {
  let now = run.get();
  // Epochs of this run already announced; a report that completes one more announces it.
  let epochsSaid = now.report?.epoch ?? 0;
  // The last epoch's event waits for the store's next change: the engine evaluates the test split
  // right after an epoch's last report, and that evaluation (same step count) gives its accuracy.
  let epochWaiting = null; // { epoch, steps }
  // A run done by a Step: its evaluation of the whole test split follows the phase.
  let doneWaiting = null; // { steps }
  const noticesSeen = new Set(now.notices.map((n) => n.id));

  const sayEpoch = (testAccuracy) => {
    const { epoch } = epochWaiting;
    epochWaiting = null;
    emit('epoch', testAccuracy === undefined ? { epoch } : { epoch, testAccuracy });
  };
  const sayDone = (steps, testAccuracy) => {
    doneWaiting = null;
    emit('done', { steps, testAccuracy });
  };

  return run.subscribe((next, changed) => {
    const before = now;
    now = next;
    const has = (key) => changed.includes(key);

    if (has('runId')) {
      // A new run (a rebuild, a reset, a loaded model): what the old one still owed is said now.
      if (epochWaiting) sayEpoch(undefined);
      if (doneWaiting) sayDone(doneWaiting.steps, null);
      epochsSaid = next.report?.epoch ?? 0;
    }

    if (has('notices')) {
      for (const n of next.notices) {
        if (noticesSeen.has(n.id)) continue;
        noticesSeen.add(n.id);
        if (n.kind === 'error') emit('error', { message: n.text });
      }
    }
    // The engine could not start (no notice says so: the widget's foot does).
    if (has('engine') && next.engine?.error) emit('error', { message: next.engine.error });

    const evaluation = has('evaluation') ? next.evaluation : null;
    if (epochWaiting && (has('evaluation') || has('report') || has('phase'))) {
      sayEpoch(evaluation && evaluation.steps === epochWaiting.steps ? evaluation.accuracy : undefined);
    }
    if (doneWaiting && evaluation && evaluation.steps >= doneWaiting.steps) sayDone(doneWaiting.steps, evaluation.accuracy);

    const report = has('report') ? next.report : null;
    if (report?.restored) {
      // A loaded model's saved position: not a step of this run.
      epochsSaid = report.epoch ?? 0;
    } else if (report) {
      emit('step', { steps: report.steps, loss: report.loss, accuracy: report.accuracy, epoch: report.position ?? report.epoch });
      if (report.epoch > epochsSaid) {
        for (let e = epochsSaid + 1; e < report.epoch; e++) emit('epoch', { epoch: e });
        epochsSaid = report.epoch;
        epochWaiting = { epoch: report.epoch, steps: report.steps };
      }
    }

    if (has('phase') && next.phase !== before.phase) {
      if (next.phase === 'done' && next.report && !next.report.restored) {
        const { steps } = next.report;
        if (next.evaluation?.steps === steps) sayDone(steps, next.evaluation.accuracy);
        else doneWaiting = { steps };
      }
      if (next.phase === 'diverged') {
        const health = next.health?.pause ? next.health : null;
        emit('diverged', { kind: health?.kind ?? 'diverged', message: health?.message ?? NON_FINITE });
      }
    }
  });
}
