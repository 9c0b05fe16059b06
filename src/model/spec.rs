//! The model spec: the JSON a person (or the page) writes to describe a network and how to train it.
//!
//! Field names are camelCase, as JavaScript writes them. Everything has a sensible default except
//! the layer list, so `{"layers": [{"type": "dense", "units": 10, "activation": "softmax"}]}` is a
//! complete spec. `validate` checks it before anything is allocated.

use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelSpec {
    /// Input shape as `[channels, height, width]`; MNIST is `[1, 28, 28]`.
    #[serde(default = "default_input")]
    pub input: [usize; 3],
    /// Number of classes of the final layer (the last dense layer must have this many units).
    #[serde(default = "default_classes")]
    pub classes: usize,
    pub layers: Vec<LayerSpec>,
    #[serde(default)]
    pub optimizer: OptimizerSpec,
    /// L2 regularisation λ on weights (not biases): the gradient gains λ·θ, i.e. the loss gains
    /// λ/2·Σθ². PyTorch's `weight_decay` for SGD, Adam, RMSProp, Adagrad and Adadelta.
    #[serde(default)]
    pub l2: f32,
    #[serde(default)]
    pub schedule: ScheduleSpec,
    /// Rescales the gradient when its global L2 norm exceeds this (PyTorch's `clip_grad_norm_`).
    #[serde(default)]
    pub clip_norm: Option<f32>,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    #[serde(default)]
    pub seed: u64,
    /// Random shifts of up to 2 pixels of each training image.
    #[serde(default)]
    pub augment: bool,
    /// Reshuffle the training examples every epoch (off: stored order, as the benchmark runs).
    #[serde(default = "yes")]
    pub shuffle: bool,
}

fn yes() -> bool {
    true
}

fn default_input() -> [usize; 3] {
    [1, 28, 28]
}
fn default_classes() -> usize {
    10
}
fn default_batch_size() -> usize {
    32
}
fn default_epochs() -> usize {
    1
}

/// One entry of the layer list. `conv2d` and `dense` take an optional activation, which the
/// engine applies as a separate step (and shows as one in the summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerSpec {
    Conv2d {
        filters: usize,
        kernel: Kernel,
        #[serde(default = "one")]
        stride: usize,
        #[serde(default, alias = "pad")]
        padding: Padding,
        #[serde(default)]
        activation: Activation,
        /// Slope for `leaky_relu` (default 0.01) or α for `elu` (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alpha: Option<f32>,
    },
    #[serde(alias = "maxpool")]
    Maxpool2d {
        size: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stride: Option<usize>,
    },
    #[serde(alias = "avgpool")]
    Avgpool2d {
        size: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stride: Option<usize>,
    },
    Dense {
        units: usize,
        #[serde(default)]
        activation: Activation,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alpha: Option<f32>,
    },
    Flatten,
    Dropout {
        rate: f32,
    },
    /// Batch normalization, per channel (per unit after a dense layer), with PyTorch's ε 1e-5 and
    /// momentum 0.1 (`layers::batchnorm`).
    #[serde(alias = "batch_norm", alias = "batchnorm2d", alias = "batchnorm1d")]
    Batchnorm,
    Activation {
        #[serde(rename = "fn", alias = "activation")]
        function: Activation,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alpha: Option<f32>,
    },
}

fn one() -> usize {
    1
}

impl LayerSpec {
    /// The name the summary and error messages use.
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::Maxpool2d { .. } => "maxpool2d",
            LayerSpec::Avgpool2d { .. } => "avgpool2d",
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Batchnorm => "batchnorm",
            LayerSpec::Activation { .. } => "activation",
        }
    }
}

/// A kernel size: one number for a square kernel, or `[height, width]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Kernel {
    Square(usize),
    Rect([usize; 2]),
}

impl Kernel {
    /// (height, width)
    pub fn hw(self) -> (usize, usize) {
        match self {
            Kernel::Square(k) => (k, k),
            Kernel::Rect([h, w]) => (h, w),
        }
    }
}

/// Zero padding: `"valid"` (none), `"same"` (output size = ceil(input / stride)), or a number of
/// pixels on every side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Padding {
    Pixels(usize),
    Named(PaddingName),
}

