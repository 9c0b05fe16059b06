//! Compute kernels: slices in, `&mut [f32]` out, no allocation.
//!
//! `scalar` is the readable reference and is always compiled (tests compare against it as
//! `kernels::scalar::*`); `simd128` has the same signatures and replaces the hot ones on
//! WebAssembly builds with SIMD128. Both compute every output element with the same rounded
//! operations in the same order, without fused multiply-add, so they agree bit for bit and a seed
//! gives the same run natively and in the browser.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod f32x4;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

// Everything from the reference; the explicit re-export below shadows the glob for the kernels
// that have a SIMD128 version.
pub use scalar::*;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd128::{
    add_row_sums, avg_pool_backward, avg_pool_forward, col2im, col2im_rows, elu_backward, elu_forward, exp_sub,
    gemm_nn, gemm_nt, gemm_tn, gemm_tn_strided, im2col, leaky_relu_backward, leaky_relu_forward, max_pool_backward,
    max_pool_forward, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward,
};
