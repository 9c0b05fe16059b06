//! Softmax fused with cross-entropy: the loss, its gradient with respect to the logits, and the
//! number of correct predictions, in one pass.
//!
//! Fusing them is both cheaper and stabler than a softmax layer followed by −ln p: the gradient
//! of mean cross-entropy with respect to the logits is simply (softmax − onehot)/n, and the loss
//! is computed as a log-sum-exp after subtracting the row maximum, so logits of ±100 (or ±1e4)
//! give a finite loss and finite gradients.

use crate::tensor::kernels::{exp_sub, ln_f32};
use crate::tensor::Tensor;

/// Mean cross-entropy of softmax(logits) against integer labels, and its gradient.
///
/// Shapes: logits [n, classes] (any dims of `classes` values per example), labels [n] →
/// grad [n, classes] (reshaped to match `logits`, overwritten); returns (mean loss, correct count).
///
/// Per example, with m = max z: loss = ln Σⱼ e^(zⱼ − m) − (z_label − m) (= −ln softmax(z)_label);
/// grad = (softmax(z) − onehot(label)) / n. An example is correct when the label is the first
/// index of the maximum logit.
///
/// Labels must be below `classes`: the data loader checks them. An out-of-range label is a bug;
/// debug builds panic, release builds count the example as wrong and give it no target term.
pub fn softmax_cross_entropy(logits: &Tensor, labels: &[u8], grad: &mut Tensor) -> (f32, usize) {
    let n = logits.n;
    let (total, correct) = softmax_cross_entropy_part(logits, labels, grad, n);
    if n == 0 {
        return (0.0, 0);
    }
    ((total / n as f64) as f32, correct)
}

/// The same for a part (shard) of a batch of `batch` examples: returns the *sum* of the part's
/// losses, and its gradient is that of the whole batch's mean, (softmax(z) − onehot(label)) / batch,
/// so the parts' gradients add up to the batch's.
///
/// The sum is accumulated in f64 (also exactly rounded, so still bit-identical across targets) so
/// that a large evaluation batch does not lose the small per-example terms.
pub fn softmax_cross_entropy_part(logits: &Tensor, labels: &[u8], grad: &mut Tensor, batch: usize) -> (f64, usize) {
    let n = logits.n;
    let dims = logits.dims();
    let classes = dims.len();
    debug_assert_eq!(labels.len(), n, "one label per example");
    debug_assert_eq!(logits.data.len(), n * classes);
    debug_assert!(batch >= n, "a part of a batch is not larger than the batch");
    grad.reshape(n, dims);
    if n == 0 || classes == 0 {
        return (0.0, 0);
    }
    let inv_n = 1.0 / batch as f32;
    let mut total = 0.0f64;
    let mut correct = 0;
    let rows = logits.data.chunks_exact(classes).zip(grad.data.chunks_exact_mut(classes));
    for ((z, g), &label) in rows.zip(labels) {
        let label = label as usize;
        debug_assert!(label < classes, "label {label} out of range for {classes} classes");
        let (argmax, m) = row_max(z);
        // g holds e^(zⱼ − m) until we know the sum; the largest term is e^0 = 1, so sum ≥ 1.
        // The sum runs left to right from +0 (the exponentials come 4 at a time in SIMD128).
        exp_sub(z, m, g);
        let mut sum = 0.0f32;
        for &e in g.iter() {
            sum += e;
        }
        let log_sum = ln_f32(sum);
        let target = z.get(label).map_or(0.0, |&zl| zl - m);
        total += (log_sum - target) as f64;
        for g in g.iter_mut() {
            *g = (*g / sum) * inv_n;
        }
        if let Some(gl) = g.get_mut(label) {
            *gl -= inv_n;
        }
        correct += usize::from(argmax == label);
    }
    (total, correct)
}

