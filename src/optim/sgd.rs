//! Stochastic gradient descent with optional (Nesterov) momentum and coupled L2, as PyTorch's
//! `torch.optim.SGD` defines it (dampening 0).

/// One SGD step over one parameter tensor (a slice of the store) and its velocity: the reference
/// loop ([`sgd_step`] dispatches to it, or to its SIMD128 twin).
///
/// With λ = `l2` (0 for tensors that do not decay), μ = `momentum`, for each element:
///
/// ```text
/// g ← g + λ·θ                    (computed on the fly; the gradient buffer is not changed)
/// μ = 0:      θ ← θ − lr·g       (velocity untouched)
/// μ > 0:      v ← μ·v + g        (v starts at 0, so the first step gives v = g, as PyTorch's
///                                 "buf = clone(g)" does when dampening = 0)
///             θ ← θ − lr·v
/// Nesterov:   v ← μ·v + g;  θ ← θ − lr·(g + μ·v)
/// ```
///
/// PyTorch rejects `nesterov` without momentum; here Nesterov with μ = 0 is plain SGD. The branch
/// on the variant happens once, outside the loops, so each loop is a straight elementwise pass
/// over slices that SIMD can take over.
pub fn sgd_step_scalar(
    params: &mut [f32],
    grads: &[f32],
    velocity: &mut [f32],
    lr: f32,
    l2: f32,
    momentum: f32,
    nesterov: bool,
) {
    debug_assert_eq!(params.len(), grads.len());
    debug_assert_eq!(params.len(), velocity.len());
    if momentum == 0.0 {
        for (p, &g) in params.iter_mut().zip(grads) {
            let g = g + l2 * *p;
            *p -= lr * g;
        }
    } else if nesterov {
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity.iter_mut()) {
            let g = g + l2 * *p;
            *v = momentum * *v + g;
            *p -= lr * (g + momentum * *v);
        }
    } else {
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity.iter_mut()) {
            let g = g + l2 * *p;
            *v = momentum * *v + g;
            *p -= lr * *v;
        }
    }
}

/// [`sgd_step_scalar`]; on WebAssembly with SIMD128, its 4-lane twin in `optim::simd128`, which
/// does the same rounded operations per element (same bits).
#[allow(clippy::too_many_arguments)]
pub fn sgd_step(
    params: &mut [f32],
    grads: &[f32],
    velocity: &mut [f32],
    lr: f32,
    l2: f32,
    momentum: f32,
    nesterov: bool,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    super::simd128::sgd_step(params, grads, velocity, lr, l2, momentum, nesterov);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    sgd_step_scalar(params, grads, velocity, lr, l2, momentum, nesterov);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-6 * b.abs().max(1.0)
    }

    #[test]
    fn plain_step_with_l2_by_hand() {
        // θ = 2, g = 0.5, λ = 0.1, lr = 0.1: g' = 0.5 + 0.2 = 0.7; θ = 2 − 0.07 = 1.93.
        let mut p = [2.0];
        let mut v = [0.0];
        sgd_step(&mut p, &[0.5], &mut v, 0.1, 0.1, 0.0, false);
        assert!(close(p[0], 1.93), "{}", p[0]);
        assert_eq!(v[0], 0.0, "plain SGD leaves the velocity alone");
    }

    #[test]
    fn momentum_steps_by_hand() {
        // Step 1: v = g = 1; θ = 1 − 0.1·1 = 0.9.
        // Step 2 (g = 1 again): v = 0.9·1 + 1 = 1.9; θ = 0.9 − 0.19 = 0.71.
        let mut p = [1.0];
        let mut v = [0.0];
        sgd_step(&mut p, &[1.0], &mut v, 0.1, 0.0, 0.9, false);
        assert!(close(p[0], 0.9) && close(v[0], 1.0), "{p:?} {v:?}");
        sgd_step(&mut p, &[1.0], &mut v, 0.1, 0.0, 0.9, false);
        assert!(close(p[0], 0.71) && close(v[0], 1.9), "{p:?} {v:?}");
    }

    #[test]
    fn nesterov_steps_by_hand() {
        // Step 1: v = 1; θ = 1 − 0.1·(1 + 0.9·1) = 0.81.
        // Step 2: v = 1.9; θ = 0.81 − 0.1·(1 + 0.9·1.9) = 0.81 − 0.271 = 0.539.
        let mut p = [1.0];
        let mut v = [0.0];
        sgd_step(&mut p, &[1.0], &mut v, 0.1, 0.0, 0.9, true);
        assert!(close(p[0], 0.81), "{p:?}");
        sgd_step(&mut p, &[1.0], &mut v, 0.1, 0.0, 0.9, true);
        assert!(close(p[0], 0.539), "{p:?}");
    }

    #[test]
    fn zero_l2_leaves_the_gradient_exact() {
        let mut p = [3.0, -1.5];
        let mut v = [0.0; 2];
        sgd_step(&mut p, &[0.25, 0.5], &mut v, 0.5, 0.0, 0.0, false);
        assert_eq!(p, [3.0 - 0.125, -1.5 - 0.25]);
    }
}
