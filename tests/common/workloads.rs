//! The standard workloads as engine specs, with no file access, so that the tests in the browser
//! (`tests/web_speed.rs`) use the same table as the native ones.

use nn_playground::model::spec::ModelSpec;

/// The standard workloads as engine specs (the layer lists of ../shared/workloads.json).
pub fn workload(name: &str) -> ModelSpec {
    let json = match name {
        "mlp" => {
            r#"{"layers":[{"type":"dense","units":128,"activation":"relu"},{"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"sgd","lr":0.01,"momentum":0.9},"l2":0,"batchSize":32,"seed":1}"#
        }
        "convnetjs-mnist" => {
            r#"{"layers":[
            {"type":"conv2d","filters":8,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"conv2d","filters":16,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":3,"stride":3},
            {"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"adam","lr":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8},"l2":0.001,"batchSize":20,"seed":2}"#
        }
        "lenet-ish" => {
            r#"{"layers":[
            {"type":"conv2d","filters":32,"kernel":3,"stride":1,"pad":0,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"conv2d","filters":64,"kernel":3,"stride":1,"pad":0,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},
            {"type":"dense","units":128,"activation":"relu"},
            {"type":"dropout","rate":0.5},
            {"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"adam","lr":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8},"l2":0,"batchSize":64,"seed":3}"#
        }
        other => panic!("unknown workload {other}"),
    };
    ModelSpec::from_json(json).expect("workload spec parses")
}
