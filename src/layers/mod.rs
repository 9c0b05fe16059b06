//! Layers: each one computes its output shape when built, fills its output in `forward`,
//! and in `backward` adds into its parameter gradients and writes the gradient of its input.

pub mod activation;
pub mod batchnorm;
pub mod conv2d;
pub mod dense;
pub mod dropout;
pub mod flatten;
pub mod pool;

use crate::error::{Error, Result};
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

    /// State that is not a parameter but belongs to the model (batch norm's running estimates):
    /// saved and loaded with it, never touched by the optimizer. Empty for most layers.
    fn state(&self) -> &[f32] {
        &[]
    }

    /// Takes saved state of `state()`'s length, or refuses it as damaged.
    fn set_state(&mut self, values: &[f32]) -> Result<()> {
        if values.is_empty() {
            Ok(())
        } else {
            Err(Error::Format(format!("a {} layer has no saved state, but the file gives it some", self.kind())))
        }
    }

    /// Statistics of the last training-mode forward pass that the step gathers from every shard
    /// (batch norm's mean and variance), of a fixed length. Empty for most layers.
    fn batch_stats(&self) -> &[f32] {
        &[]
    }

    /// Merges one shard's `batch_stats` (of `rows` examples) into `merged` (as many f64 values,
    /// zero before the first shard), after `rows_before` examples of earlier shards.
    fn merge_batch_stats(&self, _merged: &mut [f64], _rows_before: usize, _stats: &[f32], _rows: usize) {}

    /// Updates the state from the whole step's merged statistics of `rows` examples.
    fn update_running(&mut self, _merged: &[f64], _rows: usize) {}
}

/// Weight initialisation schemes. Both are uniform rather than normal, so drawing them takes only
/// exactly rounded operations (`Rng::uniform`, `sqrt`) and a seed gives the same weights natively
/// and in WebAssembly. Biases always start at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// He (Kaiming) uniform, U(±√(6/fan_in)): Var = 2/fan_in, which keeps the activation variance
    /// steady through ReLU-family layers (He et al. 2015; PyTorch `kaiming_uniform_`, gain √2).
    He,
    /// Glorot (Xavier) uniform, U(±√(6/(fan_in + fan_out))): Var = 2/(fan_in + fan_out), for tanh,
    /// sigmoid and linear layers (Glorot & Bengio 2010; PyTorch `xavier_uniform_`).
    Xavier,
}

impl Init {
    /// The half-width of the uniform range.
    pub fn bound(self, fan_in: usize, fan_out: usize) -> f32 {
        let fan = match self {
            Init::He => fan_in,
            Init::Xavier => fan_in + fan_out,
        };
        (6.0 / fan.max(1) as f32).sqrt()
    }

    /// Fills `values` from U(−bound, bound), in order.
    pub fn fill(self, values: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        let bound = self.bound(fan_in, fan_out);
        for v in values {
            *v = rng.uniform(-bound, bound);
        }
    }
}
