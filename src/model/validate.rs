//! Validation and shape inference: turns a `ModelSpec` into a list of resolved layers with their
//! shapes, parameter counts and costs, or every problem a student should fix — before anything is
//! allocated.

use serde::Serialize;

use crate::error::{Error, Problem, Result};
use crate::layers::activation::default_alpha;
use crate::layers::conv2d;
use crate::model::limits::{self, LIMITS};
use crate::model::spec::{Activation, LayerSpec, ModelSpec, OptimizerSpec, Padding, PaddingName, ScheduleSpec};
use crate::tensor::Dims;

/// One step of the built network, with everything needed to allocate it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedLayer {
    /// Index in the spec's layer list (an activation of a conv/dense layer shares its index).
    pub spec_index: usize,
    pub op: Op,
    pub in_dims: Dims,
    pub out_dims: Dims,
    pub params: usize,
    /// Forward FLOPs per example (2 per multiply-add, plus bias adds).
    pub flops: u64,
    /// Whether the spec asked for it, or the engine added it (an implicit flatten).
    pub implicit: bool,
}

/// The operation of a resolved layer, with sizes fully worked out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Conv2d { filters: usize, kh: usize, kw: usize, stride: usize, pad: Pads },
    Maxpool2d { size: usize, stride: usize },
    Avgpool2d { size: usize, stride: usize },
    Dense { units: usize },
    Flatten,
    Dropout { rate: f32 },
    Batchnorm,
    Activation { function: Activation, alpha: f32 },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Conv2d { .. } => "conv2d",
            Op::Maxpool2d { .. } => "maxpool2d",
            Op::Avgpool2d { .. } => "avgpool2d",
            Op::Dense { .. } => "dense",
            Op::Flatten => "flatten",
            Op::Dropout { .. } => "dropout",
            Op::Batchnorm => "batchnorm",
            Op::Activation { function, .. } => function.name(),
        }
    }
}

/// Zero padding on each side (top, bottom, left, right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pads {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// A validated network: its layers and its costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub input: Dims,
    pub classes: usize,
    pub layers: Vec<ResolvedLayer>,
    pub total_params: usize,
    /// Forward FLOPs per example.
    pub forward_flops: u64,
    /// Training FLOPs per example, counted as 3× forward (forward, input gradient, weight gradient).
    pub training_flops: u64,
    /// Estimated bytes the engine allocates at the spec's batch size.
    pub memory_bytes: u64,
}

/// What checking a spec found: the plan, when the layers fit together (even if a training setting
/// is wrong, so the page can still show every layer's shape), and every problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    #[serde(rename = "summary")]
    pub plan: Option<Plan>,
    pub problems: Vec<Problem>,
}

fn sides(d: Dims) -> String {
    format!("{}×{}", d.h, d.w)
}

/// Formats a byte count for people: 1.2 MB, 340 KB.
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} KB", (b / 1e3).max(1.0))
    }
}

fn hint(text: &str) -> Option<String> {
    Some(text.to_string())
}

/// Validates the spec with the default memory budget.
pub fn validate(spec: &ModelSpec) -> Result<Plan> {
    validate_with_budget(spec, limits::DEFAULT_MEMORY_BUDGET)
}

/// The plan, or every problem of the spec.
pub fn validate_with_budget(spec: &ModelSpec, budget_bytes: u64) -> Result<Plan> {
    match check_with_budget(spec, budget_bytes) {
        Checked { plan: Some(plan), problems } if problems.is_empty() => Ok(plan),
        Checked { problems, .. } => Err(Error::Spec(problems)),
    }
}

/// Checks every setting, infers every shape and estimates memory and compute; nothing is allocated.
/// The training settings are each checked on their own; the layers up to the first that does not
/// fit (the shapes after it are unknown).
pub fn check(spec: &ModelSpec) -> Checked {
    check_with_budget(spec, limits::DEFAULT_MEMORY_BUDGET)
}

