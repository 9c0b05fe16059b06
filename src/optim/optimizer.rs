//! The `Optimizer`: one spec, its state buffers and step count, and the loop that applies one
//! update to every parameter tensor of a `ParamStore`.

use super::adadelta::adadelta_step;
use super::adagrad::{adagrad_lr, adagrad_step};
use super::adam::{adam_step, adamw_decay_factor, AdamScalars};
use super::rmsprop::rmsprop_step;
use super::sgd::sgd_step;
use crate::error::{Error, Result};
use crate::model::spec::OptimizerSpec;
use crate::params::{Param, ParamStore};

/// An optimizer with its state. Update rules are PyTorch's (see [`sgd_step`], [`adam_step`],
/// [`rmsprop_step`], [`adagrad_step`], [`adadelta_step`] for the formulas).
///
/// State buffers, each one value per parameter value, by kind (names as PyTorch's state dict):
/// - `sgd`: `momentum_buffer` (velocity; untouched while momentum is 0)
/// - `adam`, `adamw`: `exp_avg` (m), `exp_avg_sq` (v)
/// - `rmsprop`: `square_avg` (s), `momentum_buffer` (b; untouched while momentum is 0)
/// - `adagrad`: `sum` (s; starts at `initialAccumulatorValue`, not 0)
/// - `adadelta`: `square_avg` (s), `acc_delta` (a)
///
/// plus the number of steps taken, t (Adam's bias corrections use it).
///
/// L2 (`l2` in [`Optimizer::step`]) is PyTorch's coupled `weight_decay` for every optimizer:
/// the gradient gains λ·θ, only for tensors with `decay == true` (weights, not biases).
///
/// AdamW's own `weight_decay` is decoupled, θ ← θ·(1 − lr·wd), and is applied **only to tensors
/// with `decay == true`**. PyTorch applies it to every parameter unless parameter groups say
/// otherwise; we follow the common practice of exempting biases. AdamW also honours a nonzero
/// `l2` (coupled, on the gradient, using θ before the shrink) — a combination PyTorch does not
/// offer.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    spec: OptimizerSpec,
    /// Number of values each state buffer holds (the store's length).
    n: usize,
    /// Steps taken so far; the next step is number t + 1.
    t: u64,
    buffers: Vec<Vec<f32>>,
}

impl Optimizer {
    /// A fresh optimizer (initial state, t = 0) for a store of `n_params` values.
    pub fn new(spec: &OptimizerSpec, n_params: usize) -> Optimizer {
        Optimizer { spec: spec.clone(), n: n_params, t: 0, buffers: fresh_buffers(spec, n_params) }
    }

    pub fn spec(&self) -> &OptimizerSpec {
        &self.spec
    }

