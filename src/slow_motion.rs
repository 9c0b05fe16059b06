//! One training step in slow motion, for the page to show stage by stage: the forward values of
//! every layer for one image, its loss, the gradient of that loss with respect to every activation
//! and parameter, and what the optimizer would make of one chosen weight. Nothing of the run
//! changes: the parameter gradients land in a buffer of their own and the update is worked out on
//! a copy of one weight and its optimizer state.

use crate::error::{Error, Result};
use crate::loss::{softmax, softmax_cross_entropy};
use crate::model::network::Network;
use crate::optim::Optimizer;
use crate::params::{Param, ParamStore};
use crate::tensor::{Dims, Tensor};

/// One layer's part of the step: its output for the image and the loss gradient with respect to it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTrace {
    /// `"input"`, or the layer as the summary names it (`"1 conv2d"`).
    pub label: String,
    pub dims: Dims,
    pub output: Vec<f32>,
    /// ∂ loss / ∂ output, the same shape.
    pub gradient: Vec<f32>,
}

/// The forward and backward pass of one image, as one step on a batch of that image alone.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTrace {
    pub label: usize,
    pub probabilities: Vec<f32>,
    /// −ln probabilities[label].
    pub loss: f32,
    /// The input first, then every layer.
    pub layers: Vec<LayerTrace>,
    /// ∂ loss / ∂ θ for every parameter value (store order), before L2.
    pub param_gradients: Vec<f32>,
}

/// The trace of the image of the network's last forward pass (one image) with its true `label`.
pub fn trace_last_forward(net: &mut Network, label: usize) -> Result<StepTrace> {
    let logits = net.logits().example(0);
    let classes = logits.len();
    if label >= classes {
        return Err(Error::Usage(format!("label {label}: the network has classes 0 to {}", classes - 1)));
    }
    let mut probabilities = vec![0.0; classes];
    softmax(logits, &mut probabilities);
    let labels = [label as u8];
    let mut grad = Tensor::default();
    let (loss, _) = softmax_cross_entropy(net.logits(), &labels, &mut grad);
    net.grad_logits_mut().clone_from(&grad);
    let mut param_gradients = Vec::new();
    net.backward_to_input(&mut param_gradients);
    let layers = net
        .activations()
        .iter()
        .zip(net.gradients())
        .enumerate()
        .map(|(i, (a, g))| LayerTrace {
            label: if i == 0 { "input".to_string() } else { net.layer_label(i - 1) },
            dims: a.dims(),
            output: a.example(0).to_vec(),
            gradient: g.example(0).to_vec(),
        })
        .collect();
    Ok(StepTrace { label, probabilities, loss, layers, param_gradients })
}

/// What one optimizer step does to one weight.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateTrace {
    pub name: String,
    pub theta: f32,
    pub gradient: f32,
    /// The L2 λ the update adds as λ·θ to the gradient (0 for a bias).
    pub l2: f32,
    pub lr: f32,
    /// The number of the step (t, from 1).
    pub step: u64,
    /// The optimizer's state for this weight before and after, by PyTorch's names.
    pub state_names: Vec<&'static str>,
    pub before: Vec<f32>,
    pub after: Vec<f32>,
    pub theta_after: f32,
}

/// The update of parameter value `index` with gradient `gradient` by a copy of `optimizer`'s rule
/// and state, at learning rate `lr` and L2 `l2` (applied as the optimizer applies it).
pub fn trace_update(
    net: &Network,
    optimizer: &Optimizer,
    index: usize,
    gradient: f32,
    lr: f32,
    l2: f32,
) -> Result<UpdateTrace> {
    let store = &net.store;
    let param = store
        .params
        .iter()
        .find(|p| p.range().contains(&index))
        .ok_or_else(|| Error::Usage(format!("parameter value {index}: the network has {}", store.len())))?;
    let at = index - param.offset;
    let theta = store.values[index];
    let before: Vec<f32> = optimizer.state_buffers().iter().map(|b| b[index]).collect();
    let mut one = Optimizer::new(optimizer.spec(), 1);
    one.restore_state(optimizer.steps(), before.iter().map(|&v| vec![v]).collect())?;
    let mut single = ParamStore {
        values: vec![theta],
        grads: vec![gradient],
        params: vec![Param {
            name: param.name.clone(),
            layer: param.layer,
            offset: 0,
            len: 1,
            shape: vec![1],
            decay: param.decay,
        }],
    };
    one.step(&mut single, lr, l2);
    Ok(UpdateTrace {
        name: format!("{} [{}]", param.name, flat_position(&param.shape, at)),
        theta,
        gradient,
        l2: if param.decay { l2 } else { 0.0 },
        lr,
        step: one.steps(),
        state_names: one.state_names().to_vec(),
        before,
        after: one.state_buffers().iter().map(|b| b[0]).collect(),
        theta_after: single.values[0],
    })
}

/// `i` within a tensor of `shape` as its indices, "2, 0, 1, 1".
fn flat_position(shape: &[usize], mut i: usize) -> String {
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        idx[k] = i % d.max(1);
        i /= d.max(1);
    }
    idx.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_row_major() {
        assert_eq!(flat_position(&[2, 3], 4), "1, 1");
        assert_eq!(flat_position(&[8, 1, 5, 5], 26), "1, 0, 0, 1");
    }
}
