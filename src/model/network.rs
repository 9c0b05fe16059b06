//! The built network: layers allocated from a validated plan, their parameters in one store, and
//! every activation and its gradient kept between the forward and the backward pass.

use crate::error::{Error, Result};
use crate::layers::activation::ActivationLayer;
use crate::layers::batchnorm::BatchNorm;
use crate::layers::conv2d::Conv2d;
use crate::layers::dense::Dense;
use crate::layers::dropout::Dropout;
use crate::layers::flatten::Flatten;
use crate::layers::pool::{AvgPool2d, MaxPool2d};
use crate::layers::{Ctx, Init, Layer};
use crate::model::spec::Activation;
use crate::model::validate::{Op, Plan};
use crate::params::ParamStore;
use crate::rng::Rng;
use crate::tensor::Tensor;

pub struct Network {
    pub plan: Plan,
    layers: Vec<Box<dyn Layer>>,
    pub store: ParamStore,
    /// `acts[0]` is the input batch, `acts[i + 1]` the output of layer `i` (the last: logits).
    acts: Vec<Tensor>,
    /// `grads[i]` is the loss gradient with respect to `acts[i]` (`grads[0]` is never computed).
    grads: Vec<Tensor>,
}

/// He initialisation for layers followed by a ReLU-family activation (looking past a batch norm
/// between them), Glorot otherwise.
fn init_for(plan: &Plan, layer: usize) -> Init {
    let next = plan.layers[layer + 1..].iter().map(|l| &l.op).find(|op| !matches!(op, Op::Batchnorm));
    match next {
        Some(Op::Activation { function: Activation::Relu | Activation::LeakyRelu | Activation::Elu, .. }) => Init::He,
        _ => Init::Xavier,
    }
}

impl Network {
    /// Allocates the layers of a validated plan and initialises their parameters from `rng`.
    pub fn build(plan: &Plan, rng: &mut Rng) -> Network {
        let mut store = ParamStore::new();
        let mut layers: Vec<Box<dyn Layer>> = Vec::with_capacity(plan.layers.len());
        for (i, l) in plan.layers.iter().enumerate() {
            let d = l.in_dims;
            let layer: Box<dyn Layer> = match l.op {
                Op::Conv2d { filters, kh, kw, stride, pad } => {
                    let conv = Conv2d::new(
                        &mut store,
                        l.spec_index,
                        d,
                        filters,
                        (kh, kw),
                        stride,
                        (pad.top, pad.bottom, pad.left, pad.right),
                    );
                    conv.init(&mut store.values, rng, init_for(plan, i));
                    Box::new(conv)
                }
                Op::Dense { units } => {
                    let dense = Dense::new(&mut store, l.spec_index, d.len(), units);
                    dense.init(&mut store.values, rng, init_for(plan, i));
                    Box::new(dense)
                }
                Op::Maxpool2d { size, stride } => Box::new(MaxPool2d::new(d, size, stride)),
                Op::Avgpool2d { size, stride } => Box::new(AvgPool2d::new(d, size, stride)),
                Op::Flatten => Box::new(Flatten::new(d)),
                Op::Dropout { rate } => Box::new(Dropout::new(d, rate)),
                Op::Batchnorm => {
                    let bn = BatchNorm::new(&mut store, l.spec_index, d);
                    bn.init(&mut store.values);
                    Box::new(bn)
                }
                Op::Activation { function, alpha } => Box::new(ActivationLayer::new(d, function, alpha)),
            };
            layers.push(layer);
        }
        let n = layers.len() + 1;
        Network {
            plan: plan.clone(),
            layers,
            store,
            acts: (0..n).map(|_| Tensor::default()).collect(),
            grads: (0..n).map(|_| Tensor::default()).collect(),
        }
    }

    /// The input batch buffer, to be filled in place (by `Dataset::fill_batch`) before `forward`.
    pub fn input_mut(&mut self) -> &mut Tensor {
        &mut self.acts[0]
    }

