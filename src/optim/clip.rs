//! Gradient clipping by global L2 norm, as PyTorch's `torch.nn.utils.clip_grad_norm_`.

/// Rescales `grads` so their global L2 norm is at most `max_norm`, and returns the norm before
/// clipping:
///
/// ```text
/// total = √(Σ g²)                       (accumulated in f64, sequentially, so reproducible)
/// coef  = max_norm / (total + 1e-6)
/// if coef < 1:  g ← g·coef
/// ```
///
/// As in PyTorch, an infinite norm gives coef = 0 (gradients zeroed, NaNs stay NaN) and a NaN norm
/// changes nothing; the returned norm lets the caller report it. `max_norm` should be > 0 (the spec
/// validation rejects others); a non-positive or NaN `max_norm` leaves the gradients alone rather
/// than zeroing or flipping them.
pub fn clip_grad_norm(grads: &mut [f32], max_norm: f32) -> f32 {
    let total = global_norm(grads);
    if max_norm.is_nan() || max_norm <= 0.0 {
        return total as f32;
    }
    let coef = f64::from(max_norm) / (total + 1e-6);
    if coef < 1.0 {
        let coef = coef as f32;
        for g in grads.iter_mut() {
            *g *= coef;
        }
    }
    total as f32
}

/// √(Σ g²), accumulated in f64 in order (the same on every target).
fn global_norm(grads: &[f32]) -> f64 {
    let mut sum = 0.0f64;
    for &g in grads {
        let g = f64::from(g);
        sum += g * g;
    }
    sum.sqrt()
}

/// The global L2 norm of the gradients, without clipping (for the training-health report).
pub fn grad_norm(grads: &[f32]) -> f32 {
    global_norm(grads) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_a_known_vector() {
        // |(3, 4)| = 5; max 1 → coef = 1/(5 + 1e-6) ≈ 0.2 → (0.6, 0.8).
        let mut g = [3.0f32, 4.0];
        let norm = clip_grad_norm(&mut g, 1.0);
        assert_eq!(norm, 5.0);
        assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6, "{g:?}");
    }

    #[test]
    fn leaves_small_gradients_alone() {
        let mut g = [0.3f32, -0.4];
        let norm = clip_grad_norm(&mut g, 1.0);
        assert!((norm - 0.5).abs() < 1e-7);
        assert_eq!(g, [0.3, -0.4]);
    }

    #[test]
    fn bad_max_norm_and_non_finite_norms() {
        let mut g = [3.0f32, 4.0];
        clip_grad_norm(&mut g, 0.0);
        assert_eq!(g, [3.0, 4.0]);
        clip_grad_norm(&mut g, f32::NAN);
        assert_eq!(g, [3.0, 4.0]);
        let mut g = [f32::NAN, 1.0];
        assert!(clip_grad_norm(&mut g, 1.0).is_nan());
        assert_eq!(g[1], 1.0);
        let mut g = [f32::INFINITY, 1.0];
        assert!(clip_grad_norm(&mut g, 1.0).is_infinite());
        assert_eq!(g[1], 0.0);
    }
}
