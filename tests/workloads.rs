//! The standard workloads of bench/workloads.json: what the engine counts for them is the count the
//! benchmark's GFLOP/s column uses for every engine.
mod common;

use common::workload;
use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::OptimizerSpec;
use nn_playground::model::validate::validate;
use nn_playground::tensor::Dims;
use nn_playground::train::Trainer;
use nn_playground::Result;

#[test]
fn forward_flops_per_example_of_the_standard_workloads() -> Result<()> {
    let forward = |name| -> Result<u64> { Ok(validate(&workload(name))?.forward_flops) };
    // 2·784·128 + 128 + 2·128·10 + 10
    assert_eq!(forward("mlp")?, 203_402);
    assert_eq!(forward("convnetjs-mnist")?, 1_582_538);
    assert_eq!(forward("lenet-ish")?, 5_291_594);
    Ok(())
}

#[test]
fn the_tables_l2_becomes_the_engines() {
    // ConvNetJS's l2 0.001 at batch 20 adds 0.001/20 · w to the gradient: PyTorch's λ = 5e-5.
    assert_eq!(workload("convnetjs-mnist").l2, 5e-5_f32);
    assert_eq!(workload("mlp").l2, 0.0);
}

#[test]
fn the_adadelta_variant_trains() -> Result<()> {
    // W2b: W2 with the ConvNetJS demo's Adadelta, whose rule (lr 1) is PyTorch's.
    let spec = workload("convnetjs-mnist-adadelta");
    assert_eq!(spec.optimizer, OptimizerSpec::Adadelta { lr: 1.0, rho: 0.95, eps: 1e-6 });
    assert_eq!(validate(&spec)?.forward_flops, validate(&workload("convnetjs-mnist"))?.forward_flops);
    let mut t = Trainer::new(spec)?;
    let (train, test) = bars(60, Dims::new(1, 28, 28), 10, 2)?.split(1, 40, 20)?;
    t.set_data(train, test)?;
    let report = t.train_steps(4)?;
    assert!(report.loss.is_finite() && report.steps == 2, "one epoch of 40 in batches of 20: {report:?}");
    Ok(())
}
