//! Learning-rate schedules: the rate for a given step, as a function of the base rate.

use std::f64::consts::PI;

use super::math::{cos, powu};
use crate::model::spec::ScheduleSpec;

/// The learning rate for optimizer step `step` (0-based: the first update uses `step = 0`).
///
/// - `Constant`: `base_lr`.
/// - `Step { every_epochs, gamma }`: base_lr·γ^⌊epoch / every_epochs⌋ with epoch = ⌊step /
///   steps_per_epoch⌋ — PyTorch's `StepLR` stepped once per epoch. `every_epochs = 0` means never
///   decay (PyTorch would divide by zero; validation should reject it).
/// - `Cosine { min_lr }`: per step, min + (base − min)·(1 + cos(π·step / total_steps))/2 —
///   PyTorch's `CosineAnnealingLR` with T_max = total_steps. From `step ≥ total_steps` on it stays
///   at min (PyTorch's would rise again).
///
/// `steps_per_epoch = 0` is treated as 1. Powers and the cosine are computed in f64 with
/// [`powu`] and the `+ − × ÷`-only [`cos`], so a run gives the same bits natively and in wasm.
pub fn lr_at(schedule: &ScheduleSpec, base_lr: f32, step: usize, steps_per_epoch: usize, total_steps: usize) -> f32 {
    match *schedule {
        ScheduleSpec::Constant => base_lr,
        ScheduleSpec::Step { every_epochs, gamma } => {
            if every_epochs == 0 {
                return base_lr;
            }
            let epoch = step / steps_per_epoch.max(1);
            let k = (epoch / every_epochs) as u64;
            (f64::from(base_lr) * powu(f64::from(gamma), k)) as f32
        }
        ScheduleSpec::Cosine { min_lr } => {
            if step >= total_steps {
                return min_lr;
            }
            let (base, min) = (f64::from(base_lr), f64::from(min_lr));
            let c = cos(PI * step as f64 / total_steps as f64);
            (min + (base - min) * (1.0 + c) / 2.0) as f32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant() {
        assert_eq!(lr_at(&ScheduleSpec::Constant, 0.1, 12345, 10, 100), 0.1);
    }

    #[test]
    fn step_decay_per_epoch() {
        // 10 steps per epoch, decay ×0.5 every 2 epochs: epochs 0–1 → 0.1, 2–3 → 0.05, 4 → 0.025.
        let s = ScheduleSpec::Step { every_epochs: 2, gamma: 0.5 };
        assert_eq!(lr_at(&s, 0.1, 0, 10, 100), 0.1);
        assert_eq!(lr_at(&s, 0.1, 19, 10, 100), 0.1);
        assert_eq!(lr_at(&s, 0.1, 20, 10, 100), 0.05);
        assert_eq!(lr_at(&s, 0.1, 39, 10, 100), 0.05);
        assert_eq!(lr_at(&s, 0.1, 40, 10, 100), 0.025);
        // every_epochs = 0 never decays; steps_per_epoch = 0 counts each step as an epoch.
        assert_eq!(lr_at(&ScheduleSpec::Step { every_epochs: 0, gamma: 0.5 }, 0.1, 99, 10, 100), 0.1);
        assert_eq!(lr_at(&s, 0.1, 2, 0, 100), 0.05);
    }

    #[test]
    fn cosine_at_known_steps() {
        // total 100, base 1, min 0.1: step 0 → 1; step 50 → cos(π/2) = 0 → 0.55;
        // step 25 → 0.1 + 0.9·(1 + √½)/2; step ≥ 100 → 0.1.
        let s = ScheduleSpec::Cosine { min_lr: 0.1 };
        assert_eq!(lr_at(&s, 1.0, 0, 10, 100), 1.0);
        assert!((lr_at(&s, 1.0, 50, 10, 100) - 0.55).abs() < 1e-7);
        let want = 0.1 + 0.9 * (1.0 + 0.5f64.sqrt()) / 2.0;
        assert!((f64::from(lr_at(&s, 1.0, 25, 10, 100)) - want).abs() < 1e-7);
        assert_eq!(lr_at(&s, 1.0, 100, 10, 100), 0.1);
        assert_eq!(lr_at(&s, 1.0, 500, 10, 100), 0.1);
        assert_eq!(lr_at(&s, 1.0, 0, 10, 0), 0.1);
    }

    /// The exact bits of a few cosine-schedule rates, checked against libm's f64 cos below. The
    /// cosine uses + − × ÷ only, so these bits must hold on every target (run this under wasm32
    /// too): a change means that a seed no longer reproduces a run across builds.
    #[test]
    fn cosine_bits_are_pinned() {
        let s = ScheduleSpec::Cosine { min_lr: 1e-4 };
        let steps = [1, 7, 333, 500, 999];
        let got: Vec<u32> = steps.iter().map(|&k| lr_at(&s, 0.01, k, 10, 1000).to_bits()).collect();
        assert_eq!(got, [0x3c23d6f0, 0x3c23d205, 0x3bf6b9ec, 0x3ba57a78, 0x38d1c434]);
        for (&k, &bits) in steps.iter().zip(&got) {
            let (base, min) = (f64::from(0.01f32), f64::from(1e-4f32));
            let libm = min + (base - min) * (1.0 + (PI * k as f64 / 1000.0).cos()) / 2.0;
            // Within the f32 rounding of the f64 value: half an ulp, 2⁻²⁴ relative.
            assert!((f64::from(f32::from_bits(bits)) - libm).abs() <= 6.0e-8 * libm, "step {k}");
        }
    }
}
