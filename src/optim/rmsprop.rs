//! RMSprop as PyTorch's `torch.optim.RMSprop` defines it (centered = false): ε is added *outside*
//! the square root, and the square average starts at 0.

/// The reference loop of [`rmsprop_step`]: one RMSprop step over one parameter tensor, its square
/// average `sq` and momentum buffer `buf` (both starting at 0). With λ = `l2`, α = `alpha`,
/// μ = `momentum`, per element:
///
/// ```text
/// g ← g + λ·θ                      (computed on the fly; the gradient buffer is not changed)
/// s ← α·s + (1 − α)·g²
/// μ = 0:  θ ← θ − lr·g / (√s + ε)            (buf untouched)
/// μ > 0:  b ← μ·b + g / (√s + ε);  θ ← θ − lr·b
/// ```
///
/// Optax's `rmsprop` differs (ε inside the root, optional initial scale); this is PyTorch's rule.
#[allow(clippy::too_many_arguments)]
pub fn rmsprop_step_scalar(
    params: &mut [f32],
    grads: &[f32],
    sq: &mut [f32],
    buf: &mut [f32],
    lr: f32,
    l2: f32,
    alpha: f32,
    eps: f32,
    momentum: f32,
) {
    debug_assert_eq!(params.len(), grads.len());
    debug_assert_eq!(params.len(), sq.len());
    debug_assert_eq!(params.len(), buf.len());
    let one_minus_alpha = 1.0 - alpha;
    if momentum == 0.0 {
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(sq.iter_mut()) {
            let g = g + l2 * *p;
            *s = alpha * *s + one_minus_alpha * g * g;
            *p -= lr * (g / (s.sqrt() + eps));
        }
    } else {
        for (((p, &g), s), b) in params.iter_mut().zip(grads).zip(sq.iter_mut()).zip(buf.iter_mut()) {
            let g = g + l2 * *p;
            *s = alpha * *s + one_minus_alpha * g * g;
            *b = momentum * *b + g / (s.sqrt() + eps);
            *p -= lr * *b;
        }
    }
}

/// [`rmsprop_step_scalar`]; on WebAssembly with SIMD128, its 4-lane twin in `optim::simd128`, which
/// does the same rounded operations per element (same bits).
#[allow(clippy::too_many_arguments)]
pub fn rmsprop_step(
    params: &mut [f32],
    grads: &[f32],
    sq: &mut [f32],
    buf: &mut [f32],
    lr: f32,
    l2: f32,
    alpha: f32,
    eps: f32,
    momentum: f32,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::rmsprop_step(params, grads, sq, buf, lr, l2, alpha, eps, momentum);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    rmsprop_step_scalar(params, grads, sq, buf, lr, l2, alpha, eps, momentum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_by_hand() {
        // α = 0.75, g = 2: s = 0.25·4 = 1; θ = 1 − 0.1·2/(1 + 0) = 0.8 (ε = 0 here).
        let mut p = [1.0f32];
        let (mut s, mut b) = ([0.0], [0.0]);
        rmsprop_step(&mut p, &[2.0], &mut s, &mut b, 0.1, 0.0, 0.75, 0.0, 0.0);
        assert_eq!(s[0], 1.0);
        assert!((p[0] - 0.8).abs() < 1e-7, "{}", p[0]);
        assert_eq!(b[0], 0.0);
    }

    #[test]
    fn momentum_by_hand() {
        // Step 1: s = 1, b = 2/1 = 2, θ = 1 − 0.1·2 = 0.8.
        // Step 2 (g = 2): s = 0.75 + 1 = 1.75, b = 0.5·2 + 2/√1.75, θ = 0.8 − 0.1·b.
        let mut p = [1.0f32];
        let (mut s, mut b) = ([0.0], [0.0]);
        rmsprop_step(&mut p, &[2.0], &mut s, &mut b, 0.1, 0.0, 0.75, 0.0, 0.5);
        assert!((p[0] - 0.8).abs() < 1e-7, "{}", p[0]);
        rmsprop_step(&mut p, &[2.0], &mut s, &mut b, 0.1, 0.0, 0.75, 0.0, 0.5);
        let b2 = 1.0 + 2.0 / 1.75f64.sqrt();
        assert!((f64::from(p[0]) - (0.8 - 0.1 * b2)).abs() < 1e-6, "{}", p[0]);
    }

    #[test]
    fn l2_uses_theta() {
        // θ = 2, g = 0, λ = 0.5: g' = 1, s = (1 − α)·1 = 0.25, θ = 2 − 0.1·1/0.5 = 1.8.
        let mut p = [2.0f32];
        let (mut s, mut b) = ([0.0], [0.0]);
        rmsprop_step(&mut p, &[0.0], &mut s, &mut b, 0.1, 0.5, 0.75, 0.0, 0.0);
        assert!((p[0] - 1.8).abs() < 1e-6, "{}", p[0]);
    }
}
