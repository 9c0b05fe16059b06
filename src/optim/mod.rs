//! Optimizers: pure update steps over the flat parameter and gradient buffers. State (velocity,
//! moments) lives in the optimizer. Update rules follow PyTorch's definitions exactly.

pub mod adam;
pub mod rmsprop;
pub mod schedule;
pub mod sgd;
