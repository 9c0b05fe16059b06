//! Training health: reads the reports and says, in words, when something needs the person's attention
//! (a loss that became NaN or explodes, a network that memorises instead of generalising, gradients
//! that vanish before the first layers, ReLUs that died).

import { formatPercent, formatSetting } from '../lib/format.js';
import { TYPICAL_LR } from './schema.js';

/** Consecutive curve points above the explosion threshold before training is paused. */
const EXPLODING_POINTS = 4;
/** A single point this many times the loss of guessing is an explosion on its own. */
const SPIKE = 10;
/** Epochs after which a network still at chance level is called stuck. */
const STUCK_EPOCHS = 0.5;
/** Curve points whose mean says whether the network is still guessing. */
const RECENT_POINTS = 10;
/** Consecutive per-layer statistics a gradient or dead-ReLU verdict needs (every STATS_EVERY steps). */
const STATS_RUN = 3;
/** The first layer's gradient norm below this share of the last layer's is called vanishing (two orders of magnitude). */
const VANISHING_RATIO = 1e-2;
/** A loss whose last STATS_RUN statistics average at least this share of the STATS_RUN before is not falling. */
const NOT_FALLING = 0.97;
/** A layer with at least this share of its ReLUs dead on STATS_RUN statistics in a row is pointed out. */
const DEAD_SHARE = 0.5;

/**
 * Reads the curve points of the reports, never the reports themselves: the points end at fixed step
 * counts (every 1/50 epoch), so the same run gets the same verdict at the same point on any machine,
 * however the reports happen to group its steps. The per-layer statistics (report.stats, every
 * STATS_EVERY steps) are read with them in the order of their positions, a statistic before a point
 * of the same position, for the same reason.
 */
export class HealthMonitor {
  constructor() {
    this.reset();
  }

  reset() {
    // After a verdict that pauses, the run's later points (trained before the pause took effect, or
    // after the person chose to go on) say nothing new: the first verdict stands.
    this.spoken = false;
    this.exploding = 0;
    this.recent = []; // [loss, accuracy] of the last RECENT_POINTS points
    this.trainAcc = NaN; // exponential moving average of the points' training accuracy
    this.stats = []; // the last 2·STATS_RUN per-layer statistics
    this.told = new Set(); // the advice that does not pause is given once a run
  }

  /**
   * @param {object} report  a training report with its curve points (see TrainReport in engine/protocol.js)
   * @returns {{ kind: 'diverged'|'exploding'|'stuck', pause: boolean, title: string, message: string, lr?: number } | null}
   */
  checkReport(report, context) {
    if (this.spoken) return null;
    let verdict = report.nonFinite || !Number.isFinite(report.loss) ? diverged(context.lr) : null;
    const points = report.points ?? [];
    const stats = report.stats ?? [];
    // Every point and statistic is read, even after advice that does not pause, so that what comes
    // later does not depend on where the reports were cut; a pausing verdict ends the reading.
    let advice = null;
    const see = (v) => {
      if (v && !v.pause) {
        this.told.add(v.kind);
        advice ??= v;
      }
      return v?.pause ? v : null;
    };
    let s = 0;
    for (let i = 0; i + 2 < points.length && !verdict; i += 3) {
      while (s < stats.length && stats[s].position <= points[i] && !verdict) verdict = see(this.checkStats(stats[s++], context));
      if (!verdict) verdict = see(this.checkPoint(points[i], points[i + 1], points[i + 2], context));
    }
    while (s < stats.length && !verdict) verdict = see(this.checkStats(stats[s++], context));
    this.spoken = !!verdict?.pause;
    return verdict ?? advice;
  }

