//! Training statistics per layer, on demand: the weight gradient's norm, the size of the update
//! relative to the weights, the share of dead ReLUs, and the distributions of weights and
//! activations (TensorBoard's "distributions", as nine quantiles).
//!
//! They are read from the step's summed gradient and a forward pass of its batch in evaluation
//! mode, into buffers of their own: the training numbers never change, whether they are taken or not.

use serde::Serialize;

use crate::layers::{Ctx, Mode};
use crate::model::network::Network;
use crate::model::spec::Activation;
use crate::model::validate::Op;
use crate::rng::Rng;
use crate::tensor::kernels::sum_squares;
use crate::tensor::Tensor;

/// The quantiles of a distribution: TensorBoard's, those of a normal distribution at
/// −∞, −1.5σ, −σ, −0.5σ, 0, 0.5σ, σ, 1.5σ, +∞ (basis points 0, 668, 1587, … 10000).
pub const QUANTILES: [f64; 9] = [0.0, 0.0668, 0.1587, 0.3085, 0.5, 0.6915, 0.8413, 0.9332, 1.0];

/// A distribution is taken from at most this many values, evenly spaced, so that its cost does not
/// grow with the layer (a convolution's activations over a batch run into millions).
pub const MAX_SAMPLES: usize = 2_048;

/// One layer with parameters, at one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerStats {
    /// The layer's index in the spec's layers.
    pub layer: usize,
    /// `"1 dense"`, `"3 conv2d"`.
    pub label: String,
    /// ‖∂L/∂W‖₂ of the weight tensor (after clipping, before L2 and the optimizer: PyTorch's `p.grad`).
    pub grad_norm: f32,
    /// ‖W after − W before‖₂ / ‖W before‖₂ for this step's update.
    pub update_ratio: f32,
    /// Share of the ReLUs (relu or leaky_relu) after this layer that were never active (output ≤ 0)
    /// on the batch: per unit for a dense layer, per channel for a convolution. None without a ReLU.
    pub dead: Option<f32>,
    /// The weights' [`QUANTILES`] after the update.
    pub weights: [f32; 9],
    /// The [`QUANTILES`] of the layer's output (after its activation) on the batch.
    pub activations: [f32; 9],
}

/// The statistics of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepStats {
    /// Steps trained, this one included.
    pub step: u64,
    /// Where that is in epochs, exactly as a report of the same step gives it (`epoch +
    /// epochProgress`; the epoch count once the run is done), so that the page can order the
    /// statistics among the curve points.
    pub position: f64,
    /// The mean training loss of the steps since the previous statistics (this one included).
    pub loss: f32,
    pub layers: Vec<LayerStats>,
}

/// Where a layer with parameters sits in the plan: its weights, the plan layer whose output is
/// its activation, and the ReLU after it (if any).
#[derive(Debug, Clone, PartialEq)]
struct Watched {
    plan_index: usize,
    spec_index: usize,
    weights: std::ops::Range<usize>,
    /// Index into the network's activations (0 = input) of the layer's output after its activation.
    output: usize,
    relu: Option<usize>,
}

/// Takes statistics every `every` steps (0: never) and keeps them until they are taken.
#[derive(Debug, Clone, Default)]
pub struct Collector {
    every: u64,
    watched: Vec<Watched>,
    /// The weights before the update of a step whose statistics are taken.
    before: Vec<f32>,
    samples: Vec<f32>,
    /// Sum and count of the step losses since the last statistics.
    loss_sum: f64,
    losses: u64,
    /// Taken, not yet handed out; at most `KEEP`, the oldest dropped first.
    ready: Vec<StepStats>,
}

/// Statistics waiting to be handed out beyond this many lose their oldest (nobody is reading them).
const KEEP: usize = 256;

impl Collector {
    /// Statistics every `every` steps (0: none) for the layers of `net`.
    pub fn new(net: &Network, every: u64) -> Collector {
        let plan = &net.plan.layers;
        let mut watched = Vec::new();
        for (i, l) in plan.iter().enumerate() {
            if l.params == 0 {
                continue;
            }
            let Some(w) = net.store.params.iter().find(|p| p.layer == l.spec_index && p.decay) else { continue };
            // The layer's own activation follows it in the plan with the same spec index.
            let mut output = i + 1;
            while plan
                .get(output)
                .is_some_and(|a| a.spec_index == l.spec_index && matches!(a.op, Op::Activation { .. }))
            {
                output += 1;
            }
            // The first ReLU before the next layer with parameters, fused or standalone.
            let relu = plan[i + 1..]
                .iter()
                .take_while(|a| a.params == 0)
                .position(|a| matches!(a.op, Op::Activation { function: Activation::Relu | Activation::LeakyRelu, .. }))
                .map(|k| i + 1 + k + 1);
            watched.push(Watched { plan_index: i, spec_index: l.spec_index, weights: w.range(), output, relu });
        }
        Collector { every, watched, ..Collector::default() }
    }