impl Default for Padding {
    fn default() -> Self {
        Padding::Named(PaddingName::Valid)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaddingName {
    Valid,
    Same,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    #[serde(alias = "none", alias = "identity")]
    Linear,
    Relu,
    LeakyRelu,
    Sigmoid,
    Tanh,
    Elu,
    /// Only on the last layer: fused with the cross-entropy loss.
    Softmax,
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Elu => "elu",
            Activation::Softmax => "softmax",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerSpec {
    /// PyTorch SGD: g += λθ; v = μv + g; θ -= lr·v (Nesterov: θ -= lr·(g + μv)).
    Sgd {
        lr: f32,
        #[serde(default)]
        momentum: f32,
        #[serde(default)]
        nesterov: bool,
    },
    /// PyTorch Adam with bias correction; L2 is added to the gradient.
    Adam {
        lr: f32,
        #[serde(default = "beta1")]
        beta1: f32,
        #[serde(default = "beta2")]
        beta2: f32,
        #[serde(default = "adam_eps")]
        eps: f32,
    },
    /// PyTorch AdamW: decoupled decay θ -= lr·wd·θ, then the Adam step.
    Adamw {
        lr: f32,
        #[serde(default = "beta1")]
        beta1: f32,
        #[serde(default = "beta2")]
        beta2: f32,
        #[serde(default = "adam_eps")]
        eps: f32,
        #[serde(default = "adamw_decay", alias = "weightDecay")]
        weight_decay: f32,
    },
    /// PyTorch RMSprop: s = αs + (1-α)g²; θ -= lr·g/(√s + ε) (with optional momentum).
    Rmsprop {
        lr: f32,
        #[serde(default = "rms_alpha")]
        alpha: f32,
        #[serde(default = "rms_eps")]
        eps: f32,
        #[serde(default)]
        momentum: f32,
    },
    /// PyTorch Adagrad: s += g² (s starts at initialAccumulatorValue); θ -= clr·g/(√s + ε) with
    /// clr = lr/(1 + (t − 1)·lrDecay).
    Adagrad {
        lr: f32,
        #[serde(default, rename = "lrDecay", alias = "lr_decay")]
        lr_decay: f32,
        #[serde(default, rename = "initialAccumulatorValue", alias = "initial_accumulator_value")]
        initial_accumulator_value: f32,
        #[serde(default = "adagrad_eps")]
        eps: f32,
    },
    /// PyTorch Adadelta: s = ρs + (1-ρ)g²; Δ = √(a + ε)/√(s + ε)·g; a = ρa + (1-ρ)Δ²; θ -= lr·Δ.
    Adadelta {
        #[serde(default = "adadelta_lr")]
        lr: f32,
        #[serde(default = "adadelta_rho")]
        rho: f32,
        #[serde(default = "adadelta_eps")]
        eps: f32,
    },
}

fn beta1() -> f32 {
    0.9
}
fn beta2() -> f32 {
    0.999
}
fn adam_eps() -> f32 {
    1e-8
}
fn adamw_decay() -> f32 {
    0.01
}
fn rms_alpha() -> f32 {
    0.99
}
fn rms_eps() -> f32 {
    1e-8
}
fn adagrad_eps() -> f32 {
    1e-10
}
fn adadelta_lr() -> f32 {
    1.0
}
fn adadelta_rho() -> f32 {
    0.9
}
fn adadelta_eps() -> f32 {
    1e-6
}

impl Default for OptimizerSpec {
    fn default() -> Self {
        OptimizerSpec::Adam { lr: 0.001, beta1: beta1(), beta2: beta2(), eps: adam_eps() }
    }
}

impl OptimizerSpec {
    pub fn lr(&self) -> f32 {
        match *self {
            OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::Adamw { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Adadelta { lr, .. } => lr,
        }
    }

    /// The base learning rate, changed while training: the spec stays the one record of the run.
    pub fn set_lr(&mut self, new: f32) {
        match self {
            OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::Adamw { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Adadelta { lr, .. } => *lr = new,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::Adamw { .. } => "adamw",
            OptimizerSpec::Rmsprop { .. } => "rmsprop",
            OptimizerSpec::Adagrad { .. } => "adagrad",
            OptimizerSpec::Adadelta { .. } => "adadelta",
        }
    }
}

/// How the learning rate changes over epochs (applied per step, as a multiple of the base rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleSpec {
    #[default]
    Constant,
    /// lr · gamma^floor(epoch / everyEpochs), as PyTorch's `StepLR` stepped once per epoch.
    Step {
        #[serde(rename = "everyEpochs", alias = "every_epochs")]
        every_epochs: usize,
        #[serde(default = "half")]
        gamma: f32,
    },
    /// Cosine annealing from lr to minLr over the whole run, per step (PyTorch's `CosineAnnealingLR`).
    Cosine {
        #[serde(default, rename = "minLr", alias = "min_lr")]
        min_lr: f32,
    },
}

fn half() -> f32 {
    0.5
}

impl ModelSpec {
    /// Parses JSON into a spec, with a message that says where the JSON is wrong.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| Problem::new("unreadable_spec", None, format!("model spec: {e}"), None).into())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a spec always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_spec_gets_defaults() -> Result<()> {
        let s = ModelSpec::from_json(r#"{"layers":[{"type":"dense","units":10,"activation":"softmax"}]}"#)?;
        assert_eq!(s.input, [1, 28, 28]);
        assert_eq!(s.batch_size, 32);
        assert_eq!(s.optimizer.name(), "adam");
        assert_eq!(s.layers[0], LayerSpec::Dense { units: 10, activation: Activation::Softmax, alpha: None });
        Ok(())
    }

    #[test]
    fn conv_accepts_kernel_and_padding_forms() -> Result<()> {
        let s = ModelSpec::from_json(
            r#"{"layers":[
                {"type":"conv2d","filters":8,"kernel":5,"padding":"same","activation":"relu"},
                {"type":"conv2d","filters":4,"kernel":[3,1],"pad":2},
                {"type":"conv2d","filters":4,"kernel":3,"padding":"valid"},
                {"type":"maxpool","size":2,"stride":2},
                {"type":"activation","fn":"leaky_relu","alpha":0.1}
            ]}"#,
        )?;
        match &s.layers[0] {
            LayerSpec::Conv2d { padding, kernel, .. } => {
                assert_eq!(*padding, Padding::Named(PaddingName::Same));
                assert_eq!(kernel.hw(), (5, 5));
            }
            other => panic!("{other:?}"),
        }
        match &s.layers[1] {
            LayerSpec::Conv2d { padding, kernel, .. } => {
                assert_eq!(*padding, Padding::Pixels(2));
                assert_eq!(kernel.hw(), (3, 1));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.layers[3].kind(), "maxpool2d");
        Ok(())
    }

    #[test]
    fn unknown_layer_type_is_explained() {
        let e = ModelSpec::from_json(r#"{"layers":[{"type":"conv3d","filters":8}]}"#).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("conv3d"), "{msg}");
    }

    #[test]
    fn round_trips_through_json() -> Result<()> {
        let s = ModelSpec::from_json(
            r#"{"layers":[{"type":"conv2d","filters":8,"kernel":5,"padding":"same","activation":"relu"},
               {"type":"dense","units":10,"activation":"softmax"}],
               "optimizer":{"type":"sgd","lr":0.1,"momentum":0.9,"nesterov":true},
               "schedule":{"type":"step","everyEpochs":2,"gamma":0.1},"seed":5}"#,
        )?;
        assert_eq!(ModelSpec::from_json(&s.to_json())?, s);
        Ok(())
    }

    #[test]
    fn adagrad_and_adadelta_take_pytorch_defaults() -> Result<()> {
        let layers = r#""layers":[{"type":"dense","units":10,"activation":"softmax"}]"#;
        let s = ModelSpec::from_json(&format!(r#"{{{layers},"optimizer":{{"type":"adagrad","lr":0.01}}}}"#))?;
        assert_eq!(
            s.optimizer,
            OptimizerSpec::Adagrad { lr: 0.01, lr_decay: 0.0, initial_accumulator_value: 0.0, eps: 1e-10 }
        );
        assert_eq!(ModelSpec::from_json(&s.to_json())?, s);
        let s = ModelSpec::from_json(&format!(r#"{{{layers},"optimizer":{{"type":"adadelta"}}}}"#))?;
        assert_eq!(s.optimizer, OptimizerSpec::Adadelta { lr: 1.0, rho: 0.9, eps: 1e-6 });
        let s = ModelSpec::from_json(&format!(
            r#"{{{layers},"optimizer":{{"type":"adagrad","lr":0.1,"lrDecay":0.01,"initialAccumulatorValue":0.1}}}}"#
        ))?;
        assert!(s.to_json().contains("initialAccumulatorValue"), "{}", s.to_json());
        Ok(())
    }
}
