//! Engine tests inside headless Chromium, in a dedicated worker as the page runs it:
//! `cargo test --target wasm32-unknown-unknown --test web` (the runner comes from .cargo/config.toml).
#![cfg(target_arch = "wasm32")]

#[path = "shared/determinism.rs"]
mod determinism;

use nn_playground::wasm::{engine_version, simd_enabled, validate_spec, Engine};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn spec(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test spec is JSON")
}

/// The message of the JS `Error` an exported function threw.
fn message(err: JsValue) -> String {
    let error: js_sys::Error = err.dyn_into().expect("a JS Error object");
    error.message().into()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).expect("a readable property")
}

const SMALL: &str = r#"{"input":[1,12,12],"classes":4,"batchSize":8,"epochs":2,
  "layers":[{"type":"conv2d","filters":4,"kernel":3,"activation":"relu"},{"type":"maxpool2d","size":2},
            {"type":"dense","units":4,"activation":"softmax"}]}"#;

/// A tiny IDX images/labels pair of `n` 12×12 synthetic images (4 classes).
fn idx_pair(n: usize) -> (Vec<u8>, Vec<u8>) {
    use nn_playground::data::{idx, synthetic};
    let d = synthetic::bars(n, nn_playground::tensor::Dims::new(1, 12, 12), 4, 1).expect("synthetic data");
    (idx::encode_images(n, 12, 12, d.images()).expect("encode"), idx::encode_labels(d.labels()).expect("encode"))
}

#[wasm_bindgen_test]
fn module_reports_its_version_and_simd() {
    assert_eq!(engine_version(), env!("CARGO_PKG_VERSION"));
    assert!(simd_enabled(), "the wasm build must be compiled with +simd128");
}

#[wasm_bindgen_test]
fn same_seed_gives_the_same_bits_as_native() {
    let bits = determinism::determinism_losses().expect("the run trains");
    let pinned: Vec<u32> = serde_json::from_str(include_str!("data/determinism.json")).expect("pinned file parses");
    assert_eq!(bits, pinned, "wasm losses differ from the native run");
}

#[wasm_bindgen_test]
fn batchnorm_gives_the_same_bits_as_native() {
    let bits = determinism::batchnorm_losses().expect("the run trains");
    let pinned: Vec<u32> =
        serde_json::from_str(include_str!("data/determinism-batchnorm.json")).expect("pinned file parses");
    assert_eq!(bits, pinned, "wasm losses or running estimates differ from the native run");
}

#[wasm_bindgen_test]
fn bad_spec_throws_a_readable_error() {
    let bad = r#"{"input":[1,4,4],"layers":[{"type":"conv2d","filters":8,"kernel":5},{"type":"dense","units":10,"activation":"softmax"}]}"#;
    let err = Engine::new(spec(bad)).err().expect("rejected");
    // The error is data: its kind, and each problem's code, layer and field, beside the words.
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("spec"));
    let problem = js_sys::Array::from(&get(&err, "problems")).get(0);
    assert_eq!(get(&problem, "code").as_string().as_deref(), Some("kernel_too_large"));
    assert_eq!(get(&problem, "layer").as_f64(), Some(0.0));
    assert_eq!(get(&problem, "field").as_string().as_deref(), Some("kernel"));
    let msg = message(err);
    assert!(msg.starts_with("layer 1 (conv2d): 5×5 kernel does not fit the 4×4 input"), "{msg}");
    // validateSpec answers with every problem instead of throwing.
    let checked = validate_spec(spec(bad)).expect("a readable spec is answered");
    assert!(get(&checked, "summary").is_null());
    assert_eq!(js_sys::Array::from(&get(&checked, "problems")).length(), 1);
    let msg = message(validate_spec(spec(r#"{"layers":[{"type":"conv3d"}]}"#)).err().expect("rejected"));
    assert!(msg.contains("conv3d"), "{msg}");
    let msg = message(validate_spec(JsValue::from_f64(3.0)).err().expect("rejected"));
    assert!(msg.starts_with("model spec:"), "{msg}");
}

#[wasm_bindgen_test]
fn engine_keeps_working_after_errors() {
    let mut engine = Engine::new(spec(SMALL)).expect("valid spec");
    // Training before data is an error, not a trap.
    let msg = message(engine.train_steps(1).err().expect("no data yet"));
    assert!(msg.contains("no training data"), "{msg}");
    // A malformed file is rejected and changes nothing.
    let msg = message(engine.set_data(&[1, 2, 3], &[0, 0, 8, 1], 0, 1, 1).err().expect("malformed"));
    assert!(!msg.is_empty());
    let (images, labels) = idx_pair(40);
    engine.set_data(&images, &labels, 0, 32, 8).expect("good data loads");
    let msg = message(engine.set_data(&images[..100], &labels, 0, 32, 8).err().expect("truncated"));
    assert!(msg.contains("truncated"), "{msg}");
    let msg = message(engine.set_learning_rate(f32::NAN).err().expect("NaN rejected"));
    assert!(msg.contains("learning rate"), "{msg}");
    let msg = message(engine.predict(&[0.0; 3]).err().expect("wrong size"));
    assert!(msg.contains("expects 1×12×12"), "{msg}");
    // After all that, training, evaluating, predicting and saving still work.
    engine.train_steps(3).expect("trains");
    engine.evaluate(8).expect("evaluates");
    assert_eq!(engine.predict(&[0.5; 144]).expect("predicts").length(), 4);
    let saved = engine.save().to_vec();
    let mut back = Engine::load(&saved).expect("loads");
    assert_eq!(back.param_values().to_vec(), engine.param_values().to_vec());
    assert!(back.train_steps(1).is_err(), "a loaded engine has no data until given some");
}
