//! Flatten: reads each c×h×w example as one vector of c·h·w features.
//!
//! NCHW data is already in that order, so this only relabels the shape; it copies the values
//! because the network owns each layer's output as a separate tensor. (Dense reads spatial input
//! as flat by itself, so this layer exists mainly to make the step visible in the summary.)

use super::{Ctx, Layer};
use crate::tensor::{Dims, Tensor};

/// Shapes: input [n, c, h, w] → output [n, c·h·w].
#[derive(Debug, Clone)]
pub struct Flatten {
    in_dims: Dims,
}

impl Flatten {
    pub fn new(in_dims: Dims) -> Flatten {
        Flatten { in_dims }
    }
}

impl Layer for Flatten {
    fn kind(&self) -> &'static str {
        "flatten"
    }

    fn in_dims(&self) -> Dims {
        self.in_dims
    }

    fn out_dims(&self) -> Dims {
        Dims::flat(self.in_dims.len())
    }

    /// Shapes: x [n, c, h, w] → y [n, c·h·w], the same values in the same order.
    fn forward(&mut self, _params: &[f32], x: &Tensor, y: &mut Tensor, _ctx: &mut Ctx) {
        debug_assert_eq!(x.dims().len(), self.in_dims.len());
        y.reshape(x.n, self.out_dims());
        y.data.copy_from_slice(&x.data);
    }

    /// grad_x = grad_y, shaped back to [n, c, h, w].
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
        if let Some(gx) = grad_x {
            gx.reshape(x.n, x.dims());
            gx.data.copy_from_slice(&grad_y.data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Mode;
    use crate::rng::Rng;

    #[test]
    fn flattens_and_restores_the_shape() {
        // 2×3×4 = 24 features per example.
        let dims = Dims::new(2, 3, 4);
        let mut flat = Flatten::new(dims);
        assert_eq!(flat.out_dims(), Dims::flat(24));
        let x = Tensor::from_vec(2, dims, (0..48).map(|v| v as f32).collect());
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        flat.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
        assert_eq!((y.n, y.dims(), &y.data), (2, Dims::flat(24), &x.data));
        let mut gx = Tensor::default();
        flat.backward(&[], &mut [], &x, &y, &y, Some(&mut gx));
        assert_eq!(gx, x);
    }
}
