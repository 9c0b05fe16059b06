//! Training health: reads the reports and says, in words, when something needs the person's attention
//! (a loss that became NaN or explodes, a network that memorises instead of generalising).

import { formatPercent, formatSetting } from '../lib/format.js';

/** Consecutive reports above the explosion threshold before training is paused. */
const EXPLODING_REPORTS = 4;

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
  checkReport(report, { classes, lr }) {
    const a = report.accuracy;
    if (Number.isFinite(a)) this.trainAcc = Number.isFinite(this.trainAcc) ? 0.9 * this.trainAcc + 0.1 * a : a;
    const smaller = suggestLr(lr);
    if (report.nonFinite || !Number.isFinite(report.loss)) {
      return {
        kind: 'diverged', pause: true,
        title: 'Training paused: the loss became NaN (not a number).',
        message: `The weights grew until the arithmetic overflowed. The learning rate (${formatSetting(lr)}) is almost certainly too high — try 10× smaller (${formatSetting(smaller)}) and reset. Gradient clipping also guards against single huge steps.`,
        lr: smaller,
      };
    }
    // A network that guesses uniformly has loss ln(classes); several times that means steps overshoot.
    const threshold = 3 * Math.log(Math.max(2, classes));
    this.exploding = report.loss > threshold ? this.exploding + 1 : 0;
    if (this.exploding >= EXPLODING_REPORTS) {
      return {
        kind: 'exploding', pause: true,
        title: 'Training paused: the loss is exploding instead of falling.',
        message: `The loss is ${report.loss.toFixed(1)}, far above the ${Math.log(classes).toFixed(2)} of random guessing: each step overshoots the valley. The learning rate (${formatSetting(lr)}) is too high — try 10× smaller (${formatSetting(smaller)}) and reset.`,
        lr: smaller,
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
