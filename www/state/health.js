//! Training health: reads the reports and says, in words, when something needs the person's attention
//! (a loss that became NaN or explodes, a network that memorises instead of generalising).

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

/**
 * Reads the curve points of the reports, never the reports themselves: the points end at fixed step
 * counts (every 1/50 epoch), so the same run gets the same verdict at the same point on any machine,
 * however the reports happen to group its steps.
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
  }

  /**
   * @param {object} report  a training report with its curve points (see TrainReport in engine/protocol.js)
   * @returns {{ kind: 'diverged'|'exploding'|'stuck', pause: boolean, title: string, message: string, lr?: number } | null}
   */
  checkReport(report, context) {
    if (this.spoken) return null;
    let verdict = report.nonFinite || !Number.isFinite(report.loss) ? diverged(context.lr) : null;
    const points = report.points ?? [];
    for (let i = 0; i + 2 < points.length && !verdict; i += 3) verdict = this.checkPoint(points[i], points[i + 1], points[i + 2], context);
    this.spoken = !!verdict?.pause;
    return verdict;
  }

  /** One point of the training curve: `position` in epochs, the mean loss and accuracy of its steps. */
  checkPoint(position, loss, accuracy, { classes, lr, optimizer = 'adam' }) {
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
    const guessing = mean(1) < 1.5 / classes && mean(0) > 0.9 * chance;
    if (position >= STUCK_EPOCHS && this.recent.length === RECENT_POINTS && guessing) {
      const typical = TYPICAL_LR[optimizer] ?? 0.001;
      const high = lr > 20 * typical;
      const low = lr < typical / 50;
      const better = low ? suggestLr(lr * 100) : smaller;
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
