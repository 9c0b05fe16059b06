//! Inverted dropout: while training, zero each value with probability p and scale the survivors
//! by 1/(1 − p), so the expected output equals the input and evaluation needs no rescaling.

use super::{Ctx, Layer, Mode};
use crate::tensor::{Dims, Tensor};

/// Shapes: input [n, c, h, w] → output [n, c, h, w].
#[derive(Debug, Clone)]
pub struct Dropout {
    dims: Dims,
    rate: f32,
    /// 1/(1 − rate), what a kept value is multiplied by.
    scale: f32,
    /// Per value of the last training batch: `scale` if kept, 0 if dropped; reused across steps.
    mask: Vec<f32>,
    /// Whether the last forward pass was in training mode (and so `mask` applies in backward).
    masked: bool,
}

impl Dropout {
    /// `rate` is the probability of dropping a value, in [0, 1) (`model::validate` checks it).
    pub fn new(dims: Dims, rate: f32) -> Dropout {
        debug_assert!((0.0..1.0).contains(&rate), "dropout rate {rate} outside [0, 1)");
        Dropout { dims, rate, scale: 1.0 / (1.0 - rate), mask: Vec::new(), masked: false }
    }

    pub fn rate(&self) -> f32 {
        self.rate
    }
}

impl Layer for Dropout {
    fn kind(&self) -> &'static str {
        "dropout"
    }

    fn in_dims(&self) -> Dims {
        self.dims
    }

    fn out_dims(&self) -> Dims {
        self.dims
    }

    /// Shapes: x [n, c, h, w] → y [n, c, h, w].
    ///
    /// Train: draws one uniform u ∈ [0, 1) per value from `ctx.rng`, in order; the value is kept
    /// (y = x/(1 − p)) when u ≥ p, which happens with probability 1 − p, else y = 0.
    /// Eval: y = x, and no random numbers are drawn.
    fn forward(&mut self, _params: &[f32], x: &Tensor, y: &mut Tensor, ctx: &mut Ctx) {
        debug_assert_eq!(x.dims().len(), self.dims.len());
        y.reshape(x.n, x.dims());
        self.masked = ctx.mode == Mode::Train && self.rate > 0.0;
        if !self.masked {
            y.data.copy_from_slice(&x.data);
            return;
        }
        self.mask.resize(x.data.len(), 0.0);
        for ((m, y), &x) in self.mask.iter_mut().zip(&mut y.data).zip(&x.data) {
            *m = if ctx.rng.next_f32() >= self.rate { self.scale } else { 0.0 };
            *y = x * *m;
        }
    }

    /// grad_x = grad_y · mask (the same values kept and scaled as in forward), or grad_y after an
    /// evaluation-mode forward pass.
    fn backward(
        &mut self,
        _params: &[f32],
        _grads: &mut [f32],
        x: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    ) {
        debug_assert_eq!(grad_y.data.len(), x.data.len());
        let Some(gx) = grad_x else { return };
        gx.reshape(x.n, x.dims());
        if !self.masked {
            gx.data.copy_from_slice(&grad_y.data);
            return;
        }
        debug_assert_eq!(self.mask.len(), grad_y.data.len(), "backward before forward");
        for ((gx, &gy), &m) in gx.data.iter_mut().zip(&grad_y.data).zip(&self.mask) {
            *gx = gy * m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn keeps_about_one_minus_p_and_scales_them() {
        // p = 0.25: kept values become x/0.75; about 75% of 10 000 survive.
        let dims = Dims::flat(1000);
        let mut drop = Dropout::new(dims, 0.25);
        let x = Tensor::from_vec(10, dims, vec![3.0; 10_000]);
        let mut y = Tensor::default();
        let mut rng = Rng::new(5);
        drop.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
        let kept = y.data.iter().filter(|&&v| v != 0.0).count();
        assert!((7300..7700).contains(&kept), "{kept}");
        assert!(y.data.iter().all(|&v| v == 0.0 || v == 4.0));
        // The mean is preserved in expectation: ≈ 3.
        let mean = y.data.iter().sum::<f32>() / 10_000.0;
        assert!((mean - 3.0).abs() < 0.1, "{mean}");
        // Backward applies the same mask.
        let gy = Tensor::from_vec(10, dims, vec![1.0; 10_000]);
        let mut gx = Tensor::default();
        drop.backward(&[], &mut [], &x, &y, &gy, Some(&mut gx));
        for (g, y) in gx.data.iter().zip(&y.data) {
            assert_eq!(*g * 3.0, *y);
        }
    }

    #[test]
    fn eval_is_the_identity_and_draws_nothing() {
        let dims = Dims::new(1, 2, 2);
        let mut drop = Dropout::new(dims, 0.5);
        let x = Tensor::from_vec(1, dims, vec![1.0, 2.0, 3.0, 4.0]);
        let mut y = Tensor::default();
        let mut rng = Rng::new(1);
        drop.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Eval, rng: &mut rng });
        assert_eq!(y, x);
        assert_eq!(rng, Rng::new(1));
        let mut gx = Tensor::default();
        drop.backward(&[], &mut [], &x, &y, &x, Some(&mut gx));
        assert_eq!(gx, x);
    }

    #[test]
    fn same_seed_same_mask() {
        let dims = Dims::flat(64);
        let x = Tensor::from_vec(1, dims, vec![1.0; 64]);
        let run = |seed| {
            let mut drop = Dropout::new(dims, 0.5);
            let mut y = Tensor::default();
            let mut rng = Rng::new(seed);
            drop.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
            y.data
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }
}
