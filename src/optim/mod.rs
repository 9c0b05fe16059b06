//! Optimizers: pure update steps over the flat parameter and gradient buffers. State (velocity,
//! moments) lives in the optimizer. Update rules follow PyTorch's definitions exactly.
//!
//! One training step uses them in this order: [`clip_grad_norm`] on the gradients (if set),
//! [`lr_at`] for this step's rate, then [`Optimizer::step`].

pub mod adadelta;
pub mod adagrad;
pub mod adam;
pub mod clip;
pub mod math;
pub mod optimizer;
pub mod rmsprop;
pub mod schedule;
pub mod sgd;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

pub use clip::{clip_grad_norm, grad_norm};
pub use optimizer::Optimizer;
pub use schedule::lr_at;
