//! The parsers answer any input with `Ok` or `Err`: a model spec's JSON (then validation), IDX
//! files, and saved models, fed arbitrary bytes, random JSON and damaged copies of valid files,
//! never panic and never ask for an absurd amount of memory (a corrupt length field must not turn
//! into a huge allocation). The cases come from a fixed seed, in bounded numbers, and nothing is
//! written to disk, so every run checks the same inputs in a few seconds.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use nn_playground::data::dataset::Dataset;
use nn_playground::data::idx::{self, IMAGES_MAGIC, LABELS_MAGIC};
use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::model::validate::validate;
use nn_playground::save::{load, save};
use nn_playground::tensor::Dims;
use nn_playground::train::Trainer;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

/// The largest single allocation any case may make. The inputs here are at most a few KB and the
/// valid models in them a few hundred parameters, so anything near this is a length field taken
/// on trust.
const ALLOCATION_LIMIT: usize = 64 << 20;

/// Records the largest allocation request, so a test can check the limit after its cases.
struct LargestAllocation;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; recording touches only an atomic and never allocates.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: LargestAllocation = LargestAllocation;

/// Runs `check` on `cases` inputs drawn from `strategy` with a fixed seed, without writing
/// failures to disk. A panic in `check` fails the test with the smallest input found that panics.
fn run<S: Strategy>(name: &str, cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 1000, ..Config::default() };
    let seed: Vec<u8> = name.bytes().chain(std::iter::repeat(0)).take(32).collect();
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    if let Err(e) = runner.run(&strategy, check) {
        panic!("{name}: {e}");
    }
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(largest <= ALLOCATION_LIMIT, "{name}: an allocation of {largest} bytes");
}