/// Class probabilities of one row of logits, for prediction: out = e^(z − max) / Σ e^(z − max).
///
/// Shapes: row [classes] → out [classes].
pub fn softmax(row: &[f32], out: &mut [f32]) {
    debug_assert_eq!(row.len(), out.len());
    if row.is_empty() {
        return;
    }
    let (_, m) = row_max(row);
    exp_sub(row, m, out);
    let mut sum = 0.0f32;
    for &e in out.iter() {
        sum += e;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// Index and value of the first maximum (NaN never wins, so a NaN row keeps index 0).
fn row_max(row: &[f32]) -> (usize, f32) {
    let mut best = (0, row[0]);
    for (j, &v) in row.iter().enumerate().skip(1) {
        if v > best.1 {
            best = (j, v);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Dims;

    #[test]
    fn uniform_logits_give_ln_classes() {
        // All-equal logits: p = 1/4, loss = ln 4, grad = (¼ − onehot)/n.
        let logits = Tensor::from_vec(2, Dims::flat(4), vec![0.0; 8]);
        let mut grad = Tensor::default();
        let (loss, correct) = softmax_cross_entropy(&logits, &[0, 3], &mut grad);
        assert!((loss as f64 - 4f64.ln()).abs() < 1e-6, "{loss}");
        // Ties: the first maximum (class 0) is the prediction, so only the first is correct.
        assert_eq!(correct, 1);
        assert_eq!(grad.data, [-0.375, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375]);
    }

    #[test]
    fn logits_of_plus_minus_100_stay_finite() {
        // Right with margin 200: loss = ln(1 + e^−200) ≈ 0. Wrong by 200: loss ≈ 200.
        let logits = Tensor::from_vec(2, Dims::flat(2), vec![100.0, -100.0, 100.0, -100.0]);
        let mut grad = Tensor::default();
        let (loss, correct) = softmax_cross_entropy(&logits, &[0, 1], &mut grad);
        assert_eq!(correct, 1);
        // mean of (≈0, 200) = 100
        assert!((loss - 100.0).abs() < 1e-4, "{loss}");
        assert!(grad.data.iter().all(|g| g.is_finite()));
        // Example 1: softmax ≈ (1, 0), onehot (0, 1): grad ≈ (1, −1)/2.
        assert!((grad.data[2] - 0.5).abs() < 1e-6 && (grad.data[3] + 0.5).abs() < 1e-6);
        // Example 0: essentially zero gradient.
        assert!(grad.data[0].abs() < 1e-6 && grad.data[1].abs() < 1e-6);
        // Even ±1e4 (far past exp's range) is fine: the shifted logits clamp to e^−87.
        let huge = Tensor::from_vec(1, Dims::flat(3), vec![1e4, -1e4, 0.0]);
        let (loss, _) = softmax_cross_entropy(&huge, &[1], &mut grad);
        assert!((loss - 2e4).abs() < 1.0 && grad.data.iter().all(|g| g.is_finite()), "{loss}");
    }

    #[test]
    fn loss_matches_a_hand_computed_value() {
        // z = (1, 2, 3), label 2: loss = ln(e¹ + e² + e³) − 3 = 0.40760596…
        let logits = Tensor::from_vec(1, Dims::flat(3), vec![1.0, 2.0, 3.0]);
        let mut grad = Tensor::default();
        let (loss, correct) = softmax_cross_entropy(&logits, &[2], &mut grad);
        let want = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0;
        assert!((loss as f64 - want).abs() < 1e-6, "{loss} vs {want}");
        assert_eq!(correct, 1);
        // The gradient of each row sums to 0 (probabilities sum to 1, minus one onehot).
        assert!(grad.data.iter().sum::<f32>().abs() < 1e-6);
        let mut p = [0.0; 3];
        softmax(&logits.data, &mut p);
        assert!((p[2] as f64 - 3f64.exp() / (1f64.exp() + 2f64.exp() + 3f64.exp())).abs() < 1e-6);
        assert_eq!(grad.data[0], p[0]);
        assert_eq!(grad.data[2], p[2] - 1.0);
    }

    #[test]
    fn spatial_logits_and_empty_batch() {
        // Logits may come as c×h×w; the row is all c·h·w values. An empty batch is (0, 0).
        let logits = Tensor::from_vec(1, Dims::new(2, 1, 2), vec![0.0, 0.0, 5.0, 0.0]);
        let mut grad = Tensor::default();
        let (_, correct) = softmax_cross_entropy(&logits, &[2], &mut grad);
        assert_eq!((correct, grad.dims()), (1, Dims::new(2, 1, 2)));
        let empty = Tensor::zeros(0, Dims::flat(10));
        assert_eq!(softmax_cross_entropy(&empty, &[], &mut grad), (0.0, 0));
    }
}
