//! Adagrad as PyTorch's `torch.optim.Adagrad` defines it: the sum of squared gradients starts at
//! `initial_accumulator_value`, and ε is added *outside* the square root.

/// Adagrad's learning rate at step `t` (1-based): lr / (1 + (t − 1)·lr_decay), in f64 then
/// rounded, as PyTorch computes `clr` with Python floats.
pub fn adagrad_lr(lr: f32, lr_decay: f32, t: u64) -> f32 {
    (f64::from(lr) / (1.0 + (t.saturating_sub(1)) as f64 * f64::from(lr_decay))) as f32
}

/// The reference loop of [`adagrad_step`]: one Adagrad step over one parameter tensor and its sum
/// of squares `sum` (PyTorch's `sum`). With λ = `l2` and `clr` from [`adagrad_lr`], per element:
///
/// ```text
/// g ← g + λ·θ                      (computed on the fly; the gradient buffer is not changed)
/// s ← s + g²
/// θ ← θ − clr·g / (√s + ε)
/// ```
///
/// Keras and optax put ε inside the root (1/√(s + ε)); this is PyTorch's rule.
pub fn adagrad_step_scalar(params: &mut [f32], grads: &[f32], sum: &mut [f32], clr: f32, l2: f32, eps: f32) {
    debug_assert_eq!(params.len(), grads.len());
    debug_assert_eq!(params.len(), sum.len());
    for ((p, &g), s) in params.iter_mut().zip(grads).zip(sum.iter_mut()) {
        let g = g + l2 * *p;
        *s += g * g;
        *p -= clr * (g / (s.sqrt() + eps));
    }
}

/// [`adagrad_step_scalar`]; on WebAssembly with SIMD128, its 4-lane twin in `optim::simd128`, which
/// does the same rounded operations per element (same bits).
pub fn adagrad_step(params: &mut [f32], grads: &[f32], sum: &mut [f32], clr: f32, l2: f32, eps: f32) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::adagrad_step(params, grads, sum, clr, l2, eps);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    adagrad_step_scalar(params, grads, sum, clr, l2, eps);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_by_hand() {
        // s0 = 0.1, g = 2: s = 4.1; θ = 1 − 0.1·2/√4.1 (ε = 0 here).
        let mut p = [1.0f32];
        let mut s = [0.1f32];
        adagrad_step(&mut p, &[2.0], &mut s, 0.1, 0.0, 0.0);
        assert_eq!(s[0], 4.1);
        assert!((f64::from(p[0]) - (1.0 - 0.2 / 4.1f64.sqrt())).abs() < 1e-6, "{}", p[0]);
    }

    #[test]
    fn learning_rate_decays_with_the_step_number() {
        assert_eq!(adagrad_lr(0.1, 0.5, 1), 0.1);
        assert_eq!(adagrad_lr(0.1, 0.5, 3), (f64::from(0.1f32) / 2.0) as f32);
        assert_eq!(adagrad_lr(0.1, 0.0, 1000), 0.1);
    }

    #[test]
    fn l2_uses_theta() {
        // θ = 2, g = 0, λ = 0.5: g' = 1, s = 1, θ = 2 − 0.1·1/1 = 1.9.
        let mut p = [2.0f32];
        let mut s = [0.0f32];
        adagrad_step(&mut p, &[0.0], &mut s, 0.1, 0.5, 0.0);
        assert!((p[0] - 1.9).abs() < 1e-6, "{}", p[0]);
    }
}
