//! A seed fixes a run bit for bit, natively and in WebAssembly: this test and `tests/web.rs` both
//! train the same small network (conv, pooling, dropout, augmentation, Adam, L2) on the same
//! synthetic data and compare the loss bits with the values pinned in tests/data/determinism.json;
//! likewise a network with batch norm and its running estimates (determinism-batchnorm.json).
#![cfg(not(target_arch = "wasm32"))]

#[path = "shared/determinism.rs"]
mod determinism;

use nn_playground::Result;

#[test]
fn native_run_matches_the_pinned_losses() -> Result<()> {
    let bits = determinism::determinism_losses()?;
    let pinned: Vec<u32> = serde_json::from_str(include_str!("data/determinism.json")).expect("pinned file parses");
    let losses: Vec<f32> = bits.iter().map(|b| f32::from_bits(*b)).collect();
    assert_eq!(bits, pinned, "losses now: {losses:?}");
    assert!(losses[11] < losses[0], "the network should learn: {losses:?}");
    Ok(())
}

#[test]
fn native_batchnorm_run_matches_the_pinned_losses_and_running_estimates() -> Result<()> {
    let bits = determinism::batchnorm_losses()?;
    let pinned: Vec<u32> =
        serde_json::from_str(include_str!("data/determinism-batchnorm.json")).expect("pinned file parses");
    let losses: Vec<f32> = bits[..13].iter().map(|b| f32::from_bits(*b)).collect();
    assert_eq!(bits, pinned, "losses now: {losses:?}");
    assert!(losses[11] < losses[0], "the network should learn: {losses:?}");
    Ok(())
}