    /// Steps taken so far (PyTorch's `state["step"]`).
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// Number of parameter values the state covers.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Names of the state buffers, in the order of [`Optimizer::state_buffers`].
    pub fn state_names(&self) -> &'static [&'static str] {
        state_names(&self.spec)
    }

    /// The state buffers (for saving), each `len()` values.
    pub fn state_buffers(&self) -> Vec<&[f32]> {
        self.buffers.iter().map(Vec::as_slice).collect()
    }

    /// Restores saved state: the step count and the buffers in [`Optimizer::state_names`] order.
    /// Checks the count and lengths, and leaves the optimizer unchanged when they do not fit.
    pub fn restore_state(&mut self, steps: u64, buffers: Vec<Vec<f32>>) -> Result<()> {
        let names = self.state_names();
        if buffers.len() != names.len() || buffers.iter().any(|b| b.len() != self.n) {
            let found: Vec<String> = buffers.iter().map(|b| b.len().to_string()).collect();
            return Err(Error::Format(format!(
                "optimizer state: {} keeps {} buffer(s) ({}) of {} values each, but the saved state has {} buffer(s) of [{}] values; \
                 it was saved with a different optimizer or model — retrain, or load it with the same spec",
                self.spec.name(),
                names.len(),
                names.join(", "),
                self.n,
                buffers.len(),
                found.join(", ")
            )));
        }
        self.buffers = buffers;
        self.t = steps;
        Ok(())
    }

    /// Applies one update to every parameter of `store` from its gradients, with learning rate
    /// `lr` (the caller applies the schedule and live changes) and coupled L2 λ = `l2` on tensors
    /// with `decay == true`. The gradients are read, never changed.
    ///
    /// The store must have the length this optimizer was built for. A mismatch is a bug: debug
    /// builds panic; release builds (the browser) restart from fresh state for the new length
    /// rather than trap.
    pub fn step(&mut self, store: &mut ParamStore, lr: f32, l2: f32) {
        if store.len() != self.n || store.grads.len() != store.values.len() {
            debug_assert!(false, "optimizer built for {} values, store has {}", self.n, store.len());
            self.n = store.len();
            self.buffers = fresh_buffers(&self.spec, self.n);
            self.t = 0;
        }
        self.t += 1;
        let ParamStore { values, grads, params } = store;
        let (values, grads): (&mut [f32], &[f32]) = (values, grads);
        // The variant is matched once per step; each kernel runs one branch-free loop per tensor.
        match self.spec {
            OptimizerSpec::Sgd { momentum, nesterov, .. } => {
                let [velocity] = self.buffers.as_mut_slice() else { return };
                for p in params.iter() {
                    if let Some((theta, g, [v])) = slices(p, values, grads, [&mut *velocity]) {
                        sgd_step(theta, g, v, lr, l2_for(p, l2), momentum, nesterov);
                    }
                }
            }
            OptimizerSpec::Adam { beta1, beta2, eps, .. } => {
                let s = AdamScalars::new(lr, beta1, beta2, eps, self.t);
                let [m, v] = self.buffers.as_mut_slice() else { return };
                for p in params.iter() {
                    if let Some((theta, g, [m, v])) = slices(p, values, grads, [&mut *m, &mut *v]) {
                        adam_step(theta, g, m, v, &s, l2_for(p, l2), 1.0);
                    }
                }
            }
            OptimizerSpec::Adamw { beta1, beta2, eps, weight_decay, .. } => {
                let s = AdamScalars::new(lr, beta1, beta2, eps, self.t);
                let factor = adamw_decay_factor(lr, weight_decay);
                let [m, v] = self.buffers.as_mut_slice() else { return };
                for p in params.iter() {
                    if let Some((theta, g, [m, v])) = slices(p, values, grads, [&mut *m, &mut *v]) {
                        let f = if p.decay { factor } else { 1.0 };
                        adam_step(theta, g, m, v, &s, l2_for(p, l2), f);
                    }
                }
            }
            OptimizerSpec::Rmsprop { alpha, eps, momentum, .. } => {
                let [sq, buf] = self.buffers.as_mut_slice() else { return };
                for p in params.iter() {
                    if let Some((theta, g, [sq, buf])) = slices(p, values, grads, [&mut *sq, &mut *buf]) {
                        rmsprop_step(theta, g, sq, buf, lr, l2_for(p, l2), alpha, eps, momentum);
                    }
                }
            }
            OptimizerSpec::Adagrad { lr_decay, eps, .. } => {
                let clr = adagrad_lr(lr, lr_decay, self.t);
                let [sum] = self.buffers.as_mut_slice() else { return };
                for p in params.iter() {
                    if let Some((theta, g, [sum])) = slices(p, values, grads, [&mut *sum]) {
                        adagrad_step(theta, g, sum, clr, l2_for(p, l2), eps);
                    }
                }
            }
            OptimizerSpec::Adadelta { rho, eps, .. } => {
                let [sq, acc] = self.buffers.as_mut_slice() else { return };
                for p in params.iter() {
                    if let Some((theta, g, [sq, acc])) = slices(p, values, grads, [&mut *sq, &mut *acc]) {
                        adadelta_step(theta, g, sq, acc, lr, l2_for(p, l2), rho, eps);
                    }
                }
            }
        }
    }
}

/// State buffer names per kind, as PyTorch's state dict calls them.
fn state_names(spec: &OptimizerSpec) -> &'static [&'static str] {
    match spec {
        OptimizerSpec::Sgd { .. } => &["momentum_buffer"],
        OptimizerSpec::Adam { .. } | OptimizerSpec::Adamw { .. } => &["exp_avg", "exp_avg_sq"],
        OptimizerSpec::Rmsprop { .. } => &["square_avg", "momentum_buffer"],
        OptimizerSpec::Adagrad { .. } => &["sum"],
        OptimizerSpec::Adadelta { .. } => &["square_avg", "acc_delta"],
    }
}

