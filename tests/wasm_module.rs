//! The built browser module really contains SIMD128 code: its code section is scanned with
//! wasmparser for f32x4 arithmetic. Needs the module built first, so `./dev test` runs it with
//! `NN_WASM=www/pkg/nn_playground_bg.wasm cargo test --test wasm_module -- --ignored`.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use wasmparser::{Parser, Payload};

/// Counts operators by name over every function body of the module.
fn operator_counts(bytes: &[u8]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload.expect("the module parses") {
            let mut reader = body.get_operators_reader().expect("a function body has operators");
            while !reader.eof() {
                let op = reader.read().expect("operators decode");
                let name = format!("{op:?}");
                let name = name.split([' ', '{', '(']).next().unwrap_or("").to_string();
                *counts.entry(name).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[test]
#[ignore = "needs the built module: ./dev test runs it"]
fn built_module_contains_simd128_arithmetic() {
    let path = std::env::var("NN_WASM").unwrap_or_else(|_| "www/pkg/nn_playground_bg.wasm".into());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}; build it with ./dev build"));
    let counts = operator_counts(&bytes);
    let simd: BTreeMap<_, _> =
        counts.iter().filter(|(name, _)| name.starts_with("F32x4") || name.starts_with("V128")).collect();
    let f32x4_math: usize =
        ["F32x4Add", "F32x4Mul", "F32x4Sub", "F32x4Max"].iter().map(|op| counts.get(*op).copied().unwrap_or(0)).sum();
    println!("SIMD operators in {path}: {simd:?}");
    assert!(f32x4_math >= 20, "expected f32x4 arithmetic in the engine's kernels, found {f32x4_math}: {simd:?}");
    // And the validator agrees: with SIMD disabled the module must not validate.
    let mut features = wasmparser::WasmFeatures::default();
    features.remove(wasmparser::WasmFeatures::SIMD);
    let no_simd = wasmparser::Validator::new_with_features(features).validate_all(&bytes);
    assert!(no_simd.is_err(), "the module validated without SIMD support, so it uses no SIMD instructions");
}
