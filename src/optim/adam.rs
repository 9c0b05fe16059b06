//! Adam and AdamW with bias correction, as PyTorch's `torch.optim.Adam` / `torch.optim.AdamW`
//! define them (amsgrad off, not maximize). One loop serves both: AdamW is Adam plus a decoupled
//! shrink factor on θ.

use super::math::powu;

/// The per-step scalars of an Adam update, computed once per step outside the loop.
///
/// Bias corrections are computed in **f64** with [`powu`] (binary exponentiation, reproducible on
/// every target) and rounded to f32 once, the way PyTorch computes them with Python floats:
///
/// ```text
/// step_size = lr / (1 − β1ᵗ)
/// bias_correction2_sqrt = √(1 − β2ᵗ)
/// decay_factor = 1 − lr·wd   (AdamW, decaying tensors; 1 for Adam and for biases)
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamScalars {
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub step_size: f32,
    pub bias_correction2_sqrt: f32,
}

impl AdamScalars {
    /// `t` is the 1-based number of this step (the first update has t = 1).
    pub fn new(lr: f32, beta1: f32, beta2: f32, eps: f32, t: u64) -> Self {
        let bias_correction1 = 1.0 - powu(f64::from(beta1), t);
        let bias_correction2 = 1.0 - powu(f64::from(beta2), t);
        AdamScalars {
            beta1,
            beta2,
            eps,
            step_size: (f64::from(lr) / bias_correction1) as f32,
            bias_correction2_sqrt: bias_correction2.sqrt() as f32,
        }
    }
}

/// AdamW's decoupled shrink factor 1 − lr·wd, in f64 then rounded (PyTorch: `param.mul_(1 - lr *
/// weight_decay)` with Python floats).
pub fn adamw_decay_factor(lr: f32, weight_decay: f32) -> f32 {
    (1.0 - f64::from(lr) * f64::from(weight_decay)) as f32
}

/// The reference loop of [`adam_step`]: one Adam(W) step over one parameter tensor and its moment
/// buffers `m` (PyTorch `exp_avg`) and `v` (`exp_avg_sq`), both starting at 0. With λ = `l2` and
/// f = `decay_factor`, per element:
///
/// ```text
/// g ← g + λ·θ                      (coupled L2 on the old θ; the gradient buffer is not changed)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)
/// θ ← f·θ − lr·m̂ / (√v̂ + ε)
/// ```
///
/// computed, as PyTorch does, as θ ← f·θ − step_size · m / (√v / √(1 − β2ᵗ) + ε). Adam passes
/// f = 1 (θ·1 is exact). AdamW passes f = 1 − lr·wd for decaying tensors: PyTorch's
/// `param.mul_(1 − lr·wd)` followed by the Adam step, which gives the same θ.
pub fn adam_step_scalar(
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    s: &AdamScalars,
    l2: f32,
    decay_factor: f32,
) {
    debug_assert_eq!(params.len(), grads.len());
    debug_assert_eq!(params.len(), m.len());
    debug_assert_eq!(params.len(), v.len());
    let (beta1, beta2, eps) = (s.beta1, s.beta2, s.eps);
    // Exact for β ∈ [0.5, 1] (Sterbenz), so these match f64 arithmetic on the f32 betas.
    let one_minus_beta1 = 1.0 - beta1;
    let one_minus_beta2 = 1.0 - beta2;
    let (step_size, bc2_sqrt) = (s.step_size, s.bias_correction2_sqrt);
    for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()) {
        let g = g + l2 * *p;
        *m = beta1 * *m + one_minus_beta1 * g;
        *v = beta2 * *v + one_minus_beta2 * g * g;
        let denom = v.sqrt() / bc2_sqrt + eps;
        *p = *p * decay_factor - step_size * (*m / denom);
    }
}

/// [`adam_step_scalar`]; on WebAssembly with SIMD128, its 4-lane twin in `optim::simd128`, which
/// does the same rounded operations per element (same bits).
#[allow(clippy::too_many_arguments)]
pub fn adam_step(
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    s: &AdamScalars,
    l2: f32,
    decay_factor: f32,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::adam_step(params, grads, m, v, s, l2, decay_factor);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    adam_step_scalar(params, grads, m, v, s, l2, decay_factor);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_param_by_about_lr_times_sign() {
        // t = 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g) whatever |g| is.
        let lr = 0.01;
        let mut p = [1.0f32, 1.0, 1.0, 1.0];
        let grads = [3.0f32, -0.002, 250.0, -1.0];
        let (mut m, mut v) = ([0.0; 4], [0.0; 4]);
        let s = AdamScalars::new(lr, 0.9, 0.999, 1e-8, 1);
        adam_step(&mut p, &grads, &mut m, &mut v, &s, 0.0, 1.0);
        for (pi, gi) in p.iter().zip(grads) {
            let moved = 1.0 - pi;
            assert!((moved - lr * gi.signum()).abs() < 1e-6, "moved {moved} for g = {gi}");
        }
    }

    #[test]
    fn bias_corrections_in_f64() {
        // t = 2, β1 = 0.5: step_size = lr / (1 − 0.25) = 0.1 / 0.75.
        let s = AdamScalars::new(0.1, 0.5, 0.75, 1e-8, 2);
        assert_eq!(s.step_size, (0.1f32 as f64 / 0.75) as f32);
        // √(1 − 0.75²) = √0.4375
        assert_eq!(s.bias_correction2_sqrt, (0.4375f64).sqrt() as f32);
    }

    #[test]
    fn adamw_shrinks_before_the_adam_step() {
        // θ = 2, g = 0 (so m = v = 0 and the Adam part is 0): θ ← 2·(1 − 0.1·0.5) = 1.9.
        let mut p = [2.0f32];
        let (mut m, mut v) = ([0.0], [0.0]);
        let s = AdamScalars::new(0.1, 0.9, 0.999, 1e-8, 1);
        adam_step(&mut p, &[0.0], &mut m, &mut v, &s, 0.0, adamw_decay_factor(0.1, 0.5));
        assert!((p[0] - 1.9).abs() < 1e-6, "{}", p[0]);
    }
}
