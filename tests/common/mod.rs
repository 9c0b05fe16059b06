//! Helpers shared by the native integration tests: the shipped datasets and the standard workloads.
#![allow(dead_code)]

use std::io::Read;

use nn_playground::data::dataset::Dataset;
use nn_playground::model::spec::ModelSpec;

/// Reads and gunzips a file of www/data.
pub fn read_gz(rel: &str) -> Vec<u8> {
    let path = format!("{}/www/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut out).unwrap_or_else(|e| panic!("cannot gunzip {path}: {e}"));
    out
}

/// The 10,000 shipped MNIST digits split 8,000/2,000 with the benchmark harness's seed (1234).
pub fn mnist_split(seed: u32) -> (Dataset, Dataset) {
    let all = Dataset::from_idx(&read_gz("mnist/images-idx3-ubyte.gz"), &read_gz("mnist/labels-idx1-ubyte.gz"), 10)
        .expect("shipped MNIST parses");
    all.split(seed, 8000, 2000).expect("8,000 + 2,000 fit in 10,000")
}

/// The standard workloads as engine specs (the layer lists of ../shared/workloads.json).
pub fn workload(name: &str) -> ModelSpec {
    let json = match name {
        "mlp" => r#"{"layers":[{"type":"dense","units":128,"activation":"relu"},{"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"sgd","lr":0.01,"momentum":0.9},"l2":0,"batchSize":32,"seed":1}"#,
        "convnetjs-mnist" => r#"{"layers":[
            {"type":"conv2d","filters":8,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"conv2d","filters":16,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":3,"stride":3},
            {"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"adam","lr":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8},"l2":0.001,"batchSize":20,"seed":2}"#,
        "lenet-ish" => r#"{"layers":[
            {"type":"conv2d","filters":32,"kernel":3,"stride":1,"pad":0,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"conv2d","filters":64,"kernel":3,"stride":1,"pad":0,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"dense","units":128,"activation":"relu"},
            {"type":"dropout","rate":0.5},
            {"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"adam","lr":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8},"l2":0,"batchSize":64,"seed":3}"#,
        other => panic!("unknown workload {other}"),
    };
    ModelSpec::from_json(json).expect("workload spec parses")
}
