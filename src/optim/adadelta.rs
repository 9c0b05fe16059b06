//! Adadelta as PyTorch's `torch.optim.Adadelta` defines it: both running averages start at 0 and ε
//! is added *inside* both square roots.

/// The reference loop of [`adadelta_step`]: one Adadelta step over one parameter tensor, its
/// average of squared gradients `sq` (PyTorch's `square_avg`) and of squared updates `acc`
/// (`acc_delta`). With λ = `l2`, ρ = `rho`, per element:
///
/// ```text
/// g ← g + λ·θ                      (computed on the fly; the gradient buffer is not changed)
/// s ← ρ·s + (1 − ρ)·g²
/// Δ ← √(a + ε) / √(s + ε) · g
/// a ← ρ·a + (1 − ρ)·Δ²
/// θ ← θ − lr·Δ
/// ```
#[allow(clippy::too_many_arguments)]
pub fn adadelta_step_scalar(
    params: &mut [f32],
    grads: &[f32],
    sq: &mut [f32],
    acc: &mut [f32],
    lr: f32,
    l2: f32,
    rho: f32,
    eps: f32,
) {
    debug_assert_eq!(params.len(), grads.len());
    debug_assert_eq!(params.len(), sq.len());
    debug_assert_eq!(params.len(), acc.len());
    let one_minus_rho = 1.0 - rho;
    for (((p, &g), s), a) in params.iter_mut().zip(grads).zip(sq.iter_mut()).zip(acc.iter_mut()) {
        let g = g + l2 * *p;
        *s = rho * *s + one_minus_rho * g * g;
        let delta = (*a + eps).sqrt() / (*s + eps).sqrt() * g;
        *a = rho * *a + one_minus_rho * delta * delta;
        *p -= lr * delta;
    }
}

/// [`adadelta_step_scalar`]; on WebAssembly with SIMD128, its 4-lane twin in `optim::simd128`,
/// which does the same rounded operations per element (same bits).
#[allow(clippy::too_many_arguments)]
pub fn adadelta_step(
    params: &mut [f32],
    grads: &[f32],
    sq: &mut [f32],
    acc: &mut [f32],
    lr: f32,
    l2: f32,
    rho: f32,
    eps: f32,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::adadelta_step(params, grads, sq, acc, lr, l2, rho, eps);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    adadelta_step_scalar(params, grads, sq, acc, lr, l2, rho, eps);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_by_hand() {
        // ρ = 0.75, ε = 0.25, g = 2: s = 0.25·4 = 1; Δ = √0.25/√1.25·2; a = 0.25·Δ²; θ = 1 − Δ.
        let mut p = [1.0f32];
        let (mut s, mut a) = ([0.0f32], [0.0f32]);
        adadelta_step(&mut p, &[2.0], &mut s, &mut a, 1.0, 0.0, 0.75, 0.25);
        let delta = 0.5 / 1.25f64.sqrt() * 2.0;
        assert_eq!(s[0], 1.0);
        assert!((f64::from(a[0]) - 0.25 * delta * delta).abs() < 1e-7, "{}", a[0]);
        assert!((f64::from(p[0]) - (1.0 - delta)).abs() < 1e-6, "{}", p[0]);
    }

    #[test]
    fn zero_gradient_leaves_theta() {
        let mut p = [3.0f32];
        let (mut s, mut a) = ([0.5f32], [0.5f32]);
        adadelta_step(&mut p, &[0.0], &mut s, &mut a, 1.0, 0.0, 0.9, 1e-6);
        assert_eq!(p[0], 3.0);
    }
}