  /**
   * One step's per-layer statistics (see StepStats in engine/protocol.js): vanishing gradients and
   * dead ReLUs, each said once a run and without pausing (a network still at chance later is paused
   * by checkPoint, with the same words when its gradients vanish).
   */
  checkStats(stats, { classes, lr, optimizer = 'adam' }) {
    this.classes = classes;
    this.stats.push(stats);
    if (this.stats.length > 2 * STATS_RUN) this.stats.shift();
    const recent = this.stats.slice(-STATS_RUN);
    if (recent.length < STATS_RUN) return null;
    if (!this.told.has('vanishing') && this.stats.length === 2 * STATS_RUN && recent.every((s) => vanishing(s) && !mostlyDead(s))) {
      const meanLoss = (list) => list.reduce((sum, x) => sum + x.loss, 0) / list.length;
      if (meanLoss(recent) >= NOT_FALLING * meanLoss(this.stats.slice(0, STATS_RUN))) return vanishingAdvice(stats, false);
    }
    // A network still at chance is paused by checkPoint, whose words already name dead ReLUs.
    if (!this.told.has('dead-relu') && this.recent.length > 0 && !this.guessing()) {
      const layers = stats.layers.filter((l, i) => recent.every((r) => (r.layers[i]?.dead ?? 0) >= DEAD_SHARE));
      if (layers.length > 0) return deadAdvice(layers, lr, optimizer);
    }
    return null;
  }

  /** One point of the training curve: `position` in epochs, the mean loss and accuracy of its steps. */
  checkPoint(position, loss, accuracy, { classes, lr, optimizer = 'adam' }) {
    this.classes = classes;
    if (!Number.isFinite(loss)) return diverged(lr);
    this.trainAcc = Number.isFinite(this.trainAcc) ? 0.9 * this.trainAcc + 0.1 * accuracy : accuracy;
    this.recent.push([loss, accuracy]);
    if (this.recent.length > RECENT_POINTS) this.recent.shift();
    const smaller = suggestLr(lr);
    // A network that guesses uniformly has loss ln(classes); several times that means steps overshoot.
    const chance = Math.log(Math.max(2, classes));
    this.exploding = loss > 3 * chance ? this.exploding + 1 : 0;
    if (this.exploding >= EXPLODING_POINTS || loss > SPIKE * chance) {
      return {
        kind: 'exploding', pause: true,
        title: 'Training paused: the loss is exploding instead of falling.',
        message: `The loss is ${loss.toFixed(1)}, far above the ${chance.toFixed(2)} of random guessing: each step overshoots the valley. The learning rate (${formatSetting(lr)}) is too high — try 10× smaller (${formatSetting(smaller)}) and reset.`,
        lr: smaller,
      };
    }
    // Still at chance level after half an epoch: nothing is being learned.
    const mean = (k) => this.recent.reduce((sum, p) => sum + p[k], 0) / this.recent.length;
    if (position >= STUCK_EPOCHS && this.recent.length === RECENT_POINTS && this.guessing()) {
      const typical = TYPICAL_LR[optimizer] ?? 0.001;
      const high = lr > 20 * typical;
      const low = lr < typical / 50;
      const better = low ? suggestLr(lr * 100) : smaller;
      const last = this.stats.at(-1);
      if (last && vanishing(last) && !mostlyDead(last)) return vanishingAdvice(last, true);
      return {
        kind: 'stuck', pause: true,
        title: `Training paused: after ${formatSetting(Number(position.toFixed(2)))} epochs the network still guesses (${formatPercent(mean(1))} right, like chance).`,
        message: high
          ? `The learning rate (${formatSetting(lr)}) is far above the ${formatSetting(typical)} that usually works here: the first huge steps threw the weights where the neurons output nothing, and they cannot recover ("dead" ReLUs). Try 10× smaller (${formatSetting(better)}) and reset.`
          : low
            ? `The learning rate (${formatSetting(lr)}) is so small that the weights hardly move. Try 10× larger (${formatSetting(better)}) and reset.`
            : 'The loss is not falling. Check the learning rate, try another seed, or a simpler network.',
        lr: high || low ? better : undefined,
      };
    }
    return null;
  }

  /** Whether the recent points are at chance level: accuracy and loss of a uniform guess. */
  guessing() {
    const classes = Math.max(2, this.classes ?? 10);
    const mean = (k) => this.recent.reduce((sum, p) => sum + p[k], 0) / this.recent.length;
    return mean(1) < 1.5 / classes && mean(0) > 0.9 * Math.log(classes);
  }

