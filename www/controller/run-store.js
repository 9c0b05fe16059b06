//! Engine → run store: a new run replaces the run's fields (applyBuild), and the worker's pushes
//! (reports, evaluations, weights, status) update them as it trains. The health check and the
//! training clock follow the pushes here too.
import { Push } from '../engine/protocol.js';
import { buildSpec } from '../state/spec.js';
import { noticeId, notify } from './notices.js';

/**
 * A new run from the engine: a build (the settings it was made from are c.builtSettings, which
 * may be older than the settings by now), a reset (`keepDraft`: an invalid edit made meanwhile
 * keeps its message), or a loaded model.
 * @param {import('../controller.js').Controller} c
 */
export function applyBuild(c, result, reason, { keepDraft = false } = {}) {
  const phase = c.run.get().phase;
  const training = phase === 'training';
  c.health.reset();
  c.losses = [];
  c.elapsed = { total: 0, since: performance.now() };
  const draft = keepDraft ? {} : {
    draft: result.summary,
    draftLayers: buildSpec(c.builtSettings, c.dataMeta).layers,
    specErrors: [],
  };
  c.run.set({
    runId: result.runId,
    summary: result.summary,
    ...draft,
    layout: result.layout,
    data: { ...result.data, ...c.dataMeta, spec: c.builtSettings },
    dataError: null,
    report: null,
    evaluation: null,
    params: null,
    speed: 0,
    health: null,
    selection: null,
    phase: training ? 'training' : 'idle',
    rebuildNote: reason ? { id: noticeId(), text: reason } : null,
  });
  c.client.evaluate(2000).catch(() => {});
}

/** Where a loaded model's saved run was: not a step of this run (the run history skips it). */
export function showLoadedProgress(c, progress) {
  c.run.set({ phase: progress.done ? 'done' : 'idle', report: { ...progress, restored: true } });
}

/** A push from the worker (the client's 'restarted' event is handled apart: see the controller). */
export function onPush(c, msg) {
  if (msg.type === Push.FATAL) {
    c.run.set({ phase: 'error' });
    notify(c, 'error', msg.message);
    return;
  }
  if (msg.runId !== undefined && msg.runId !== c.run.get().runId) return; // from a network already replaced
  switch (msg.type) {
    case Push.REPORT:
      onReport(c, msg);
      break;
    case Push.EVALUATION: {
      const report = c.run.get().report;
      const epochsDone = report?.position ?? 0;
      const health = c.health.checkEvaluation(msg, { epochsDone }) ?? (c.run.get().health?.kind === 'overfitting' ? null : c.run.get().health);
      c.run.set({ evaluation: msg, health });
      break;
    }
    case Push.PARAMS:
      c.run.set({ params: msg });
      break;
    case Push.STATUS:
      onStatus(c, msg);
      break;
    default:
  }
}

function onReport(c, report) {
  c.losses.push(report.loss);
  const speed = c.run.get().speed;
  const eps = report.examplesPerSecond;
  // Already a median over recent windows (www/engine/throughput.js, as the benchmark measures).
  const next = Number.isFinite(eps) && eps > 0 ? eps : speed;
  const classes = c.dataMeta?.classes.length ?? 10;
  const problem = c.health.checkReport(report, { classes, lr: c.settings.get().lr, optimizer: c.settings.get().optimizer });
  const workers = workersOf(c.run.get().workers, report);
  c.run.set({ report, speed: next, workers, ...(problem ? { health: problem } : {}) });
  // A worker of the run failed: the run went on with fewer, from the same weights.
  if (report.workersLost) notify(c, 'warning', report.workersLost);
  if (problem?.pause && c.run.get().phase === 'training') {
    c.client.pause().catch(() => {});
    c.elapsed.total += performance.now() - c.elapsed.since; // the clock stops with the run
    c.run.set({ phase: 'diverged' });
  }
}

/** The workers a report says trained (the store's object kept when nothing changed, so views do not redraw). */
function workersOf(now, report) {
  if (!Number.isInteger(report.workers)) return now;
  const wanted = report.workersLost ? 1 : now.wanted;
  if (now.workers === report.workers && now.reason === report.workersReason && now.wanted === wanted) return now;
  return { wanted, workers: report.workers, reason: report.workersReason ?? '' };
}

function onStatus(c, msg) {
  const now = performance.now();
  const was = c.run.get().phase;
  if (was === 'training' && msg.status !== 'training') c.elapsed.total += now - c.elapsed.since;
  if (msg.status === 'training' && was !== 'training') c.elapsed.since = now;
  const current = c.run.get().phase;
  let phase = msg.status;
  // A pause asked for by the health check keeps its more specific phase.
  if (msg.status === 'paused' && current === 'diverged') phase = 'diverged';
  // A run that stopped before its first speed window still says how fast it went.
  const speed = msg.examplesPerSecond > 0 ? { speed: msg.examplesPerSecond } : {};
  c.run.set({ phase, ...speed });
  if (msg.status === 'paused' && msg.message) notify(c, 'error', msg.message);
}

/** Seconds the current run has trained, counting only the time spent training. */
export function elapsedSeconds(c) {
  const running = c.run.get().phase === 'training';
  return (c.elapsed.total + (running ? performance.now() - c.elapsed.since : 0)) / 1000;
}
