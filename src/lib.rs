//! nn-playground: a small neural-network training engine (conv2d, pooling, dense, dropout,
//! softmax cross-entropy; SGD, Adam and friends) that builds natively and for WebAssembly.
//!
//! The natural order of one training step: `model::spec` → `model::validate` (shapes) →
//! `model::network` (forward through `layers`) → `loss` → backward, once for each of the batch's
//! `shards` → `optim` step, driven by `train::Trainer`. Nothing outside `wasm` knows it may run
//! in a browser, so the whole engine tests with `cargo test`.

pub mod data;
pub mod error;
pub mod layers;
pub mod loss;
pub mod model;
pub mod optim;
pub mod params;
pub mod rng;
pub mod saliency;
pub mod save;
pub mod shards;
pub mod slow_motion;
pub mod stats;
pub mod tensor;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};

/// The engine's version, as shown on the page.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Whether this build was compiled with WebAssembly SIMD128 (natively, always false).
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));