/// Up to 3 damages to a copy of `bytes`: a byte replaced, a bit flipped, a digit changed (so that
/// text stays well-formed), a big u32 written over four bytes (a length field claiming gigabytes),
/// a byte inserted or removed; then perhaps a cut.
fn damaged(bytes: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = bytes.len();
    let edit = prop_oneof![
        (0..len, any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (0..len, 0..8u32).prop_map(|(i, bit)| Edit::Flip(i, bit)),
        (0..len, 0..10u8).prop_map(|(i, d)| Edit::Digit(i, d)),
        (0..len, select(vec![u32::MAX, 0x7fff_ffff, 1 << 30, 1 << 20, 0])).prop_map(|(i, v)| Edit::Word(i, v)),
        (0..len, any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        (0..len).prop_map(Edit::Remove),
    ];
    (prop::collection::vec(edit, 1..=3), prop::option::weighted(0.2, 0..=len)).prop_map(move |(edits, cut)| {
        let mut out = bytes.clone();
        for e in edits {
            e.apply(&mut out);
        }
        if let Some(cut) = cut {
            out.truncate(cut);
        }
        out
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Flip(usize, u32),
    Digit(usize, u8),
    Word(usize, u32),
    Insert(usize, u8),
    Remove(usize),
}

impl Edit {
    fn apply(self, out: &mut Vec<u8>) {
        let len = out.len();
        match self {
            Edit::Set(i, b) if i < len => out[i] = b,
            Edit::Flip(i, bit) if i < len => out[i] ^= 1 << bit,
            Edit::Digit(i, d) if i < len && out[i].is_ascii_digit() => out[i] = b'0' + d,
            Edit::Word(i, v) if i + 4 <= len => out[i..i + 4].copy_from_slice(&v.to_le_bytes()),
            Edit::Insert(i, b) if i <= len => out.insert(i, b),
            Edit::Remove(i) if i < len => {
                out.remove(i);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Model specs
// ---------------------------------------------------------------------------------------------

/// Numbers a person or a corrupt file might put in any field: small, typical, huge, negative,
/// fractional; and a few values of the wrong type.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (1u64..6).prop_map(Value::from),
        2 => (0u64..5000).prop_map(Value::from),
        2 => (0.0f64..1.0).prop_map(Value::from),
        1 => select(vec![u32::MAX as u64, 1 << 32, 1 << 53, u64::MAX, 65_537, 1025]).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => (-1.0e3f64..1.0e3).prop_map(Value::from),
        1 => select(vec![1e-30f64, 1e30, 1e300, -0.0, 0.5]).prop_map(Value::from),
        1 => select(vec!["relu", "tanh", "sigmoid", "softmax", "leaky_relu", "elu", "linear", "same", "valid", "x"])
            .prop_map(Value::from),
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        1 => prop::collection::vec((0u64..40).prop_map(Value::from), 0..4).prop_map(Value::Array),
    ]
}

/// A value for the field `key`: usually of the field's type and in or near its range, sometimes
/// anything [`field_value`] gives.
fn value_for(key: &'static str) -> BoxedStrategy<Value> {
    let typed = match key {
        "filters" | "kernel" | "stride" | "size" | "units" | "everyEpochs" | "batchSize" | "epochs" | "classes"
        | "seed" => {
            prop_oneof![4 => (1u64..6).prop_map(Value::from), 1 => (0u64..70_000).prop_map(Value::from)].boxed()
        }
        "activation" | "fn" => select(vec!["relu", "tanh", "sigmoid", "softmax", "leaky_relu", "elu", "linear"])
            .prop_map(Value::from)
            .boxed(),
        "padding" | "pad" => {
            prop_oneof![select(vec!["same", "valid"]).prop_map(Value::from), (0u64..4).prop_map(Value::from)].boxed()
        }
        "input" => prop::collection::vec(prop_oneof![3 => 1u64..20, 1 => 0u64..2000], 3).prop_map(Value::from).boxed(),
        "nesterov" | "augment" | "shuffle" => any::<bool>().prop_map(Value::from).boxed(),
        _ => prop_oneof![4 => (0.0f64..1.0).prop_map(Value::from), 1 => (-2.0f64..1e6).prop_map(Value::from)].boxed(),
    };
    prop_oneof![9 => typed, 1 => field_value()].boxed()
}

/// `{"type": kind}` with the `required` fields (each left out now and then) and up to two of
/// `optional`.
fn object(
    kind: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
) -> BoxedStrategy<Value> {
    let required: Vec<_> =
        required.iter().map(|&k| prop::option::weighted(0.95, value_for(k)).prop_map(move |v| (k, v))).collect();
    let optional = if optional.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec(select(optional).prop_flat_map(|k| value_for(k).prop_map(move |v| (k, Some(v)))), 0..=2)
            .boxed()
    };
    (required, optional)
        .prop_map(move |(required, optional)| {
            let mut m = Map::new();
            m.insert("type".into(), Value::from(kind));
            for (k, v) in required.into_iter().chain(optional) {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            Value::Object(m)
        })
        .boxed()
}

fn layer() -> impl Strategy<Value = Value> {
    prop_oneof![
        object("conv2d", &["filters", "kernel"], &["stride", "padding", "pad", "activation", "alpha"]),
        object("maxpool2d", &["size"], &["stride"]),
        object("avgpool", &["size"], &["stride"]),
        object("dense", &["units"], &["activation", "alpha"]),
        object("flatten", &[], &[]),
        object("batchnorm", &[], &[]),
        object("dropout", &["rate"], &[]),
        object("activation", &["fn"], &["alpha"]),
        object("conv3d", &["filters"], &["units"]),
    ]
}

fn optimizer() -> impl Strategy<Value = Value> {
    prop_oneof![
        object("sgd", &["lr"], &["momentum", "nesterov"]),
        object("adam", &["lr"], &["beta1", "beta2", "eps"]),
        object("adamw", &["lr"], &["beta1", "beta2", "eps", "weightDecay"]),
        object("rmsprop", &["lr"], &["alpha", "eps", "momentum"]),
        object("adagrad", &["lr"], &["lrDecay", "initialAccumulatorValue", "eps"]),
        object("adadelta", &[], &["lr", "rho", "eps"]),
        object("lbfgs", &["lr"], &["history"]),
    ]
}

fn schedule() -> impl Strategy<Value = Value> {
    prop_oneof![
        object("constant", &[], &[]),
        object("step", &["everyEpochs"], &["gamma"]),
        object("cosine", &[], &["minLr"]),
        object("warmup", &[], &["steps"]),
    ]
}

/// A spec object: a layer list (usually ending in the softmax layer a classifier needs) and some
/// of the top-level settings, each plausible or not.
fn spec_value() -> impl Strategy<Value = Value> {
    let keys = vec!["input", "classes", "l2", "clipNorm", "batchSize", "epochs", "seed", "augment", "shuffle"];
    let settings = prop::collection::vec(
        prop_oneof![
            (Just("optimizer"), optimizer().boxed()),
            (Just("schedule"), schedule().boxed()),
            select(keys).prop_flat_map(|k| (Just(k), value_for(k))),
        ],
        0..6,
    );
    let layers = prop::collection::vec(layer(), 0..5);
    (layers, settings, prop::bool::weighted(0.8)).prop_map(|(mut layers, settings, classifier)| {
        let mut m = Map::new();
        for (k, v) in settings {
            m.insert(k.into(), v);
        }
        if classifier {
            let classes = m.get("classes").cloned().unwrap_or(Value::from(10));
            layers.push(serde_json::json!({"type": "dense", "units": classes, "activation": "softmax"}));
        }
        m.insert("layers".into(), Value::Array(layers));
        Value::Object(m)
    })
}

/// Parses and validates: any answer but a panic will do. A spec that validates has a plan whose
/// layers are each at least one value wide.
fn check_spec(json: &str) -> Result<(), TestCaseError> {
    if let Ok(spec) = ModelSpec::from_json(json) {
        if let Ok(plan) = validate(&spec) {
            prop_assert!(plan.layers.iter().all(|l| !l.out_dims.is_empty()));
        }
    }
    Ok(())
}

#[test]
fn random_specs_are_parsed_and_validated_without_panicking() {
    run("random specs", 20_000, spec_value(), |v| check_spec(&v.to_string()));
}

/// A spec that validates, as text, for the damage tests.
const VALID_SPEC: &str = r#"{"input":[1,12,12],"classes":4,"seed":7,"batchSize":8,"epochs":3,"augment":true,"l2":0.001,"optimizer":{"type":"adam","lr":0.01},"schedule":{"type":"step","everyEpochs":1},"layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same","activation":"relu"},{"type":"maxpool2d","size":2},{"type":"dense","units":16,"activation":"elu"},{"type":"dropout","rate":0.25},{"type":"dense","units":4,"activation":"softmax"}]}"#;

#[test]
fn damaged_spec_text_is_parsed_and_validated_without_panicking() {
    assert!(validate(&ModelSpec::from_json(VALID_SPEC).expect("parses")).is_ok());
    run("damaged spec text", 10_000, damaged(VALID_SPEC.as_bytes().to_vec()), |bytes| {
        check_spec(&String::from_utf8_lossy(&bytes))
    });
}

#[test]
fn arbitrary_text_is_not_a_spec_and_does_not_panic() {
    run("arbitrary text", 5000, prop::collection::vec(any::<u8>(), 0..200), |bytes| {
        check_spec(&String::from_utf8_lossy(&bytes))
    });
}

// ---------------------------------------------------------------------------------------------
// IDX files
// ---------------------------------------------------------------------------------------------

/// An IDX-like file: a magic (the two of IDX, gzip's, another type code, or random), header
/// words that are small, huge or random, and a body of random length; then perhaps cut short.
fn idx_like() -> impl Strategy<Value = Vec<u8>> {
    let magic = prop_oneof![
        Just(IMAGES_MAGIC),
        Just(LABELS_MAGIC),
        Just(0x1f8b_0800),
        Just(0x0000_0d03),
        Just(0x0000_0802),
        any::<u32>(),
    ];
    let word = prop_oneof![0u32..6, Just(u32::MAX), Just(0x8000_0000), Just(0x0100_0000), any::<u32>()];
    (magic, prop::collection::vec(word, 0..4), prop::collection::vec(any::<u8>(), 0..120), any::<Option<u8>>())
        .prop_map(|(magic, words, body, cut)| {
            let mut out = magic.to_be_bytes().to_vec();
            for w in words {
                out.extend_from_slice(&w.to_be_bytes());
            }
            out.extend_from_slice(&body);
            if let Some(cut) = cut {
                out.truncate(usize::from(cut));
            }
            out
        })
}

/// Parses as images, as labels and as a pair: any answer but a panic will do, and what parses is
/// exactly as long as its header says.
fn check_idx(bytes: &[u8], classes: usize) -> Result<(), TestCaseError> {
    if let Ok(img) = idx::parse_images(bytes) {
        prop_assert_eq!(img.pixels.len(), img.n * img.rows * img.cols);
    }
    if let Ok(labels) = idx::parse_labels(bytes, classes) {
        prop_assert!(labels.iter().all(|&l| usize::from(l) < classes));
    }
    let _ = Dataset::from_idx(bytes, bytes, classes);
    Ok(())
}

#[test]
fn idx_like_files_are_parsed_without_panicking() {
    run("idx-like files", 10_000, (idx_like(), 0usize..300), |(bytes, classes)| check_idx(&bytes, classes));
}

#[test]
fn damaged_idx_files_are_parsed_without_panicking() {
    let images = idx::encode_images(3, 4, 5, &[7; 60]).expect("encodes");
    let labels = idx::encode_labels(&[1, 0, 2]).expect("encodes");
    assert!(Dataset::from_idx(&images, &labels, 3).is_ok());
    let cases = (damaged(images.clone()), damaged(labels.clone()), 0usize..5);
    run("damaged idx files", 10_000, cases, |(images, labels, classes)| {
        check_idx(&images, classes)?;
        check_idx(&labels, classes)?;
        if let Ok(d) = Dataset::from_idx(&images, &labels, classes) {
            prop_assert_eq!(d.images().len(), d.len() * d.dims().len());
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Saved models
// ---------------------------------------------------------------------------------------------

/// A small model after a few Adam steps (so its optimizer state is not all zero), saved.
fn saved_model() -> Vec<u8> {
    let spec = ModelSpec::from_json(
        r#"{"input":[1,6,6],"classes":3,"seed":3,"batchSize":4,"optimizer":{"type":"adam","lr":0.01},
            "layers":[{"type":"conv2d","filters":2,"kernel":3,"activation":"relu"},
                      {"type":"dense","units":3,"activation":"softmax"}]}"#,
    )
    .expect("parses");
    let mut t = Trainer::new(spec).expect("validates");
    let (train, test) = bars(12, Dims::new(1, 6, 6), 3, 5).and_then(|d| d.split(1, 8, 4)).expect("data");
    t.set_data(train, test).expect("fits");
    t.train_steps(3).expect("trains");
    save(&t)
}

/// A damaged file with its checksum made anew (CRC-32, as the model file's), so that the damage gets
/// past the checksum into the parser: every section, the data order included.
fn rechecked(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() < 12 {
        return bytes;
    }
    bytes.truncate(bytes.len() - 4);
    let mut crc = !0u32;
    for &b in &bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    bytes.extend_from_slice(&(!crc).to_le_bytes());
    bytes
}

/// Loads: any answer but a panic will do, and what loads is a working model of its spec.
fn check_load(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(t) = load(bytes) {
        prop_assert!(validate(t.spec()).is_ok());
        prop_assert!(t.network().store.values.iter().all(|v| v.is_finite()));
    }
    Ok(())
}

#[test]
fn damaged_saved_models_load_or_fail_without_panicking() {
    let good = saved_model();
    assert!(load(&good).is_ok() && load(&rechecked(good.clone())).is_ok());
    run("damaged saved models", 5000, damaged(good.clone()), |bytes| check_load(&bytes));
    run("damaged saved models with a checksum made anew", 5000, damaged(good), |bytes| check_load(&rechecked(bytes)));
}

#[test]
fn arbitrary_bytes_are_not_a_saved_model_and_do_not_panic() {
    let magic_then_bytes = prop::collection::vec(any::<u8>(), 0..200).prop_map(|body| {
        let mut out = b"NNPG".to_vec();
        out.extend_from_slice(&body);
        out
    });
    run("arbitrary bytes", 5000, prop::collection::vec(any::<u8>(), 0..64), |bytes| check_load(&bytes));
    run("NNPG then arbitrary bytes", 5000, magic_then_bytes, |bytes| check_load(&bytes));
}