    /// Runs every layer on the batch in `input_mut()` and returns the logits.
    ///
    /// Shapes: input [n, c, h, w] → logits [n, classes].
    pub fn forward(&mut self, ctx: &mut Ctx) -> &Tensor {
        let values = &self.store.values;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let (done, rest) = self.acts.split_at_mut(i + 1);
            layer.forward(values, &done[i], &mut rest[0], ctx);
        }
        &self.acts[self.layers.len()]
    }

    /// The buffer for the loss gradient with respect to the logits, to be filled before `backward`.
    pub fn grad_logits_mut(&mut self) -> &mut Tensor {
        let last = self.layers.len();
        &mut self.grads[last]
    }

    /// The logits of the last forward pass and the buffer for their gradient, borrowed together.
    pub fn logits_and_grad_mut(&mut self) -> (&Tensor, &mut Tensor) {
        let last = self.layers.len();
        (&self.acts[last], &mut self.grads[last])
    }

    pub fn logits(&self) -> &Tensor {
        &self.acts[self.layers.len()]
    }

    /// Back-propagates `grad_logits_mut()` through every layer, adding into the parameter gradients.
    ///
    /// It stops at the first layer with parameters: below it only the input image would receive
    /// a gradient, which nothing uses. (An MLP starts with an implicit flatten, so this saves its
    /// first dense layer a whole `grad_x` GEMM and the flatten a copy.)
    pub fn backward(&mut self) {
        let crate::params::ParamStore { values, grads: param_grads, .. } = &mut self.store;
        let first = self.plan.layers.iter().position(|l| l.params > 0).unwrap_or(self.layers.len());
        for i in (first..self.layers.len()).rev() {
            let (lower, upper) = self.grads.split_at_mut(i + 1);
            let grad_x = if i > first { Some(&mut lower[i]) } else { None };
            self.layers[i].backward(values, param_grads, &self.acts[i], &self.acts[i + 1], &upper[0], grad_x);
        }
    }

    /// The gradient of logit `class` of the last forward pass, which must have been of one example,
    /// with respect to that example's input values, written into `out` (resized to the input's
    /// length; left empty when the last pass was not of exactly one example).
    ///
    /// Unlike [`Network::backward`] it goes down to the input, and the parameter gradients it
    /// computes on the way land in `scratch` (resized to the store's length and zeroed), never in
    /// the store: the training state stays as it was. The layers' gradient buffers are reused,
    /// which a training step overwrites before it reads them.
    pub fn input_gradient(&mut self, class: usize, scratch: &mut Vec<f32>, out: &mut Vec<f32>) {
        out.clear();
        if self.acts[0].n != 1 {
            return;
        }
        let last = self.layers.len();
        let logits = &self.acts[last];
        let grad = &mut self.grads[last];
        grad.reshape(1, logits.dims());
        grad.data.fill(0.0);
        if let Some(g) = grad.data.get_mut(class) {
            *g = 1.0;
        }
        self.backward_to_input(scratch);
        out.extend_from_slice(self.grads[0].example(0));
    }

    /// Back-propagates `grad_logits_mut()` through every layer down to the input, leaving each
    /// activation's gradient in `gradients()` and the parameter gradients in `scratch` (resized to
    /// the store's length and zeroed), never in the store.
    pub fn backward_to_input(&mut self, scratch: &mut Vec<f32>) {
        scratch.clear();
        scratch.resize(self.store.len(), 0.0);
        let values = &self.store.values;
        for i in (0..self.layers.len()).rev() {
            let (lower, upper) = self.grads.split_at_mut(i + 1);
            self.layers[i].backward(values, scratch, &self.acts[i], &self.acts[i + 1], &upper[0], Some(&mut lower[i]));
        }
    }

    /// The loss gradient with respect to each activation (as `activations()`), after `backward_to_input`.
    pub fn gradients(&self) -> &[Tensor] {
        &self.grads
    }

    /// Every layer's state (`Layer::state`: batch norm's running estimates), in layer order.
    pub fn state(&self) -> Vec<f32> {
        self.layers.iter().flat_map(|l| l.state().iter().copied()).collect()
    }

    /// Gives every layer its part of `values`, as `state()` returned it. On an error some layers
    /// may have taken theirs: the caller (loading a model) drops the network.
    pub fn set_state(&mut self, values: &[f32]) -> Result<()> {
        let total: usize = self.layers.iter().map(|l| l.state().len()).sum();
        if values.len() != total {
            return Err(Error::Format(format!(
                "the file holds {} values of layer state but its network has {total}",
                values.len()
            )));
        }
        let mut at = 0;
        for layer in &mut self.layers {
            let len = layer.state().len();
            layer.set_state(&values[at..at + len])?;
            at += len;
        }
        Ok(())
    }

    /// How many values of statistics a training shard gives the step (`Layer::batch_stats`).
    pub fn batch_stats_len(&self) -> usize {
        self.layers.iter().map(|l| l.batch_stats().len()).sum()
    }

    /// Writes every layer's statistics of the last training forward pass into `out`, in layer order.
    pub fn write_batch_stats(&self, out: &mut [f32]) {
        let mut at = 0;
        for l in &self.layers {
            let stats = l.batch_stats();
            out[at..at + stats.len()].copy_from_slice(stats);
            at += stats.len();
        }
    }

    /// Merges one shard's statistics (as `write_batch_stats` wrote them) into `merged`.
    pub fn merge_batch_stats(&self, merged: &mut [f64], rows_before: usize, stats: &[f32], rows: usize) {
        let mut at = 0;
        for l in &self.layers {
            let len = l.batch_stats().len();
            l.merge_batch_stats(&mut merged[at..at + len], rows_before, &stats[at..at + len], rows);
            at += len;
        }
    }

    /// Moves every layer's state by the step's merged statistics of `rows` examples.
    pub fn update_running(&mut self, merged: &[f64], rows: usize) {
        let mut at = 0;
        for l in &mut self.layers {
            let len = l.batch_stats().len();
            l.update_running(&merged[at..at + len], rows);
            at += len;
        }
    }

    /// Activations of the last forward pass: the input, then each layer's output.
    pub fn activations(&self) -> &[Tensor] {
        &self.acts
    }

    /// The layers and the parameter store, borrowed together: for tools that time each layer alone.
    pub fn layers_and_store_mut(&mut self) -> (&mut [Box<dyn Layer>], &mut ParamStore) {
        (&mut self.layers, &mut self.store)
    }

    /// A readable label for layer `i` of the plan (`"3 conv2d"`, `"flatten (implicit)"`).
    pub fn layer_label(&self, i: usize) -> String {
        let l = &self.plan.layers[i];
        let suffix = if l.implicit { " (implicit)" } else { "" };
        format!("{} {}{}", l.spec_index + 1, self.layers[i].kind(), suffix)
    }
}
