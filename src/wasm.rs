//! The only file that knows about the browser: a thin `Engine` handle exported to JavaScript.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    // Panics are bugs; this makes one readable in the console while the worker recreates the engine.
    console_error_panic_hook::set_once();
}

/// The engine's version string.
#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    crate::VERSION.to_string()
}

/// Whether this module was compiled with SIMD128 instructions.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    crate::SIMD128
}
