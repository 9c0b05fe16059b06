//! Training health: reads the reports and says, in words, when something needs the person's attention
//! (a loss that became NaN or explodes, a network that memorises instead of generalising).

import { formatPercent, formatSetting } from '../lib/format.js';
import { TYPICAL_LR } from './schema.js';

/** Consecutive reports above the explosion threshold before training is paused. */
const EXPLODING_REPORTS = 4;
/** A single report this many times the loss of guessing is an explosion on its own. */
const SPIKE = 10;
/** Steps after which a network still at chance level is called stuck. */
const STUCK_STEPS = 150;

export class HealthMonitor {
  constructor() {
    this.reset();
  }

  reset() {
    this.exploding = 0;
    this.trainAcc = NaN; // exponential moving average of the recent training accuracy
  }

  /**
   * @returns {{ kind: 'diverged'|'exploding', pause: boolean, title: string, message: string, lr: number } | null}
   */
  checkReport(report, { classes, lr, optimizer = 'adam' }) {
    const a = report.accuracy;
    if (Number.isFinite(a)) this.trainAcc = Number.isFinite(this.trainAcc) ? 0.9 * this.trainAcc + 0.1 * a : a;
    const smaller = suggestLr(lr);
    const chance = Math.log(Math.max(2, classes));
    if (report.nonFinite || !Number.isFinite(report.loss)) {
      return {
        kind: 'diverged', pause: true,
        title: 'Training paused: the loss became NaN (not a number).',
        message: `The weights grew until the arithmetic overflowed. The learning rate (${formatSetting(lr)}) is almost certainly too high — try 10× smaller (${formatSetting(smaller)}) and reset. Gradient clipping also guards against single huge steps.`,
        lr: smaller,
      };
    }
    // A network that guesses uniformly has loss ln(classes); several times that means steps overshoot.
    this.exploding = report.loss > 3 * chance ? this.exploding + 1 : 0;
    if (this.exploding >= EXPLODING_REPORTS || report.loss > SPIKE * chance) {
      return {
        kind: 'exploding', pause: true,
        title: 'Training paused: the loss is exploding instead of falling.',
        message: `The loss is ${report.loss.toFixed(1)}, far above the ${Math.log(classes).toFixed(2)} of random guessing: each step overshoots the valley. The learning rate (${formatSetting(lr)}) is too high — try 10× smaller (${formatSetting(smaller)}) and reset.`,
        lr: smaller,
      };
    }
    // Still at chance level after many steps: nothing is being learned.
    if (report.steps >= STUCK_STEPS && this.trainAcc < 1.5 / classes && report.loss > 0.9 * chance) {
      const typical = TYPICAL_LR[optimizer] ?? 0.001;
      const high = lr > 20 * typical;
      const low = lr < typical / 50;
      const better = low ? suggestLr(lr * 100) : smaller;
      return {
        kind: 'stuck', pause: true,
        title: `Training paused: after ${report.steps} steps the network still guesses (${formatPercent(this.trainAcc)} right, like chance).`,
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

/** 10× smaller, rounded to a number a person would type. */
export function suggestLr(lr) {
  const x = lr / 10;
  const p = 10 ** Math.floor(Math.log10(x));
  return Number((Math.round(x / p) * p).toPrecision(2));
}
