//! The benchmark's probe: the engine's GEMM kernel and its layers one at a time, exported to
//! JavaScript from a bench-only module built from the engine's sources with the same flags as
//! www/pkg (bench/run.mjs builds it; bench/probe.js times it in the browser). The shipped engine
//! carries no benchmark code: this module is the only place these entry points exist.
//!
//!     cargo build --release --target wasm32-unknown-unknown --example bench_probe
//!     wasm-bindgen --target web --out-dir target/bench-probe \
//!         target/wasm32-unknown-unknown/release/examples/bench_probe.wasm
//!
//! Each call runs its work `reps` times, so the caller's clock (performance.now) times many of them.
#![cfg(target_arch = "wasm32")]

#[path = "../tests/common/layer_probe.rs"]
mod layer_probe;

use nn_playground::model::spec::ModelSpec;
use nn_playground::rng::Rng;
use nn_playground::tensor::kernels;
use wasm_bindgen::prelude::*;

/// C = A·B with the engine's dispatched kernel (SIMD128 in this build), on fixed random matrices.
#[wasm_bindgen]
pub struct Gemm {
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

#[wasm_bindgen]
impl Gemm {
    /// Shapes: A [m, k], B [k, n], C [m, n], row-major.
    #[wasm_bindgen(constructor)]
    pub fn new(m: usize, k: usize, n: usize) -> Gemm {
        let mut rng = Rng::new(7);
        let mut random = |len: usize| (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect::<Vec<f32>>();
        Gemm { m, k, n, a: random(m * k), b: random(k * n), c: vec![0.0; m * n] }
    }

    /// FLOPs of one product: 2·m·k·n.
    pub fn flops(&self) -> f64 {
        2.0 * (self.m * self.k * self.n) as f64
    }

    pub fn run(&mut self, reps: u32) {
        for _ in 0..reps {
            kernels::gemm_nn(self.m, self.k, self.n, &self.a, &self.b, &mut self.c);
        }
    }
}

/// A network's layers one at a time (tests/common/layer_probe.rs), at the spec's batch size.
#[wasm_bindgen]
pub struct Layers {
    probe: layer_probe::LayerProbe,
}

#[wasm_bindgen]
impl Layers {
    /// `spec` is an engine spec as JSON (the one the benchmark trains).
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str) -> Result<Layers, JsError> {
        let spec = ModelSpec::from_json(spec).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Layers { probe: layer_probe::LayerProbe::new(&spec).map_err(|e| JsError::new(&e))? })
    }

    /// The layers, as the engine's summary describes them: `[{ name, in, out, flops }]` (JSON;
    /// `flops` forward per example).
    pub fn describe(&self) -> String {
        let layers: Vec<serde_json::Value> = self
            .probe
            .plan()
            .layers
            .iter()
            .map(|l| {
                serde_json::json!({
                    "name": l.op.name(), "in": l.in_dims.to_string(), "out": l.out_dims.to_string(), "flops": l.flops,
                })
            })
            .collect();
        serde_json::Value::Array(layers).to_string()
    }

    pub fn forward(&mut self, layer: usize, reps: u32) {
        for _ in 0..reps {
            self.probe.forward(layer);
        }
    }

    pub fn backward(&mut self, layer: usize, reps: u32) {
        for _ in 0..reps {
            self.probe.backward(layer);
        }
    }
}
