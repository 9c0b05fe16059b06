//! Layers: each one computes its output shape when built, fills its output in `forward`,
//! and in `backward` adds into its parameter gradients and writes the gradient of its input.

pub mod activation;
pub mod conv2d;
pub mod dense;
pub mod dropout;
pub mod flatten;
pub mod pool;

use crate::rng::Rng;
use crate::tensor::{Dims, Tensor};

/// Training applies dropout; evaluation does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

/// What a forward pass may need beyond its input.
pub struct Ctx<'a> {
    pub mode: Mode,
    pub rng: &'a mut Rng,
}

/// One step of the network.
///
/// The network owns every activation: `x` is this layer's input and `y` its output, both kept
/// until `backward`, so a layer caches only what it cannot recompute cheaply (argmax indices,
/// dropout masks, im2col columns). Scratch buffers are reused: once warmed up at a batch size,
/// neither pass allocates.
pub trait Layer {
    /// Short name of the operation, as the summary shows it (`"conv2d"`, `"relu"`).
    fn kind(&self) -> &'static str;
    fn in_dims(&self) -> Dims;
    fn out_dims(&self) -> Dims;

    /// Writes the output for the batch `x` into `y` (which it reshapes). `params` is the whole
    /// store's value buffer; the layer reads its own slices from it.
    fn forward(&mut self, params: &[f32], x: &Tensor, y: &mut Tensor, ctx: &mut Ctx);

    /// Adds this layer's parameter gradients into `grads` (never overwrites: the trainer zeroes),
    /// and, when `grad_x` is given, writes the gradient with respect to the input into it.
    fn backward(
        &mut self,
        params: &[f32],
        grads: &mut [f32],
        x: &Tensor,
        y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    );

    /// Multiply-adds ×2 (plus bias adds) of one example's forward pass.
    fn forward_flops(&self) -> u64 {
        0
    }
}