    pub fn every(&self) -> u64 {
        self.every
    }

    pub fn set_every(&mut self, every: u64) {
        self.every = every;
        self.loss_sum = 0.0;
        self.losses = 0;
    }

    /// Whether step number `step` (counting from 1) gets statistics.
    pub fn due(&self, step: u64) -> bool {
        self.every > 0 && step % self.every == 0
    }

    /// Counts a step's loss toward the next statistics' mean (nothing when they are off).
    pub fn add_loss(&mut self, loss: f32) {
        if self.every > 0 {
            self.loss_sum += f64::from(loss);
            self.losses += 1;
        }
    }

    /// Before the update of a step that is due: keeps the weights and runs `batch` through the
    /// network in evaluation mode (no dropout, no random stream drawn), so that its activations are
    /// those of the weights that made the gradient.
    pub fn before_update(&mut self, net: &mut Network, batch: &Tensor) {
        self.before.clear();
        self.before.extend_from_slice(&net.store.values);
        let Some(dims) = batch.dims else { return };
        let input = net.input_mut();
        input.reshape(batch.n, dims);
        input.data.copy_from_slice(&batch.data);
        // Evaluation mode draws nothing; this stream only satisfies the signature.
        let mut rng = Rng::new(0);
        net.forward(&mut Ctx { mode: Mode::Eval, rng: &mut rng });
    }

    /// After the update: reads the gradients (still in the store), the new weights and the
    /// activations of `before_update`, and keeps the step's statistics.
    pub fn after_update(&mut self, net: &Network, step: u64, position: f64) {
        let store = &net.store;
        let acts = net.activations();
        let mut layers = Vec::with_capacity(self.watched.len());
        for w in &self.watched {
            let r = w.weights.clone();
            let (Some(grads), Some(now), Some(before)) =
                (store.grads.get(r.clone()), store.values.get(r.clone()), self.before.get(r.clone()))
            else {
                continue;
            };
            layers.push(LayerStats {
                layer: w.spec_index,
                label: net.layer_label(w.plan_index),
                grad_norm: sum_squares(grads).sqrt() as f32,
                update_ratio: update_ratio(before, now),
                dead: w.relu.and_then(|k| acts.get(k)).map(dead_fraction),
                weights: quantiles(now, &mut self.samples),
                activations: acts.get(w.output).map_or([f32::NAN; 9], |t| quantiles(&t.data, &mut self.samples)),
            });
        }
        let loss = if self.losses > 0 { (self.loss_sum / self.losses as f64) as f32 } else { f32::NAN };
        self.loss_sum = 0.0;
        self.losses = 0;
        if self.ready.len() == KEEP {
            self.ready.remove(0);
        }
        self.ready.push(StepStats { step, position, loss, layers });
    }

    /// The statistics taken since the last call, oldest first.
    pub fn take(&mut self) -> Vec<StepStats> {
        std::mem::take(&mut self.ready)
    }
}

/// ‖after − before‖₂ / ‖before‖₂, in f64 in a fixed order; 0 when nothing moved, +∞ when the
/// weights were all zero and moved.
pub fn update_ratio(before: &[f32], after: &[f32]) -> f32 {
    // Eight partial sums in a fixed order, as `sum_squares`: one chain of adds would wait on each.
    let mut s = [0.0f64; 8];
    for (i, (&b, &a)) in before.iter().zip(after).enumerate() {
        let d = f64::from(a) - f64::from(b);
        s[i % 8] += d * d;
    }
    let diff = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    let base = sum_squares(before);
    if diff == 0.0 {
        0.0
    } else if base == 0.0 {
        f32::INFINITY
    } else {
        (diff / base).sqrt() as f32
    }
}

/// The share of channels of `y` (`[n, c, h, w]`) whose every value over the batch and the
/// positions is ≤ 0: a ReLU that passed no gradient for any example (PyTorch's relu′(0) = 0).
/// A dense layer's output is `[n, units, 1, 1]`, so there it is per unit.
pub fn dead_fraction(y: &Tensor) -> f32 {
    let Some(d) = y.dims else { return f32::NAN };
    let per_channel = d.h * d.w;
    if d.c == 0 || y.n == 0 {
        return f32::NAN;
    }
    let mut dead = 0usize;
    for c in 0..d.c {
        let alive = (0..y.n).any(|i| {
            let start = i * d.len() + c * per_channel;
            y.data[start..start + per_channel].iter().any(|&v| v > 0.0)
        });
        if !alive {
            dead += 1;
        }
    }
    dead as f32 / d.c as f32
}

