//! Max and average pooling over size×size windows, without padding (the output size rounds down).

use super::{Ctx, Layer};
use crate::tensor::kernels::{avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward, Pool2dDims};
use crate::tensor::{Dims, Tensor};

/// Output dims of a pool: `oh = ⌊(h − size) / stride⌋ + 1`, `ow` likewise, channels unchanged.
fn pool_dims(in_dims: Dims, size: usize, stride: usize) -> (Pool2dDims, Dims) {
    let d = Pool2dDims::new((in_dims.c, in_dims.h, in_dims.w), size, stride);
    (d, Dims::new(in_dims.c, d.oh, d.ow))
}

/// Keeps the largest value of each window (the first one on ties) and remembers where it was.
///
/// Shapes: input [n, c, h, w] → output [n, c, oh, ow].
#[derive(Debug, Clone)]
pub struct MaxPool2d {
    d: Pool2dDims,
    in_dims: Dims,
    out_dims: Dims,
    /// Per output value, the index within its image of the input that won: [n, c, oh, ow].
    argmax: Vec<u32>,
}

impl MaxPool2d {
    /// The window must fit the input and `stride ≥ 1` (`model::validate` checks both).
    pub fn new(in_dims: Dims, size: usize, stride: usize) -> MaxPool2d {
        let (d, out_dims) = pool_dims(in_dims, size, stride);
        MaxPool2d { d, in_dims, out_dims, argmax: Vec::new() }
    }
}

impl Layer for MaxPool2d {
    fn kind(&self) -> &'static str {
        "maxpool2d"
    }

    fn in_dims(&self) -> Dims {
        self.in_dims
    }

    fn out_dims(&self) -> Dims {
        self.out_dims
    }

    /// Shapes: x [n, c, h, w] → y [n, c, oh, ow]; also records argmax [n, c, oh, ow].
    fn forward(&mut self, _params: &[f32], x: &Tensor, y: &mut Tensor, _ctx: &mut Ctx) {
        debug_assert_eq!(x.dims(), self.in_dims);
        let out_len = self.out_dims.len();
        y.reshape(x.n, self.out_dims);
        // Grows once per new largest batch size, then reuses its capacity.
        self.argmax.resize(x.n * out_len, 0);
        for i in 0..x.n {
            let arg = &mut self.argmax[i * out_len..(i + 1) * out_len];
            max_pool_forward(&self.d, x.example(i), y.example_mut(i), arg);
        }
    }

    /// grad_x is zero except at each window's winner, which receives that output's gradient
    /// (summed if overlapping windows share a winner).
    fn backward(
        &mut self,
        _params: &[f32],
        _grads: &mut [f32],
        x: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    ) {
        debug_assert_eq!((grad_y.n, grad_y.dims()), (x.n, self.out_dims));
        debug_assert_eq!(self.argmax.len(), x.n * self.out_dims.len(), "backward before forward");
        let Some(gx) = grad_x else { return };
        let out_len = self.out_dims.len();
        gx.reshape(x.n, self.in_dims);
        gx.data.fill(0.0);
        for i in 0..x.n {
            let arg = &self.argmax[i * out_len..(i + 1) * out_len];
            max_pool_backward(&self.d, arg, grad_y.example(i), gx.example_mut(i));
        }
    }
}

/// Averages each window.
///
/// Shapes: input [n, c, h, w] → output [n, c, oh, ow].
#[derive(Debug, Clone)]
pub struct AvgPool2d {
    d: Pool2dDims,
    in_dims: Dims,
    out_dims: Dims,
}

impl AvgPool2d {
    /// The window must fit the input and `stride ≥ 1` (`model::validate` checks both).
    pub fn new(in_dims: Dims, size: usize, stride: usize) -> AvgPool2d {
        let (d, out_dims) = pool_dims(in_dims, size, stride);
        AvgPool2d { d, in_dims, out_dims }
    }
}

impl Layer for AvgPool2d {
    fn kind(&self) -> &'static str {
        "avgpool2d"
    }

    fn in_dims(&self) -> Dims {
        self.in_dims
    }

    fn out_dims(&self) -> Dims {
        self.out_dims
    }

    /// Shapes: x [n, c, h, w] → y [n, c, oh, ow], y = mean of the window.
    fn forward(&mut self, _params: &[f32], x: &Tensor, y: &mut Tensor, _ctx: &mut Ctx) {
        debug_assert_eq!(x.dims(), self.in_dims);
        y.reshape(x.n, self.out_dims);
        for i in 0..x.n {
            avg_pool_forward(&self.d, x.example(i), y.example_mut(i));
        }
    }

    /// Each window spreads its gradient evenly: grad_x += grad_y / size² over the window.
    fn backward(
        &mut self,
        _params: &[f32],
        _grads: &mut [f32],
        x: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    ) {
        debug_assert_eq!((grad_y.n, grad_y.dims()), (x.n, self.out_dims));
        let Some(gx) = grad_x else { return };
        gx.reshape(x.n, self.in_dims);
        gx.data.fill(0.0);
        for i in 0..x.n {
            avg_pool_backward(&self.d, grad_y.example(i), gx.example_mut(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Mode;
    use crate::rng::Rng;

    #[test]
    fn max_pool_batch_of_two_with_known_argmax() {
        // 1×4×4 per image, 2×2 stride 2: (4 − 2)/2 + 1 = 2.
        let mut pool = MaxPool2d::new(Dims::new(1, 4, 4), 2, 2);
        assert_eq!(pool.out_dims(), Dims::new(1, 2, 2));
        let mut data: Vec<f32> = (0..16).map(|v| v as f32).collect(); // max at bottom-right of each
        data.extend((0..16).rev().map(|v| v as f32)); // max at top-left of each window
        let x = Tensor::from_vec(2, Dims::new(1, 4, 4), data);
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        pool.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
        assert_eq!(y.data, [5., 7., 13., 15., 15., 13., 7., 5.]);
        let gy = Tensor::from_vec(2, Dims::new(1, 2, 2), vec![1., 2., 3., 4., 5., 6., 7., 8.]);
        let mut gx = Tensor::from_vec(2, Dims::new(1, 4, 4), vec![f32::NAN; 32]); // overwritten
        pool.backward(&[], &mut [], &x, &y, &gy, Some(&mut gx));
        let (a, b) = gx.data.split_at(16);
        assert_eq!((a[5], a[7], a[13], a[15]), (1., 2., 3., 4.));
        assert_eq!((b[0], b[2], b[8], b[10]), (5., 6., 7., 8.));
        assert_eq!(gx.data.iter().sum::<f32>(), 36.0);
    }

    #[test]
    fn pools_on_odd_sizes_round_down() {
        // 3×5×5, pool 2 stride 2: (5 − 2)/2 + 1 = 2. Pool 3 stride 2 on 7×6: (7−3)/2+1 = 3, (6−3)/2+1 = 2.
        assert_eq!(MaxPool2d::new(Dims::new(3, 5, 5), 2, 2).out_dims(), Dims::new(3, 2, 2));
        assert_eq!(AvgPool2d::new(Dims::new(2, 7, 6), 3, 2).out_dims(), Dims::new(2, 3, 2));
        let mut pool = AvgPool2d::new(Dims::new(1, 5, 5), 2, 2);
        let x = Tensor::from_vec(1, Dims::new(1, 5, 5), (0..25).map(|v| v as f32).collect());
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        pool.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Eval, rng: &mut rng });
        // window (0,0) = {0, 1, 5, 6} → 3
        assert_eq!(y.data, [3., 5., 13., 15.]);
        assert_eq!(pool.kind(), "avgpool2d");
    }
}
