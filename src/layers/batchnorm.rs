//! Batch normalization (Ioffe & Szegedy 2015), with PyTorch's definitions: per channel (after a
//! convolution: over N·H·W values; after a dense layer, whose output is [n, units, 1, 1]: per unit
//! over N), y = γ·(x − μ)/√(σ² + ε) + β with ε = 1e-5.
//!
//! Training normalises with the batch's mean and biased variance; evaluation with the running
//! estimates, which start at mean 0 and variance 1 and move once per step by momentum 0.1 towards
//! the step's mean and unbiased variance: r ← (1 − 0.1)·r + 0.1·b.
//!
//! A step is split into shards (`crate::shards`) so that several workers get the same bits; each
//! shard is normalised by its own statistics, as PyTorch's data-parallel training without
//! SyncBatchNorm does ("ghost batch norm"). The running estimates cannot come from one shard: every
//! shard's mean and variance (`batch_stats`) travel with its gradient, are merged in shard order
//! into the whole batch's mean and variance (`merge_batch_stats`), and update the running estimates
//! when the step ends (`update_running`), the same on every worker.

use super::{Ctx, Layer, Mode};
use crate::error::{Error, Result};
use crate::params::{Param, ParamStore};
use crate::tensor::{Dims, Tensor};

/// PyTorch's default ε, added to the variance before the square root.
pub const EPS: f64 = 1e-5;
/// PyTorch's default momentum: the weight of the newest batch in the running estimates.
pub const MOMENTUM: f64 = 0.1;

/// Shapes: input [n, c, h, w] → output [n, c, h, w]; γ [c], β [c]; running mean and variance [c].
#[derive(Debug, Clone)]
pub struct BatchNorm {
    dims: Dims,
    gamma: Param,
    beta: Param,
    /// Running mean (c values), then running variance (c values): state, not parameters.
    running: Vec<f32>,
    /// The last training forward pass's mean (c), then its biased variance (c).
    batch: Vec<f32>,
    /// Per channel, the mean and 1/√(σ² + ε) the last forward pass normalised with.
    mean: Vec<f32>,
    inv_std: Vec<f32>,
    /// Whether the last forward pass used batch statistics (training) or the running ones.
    trained: bool,
}

impl BatchNorm {
    /// Reserves γ and β in `store`, both without L2 decay (PyTorch applies weight decay to them
    /// only when asked; a penalty on γ would fight the normalisation).
    pub fn new(store: &mut ParamStore, layer_index: usize, dims: Dims) -> BatchNorm {
        let c = dims.c;
        let gamma = store.add(format!("layer {} batchnorm scale", layer_index + 1), layer_index, vec![c], false);
        let beta = store.add(format!("layer {} batchnorm shift", layer_index + 1), layer_index, vec![c], false);
        let mut running = vec![0.0; 2 * c];
        running[c..].fill(1.0);
        BatchNorm {
            dims,
            gamma,
            beta,
            running,
            batch: vec![0.0; 2 * c],
            mean: vec![0.0; c],
            inv_std: vec![0.0; c],
            trained: false,
        }
    }

    /// γ = 1 and β = 0, as PyTorch starts them: the layer first passes the normalised values on.
    pub fn init(&self, values: &mut [f32]) {
        values[self.gamma.range()].fill(1.0);
        values[self.beta.range()].fill(0.0);
    }

    pub fn scale(&self) -> &Param {
        &self.gamma
    }

    pub fn shift(&self) -> &Param {
        &self.beta
    }

    /// The running mean and the running variance, c values each.
    pub fn running_mean(&self) -> &[f32] {
        &self.running[..self.dims.c]
    }

    pub fn running_var(&self) -> &[f32] {
        &self.running[self.dims.c..]
    }

    /// Values per channel and example.
    fn plane(&self) -> usize {
        self.dims.h * self.dims.w
    }
}

/// The values of channel `ch` of every example of `data` (NCHW, `c` channels of `plane` values).
fn channel(data: &[f32], c: usize, plane: usize, ch: usize) -> impl Iterator<Item = &[f32]> {
    data.chunks_exact(c * plane).map(move |ex| &ex[ch * plane..(ch + 1) * plane])
}