  /**
   * @returns {{ kind: 'overfitting', pause: false, title: string, message: string } | null}
   */
  checkEvaluation(evaluation, { epochsDone }) {
    const train = this.trainAcc;
    const test = evaluation.accuracy;
    if (!(epochsDone >= 1) || !Number.isFinite(train) || !Number.isFinite(test)) return null;
    const gap = train - test;
    if (train > 0.9 && gap > 0.04) {
      return {
        kind: 'overfitting', pause: false,
        title: `Overfitting: ${formatPercent(train)} right on the training images, ${formatPercent(test)} on the test images.`,
        message: 'The network is memorising its training images instead of learning what generalises to new ones. Try dropout, L2, augmentation (random shifts), more training examples, or fewer epochs.',
      };
    }
    return null;
  }
}

/** The first layer's weight gradient is orders of magnitude smaller than the last layer's. */
function vanishing(stats) {
  const { layers } = stats;
  if (layers.length < 3) return false;
  const first = layers[0].gradNorm;
  const last = layers.at(-1).gradNorm;
  return Number.isFinite(first) && last > 0 && first < VANISHING_RATIO * last;
}

/** Some layer has most of its ReLUs dead: its gradient is small for another reason than vanishing. */
function mostlyDead(stats) {
  return stats.layers.some((l) => (l.dead ?? 0) >= DEAD_SHARE);
}

function vanishingAdvice(stats, pause) {
  const { layers } = stats;
  const first = layers[0];
  const last = layers.at(-1);
  const times = last.gradNorm / Math.max(first.gradNorm, Number.MIN_VALUE);
  const sigmoid = 'Each sigmoid multiplies the gradient by at most 0.25 on its way back (σ′ ≤ ¼), so after a few layers almost nothing is left for the first ones.';
  return {
    kind: 'vanishing', pause,
    title: `${pause ? 'Training paused: vanishing' : 'Vanishing'} gradients: layer ${first.label}'s gradient is ${formatTimes(times)} smaller than layer ${last.label}'s, and the loss is not falling.`,
    message: `The first layers hardly learn: ‖∂L/∂W‖ is ${formatSmall(first.gradNorm)} there against ${formatSmall(last.gradNorm)} at the output. ${sigmoid} Use ReLU (or tanh) in the hidden layers, fewer layers, or Adam, whose steps do not shrink with the gradient; see "Gradients" below the network's activations.`,
  };
}

function deadAdvice(layers, lr, optimizer) {
  const worst = layers.reduce((a, b) => (b.dead > a.dead ? b : a));
  const typical = TYPICAL_LR[optimizer] ?? 0.001;
  const smaller = suggestLr(lr);
  const high = lr > 3 * typical;
  return {
    kind: 'dead-relu', pause: false,
    title: `Dead ReLUs: ${formatPercent(worst.dead)} of the ReLUs after layer ${worst.label} never fire.`,
    message: `A ReLU whose input is negative for every image outputs 0 and passes no gradient back, so its weights never change again: it is dead. ${high ? `Too large a learning rate (${formatSetting(lr)}) usually kills them in the first steps — try 10× smaller (${formatSetting(smaller)}) and reset.` : `Try a smaller learning rate (${formatSetting(smaller)}) and reset.`} Leaky ReLU keeps a small slope below 0, so its units can come back.`,
    lr: smaller,
  };
}

/** "1,000×", "35×": how many times larger. */
function formatTimes(x) {
  if (!Number.isFinite(x)) return 'infinitely';
  const rounded = x >= 100 ? Number(x.toPrecision(2)) : Math.round(x);
  return `${rounded.toLocaleString('en-US')}×`;
}

function formatSmall(x) {
  return Number.isFinite(x) ? (x === 0 ? '0' : x.toExponential(1)) : String(x);
}

function diverged(lr) {
  const smaller = suggestLr(lr);
  return {
    kind: 'diverged', pause: true,
    title: 'Training paused: the loss became NaN (not a number).',
    message: `The weights grew until the arithmetic overflowed. The learning rate (${formatSetting(lr)}) is almost certainly too high — try 10× smaller (${formatSetting(smaller)}) and reset. Gradient clipping also guards against single huge steps.`,
    lr: smaller,
  };
}

/** 10× smaller, rounded to a number a person would type. */
export function suggestLr(lr) {
  const x = lr / 10;
  const p = 10 ** Math.floor(Math.log10(x));
  return Number((Math.round(x / p) * p).toPrecision(2));
}
