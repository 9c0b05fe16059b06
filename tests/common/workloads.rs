//! The standard workloads as engine specs, read from the one table, `bench/workloads.json`, which the
//! benchmark's page (`bench/nn-playground.js`) reads too. Compiled in (no file access), so the tests in
//! the browser (`tests/web_speed.rs`) and the native benchmark (`examples/bench.rs`) use it as well.

// Each crate that includes this file uses part of it.
#![allow(dead_code)]

use nn_playground::model::spec::ModelSpec;
use serde_json::{json, Value};

const TABLE: &str = include_str!("../../bench/workloads.json");
const NETWORKS: &str = include_str!("../../bench/networks.json");

/// The table: its `dataset`, `conventions`, `timing` and `workloads`.
pub fn table() -> Value {
    serde_json::from_str(TABLE).expect("bench/workloads.json parses")
}

/// The benchmark's networks of our own (`bench/networks.json`), in the table's format.
pub fn networks() -> Value {
    serde_json::from_str::<Value>(NETWORKS).expect("bench/networks.json parses")["workloads"].take()
}

/// One workload of the table as an engine spec: its layers, optimizer, batch size and seed. The
/// table's L2 follows ConvNetJS (gradient += l2/batchSize · w), the engine's PyTorch (+= λ·w), so λ
/// is l2 / batchSize: the same update.
pub fn engine_spec(w: &Value) -> Result<ModelSpec, String> {
    let batch = w["batchSize"].as_u64().ok_or("workload without batchSize")?;
    let o = &w["optimizer"];
    let optimizer = match o["type"].as_str() {
        Some("sgd") => {
            json!({"type": "sgd", "lr": o["lr"], "momentum": o.get("momentum").cloned().unwrap_or(json!(0))})
        }
        Some("adadelta") => json!({"type": "adadelta", "lr": o["lr"], "rho": o["rho"], "eps": o["eps"]}),
        Some(t) => json!({"type": t, "lr": o["lr"], "beta1": o["beta1"], "beta2": o["beta2"], "eps": o["eps"]}),
        None => return Err("workload without optimizer type".into()),
    };
    let spec = json!({
        "input": [1, 28, 28],
        "classes": 10,
        "layers": w["layers"],
        "optimizer": optimizer,
        "l2": w["l2"].as_f64().unwrap_or(0.0) / batch as f64,
        "batchSize": batch,
        "seed": w["seed"].as_u64().unwrap_or(1),
    });
    ModelSpec::from_json(&spec.to_string()).map_err(|e| e.to_string())
}

/// The workload called `name` (mlp, convnetjs-mnist, lenet-ish, convnetjs-mnist-adadelta) as an engine spec.
pub fn workload(name: &str) -> ModelSpec {
    let table = table();
    let w = table["workloads"].get(name).unwrap_or_else(|| panic!("unknown workload {name}"));
    engine_spec(w).unwrap_or_else(|e| panic!("workload {name}: {e}"))
}
