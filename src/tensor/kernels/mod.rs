//! Compute kernels: slices in, `&mut [f32]` out, no allocation.
//!
//! `scalar` is the readable reference and is always compiled; `simd128` has the same signatures
//! and is used on WebAssembly builds with SIMD128. Both accumulate every output element in the same
//! order without fused multiply-add, so they agree bit for bit.

pub mod scalar;

pub use scalar::*;