impl Layer for BatchNorm {
    fn kind(&self) -> &'static str {
        "batchnorm"
    }

    fn in_dims(&self) -> Dims {
        self.dims
    }

    fn out_dims(&self) -> Dims {
        self.dims
    }

    /// Shapes: x [n, c, h, w] → y [n, c, h, w].
    ///
    /// Train: per channel, μ = mean and σ² = biased variance of its n·h·w values (two passes in
    /// f64); y = γ·(x − μ)·s + β with s = 1/√(σ² + ε). Eval: the same with the running estimates.
    fn forward(&mut self, params: &[f32], x: &Tensor, y: &mut Tensor, ctx: &mut Ctx) {
        debug_assert_eq!(x.dims().len(), self.dims.len());
        let (c, plane) = (self.dims.c, self.plane());
        y.reshape(x.n, x.dims());
        self.trained = ctx.mode == Mode::Train;
        for ch in 0..c {
            let (mean, var) = if self.trained {
                let count = (x.n * plane).max(1) as f64;
                let sum: f64 = channel(&x.data, c, plane, ch).flatten().map(|&v| v as f64).sum();
                let mean = sum / count;
                let sq: f64 = channel(&x.data, c, plane, ch).flatten().map(|&v| (v as f64 - mean).powi(2)).sum();
                let var = sq / count;
                self.batch[ch] = mean as f32;
                self.batch[c + ch] = var as f32;
                (mean, var)
            } else {
                (self.running[ch] as f64, self.running[c + ch] as f64)
            };
            self.mean[ch] = mean as f32;
            self.inv_std[ch] = (1.0 / (var + EPS).sqrt()) as f32;
        }
        let (gamma, beta) = (&params[self.gamma.range()], &params[self.beta.range()]);
        for (xs, ys) in x.data.chunks_exact(c * plane).zip(y.data.chunks_exact_mut(c * plane)) {
            for ch in 0..c {
                let (m, s, g, b) = (self.mean[ch], self.inv_std[ch], gamma[ch], beta[ch]);
                let range = ch * plane..(ch + 1) * plane;
                for (y, &x) in ys[range.clone()].iter_mut().zip(&xs[range]) {
                    *y = g * ((x - m) * s) + b;
                }
            }
        }
    }

    /// With x̂ = (x − μ)·s and m = n·h·w values per channel: grad_β += Σ gy, grad_γ += Σ gy·x̂.
    /// After a training pass μ and σ² depend on x too, which gives
    /// grad_x = γ·s/m · (m·gy − Σ gy − x̂·Σ gy·x̂); after an evaluation pass grad_x = γ·s·gy.
    fn backward(
        &mut self,
        params: &[f32],
        grads: &mut [f32],
        x: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    ) {
        debug_assert_eq!(grad_y.data.len(), x.data.len());
        let (c, plane) = (self.dims.c, self.plane());
        let gamma = &params[self.gamma.range()];
        let mut gx = grad_x;
        if let Some(gx) = gx.as_deref_mut() {
            gx.reshape(x.n, x.dims());
        }
        for ch in 0..c {
            let (m, s) = (self.mean[ch], self.inv_std[ch]);
            let (mut sum_gy, mut sum_gy_xhat) = (0.0f64, 0.0f64);
            for (xs, gys) in channel(&x.data, c, plane, ch).zip(channel(&grad_y.data, c, plane, ch)) {
                for (&x, &gy) in xs.iter().zip(gys) {
                    sum_gy += gy as f64;
                    sum_gy_xhat += (gy * ((x - m) * s)) as f64;
                }
            }
            grads[self.beta.range()][ch] += sum_gy as f32;
            grads[self.gamma.range()][ch] += sum_gy_xhat as f32;
            let Some(gx) = gx.as_deref_mut() else { continue };
            let count = (x.n * plane).max(1);
            let k = gamma[ch] * s;
            // After an evaluation pass μ and s are constants: only the k·gy term is left.
            let (mean_gy, mean_gy_xhat) = if self.trained {
                ((sum_gy / count as f64) as f32, (sum_gy_xhat / count as f64) as f32)
            } else {
                (0.0, 0.0)
            };
            for ((xs, gys), gxs) in x
                .data
                .chunks_exact(c * plane)
                .zip(grad_y.data.chunks_exact(c * plane))
                .zip(gx.data.chunks_exact_mut(c * plane))
            {
                let range = ch * plane..(ch + 1) * plane;
                for ((&x, &gy), gx) in xs[range.clone()].iter().zip(&gys[range.clone()]).zip(&mut gxs[range]) {
                    *gx = k * (gy - mean_gy - (x - m) * s * mean_gy_xhat);
                }
            }
        }
    }

    fn state(&self) -> &[f32] {
        &self.running
    }

    /// Takes saved running estimates: finite, and variances not negative.
    fn set_state(&mut self, values: &[f32]) -> Result<()> {
        let c = self.dims.c;
        let usable = values.len() == self.running.len()
            && values.iter().all(|v| v.is_finite())
            && values[c..].iter().all(|&v| v >= 0.0);
        if !usable {
            return Err(Error::Format("the saved running statistics of batch normalization are damaged".into()));
        }
        self.running.copy_from_slice(values);
        Ok(())
    }

    fn batch_stats(&self) -> &[f32] {
        &self.batch
    }

    /// Chan, Golub and LeVeque's pairwise update: `merged` holds per channel the mean and the sum
    /// of squared deviations (M2) of the `rows_before` examples merged so far; a shard of `rows`
    /// examples with mean μ_b and biased variance σ²_b joins with
    /// δ = μ_b − μ_a, μ = μ_a + δ·n_b/n, M2 = M2_a + σ²_b·n_b + δ²·n_a·n_b/n.
    fn merge_batch_stats(&self, merged: &mut [f64], rows_before: usize, stats: &[f32], rows: usize) {
        let c = self.dims.c;
        let (na, nb) = ((rows_before * self.plane()) as f64, (rows * self.plane()) as f64);
        let n = na + nb;
        if nb == 0.0 {
            return;
        }
        let (means, m2s) = merged.split_at_mut(c);
        for ch in 0..c {
            let (mb, vb) = (stats[ch] as f64, stats[c + ch] as f64);
            let delta = mb - means[ch];
            means[ch] += delta * nb / n;
            m2s[ch] += vb * nb + delta * delta * na * nb / n;
        }
    }

    /// r ← (1 − momentum)·r + momentum·b, in f64 and rounded once (as PyTorch on the CPU), with the
    /// step's mean and unbiased variance M2/(m − 1). A step of a single value per channel has no
    /// unbiased variance (PyTorch refuses to train on it): the estimates then stay as they are.
    fn update_running(&mut self, merged: &[f64], rows: usize) {
        let c = self.dims.c;
        let count = rows * self.plane();
        if count < 2 {
            return;
        }
        for ch in 0..c {
            let mean = merged[ch];
            let var = merged[c + ch] / (count - 1) as f64;
            let (rm, rv) = (self.running[ch] as f64, self.running[c + ch] as f64);
            self.running[ch] = (MOMENTUM * mean + (1.0 - MOMENTUM) * rm) as f32;
            self.running[c + ch] = (MOMENTUM * var + (1.0 - MOMENTUM) * rv) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn forward(bn: &mut BatchNorm, values: &[f32], x: &Tensor, mode: Mode) -> Tensor {
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        bn.forward(values, x, &mut y, &mut Ctx { mode, rng: &mut rng });
        y
    }

    #[test]
    fn training_normalises_each_channel_and_evaluation_uses_the_running_estimates() {
        // 2 examples × 2 channels × 1×2: channel 0 holds 1, 2, 3, 4 (μ 2.5, σ² 1.25), channel 1 all 7.
        let dims = Dims::new(2, 1, 2);
        let mut store = ParamStore::new();
        let mut bn = BatchNorm::new(&mut store, 0, dims);
        bn.init(&mut store.values);
        assert_eq!(store.values, [1.0, 1.0, 0.0, 0.0]);
        let x = Tensor::from_vec(2, dims, vec![1.0, 2.0, 7.0, 7.0, 3.0, 4.0, 7.0, 7.0]);
        let y = forward(&mut bn, &store.values, &x, Mode::Train);
        let s = (1.0 / (1.25f64 + EPS).sqrt()) as f32;
        assert_eq!(y.data[..2], [-1.5 * s, -0.5 * s]);
        assert_eq!(y.data[2..4], [0.0, 0.0]);
        assert_eq!(bn.batch_stats(), [2.5, 7.0, 1.25, 0.0]);
        // One shard of 2 rows: the running estimates move 10% of the way to μ and to σ²·4/3.
        let mut merged = vec![0.0; 4];
        bn.merge_batch_stats(&mut merged, 0, bn.batch_stats(), 2);
        bn.update_running(&merged, 2);
        assert_eq!(bn.running_mean(), [0.25, 0.7]);
        assert_eq!(bn.running_var(), [(0.9 + 0.1 * 1.25 * 4.0 / 3.0) as f32, 0.9]);
        let y = forward(&mut bn, &store.values, &x, Mode::Eval);
        let s = (1.0 / (bn.running_var()[0] as f64 + EPS).sqrt()) as f32;
        assert_eq!(y.data[0], (1.0 - 0.25) * s);
    }

    #[test]
    fn merging_shards_gives_the_whole_batch_statistics() {
        // Channel values 1, 2 | 3, 4, 5 in two shards: μ 3, M2 = 10, in one merge or two.
        let dims = Dims::flat(1);
        let mut store = ParamStore::new();
        let bn = BatchNorm::new(&mut store, 0, dims);
        let mut merged = vec![0.0; 2];
        bn.merge_batch_stats(&mut merged, 0, &[1.5, 0.25], 2);
        bn.merge_batch_stats(&mut merged, 2, &[4.0, 2.0 / 3.0], 3);
        assert!((merged[0] - 3.0).abs() < 1e-7 && (merged[1] - 10.0).abs() < 1e-6, "{merged:?}");
    }

    #[test]
    fn damaged_running_statistics_are_refused() {
        let mut store = ParamStore::new();
        let mut bn = BatchNorm::new(&mut store, 0, Dims::flat(2));
        assert!(bn.set_state(&[0.0, 1.0, 1.0, -1.0]).is_err());
        assert!(bn.set_state(&[0.0, f32::NAN, 1.0, 1.0]).is_err());
        assert!(bn.set_state(&[0.0, 1.0]).is_err());
        assert!(bn.set_state(&[0.5, 1.0, 2.0, 0.0]).is_ok());
        assert_eq!(bn.state(), [0.5, 1.0, 2.0, 0.0]);
    }
}
