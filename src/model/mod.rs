//! The model: its JSON spec, shape inference and validation, and the built network.

pub mod limits;
pub mod network;
pub mod spec;
pub mod validate;
