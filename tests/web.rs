//! Engine tests inside headless Chromium, in a dedicated worker as the page runs it:
//! `cargo test --target wasm32-unknown-unknown --test web` (the runner comes from .cargo/config.toml).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn module_reports_its_version_and_simd() {
    assert_eq!(nn_playground::wasm::engine_version(), env!("CARGO_PKG_VERSION"));
    assert!(nn_playground::wasm::simd_enabled(), "the wasm build must be compiled with +simd128");
}