/// The state before the first step: zeros, except Adagrad's sum (PyTorch fills it with
/// `initial_accumulator_value`).
fn fresh_buffers(spec: &OptimizerSpec, n: usize) -> Vec<Vec<f32>> {
    let start = match *spec {
        OptimizerSpec::Adagrad { initial_accumulator_value, .. } => initial_accumulator_value,
        _ => 0.0,
    };
    vec![vec![start; n]; state_names(spec).len()]
}

/// L2 applies to weights only: λ for `decay == true`, 0 otherwise (g + 0·θ = g exactly).
fn l2_for(p: &Param, l2: f32) -> f32 {
    if p.decay {
        l2
    } else {
        0.0
    }
}

/// The slices of one parameter tensor: its values, gradients and state. `None` (and a debug
/// panic) if its range lies outside the buffers, which `ParamStore::add` never produces.
#[allow(clippy::type_complexity)]
fn slices<'a, const K: usize>(
    p: &Param,
    values: &'a mut [f32],
    grads: &'a [f32],
    state: [&'a mut Vec<f32>; K],
) -> Option<(&'a mut [f32], &'a [f32], [&'a mut [f32]; K])> {
    let r = p.range();
    let fits = r.end <= values.len() && r.end <= grads.len() && state.iter().all(|s| r.end <= s.len());
    if !fits {
        debug_assert!(false, "parameter {:?} ({:?}) lies outside the store", p.name, r);
        return None;
    }
    Some((&mut values[r.clone()], &grads[r.clone()], state.map(|s| &mut s[r.clone()])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> ParamStore {
        let mut s = ParamStore::new();
        s.add("w".into(), 0, vec![2], true);
        s.add("b".into(), 0, vec![1], false);
        s.values.copy_from_slice(&[1.0, -2.0, 3.0]);
        s.grads.copy_from_slice(&[0.5, 0.5, 0.5]);
        s
    }

    #[test]
    fn l2_skips_biases_and_leaves_grads_alone() {
        let mut s = store();
        let mut opt = Optimizer::new(&OptimizerSpec::Sgd { lr: 0.1, momentum: 0.0, nesterov: false }, s.len());
        opt.step(&mut s, 0.1, 0.5);
        // w: g' = 0.5 + 0.5·θ → 1.0, 0.5 + (−1) = −0.5; θ − 0.1·g'. b: g' = 0.5.
        let want = [1.0 - 0.1, -2.0 + 0.05, 3.0 - 0.05];
        for (a, b) in s.values.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{:?} vs {want:?}", s.values);
        }
        assert_eq!(s.grads, [0.5, 0.5, 0.5]);
        assert_eq!(opt.steps(), 1);
    }

    #[test]
    fn adamw_decay_skips_biases() {
        let mut s = store();
        s.grads.fill(0.0);
        let spec = OptimizerSpec::Adamw { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.5 };
        let mut opt = Optimizer::new(&spec, s.len());
        opt.step(&mut s, 0.1, 0.0);
        // g = 0 → Adam part 0; weights shrink by 1 − 0.05, the bias stays.
        assert_eq!(s.values, [0.95, -1.9, 3.0]);
    }

    #[test]
    fn state_round_trips_and_rejects_wrong_shapes() -> Result<()> {
        let mut s = store();
        let spec = OptimizerSpec::Adam { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        let mut a = Optimizer::new(&spec, s.len());
        a.step(&mut s, 0.01, 0.0);
        assert_eq!(a.state_names(), ["exp_avg", "exp_avg_sq"]);
        let saved: Vec<Vec<f32>> = a.state_buffers().iter().map(|b| b.to_vec()).collect();
        let mut b = Optimizer::new(&spec, s.len());
        b.restore_state(a.steps(), saved.clone())?;
        assert_eq!(a, b);
        let err = b.restore_state(1, vec![saved[0].clone()]).unwrap_err();
        assert!(err.to_string().contains("exp_avg, exp_avg_sq"), "{err}");
        assert_eq!(a, b, "a failed restore changes nothing");
        Ok(())
    }

    #[test]
    fn adagrad_sum_starts_at_the_initial_accumulator() {
        let spec = OptimizerSpec::Adagrad { lr: 0.1, lr_decay: 0.0, initial_accumulator_value: 0.25, eps: 1e-10 };
        let opt = Optimizer::new(&spec, 3);
        assert_eq!(opt.state_names(), ["sum"]);
        assert_eq!(opt.state_buffers(), [[0.25; 3].as_slice()]);
    }
}
