//! Elementwise activation functions as a layer: relu, leaky_relu, sigmoid, tanh, elu, linear.

use super::{Ctx, Layer};
use crate::model::spec::Activation;
use crate::tensor::kernels::{
    elu_backward, elu_forward, leaky_relu_backward, leaky_relu_forward, relu_backward, relu_forward, sigmoid_backward,
    sigmoid_forward, tanh_backward, tanh_forward,
};
use crate::tensor::{Dims, Tensor};

/// The `alpha` a spec means when it gives none: 0.01 for leaky_relu's slope (PyTorch's default),
/// 1 for elu's α; unused by the others.
pub fn default_alpha(activation: Activation) -> f32 {
    match activation {
        Activation::LeakyRelu => 0.01,
        _ => 1.0,
    }
}

/// Applies one activation function to every value; the shape is unchanged.
///
/// `Linear` is the identity. `Softmax` is fused into the loss (`loss::softmax_cross_entropy`), so
/// the network never builds it as a layer; if it does, this layer is the identity too.
///
/// Shapes: input [n, c, h, w] → output [n, c, h, w].
#[derive(Debug, Clone)]
pub struct ActivationLayer {
    dims: Dims,
    activation: Activation,
    /// leaky_relu's slope for x ≤ 0, or elu's α.
    alpha: f32,
}

impl ActivationLayer {
    pub fn new(dims: Dims, activation: Activation, alpha: f32) -> ActivationLayer {
        ActivationLayer { dims, activation, alpha }
    }

    pub fn activation(&self) -> Activation {
        self.activation
    }
}

impl Layer for ActivationLayer {
    fn kind(&self) -> &'static str {
        self.activation.name()
    }

    fn in_dims(&self) -> Dims {
        self.dims
    }

    fn out_dims(&self) -> Dims {
        self.dims
    }

    /// Shapes: x [n, c, h, w] → y [n, c, h, w], y = f(x) elementwise.
    fn forward(&mut self, _params: &[f32], x: &Tensor, y: &mut Tensor, _ctx: &mut Ctx) {
        debug_assert_eq!(x.dims().len(), self.dims.len());
        y.reshape(x.n, x.dims());
        let (x, y) = (&x.data[..], &mut y.data[..]);
        match self.activation {
            Activation::Relu => relu_forward(x, y),
            Activation::LeakyRelu => leaky_relu_forward(x, self.alpha, y),
            Activation::Sigmoid => sigmoid_forward(x, y),
            Activation::Tanh => tanh_forward(x, y),
            Activation::Elu => elu_forward(x, self.alpha, y),
            Activation::Linear | Activation::Softmax => y.copy_from_slice(x),
        }
    }

    /// grad_x = grad_y · f′, where f′ comes from x (relu, leaky_relu, elu) or from the saved
    /// output y (sigmoid: y(1 − y), tanh: 1 − y², elu: y + α).
    fn backward(
        &mut self,
        _params: &[f32],
        _grads: &mut [f32],
        x: &Tensor,
        y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    ) {
        debug_assert_eq!(grad_y.data.len(), x.data.len());
        let Some(gx) = grad_x else { return };
        gx.reshape(x.n, x.dims());
        let (xs, ys, gy, gx) = (&x.data[..], &y.data[..], &grad_y.data[..], &mut gx.data[..]);
        match self.activation {
            Activation::Relu => relu_backward(xs, gy, gx),
            Activation::LeakyRelu => leaky_relu_backward(xs, self.alpha, gy, gx),
            Activation::Sigmoid => sigmoid_backward(ys, gy, gx),
            Activation::Tanh => tanh_backward(ys, gy, gx),
            Activation::Elu => elu_backward(xs, ys, self.alpha, gy, gx),
            Activation::Linear | Activation::Softmax => gx.copy_from_slice(gy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Mode;
    use crate::rng::Rng;

    fn run(activation: Activation, alpha: f32, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let dims = Dims::flat(x.len());
        let mut layer = ActivationLayer::new(dims, activation, alpha);
        let x = Tensor::from_vec(1, dims, x.to_vec());
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        layer.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
        let gy = Tensor::from_vec(1, dims, vec![2.0; x.data.len()]);
        let mut gx = Tensor::default();
        layer.backward(&[], &mut [], &x, &y, &gy, Some(&mut gx));
        (y.data, gx.data)
    }

    #[test]
    fn each_activation_by_hand() {
        let x = [-1.0, 2.0];
        assert_eq!(run(Activation::Relu, 0.0, &x), (vec![0.0, 2.0], vec![0.0, 2.0]));
        assert_eq!(
            run(Activation::LeakyRelu, default_alpha(Activation::LeakyRelu), &x),
            (vec![-0.01, 2.0], vec![0.02, 2.0])
        );
        assert_eq!(run(Activation::Linear, 0.0, &x), (x.to_vec(), vec![2.0, 2.0]));
        assert_eq!(run(Activation::Softmax, 0.0, &x), (x.to_vec(), vec![2.0, 2.0]));
        // σ(0) = ½, σ′(0) = ¼; tanh(0) = 0, tanh′(0) = 1; elu(−1) = e⁻¹ − 1, elu′(−1) = e⁻¹.
        let (y, g) = run(Activation::Sigmoid, 0.0, &[0.0]);
        assert_eq!((y[0], g[0]), (0.5, 0.5));
        let (y, g) = run(Activation::Tanh, 0.0, &[0.0]);
        assert_eq!((y[0], g[0]), (0.0, 2.0));
        let (y, g) = run(Activation::Elu, 1.0, &[-1.0]);
        let e = (-1.0f64).exp();
        assert!((y[0] as f64 - (e - 1.0)).abs() < 1e-7 && (g[0] as f64 - 2.0 * e).abs() < 1e-6);
    }

    #[test]
    fn keeps_the_input_shape() {
        let dims = Dims::new(2, 3, 3);
        let mut layer = ActivationLayer::new(dims, Activation::Tanh, 1.0);
        assert_eq!((layer.kind(), layer.out_dims()), ("tanh", dims));
        let x = Tensor::zeros(4, dims);
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        layer.forward(&[], &x, &mut y, &mut Ctx { mode: Mode::Eval, rng: &mut rng });
        assert_eq!((y.n, y.dims()), (4, dims));
    }
}
