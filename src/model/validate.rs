//! Validation and shape inference: turns a `ModelSpec` into a list of resolved layers with their
//! shapes, parameter counts and costs, or an error a student understands — before anything is
//! allocated.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::layers::activation::default_alpha;
use crate::model::spec::{Activation, LayerSpec, ModelSpec, OptimizerSpec, Padding, PaddingName, ScheduleSpec};
use crate::tensor::Dims;

/// Memory a network may use unless the caller says otherwise (the browser gives a tab a few GB;
/// wasm32 addresses at most 4 GB).
pub const DEFAULT_MEMORY_BUDGET: u64 = 1 << 30;

/// Most arithmetic one training step may take: about a second at the engine's speed, so that the
/// worker answers Pause and edits between steps instead of freezing for minutes on a legal setting.
pub const MAX_STEP_FLOPS: u64 = 20_000_000_000;

/// The largest sizes the playground accepts, so a typo cannot ask for a terabyte.
const MAX_BATCH: usize = 4096;
const MAX_EPOCHS: usize = 1000;
const MAX_INPUT_SIDE: usize = 1024;

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

fn spec_err(index: usize, kind: &str, msg: impl std::fmt::Display) -> Error {
    Error::Spec(format!("layer {} ({kind}): {msg}", index + 1))
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

/// Validates the spec with the default memory budget.
pub fn validate(spec: &ModelSpec) -> Result<Plan> {
    validate_with_budget(spec, DEFAULT_MEMORY_BUDGET)
}

/// Checks every setting, infers every shape and estimates memory; nothing is allocated.
pub fn validate_with_budget(spec: &ModelSpec, budget_bytes: u64) -> Result<Plan> {
    check_training_settings(spec)?;
    let [c, h, w] = spec.input;
    if c == 0 || h == 0 || w == 0 || h > MAX_INPUT_SIDE || w > MAX_INPUT_SIDE || c > 64 {
        return Err(Error::Spec(format!(
            "input shape {c}×{h}×{w} is not usable: give [channels, height, width] with 1–64 channels and sides of 1–{MAX_INPUT_SIDE} pixels"
        )));
    }
    if spec.classes < 2 {
        return Err(Error::Spec(format!("classes must be at least 2, got {}", spec.classes)));
    }
    if spec.layers.is_empty() {
        return Err(Error::Spec(format!(
            "the network has no layers: add at least a dense layer with {} units and activation \"softmax\"",
            spec.classes
        )));
    }

    let mut layers = Vec::new();
    let mut dims = Dims::new(c, h, w);
    // Whether the values are a vector (after a dense or flatten layer) rather than feature maps. A map
    // shrunk to 1×1 has the same dims as a vector, but a convolution or a pooling may still follow it.
    let mut flat = false;
    let last = spec.layers.len() - 1;
    for (i, layer) in spec.layers.iter().enumerate() {
        let kind = layer.kind();
        match *layer {
            LayerSpec::Conv2d { filters, kernel, stride, padding, activation, alpha } => {
                if flat {
                    return Err(spec_err(i, kind, format!(
                        "a convolution needs an image-shaped input, but the layer before it outputs a flat vector of {}; put convolutions before dense and flatten layers",
                        dims.len()
                    )));
                }
                if filters == 0 {
                    return Err(spec_err(
                        i,
                        kind,
                        "0 filters: a convolution needs at least 1 filter (8 or 16 is typical)",
                    ));
                }
                if filters > 1024 {
                    return Err(spec_err(
                        i,
                        kind,
                        format!("{filters} filters is more than the 1024 the playground allows"),
                    ));
                }
                let (kh, kw) = kernel.hw();
                if kh == 0 || kw == 0 {
                    return Err(spec_err(i, kind, "the kernel size must be at least 1×1"));
                }
                if stride == 0 {
                    return Err(spec_err(i, kind, "stride 0 would not move the kernel; use 1 or more"));
                }
                let pad = match padding {
                    Padding::Named(PaddingName::Valid) => Pads { top: 0, bottom: 0, left: 0, right: 0 },
                    Padding::Pixels(p) => {
                        if p >= kh.max(kw) {
                            return Err(spec_err(i, kind, format!(
                                "padding {p} is as large as the {kh}×{kw} kernel, so some outputs would see only zeros; use at most {}",
                                kh.max(kw) - 1
                            )));
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
                    return Err(spec_err(i, kind, format!(
                        "{kh}×{kw} kernel does not fit the {} input{padded}; use a smaller kernel, padding \"same\", or remove a pooling layer before it",
                        sides(dims)
                    )));
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
            LayerSpec::Maxpool2d { size, stride } | LayerSpec::Avgpool2d { size, stride } => {
                if flat {
                    return Err(spec_err(i, kind, format!(
                        "pooling needs an image-shaped input, but the layer before it outputs a flat vector of {}; pool before dense layers",
                        dims.len()
                    )));
                }
                let stride = stride.unwrap_or(size);
                if size == 0 || stride == 0 {
                    return Err(spec_err(i, kind, "size and stride must be at least 1 (2 is typical)"));
                }
                if size > dims.h || size > dims.w {
                    return Err(spec_err(i, kind, format!(
                        "a {size}×{size} window does not fit the {} input; use a smaller size or remove an earlier pooling layer",
                        sides(dims)
                    )));
                }
                // Floor: rows and columns that do not fill a whole window are dropped.
                let out = Dims::new(dims.c, (dims.h - size) / stride + 1, (dims.w - size) / stride + 1);
                let op = if matches!(layer, LayerSpec::Maxpool2d { .. }) {
                    Op::Maxpool2d { size, stride }
                } else {
                    Op::Avgpool2d { size, stride }
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
                if units == 0 {
                    return Err(spec_err(i, kind, "0 units: a dense layer needs at least 1 unit"));
                }
                if units > 65_536 {
                    return Err(spec_err(
                        i,
                        kind,
                        format!("{units} units is more than the 65,536 the playground allows"),
                    ));
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
                if !(rate.is_finite() && (0.0..1.0).contains(&rate)) {
                    return Err(spec_err(i, kind, format!(
                        "rate {rate} is not usable: it is the probability of dropping a value, from 0 up to (not including) 1; 0.25–0.5 is typical"
                    )));
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
            LayerSpec::Activation { function, alpha } => {
                push_activation(&mut layers, i, kind, function, alpha, dims, i == last)?;
            }
        }
    }

    if dims != Dims::flat(spec.classes) {
        return Err(Error::Spec(format!(
            "the last layer must output one score per class ({} values), but it outputs {dims}; end with a dense layer of {} units and activation \"softmax\"",
            spec.classes, spec.classes
        )));
    }

    let total_params: usize = layers.iter().map(|l| l.params).sum();
    let forward_flops: u64 = layers.iter().map(|l| l.flops).sum();
    let memory_bytes = estimate_memory(spec, &layers, total_params);
    if memory_bytes > budget_bytes {
        return Err(Error::Spec(format!(
            "this network needs about {} at batch size {} ({} parameters), more than the {} the engine may use; use fewer filters or units, a smaller batch, or pool earlier",
            human_bytes(memory_bytes),
            spec.batch_size,
            total_params,
            human_bytes(budget_bytes)
        )));
    }
    let step_flops = 3 * forward_flops * spec.batch_size as u64;
    if step_flops > MAX_STEP_FLOPS {
        return Err(Error::Spec(format!(
            "one training step of this network needs about {:.0} GFLOP ({} images of {:.2} GFLOP each, forward and backward), over the {} GFLOP a step may take so that the page stays responsive; use fewer filters or units, smaller kernels, pool earlier, or a smaller batch",
            step_flops as f64 / 1e9,
            spec.batch_size,
            3.0 * forward_flops as f64 / 1e9,
            MAX_STEP_FLOPS / 1_000_000_000
        )));
    }
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
) -> Result<()> {
    match function {
        Activation::Linear => Ok(()),
        Activation::Softmax if is_last => Ok(()),
        Activation::Softmax => Err(spec_err(
            i,
            kind,
            "softmax belongs only on the last layer, where it turns scores into class probabilities; use relu here",
        )),
        f => {
            if is_last {
                return Err(spec_err(
                    i,
                    kind,
                    format!(
                    "the last layer's activation is {}, but it must be \"softmax\" (its outputs are the class scores)",
                    f.name()
                ),
                ));
            }
            let alpha = alpha.unwrap_or(default_alpha(f));
            if !alpha.is_finite() || alpha < 0.0 {
                return Err(spec_err(i, kind, format!("alpha must be a non-negative number, got {alpha}")));
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
/// activation and its gradient, plus the largest im2col scratch.
fn estimate_memory(spec: &ModelSpec, layers: &[ResolvedLayer], total_params: usize) -> u64 {
    let f = 4u64;
    let batch = spec.batch_size as u64;
    let params = total_params as u64 * f * 4;
    let acts: u64 = layers.iter().map(|l| l.out_dims.len() as u64).sum::<u64>()
        + layers.first().map_or(0, |l| l.in_dims.len() as u64);
    let activations = 2 * acts * batch * f;
    let scratch = layers
        .iter()
        .map(|l| match l.op {
            Op::Conv2d { kh, kw, .. } => (l.in_dims.c * kh * kw * l.out_dims.h * l.out_dims.w) as u64 * batch * f * 2,
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    params + activations + scratch
}

fn check_range(name: &str, v: f32, lo: f32, hi: f32, hint: &str) -> Result<()> {
    if v.is_finite() && v >= lo && v < hi {
        Ok(())
    } else {
        Err(Error::Spec(format!("{name} must be at least {lo} and below {hi}, got {v}; {hint}")))
    }
}

/// A learning rate must be a positive, finite number.
pub fn check_learning_rate(lr: f32) -> Result<()> {
    if lr.is_finite() && lr > 0.0 && lr <= 10.0 {
        Ok(())
    } else {
        Err(Error::Spec(format!(
            "learning rate must be a positive number up to 10, got {lr}; try 0.001 for Adam or 0.01 for SGD"
        )))
    }
}

/// L2 strength must be zero or a small positive number.
pub fn check_l2(l2: f32) -> Result<()> {
    if l2.is_finite() && (0.0..=1.0).contains(&l2) {
        Ok(())
    } else {
        Err(Error::Spec(format!("L2 must be a number from 0 to 1, got {l2}; 0.0001–0.001 is typical, 0 turns it off")))
    }
}

fn check_training_settings(spec: &ModelSpec) -> Result<()> {
    check_learning_rate(spec.optimizer.lr())?;
    check_l2(spec.l2)?;
    match spec.optimizer {
        OptimizerSpec::Sgd { momentum, nesterov, .. } => {
            check_range("momentum", momentum, 0.0, 1.0, "0.9 is typical, 0 turns it off")?;
            if nesterov && momentum == 0.0 {
                return Err(Error::Spec("Nesterov momentum needs a momentum above 0 (0.9 is typical)".into()));
            }
        }
        OptimizerSpec::Adam { beta1, beta2, eps, .. } | OptimizerSpec::Adamw { beta1, beta2, eps, .. } => {
            check_range("beta1", beta1, 0.0, 1.0, "0.9 is typical")?;
            check_range("beta2", beta2, 0.0, 1.0, "0.999 is typical")?;
            check_range("epsilon", eps, f32::MIN_POSITIVE, 1.0, "1e-8 is typical")?;
            if let OptimizerSpec::Adamw { weight_decay, .. } = spec.optimizer {
                check_range("weight decay", weight_decay, 0.0, 1.0, "0.01 is typical")?;
            }
        }
        OptimizerSpec::Rmsprop { alpha, eps, momentum, .. } => {
            check_range("RMSProp's alpha", alpha, 0.0, 1.0, "0.99 is typical")?;
            check_range("epsilon", eps, f32::MIN_POSITIVE, 1.0, "1e-8 is typical")?;
            check_range("momentum", momentum, 0.0, 1.0, "0 or 0.9 is typical")?;
        }
    }
    match spec.schedule {
        ScheduleSpec::Constant => {}
        ScheduleSpec::Step { every_epochs, gamma } => {
            if every_epochs == 0 {
                return Err(Error::Spec("step schedule: everyEpochs must be at least 1".into()));
            }
            if !(gamma.is_finite() && gamma > 0.0 && gamma <= 1.0) {
                return Err(Error::Spec(format!("step schedule: gamma multiplies the learning rate and must be in (0, 1], got {gamma}; 0.5 or 0.1 is typical")));
            }
        }
        ScheduleSpec::Cosine { min_lr } => {
            if !(min_lr.is_finite() && min_lr >= 0.0 && min_lr <= spec.optimizer.lr()) {
                return Err(Error::Spec(format!(
                    "cosine schedule: minLr must be between 0 and the learning rate ({}), got {min_lr}",
                    spec.optimizer.lr()
                )));
            }
        }
    }
    if let Some(c) = spec.clip_norm {
        if !(c.is_finite() && c > 0.0) {
            return Err(Error::Spec(format!("gradient clipping norm must be a positive number, got {c}; 1 or 5 is typical, leave it out to turn clipping off")));
        }
    }
    if spec.batch_size == 0 || spec.batch_size > MAX_BATCH {
        return Err(Error::Spec(format!(
            "batch size must be from 1 to {MAX_BATCH}, got {}; 32 is typical",
            spec.batch_size
        )));
    }
    if spec.epochs == 0 || spec.epochs > MAX_EPOCHS {
        return Err(Error::Spec(format!("epochs must be from 1 to {MAX_EPOCHS}, got {}", spec.epochs)));
    }
    Ok(())
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
        // The benchmark harness counts the same 1,582,538 forward FLOPs for this network (×3 = 4.75 MFLOP).
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
        assert!(err(&format!(
            r#"{{"layers":[{{"type":"dense","units":16}},{{"type":"conv2d","filters":2,"kernel":1}}]}}"#
        ))
        .contains("layer 2 (conv2d): a convolution needs an image-shaped input"));
        assert!(err(r#"{"layers":[]}"#).contains("no layers"));
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
            r#"{"input":[3,512,512],"batchSize":256,"layers":[{"type":"conv2d","filters":512,"kernel":3,"padding":"same"},
            {"type":"dense","units":10,"activation":"softmax"}]}"#,
        );
        let msg = validate(&s).unwrap_err().to_string();
        assert!(msg.starts_with("this network needs about"), "{msg}");
        assert!(msg.contains("smaller batch"), "{msg}");
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
    fn pooling_floors_non_divisible_sizes() -> Result<()> {
        let plan = validate(&spec(
            r#"{"input":[1,5,5],"layers":[{"type":"avgpool","size":2},{"type":"dense","units":10,"activation":"softmax"}]}"#,
        ))?;
        // (5 − 2)/2 + 1 = 2
        assert_eq!(plan.layers[0].out_dims, Dims::new(1, 2, 2));
        Ok(())
    }
}