/// The [`QUANTILES`] of `values` with linear interpolation between order statistics (as
/// `torch.quantile`), from at most [`MAX_SAMPLES`] of them taken at an even stride (sorted by
/// `total_cmp`, so the same values give the same bits). NaN anywhere
/// in the sample makes every quantile NaN, as in PyTorch; an empty input gives NaNs.
pub fn quantiles(values: &[f32], scratch: &mut Vec<f32>) -> [f32; 9] {
    let mut out = [f32::NAN; 9];
    if values.is_empty() {
        return out;
    }
    let stride = values.len().div_ceil(MAX_SAMPLES);
    scratch.clear();
    scratch.extend(values.iter().step_by(stride));
    if scratch.iter().any(|v| v.is_nan()) {
        return out;
    }
    let last = scratch.len() - 1;
    // A sort of the sample is cheaper here than a selection per quantile.
    scratch.sort_unstable_by(f32::total_cmp);
    for (q, o) in QUANTILES.iter().zip(out.iter_mut()) {
        let pos = q * last as f64;
        let lo = pos.floor() as usize;
        let frac = pos - lo as f64;
        let a = scratch[lo];
        *o = match scratch.get(lo + 1) {
            Some(&b) if frac > 0.0 => (f64::from(a) + (f64::from(b) - f64::from(a)) * frac) as f32,
            _ => a,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Dims;

    #[test]
    fn quantiles_interpolate_like_torch() {
        // torch.quantile(torch.arange(11.), q): pos = q·10, e.g. 0.0668 → 0.668.
        let x: Vec<f32> = (0..=10).rev().map(|v| v as f32).collect();
        let q = quantiles(&x, &mut Vec::new());
        let want = [0.0, 0.668, 1.587, 3.085, 5.0, 6.915, 8.413, 9.332, 10.0];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "{q:?}");
        }
        assert_eq!(quantiles(&[3.0], &mut Vec::new()), [3.0; 9]);
        assert!(quantiles(&[], &mut Vec::new()).iter().all(|v| v.is_nan()));
        assert!(quantiles(&[1.0, f32::NAN], &mut Vec::new()).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn quantiles_sample_a_long_input_evenly() {
        // 2·MAX_SAMPLES values 0, 1, 2, …: stride 2 keeps the even ones, 0 … 2·(MAX_SAMPLES − 1).
        let x: Vec<f32> = (0..2 * MAX_SAMPLES).map(|v| v as f32).collect();
        let q = quantiles(&x, &mut Vec::new());
        assert_eq!(q[0], 0.0);
        assert_eq!(q[8], (2 * (MAX_SAMPLES - 1)) as f32);
        assert_eq!(q[4], (MAX_SAMPLES - 1) as f32); // the midpoint of 0 … 4094
    }

    #[test]
    fn update_ratio_by_hand() {
        // before (3, 4): norm 5; after (3, 4) + (0.3, −0.4): a move of norm 0.5 → 0.1.
        let r = update_ratio(&[3.0, 4.0], &[3.3, 3.6]);
        assert!((r - 0.1).abs() < 1e-6, "{r}");
        assert_eq!(update_ratio(&[1.0], &[1.0]), 0.0);
        assert_eq!(update_ratio(&[0.0], &[1.0]), f32::INFINITY);
    }

    #[test]
    fn dead_channels_never_pass_anything() {
        // Two examples of 3 channels of 2 values. Channel 0 fires in example 1 only, channel 1
        // never (zeros and a negative leaky output), channel 2 in example 0: 1 of 3 dead.
        let y = Tensor::from_vec(
            2,
            Dims::new(3, 1, 2),
            vec![0.0, 0.0, 0.0, -0.01, 0.5, 0.0, /* example 1 */ 0.0, 2.0, 0.0, 0.0, 0.0, 0.0],
        );
        assert!((dead_fraction(&y) - 1.0 / 3.0).abs() < 1e-7);
        // A dense layer's [n, units, 1, 1]: per unit.
        let y = Tensor::from_vec(2, Dims::flat(4), vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 3.0, 0.0]);
        assert_eq!(dead_fraction(&y), 0.5);
    }
}
