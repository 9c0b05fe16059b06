//! The largest settings the playground accepts, in one place: the engine checks them and the page
//! reads them (from `www/state/limits.js`, written from this table by the tests), so that a typo
//! cannot ask for a terabyte and the page never offers what the engine refuses.

use serde::Serialize;

/// Memory a network may use unless the caller says otherwise (the browser gives a tab a few GB;
/// wasm32 addresses at most 4 GB).
pub const DEFAULT_MEMORY_BUDGET: u64 = 1 << 30;

/// Most arithmetic one training step may take: about a second at the engine's speed, so that the
/// worker answers Pause and edits between steps instead of freezing for minutes on a legal setting.
pub const MAX_STEP_FLOPS: u64 = 20_000_000_000;

/// Upper bounds of the spec's sizes and rates (each lower bound is 1, or 0 for rates).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub input_side: usize,
    pub input_channels: usize,
    /// Labels are bytes.
    pub classes: usize,
    pub layers: usize,
    pub filters: usize,
    /// Kernel side in pixels.
    pub kernel: usize,
    pub conv_stride: usize,
    /// Pooling window side and stride.
    pub pool: usize,
    pub units: usize,
    pub dropout: f32,
    pub lr: f32,
    pub l2: f32,
    pub batch_size: usize,
    pub epochs: usize,
}

pub const LIMITS: Limits = Limits {
    input_side: 1024,
    input_channels: 64,
    classes: 256,
    layers: 64,
    filters: 256,
    kernel: 31,
    conv_stride: 8,
    pool: 16,
    units: 4096,
    dropout: 0.95,
    lr: 10.0,
    l2: 1.0,
    batch_size: 4096,
    epochs: 1000,
};

/// The page's copy of the table, as the ES module `www/state/limits.js`.
pub fn javascript_module() -> String {
    let json = serde_json::to_string_pretty(&LIMITS).unwrap_or_default();
    format!(
        "// Written from src/model/limits.rs by `cargo test` (tests/limits_module.rs); edit that file, not this one.\n\
         /** The largest settings the engine accepts (each lower bound is 1, or 0 for rates). */\n\
         export const LIMITS = Object.freeze({json});\n"
    )
}