pub fn check_with_budget(spec: &ModelSpec, budget_bytes: u64) -> Checked {
    let mut problems = training_problems(spec);
    let batch_ok = !problems.iter().any(|p| p.field == Some("batchSize"));
    let plan = match resolve_layers(spec) {
        Ok(plan) => Some(plan),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    if let (Some(plan), true) = (&plan, batch_ok) {
        problems.extend(cost_problems(spec, plan, budget_bytes));
        problems.extend(batchnorm_problem(spec, plan));
    }
    Checked { plan, problems }
}

/// Chains the shapes through the layers; the first layer that does not fit is the problem.
fn resolve_layers(spec: &ModelSpec) -> std::result::Result<Plan, Problem> {
    let [c, h, w] = spec.input;
    let side = LIMITS.input_side;
    if c == 0 || h == 0 || w == 0 || h > side || w > side || c > LIMITS.input_channels {
        return Err(Problem::new(
            "input_shape",
            Some("input"),
            format!("input shape {c}×{h}×{w} is not usable"),
            Some(format!(
                "give [channels, height, width] with 1–{} channels and sides of 1–{side} pixels",
                LIMITS.input_channels
            )),
        ));
    }
    if spec.classes < 2 || spec.classes > LIMITS.classes {
        return Err(Problem::new(
            "classes",
            Some("classes"),
            format!("classes must be from 2 to {}, got {}", LIMITS.classes, spec.classes),
            None,
        ));
    }
    if spec.layers.is_empty() {
        return Err(Problem::new(
            "no_layers",
            Some("layers"),
            "the network has no layers",
            Some(format!("add at least a dense layer with {} units and activation \"softmax\"", spec.classes)),
        ));
    }
    if spec.layers.len() > LIMITS.layers {
        return Err(Problem::new(
            "too_many_layers",
            Some("layers"),
            format!(
                "the network has {} layers, more than the {} the playground allows",
                spec.layers.len(),
                LIMITS.layers
            ),
            None,
        ));
    }

    let mut layers = Vec::new();
    let mut dims = Dims::new(c, h, w);
    // Whether the values are a vector (after a dense or flatten layer) rather than feature maps. A map
    // shrunk to 1×1 has the same dims as a vector, but a convolution or a pooling may still follow it.
    let mut flat = false;
    let last = spec.layers.len() - 1;
    for (i, layer) in spec.layers.iter().enumerate() {
        let kind = layer.kind();
        let problem =
            |code, field, what: String, fix: Option<String>| Problem::in_layer(i, kind, code, field, what, fix);
        // Sizes run from 1 to the playground's limit; `what` names a count of them ("{} filters").
        let size = |field, what: &str, v: usize, max: usize, typical: &str| {
            let said = what.replace("{}", &v.to_string());
            if v == 0 {
                Some(problem(
                    "value_out_of_range",
                    field,
                    format!("{said}: at least 1 is needed"),
                    Some(format!("{typical} is typical")),
                ))
            } else if v > max {
                Some(problem(
                    "value_out_of_range",
                    field,
                    format!("{said} is more than the {max} the playground allows"),
                    Some(format!("{typical} is typical")),
                ))
            } else {
                None
            }
        };
        match *layer {
            LayerSpec::Conv2d { filters, kernel, stride, padding, activation, alpha } => {
                if flat {
                    return Err(problem(
                        "needs_image",
                        "type",
                        format!("a convolution needs an image-shaped input, but the layer before it outputs a flat vector of {}", dims.len()),
                        hint("put convolutions before dense and flatten layers"),
                    ));
                }
                let (kh, kw) = kernel.hw();
                let bad = size("filters", "{} filters", filters, LIMITS.filters, "8 or 16")
                    .or_else(|| size("kernel", "a kernel side of {}", kh.min(kw), LIMITS.kernel, "3 or 5"))
                    .or_else(|| size("kernel", "a kernel side of {}", kh.max(kw), LIMITS.kernel, "3 or 5"))
                    .or_else(|| size("stride", "stride {}", stride, LIMITS.conv_stride, "1"));
                if let Some(p) = bad {
                    return Err(p);
                }
                let pad = match padding {
                    Padding::Named(PaddingName::Valid) => Pads { top: 0, bottom: 0, left: 0, right: 0 },
                    Padding::Pixels(p) => {
                        if p >= kh.max(kw) {
                            return Err(problem(
                                "padding_too_large",
                                "padding",
                                format!("padding {p} is as large as the {kh}×{kw} kernel, so some outputs would see only zeros"),
                                Some(format!("use at most {}", kh.max(kw) - 1)),
                            ));
                        }
                        Pads { top: p, bottom: p, left: p, right: p }
                    }
                    Padding::Named(PaddingName::Same) => {
                        // Output = ceil(in / stride); the extra pixel of an even total goes bottom/right (as TensorFlow).
                        let total = |n: usize, k: usize| ((n.div_ceil(stride) - 1) * stride + k).saturating_sub(n);
                        let (th, tw) = (total(dims.h, kh), total(dims.w, kw));
                        Pads { top: th / 2, bottom: th - th / 2, left: tw / 2, right: tw - tw / 2 }
                    }
                };
                let (ph, pw) = (dims.h + pad.top + pad.bottom, dims.w + pad.left + pad.right);
                if kh > ph || kw > pw {
                    let padded = if ph != dims.h || pw != dims.w {
                        format!(" ({ph}×{pw} with padding)")
                    } else {
                        String::new()
                    };
                    return Err(problem(
                        "kernel_too_large",
                        "kernel",
                        format!("{kh}×{kw} kernel does not fit the {} input{padded}", sides(dims)),
                        hint("use a smaller kernel, padding \"same\", or remove a pooling layer before it"),
                    ));
                }
                let out = Dims::new(filters, (ph - kh) / stride + 1, (pw - kw) / stride + 1);
                let params = filters * dims.c * kh * kw + filters;
                let macs = (out.h * out.w * filters * dims.c * kh * kw) as u64;
                layers.push(ResolvedLayer {
                    spec_index: i,
                    op: Op::Conv2d { filters, kh, kw, stride, pad },
                    in_dims: dims,
                    out_dims: out,
                    params,
                    flops: 2 * macs + out.len() as u64,
                    implicit: false,
                });
                dims = out;
                push_activation(&mut layers, i, kind, activation, alpha, dims, i == last)?;
            }
            LayerSpec::Maxpool2d { size: window, stride } | LayerSpec::Avgpool2d { size: window, stride } => {
                if flat {
                    return Err(problem(
                        "needs_image",
                        "type",
                        format!(
                            "pooling needs an image-shaped input, but the layer before it outputs a flat vector of {}",
                            dims.len()
                        ),
                        hint("pool before dense layers"),
                    ));
                }
                let stride = stride.unwrap_or(window);
                let bad = size("size", "a window of {}×{}", window, LIMITS.pool, "2")
                    .or_else(|| size("stride", "stride {}", stride, LIMITS.pool, "2"));
                if let Some(p) = bad {
                    return Err(p);
                }
                if window > dims.h || window > dims.w {
                    return Err(problem(
                        "window_too_large",
                        "size",
                        format!("a {window}×{window} window does not fit the {} input", sides(dims)),
                        hint("use a smaller size or remove an earlier pooling layer"),
                    ));
                }
                // Floor: rows and columns that do not fill a whole window are dropped.
                let out = Dims::new(dims.c, (dims.h - window) / stride + 1, (dims.w - window) / stride + 1);
                let op = if matches!(layer, LayerSpec::Maxpool2d { .. }) {
                    Op::Maxpool2d { size: window, stride }
                } else {
                    Op::Avgpool2d { size: window, stride }
                };
                layers.push(ResolvedLayer {
                    spec_index: i,
                    op,
                    in_dims: dims,
                    out_dims: out,
                    params: 0,
                    flops: 0,
                    implicit: false,
                });
                dims = out;
            }
            LayerSpec::Dense { units, activation, alpha } => {
                if let Some(p) = size("units", "{} units", units, LIMITS.units, "64 or 128") {
                    return Err(p);
                }
                if !dims.is_flat() {
                    layers.push(ResolvedLayer {
                        spec_index: i,
                        op: Op::Flatten,
                        in_dims: dims,
                        out_dims: Dims::flat(dims.len()),
                        params: 0,
                        flops: 0,
                        implicit: true,
                    });
                    dims = Dims::flat(dims.len());
                }
                let out = Dims::flat(units);
                layers.push(ResolvedLayer {
                    spec_index: i,
                    op: Op::Dense { units },
                    in_dims: dims,
                    out_dims: out,
                    params: dims.len() * units + units,
                    flops: 2 * (dims.len() * units) as u64 + units as u64,
                    implicit: false,
                });
                dims = out;
                flat = true;
                push_activation(&mut layers, i, kind, activation, alpha, dims, i == last)?;
            }
            LayerSpec::Flatten => {
                let out = Dims::flat(dims.len());
                layers.push(ResolvedLayer {
                    spec_index: i,
                    op: Op::Flatten,
                    in_dims: dims,
                    out_dims: out,
                    params: 0,
                    flops: 0,
                    implicit: false,
                });
                dims = out;
                flat = true;
            }
            LayerSpec::Dropout { rate } => {
                if !(rate.is_finite() && (0.0..=LIMITS.dropout).contains(&rate)) {
                    return Err(problem(
                        "value_out_of_range",
                        "rate",
                        format!(
                            "rate {rate} is not usable: it is the probability of dropping a value, from 0 to {}",
                            LIMITS.dropout
                        ),
                        hint("0.25–0.5 is typical"),
                    ));
                }
                layers.push(ResolvedLayer {
                    spec_index: i,
                    op: Op::Dropout { rate },
                    in_dims: dims,
                    out_dims: dims,
                    params: 0,
                    flops: 0,
                    implicit: false,
                });
            }
            LayerSpec::Batchnorm => {
                // Normalise, scale and shift, and in training the mean and the variance: about 8
                // operations per value.
                layers.push(ResolvedLayer {
                    spec_index: i,
                    op: Op::Batchnorm,
                    in_dims: dims,
                    out_dims: dims,
                    params: 2 * dims.c,
                    flops: 8 * dims.len() as u64,
                    implicit: false,
                });
            }
            LayerSpec::Activation { function, alpha } => {
                push_activation(&mut layers, i, kind, function, alpha, dims, i == last)?;
            }
        }
    }

    if dims != Dims::flat(spec.classes) {
        return Err(Problem::new(
            "output_size",
            Some("layers"),
            format!("the last layer must output one score per class ({} values), but it outputs {dims}", spec.classes),
            Some(format!("end with a dense layer of {} units and activation \"softmax\"", spec.classes)),
        ));
    }

    let total_params: usize = layers.iter().map(|l| l.params).sum();
    let forward_flops: u64 = layers.iter().map(|l| l.flops).sum();
    let memory_bytes = estimate_memory(spec, &layers, total_params);
    Ok(Plan {
        input: Dims::new(c, h, w),
        classes: spec.classes,
        layers,
        total_params,
        forward_flops,
        training_flops: 3 * forward_flops,
        memory_bytes,
    })
}

/// Memory and compute at the spec's batch size, against what the engine may use.
fn cost_problems(spec: &ModelSpec, plan: &Plan, budget_bytes: u64) -> Vec<Problem> {
    let mut problems = Vec::new();
    if plan.memory_bytes > budget_bytes {
        problems.push(Problem::new(
            "memory_budget",
            Some("layers"),
            format!(
                "this network needs about {} at batch size {} ({} parameters), more than the {} the engine may use",
                human_bytes(plan.memory_bytes),
                spec.batch_size,
                plan.total_params,
                human_bytes(budget_bytes)
            ),
            hint("use fewer filters or units, a smaller batch, or pool earlier"),
        ));
    }
    let step_flops = plan.training_flops * spec.batch_size as u64;
    if step_flops > limits::MAX_STEP_FLOPS {
        problems.push(Problem::new(
            "compute_budget",
            Some("layers"),
            format!(
                "one training step of this network needs about {:.0} GFLOP ({} images of {:.2} GFLOP each, forward and backward), over the {} GFLOP a step may take so that the page stays responsive",
                step_flops as f64 / 1e9,
                spec.batch_size,
                plan.training_flops as f64 / 1e9,
                limits::MAX_STEP_FLOPS / 1_000_000_000
            ),
            hint("use fewer filters or units, smaller kernels, pool earlier, or a smaller batch"),
        ));
    }
    problems
}

/// Batch norm over a single value per channel normalises everything to 0 (PyTorch refuses to train
/// it): after a dense layer it needs batches of at least two examples.
fn batchnorm_problem(spec: &ModelSpec, plan: &Plan) -> Option<Problem> {
    let lone = plan.layers.iter().find(|l| l.op == Op::Batchnorm && l.in_dims.h * l.in_dims.w * spec.batch_size < 2)?;
    Some(Problem::new(
        "batch_too_small",
        Some("batchSize"),
        format!(
            "batch norm (layer {}) needs at least 2 values per unit to compute a mean and a variance, but a batch of 1 gives it one",
            lone.spec_index + 1
        ),
        hint("use a batch size of 2 or more"),
    ))
}

/// Adds the activation that follows a conv/dense layer (or a standalone one).
/// Softmax is only allowed last: the loss applies it, fused with cross-entropy.
fn push_activation(
    layers: &mut Vec<ResolvedLayer>,
    i: usize,
    kind: &str,
    function: Activation,
    alpha: Option<f32>,
    dims: Dims,
    is_last: bool,
) -> std::result::Result<(), Problem> {
    let field = if kind == "activation" { "fn" } else { "activation" };
    match function {
        Activation::Linear => Ok(()),
        Activation::Softmax if is_last => Ok(()),
        Activation::Softmax => Err(Problem::in_layer(
            i,
            kind,
            "softmax_not_last",
            field,
            "softmax belongs only on the last layer, where it turns scores into class probabilities",
            hint("use relu here"),
        )),
        f => {
            if is_last {
                return Err(Problem::in_layer(
                    i,
                    kind,
                    "last_not_softmax",
                    field,
                    format!("the last layer's activation is {}, but it must be \"softmax\" (its outputs are the class scores)", f.name()),
                    None,
                ));
            }
            let alpha = alpha.unwrap_or(default_alpha(f));
            if !alpha.is_finite() || alpha < 0.0 {
                return Err(Problem::in_layer(
                    i,
                    kind,
                    "value_out_of_range",
                    "alpha",
                    format!("alpha must be a non-negative number, got {alpha}"),
                    None,
                ));
            }
            layers.push(ResolvedLayer {
                spec_index: i,
                op: Op::Activation { function: f, alpha },
                in_dims: dims,
                out_dims: dims,
                params: 0,
                flops: 0,
                implicit: false,
            });
            Ok(())
        }
    }
}

/// Parameters (values, gradients, two optimizer buffers) plus, per example of a batch, every
/// activation and its gradient, plus every convolution's scratch: one image's im2col columns and a
/// block of their gradient (`Conv2d` works one image at a time and keeps them for its life).
/// Saturating: the layers are checked by now, but the batch size may be any number a spec holds
/// (it is refused on its own).
fn estimate_memory(spec: &ModelSpec, layers: &[ResolvedLayer], total_params: usize) -> u64 {
    let f = 4u64;
    let batch = spec.batch_size as u64;
    let params = total_params as u64 * f * 4;
    let acts: u64 = layers.iter().map(|l| l.out_dims.len() as u64).sum::<u64>()
        + layers.first().map_or(0, |l| l.in_dims.len() as u64);
    let activations = (2 * acts * f).saturating_mul(batch);
    let scratch = layers
        .iter()
        .map(|l| match l.op {
            Op::Conv2d { kh, kw, .. } => {
                let rows = l.in_dims.c * kh * kw;
                conv2d::scratch_floats(rows, l.out_dims.h * l.out_dims.w) as u64 * f
            }
            _ => 0,
        })
        .fold(0u64, u64::saturating_add);
    params.saturating_add(activations).saturating_add(scratch)
}

/// `lo ≤ v < hi`, or the problem of `field`.
fn in_range(field: &'static str, name: &str, v: f32, lo: f32, hi: f32, typical: &str) -> Option<Problem> {
    if v.is_finite() && v >= lo && v < hi {
        None
    } else {
        Some(Problem::new(
            "value_out_of_range",
            Some(field),
            format!("{name} must be at least {lo} and below {hi}, got {v}"),
            Some(typical.to_string()),
        ))
    }
}

fn learning_rate_problem(lr: f32) -> Option<Problem> {
    let max = LIMITS.lr;
    (!(lr.is_finite() && lr > 0.0 && lr <= max)).then(|| {
        Problem::new(
            "value_out_of_range",
            Some("optimizer.lr"),
            format!("learning rate must be a positive number up to {max}, got {lr}"),
            hint("try 0.001 for Adam or 0.01 for SGD"),
        )
    })
}

fn l2_problem(l2: f32) -> Option<Problem> {
    (!(l2.is_finite() && (0.0..=LIMITS.l2).contains(&l2))).then(|| {
        Problem::new(
            "value_out_of_range",
            Some("l2"),
            format!("L2 must be a number from 0 to {}, got {l2}", LIMITS.l2),
            hint("0.0001–0.001 is typical, 0 turns it off"),
        )
    })
}

/// A learning rate must be a positive, finite number.
pub fn check_learning_rate(lr: f32) -> Result<()> {
    learning_rate_problem(lr).map_or(Ok(()), |p| Err(p.into()))
}

/// L2 strength must be zero or a small positive number.
pub fn check_l2(l2: f32) -> Result<()> {
    l2_problem(l2).map_or(Ok(()), |p| Err(p.into()))
}

/// Every problem of the settings that say how the network learns, each on its own field.
fn training_problems(spec: &ModelSpec) -> Vec<Problem> {
    let mut found = vec![learning_rate_problem(spec.optimizer.lr()), l2_problem(spec.l2)];
    match spec.optimizer {
        OptimizerSpec::Sgd { momentum, nesterov, .. } => {
            found.push(in_range(
                "optimizer.momentum",
                "momentum",
                momentum,
                0.0,
                1.0,
                "0.9 is typical, 0 turns it off",
            ));
            if nesterov && momentum == 0.0 {
                found.push(Some(Problem::new(
                    "nesterov_without_momentum",
                    Some("optimizer.nesterov"),
                    "Nesterov momentum needs a momentum above 0",
                    hint("0.9 is typical"),
                )));
            }
        }
        OptimizerSpec::Adam { beta1, beta2, eps, .. } | OptimizerSpec::Adamw { beta1, beta2, eps, .. } => {
            found.push(in_range("optimizer.beta1", "beta1", beta1, 0.0, 1.0, "0.9 is typical"));
            found.push(in_range("optimizer.beta2", "beta2", beta2, 0.0, 1.0, "0.999 is typical"));
            found.push(in_range("optimizer.eps", "epsilon", eps, f32::MIN_POSITIVE, 1.0, "1e-8 is typical"));
            if let OptimizerSpec::Adamw { weight_decay, .. } = spec.optimizer {
                found.push(in_range(
                    "optimizer.weightDecay",
                    "weight decay",
                    weight_decay,
                    0.0,
                    1.0,
                    "0.01 is typical",
                ));
            }
        }
        OptimizerSpec::Rmsprop { alpha, eps, momentum, .. } => {
            found.push(in_range("optimizer.alpha", "RMSProp's alpha", alpha, 0.0, 1.0, "0.99 is typical"));
            found.push(in_range("optimizer.eps", "epsilon", eps, f32::MIN_POSITIVE, 1.0, "1e-8 is typical"));
            found.push(in_range("optimizer.momentum", "momentum", momentum, 0.0, 1.0, "0 or 0.9 is typical"));
        }
        OptimizerSpec::Adagrad { lr_decay, initial_accumulator_value, eps, .. } => {
            found.push(in_range(
                "optimizer.lrDecay",
                "Adagrad's learning rate decay",
                lr_decay,
                0.0,
                1.0,
                "0 turns it off",
            ));
            found.push(in_range(
                "optimizer.initialAccumulatorValue",
                "Adagrad's initial accumulator",
                initial_accumulator_value,
                0.0,
                1000.0,
                "0 (PyTorch) or 0.1 (Keras) is typical",
            ));
            found.push(in_range("optimizer.eps", "epsilon", eps, f32::MIN_POSITIVE, 1.0, "1e-10 is typical"));
        }
        OptimizerSpec::Adadelta { rho, eps, .. } => {
            found.push(in_range("optimizer.rho", "Adadelta's rho", rho, 0.0, 1.0, "0.9 is typical"));
            found.push(in_range("optimizer.eps", "epsilon", eps, f32::MIN_POSITIVE, 1.0, "1e-6 is typical"));
        }
    }
    match spec.schedule {
        ScheduleSpec::Constant => {}
        ScheduleSpec::Step { every_epochs, gamma } => {
            if every_epochs == 0 {
                found.push(Some(Problem::new(
                    "value_out_of_range",
                    Some("schedule.everyEpochs"),
                    "step schedule: everyEpochs must be at least 1",
                    None,
                )));
            }
            if !(gamma.is_finite() && gamma > 0.0 && gamma <= 1.0) {
                found.push(Some(Problem::new(
                    "value_out_of_range",
                    Some("schedule.gamma"),
                    format!("step schedule: gamma multiplies the learning rate and must be in (0, 1], got {gamma}"),
                    hint("0.5 or 0.1 is typical"),
                )));
            }
        }
        ScheduleSpec::Cosine { min_lr } => {
            if !(min_lr.is_finite() && min_lr >= 0.0 && min_lr <= spec.optimizer.lr()) {
                found.push(Some(Problem::new(
                    "value_out_of_range",
                    Some("schedule.minLr"),
                    format!(
                        "cosine schedule: minLr must be between 0 and the learning rate ({}), got {min_lr}",
                        spec.optimizer.lr()
                    ),
                    None,
                )));
            }
        }
    }
    if let Some(c) = spec.clip_norm {
        if !(c.is_finite() && c > 0.0) {
            found.push(Some(Problem::new(
                "value_out_of_range",
                Some("clipNorm"),
                format!("gradient clipping norm must be a positive number, got {c}"),
                hint("1 or 5 is typical, leave it out to turn clipping off"),
            )));
        }
    }
    if spec.batch_size == 0 || spec.batch_size > LIMITS.batch_size {
        found.push(Some(Problem::new(
            "value_out_of_range",
            Some("batchSize"),
            format!("batch size must be from 1 to {}, got {}", LIMITS.batch_size, spec.batch_size),
            hint("32 is typical"),
        )));
    }
    if spec.epochs == 0 || spec.epochs > LIMITS.epochs {
        found.push(Some(Problem::new(
            "value_out_of_range",
            Some("epochs"),
            format!("epochs must be from 1 to {}, got {}", LIMITS.epochs, spec.epochs),
            None,
        )));
    }
    found.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> ModelSpec {
        ModelSpec::from_json(json).expect("test spec parses")
    }

    fn err(json: &str) -> String {
        validate(&spec(json)).expect_err("should be rejected").to_string()
    }

    fn plan_spec_of_1x1_map() -> ModelSpec {
        spec(
            r#"{"layers":[
            {"type":"conv2d","filters":8,"kernel":28,"padding":"valid","activation":"relu"},
            {"type":"conv2d","filters":4,"kernel":1,"activation":"relu"},
            {"type":"maxpool2d","size":1},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        )
    }

    #[test]
    fn a_map_shrunk_to_1x1_still_takes_convolutions_and_pooling_but_a_vector_does_not() -> Result<()> {
        // (28 − 28)/1 + 1 = 1: a 8×1×1 map; a 1×1 convolution and a 1×1 pooling still fit it.
        let plan = validate(&plan_spec_of_1x1_map())?;
        assert_eq!(plan.layers[2].out_dims, Dims::new(4, 1, 1));
        // And it trains: a few steps on synthetic bars give finite losses.
        let mut trainer = crate::train::Trainer::new(plan_spec_of_1x1_map())?;
        let (train, test) = crate::data::synthetic::bars(40, Dims::new(1, 28, 28), 10, 3)?.split(1, 32, 8)?;
        trainer.set_data(train, test)?;
        for _ in 0..3 {
            let (loss, _, _) = trainer.step()?;
            assert!(loss.is_finite(), "loss {loss}");
        }
        let message = err(r#"{"layers":[
            {"type":"dense","units":8,"activation":"relu"},
            {"type":"conv2d","filters":4,"kernel":1},
            {"type":"dense","units":10,"activation":"softmax"}]}"#);
        assert!(message.contains("a flat vector of 8"), "{message}");
        let message = err(r#"{"layers":[
            {"type":"flatten"},
            {"type":"maxpool2d","size":1},
            {"type":"dense","units":10,"activation":"softmax"}]}"#);
        assert!(message.contains("pooling needs an image-shaped input"), "{message}");
        Ok(())
    }

    #[test]
    fn convnetjs_mnist_shapes_and_costs() -> Result<()> {
        let plan = validate(&spec(
            r#"{"layers":[
            {"type":"conv2d","filters":8,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"conv2d","filters":16,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":3,"stride":3},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        ))?;
        let outs: Vec<String> = plan.layers.iter().map(|l| format!("{} {}", l.op.name(), l.out_dims)).collect();
        // (28 + 2·2 − 5)/1 + 1 = 28; 28/2 = 14; (14 − 3)/3 + 1 = 4 (floor)
        assert_eq!(
            outs,
            [
                "conv2d 8×28×28",
                "relu 8×28×28",
                "maxpool2d 8×14×14",
                "conv2d 16×14×14",
                "relu 16×14×14",
                "maxpool2d 16×4×4",
                "flatten 256",
                "dense 10"
            ]
        );
        assert!(plan.layers[6].implicit);
        // 8·25+8 + 16·200+16 + 256·10+10
        assert_eq!(plan.total_params, 208 + 3216 + 2570);
        // 2·(28·28·8·25 + 14·14·16·200 + 256·10) + the bias adds; the benchmark's GFLOP/s use this count (×3 = 4.75 MFLOP).
        assert_eq!(plan.forward_flops, 1_582_538);
        Ok(())
    }

    #[test]
    fn same_padding_keeps_size_with_stride_one_and_halves_with_two() -> Result<()> {
        let plan = validate(&spec(
            r#"{"input":[1,9,7],"layers":[
            {"type":"conv2d","filters":2,"kernel":4,"padding":"same"},
            {"type":"conv2d","filters":2,"kernel":3,"stride":2,"padding":"same"},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        ))?;
        assert_eq!(plan.layers[0].out_dims, Dims::new(2, 9, 7));
        // even kernel: total pad 3, top 1 bottom 2
        assert_eq!(
            plan.layers[0].op,
            Op::Conv2d { filters: 2, kh: 4, kw: 4, stride: 1, pad: Pads { top: 1, bottom: 2, left: 1, right: 2 } }
        );
        // ceil(9/2) = 5, ceil(7/2) = 4
        assert_eq!(plan.layers[1].out_dims, Dims::new(2, 5, 4));
        Ok(())
    }

    #[test]
    fn kernel_too_big_names_layer_shapes_and_fix() {
        let msg = err(
            r#"{"input":[1,4,4],"layers":[{"type":"conv2d","filters":8,"kernel":5},{"type":"dense","units":10,"activation":"softmax"}]}"#,
        );
        assert_eq!(msg, "layer 1 (conv2d): 5×5 kernel does not fit the 4×4 input; use a smaller kernel, padding \"same\", or remove a pooling layer before it");
    }

    #[test]
    fn bad_values_are_explained() {
        let dense10 = r#"{"type":"dense","units":10,"activation":"softmax"}"#;
        assert!(err(&format!(r#"{{"layers":[{{"type":"dense","units":0}},{dense10}]}}"#))
            .contains("layer 1 (dense): 0 units"));
        assert!(err(&format!(r#"{{"layers":[{{"type":"dropout","rate":1}},{dense10}]}}"#))
            .contains("layer 1 (dropout): rate 1"));
        assert!(
            err(&format!(r#"{{"layers":[{dense10}],"optimizer":{{"type":"sgd","lr":-1}}}}"#)).contains("learning rate")
        );
        assert!(err(&format!(r#"{{"layers":[{dense10}],"batchSize":0}}"#)).contains("batch size"));
        assert!(err(r#"{"layers":[{"type":"dense","units":7,"activation":"softmax"}]}"#).contains("10 values"));
        assert!(err(&format!(r#"{{"layers":[{{"type":"dense","units":20,"activation":"softmax"}},{dense10}]}}"#))
            .contains("softmax belongs only on the last layer"));
        assert!(err(r#"{"layers":[{"type":"dense","units":16},{"type":"conv2d","filters":2,"kernel":1}]}"#)
            .contains("layer 2 (conv2d): a convolution needs an image-shaped input"));
        assert!(err(r#"{"layers":[]}"#).contains("no layers"));
    }

    #[test]
    fn every_problem_is_found_at_once_each_with_its_field() {
        // Two training settings and one layer wrong: three problems, and no plan (the layers do not fit).
        let s = spec(
            r#"{"layers":[{"type":"conv2d","filters":8,"kernel":40},{"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"sgd","lr":0,"momentum":0.9},"batchSize":0}"#,
        );
        let checked = check(&s);
        assert!(checked.plan.is_none());
        let placed: Vec<(&str, Option<usize>, Option<&str>)> =
            checked.problems.iter().map(|p| (p.code, p.layer, p.field)).collect();
        assert_eq!(
            placed,
            [
                ("value_out_of_range", None, Some("optimizer.lr")),
                ("value_out_of_range", None, Some("batchSize")),
                ("value_out_of_range", Some(0), Some("kernel")),
            ]
        );
        // The message is the whole sentence and ends with the hint.
        let lr = &checked.problems[0];
        assert_eq!(lr.hint.as_deref(), Some("try 0.001 for Adam or 0.01 for SGD"));
        assert!(
            lr.message.starts_with("learning rate must be") && lr.message.ends_with(lr.hint.as_deref().unwrap_or(""))
        );
        // With only a training setting wrong, the plan is still there, so every layer keeps its shape.
        let s = spec(r#"{"layers":[{"type":"dense","units":10,"activation":"softmax"}],"l2":2}"#);
        let checked = check(&s);
        assert_eq!(checked.plan.map(|p| p.total_params), Some(7850));
        assert_eq!(checked.problems.len(), 1);
        assert_eq!(checked.problems[0].field, Some("l2"));
    }

    #[test]
    fn the_limits_table_bounds_every_size() {
        let dense10 = r#"{"type":"dense","units":10,"activation":"softmax"}"#;
        let over = |layer: String| validate(&spec(&format!(r#"{{"layers":[{layer},{dense10}]}}"#))).unwrap_err();
        for (layer, field) in [
            (format!(r#"{{"type":"conv2d","filters":{},"kernel":1}}"#, LIMITS.filters + 1), "filters"),
            (format!(r#"{{"type":"conv2d","filters":1,"kernel":{}}}"#, LIMITS.kernel + 1), "kernel"),
            (format!(r#"{{"type":"conv2d","filters":1,"kernel":1,"stride":{}}}"#, LIMITS.conv_stride + 1), "stride"),
            (format!(r#"{{"type":"maxpool","size":{}}}"#, LIMITS.pool + 1), "size"),
            (format!(r#"{{"type":"dense","units":{}}}"#, LIMITS.units + 1), "units"),
            (format!(r#"{{"type":"dropout","rate":{}}}"#, LIMITS.dropout + 0.01), "rate"),
        ] {
            match over(layer.clone()) {
                Error::Spec(p) => assert_eq!((p[0].layer, p[0].field), (Some(0), Some(field)), "{layer}"),
                other => panic!("{layer}: {other}"),
            }
        }
        let many = vec![r#"{"type":"flatten"}"#; LIMITS.layers].join(",");
        let msg = validate(&spec(&format!(r#"{{"layers":[{many},{dense10}]}}"#))).unwrap_err().to_string();
        assert!(msg.contains("more than the 64 the playground allows"), "{msg}");
    }

    #[test]
    fn nan_learning_rate_is_rejected() {
        let mut s = spec(r#"{"layers":[{"type":"dense","units":10,"activation":"softmax"}]}"#);
        s.optimizer = OptimizerSpec::Adam { lr: f32::NAN, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        assert!(validate(&s).unwrap_err().to_string().contains("got NaN"));
    }

    #[test]
    fn memory_budget_is_enforced_before_allocation() {
        let s = spec(
            r#"{"input":[3,512,512],"batchSize":256,"layers":[{"type":"conv2d","filters":256,"kernel":3,"padding":"same"},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        );
        let msg = validate(&s).unwrap_err().to_string();
        assert!(msg.starts_with("this network needs about"), "{msg}");
        assert!(msg.contains("smaller batch"), "{msg}");
        // A convolution's columns are one image's, whatever the batch: 8 → 8 channels with a 5×5
        // kernel has 200 × 784 columns (0.65 MB with a block of their gradient), not 1,024 copies.
        let big_batch = spec(
            r#"{"batchSize":1024,"layers":[{"type":"conv2d","filters":8,"kernel":3,"padding":"same"},
            {"type":"conv2d","filters":8,"kernel":5,"padding":"same"},{"type":"dense","units":10,"activation":"softmax"}]}"#,
        );
        let plan = validate(&big_batch).expect("a batch of 1,024 of a small conv net fits");
        assert!(plan.memory_bytes < 200_000_000, "{}", plan.memory_bytes);
    }

    #[test]
    fn compute_budget_refuses_a_step_that_would_freeze_the_page() {
        // 2·28·28·128·31·31·1 + 2·28·28·128·31·31·128 ≈ 25 GFLOP forward per image: legal sizes, a minutes-long step.
        let s = spec(
            r#"{"batchSize":1,"layers":[{"type":"conv2d","filters":128,"kernel":31,"padding":"same"},
            {"type":"conv2d","filters":128,"kernel":31,"padding":"same"},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        );
        let msg = validate(&s).unwrap_err().to_string();
        assert!(msg.starts_with("one training step of this network needs about"), "{msg}");
        assert!(msg.contains("smaller batch"), "{msg}");
        // The default conv net at a large batch stays allowed: 3 × 1.58 MFLOP × 1,024 ≈ 4.9 GFLOP.
        let ok = spec(
            r#"{"batchSize":1024,"layers":[{"type":"conv2d","filters":8,"kernel":5,"padding":"same"},{"type":"maxpool","size":2},
            {"type":"conv2d","filters":16,"kernel":5,"padding":"same"},{"type":"maxpool","size":3},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        );
        assert!(validate(&ok).is_ok());
    }

    #[test]
    fn batchnorm_keeps_shapes_has_two_parameters_per_channel_and_needs_two_values() -> Result<()> {
        let layers = r#""layers":[{"type":"conv2d","filters":3,"kernel":3},{"type":"batchnorm"},
            {"type":"dense","units":5},{"type":"batch_norm"},{"type":"dense","units":10,"activation":"softmax"}]"#;
        let plan = validate(&spec(&format!("{{{layers}}}")))?;
        assert_eq!(plan.layers[1].op, Op::Batchnorm);
        assert_eq!((plan.layers[1].out_dims, plan.layers[1].params), (Dims::new(3, 26, 26), 6));
        assert_eq!((plan.layers[4].out_dims, plan.layers[4].params), (Dims::flat(5), 10));
        // A batch of one: the maps still have 26·26 values per channel, the units one.
        let msg = err(&format!(r#"{{{layers},"batchSize":1}}"#));
        assert!(msg.starts_with("batch norm (layer 4) needs at least 2 values"), "{msg}");
        Ok(())
    }

    #[test]
    fn pooling_floors_non_divisible_sizes() -> Result<()> {
        let plan = validate(&spec(
            r#"{"input":[1,5,5],"layers":[{"type":"avgpool","size":2},{"type":"dense","units":10,"activation":"softmax"}]}"#,
        ))?;
        // (5 − 2)/2 + 1 = 2
        assert_eq!(plan.layers[0].out_dims, Dims::new(1, 2, 2));
        Ok(())
    }
}
