//! The standard workloads of bench/workloads.json: what the engine counts for them is the count the
//! benchmark's GFLOP/s column uses for every engine.
mod common;

use common::workload;
use nn_playground::model::validate::validate;
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
