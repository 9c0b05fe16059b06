// Written from src/model/limits.rs by `cargo test` (tests/limits_module.rs); edit that file, not this one.
/** The largest settings the engine accepts (each lower bound is 1, or 0 for rates). */
export const LIMITS = Object.freeze({
  "inputSide": 1024,
  "inputChannels": 64,
  "classes": 256,
  "layers": 64,
  "filters": 256,
  "kernel": 31,
  "convStride": 8,
  "pool": 16,
  "units": 4096,
  "dropout": 0.95,
  "lr": 10.0,
  "l2": 1.0,
  "batchSize": 4096,
  "epochs": 1000
});
