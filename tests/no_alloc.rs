//! Once warmed up, a training step allocates nothing: every buffer (activations, gradients, im2col
//! columns, argmax indices, dropout masks, batch-norm statistics, optimizer state, the batch) is
//! reused across steps.
//! Counted with a global allocator wrapper; this file holds a single test so that no other test
//! thread allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::tensor::Dims;
use nn_playground::train::Trainer;
use nn_playground::Result;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The three workloads, and one network with every other layer kind and optimizer feature.
const SPECS: &[(&str, &str)] = &[
    (
        "mlp",
        r#"{"layers":[{"type":"dense","units":128,"activation":"relu"},{"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"sgd","lr":0.01,"momentum":0.9},"batchSize":32,"seed":1}"#,
    ),
    (
        "convnetjs-mnist",
        r#"{"layers":[{"type":"conv2d","filters":8,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":2,"stride":2},{"type":"conv2d","filters":16,"kernel":5,"stride":1,"pad":2,"activation":"relu"},
            {"type":"maxpool","size":3,"stride":3},{"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"adam","lr":0.001},"l2":0.001,"batchSize":20,"seed":2}"#,
    ),
    (
        "lenet-ish",
        r#"{"layers":[{"type":"conv2d","filters":32,"kernel":3,"activation":"relu"},{"type":"maxpool","size":2,"stride":2},
            {"type":"conv2d","filters":64,"kernel":3,"activation":"relu"},{"type":"maxpool","size":2,"stride":2},
            {"type":"dense","units":128,"activation":"relu"},{"type":"dropout","rate":0.5},{"type":"dense","units":10,"activation":"softmax"}],
            "optimizer":{"type":"adam","lr":0.001},"batchSize":64,"seed":3}"#,
    ),
    (
        "every other layer",
        r#"{"augment":true,"clipNorm":1.0,"l2":0.001,"batchSize":24,"seed":4,"optimizer":{"type":"rmsprop","lr":0.001,"momentum":0.5},
            "layers":[{"type":"conv2d","filters":4,"kernel":3,"stride":2,"padding":"same","activation":"tanh"},
                      {"type":"avgpool2d","size":2},{"type":"flatten"},
                      {"type":"dense","units":16,"activation":"sigmoid"},{"type":"dense","units":16,"activation":"elu"},
                      {"type":"dense","units":16,"activation":"leaky_relu"},{"type":"dropout","rate":0.25},
                      {"type":"dense","units":10,"activation":"softmax"}]}"#,
    ),
    (
        "batch norm",
        r#"{"batchSize":32,"seed":7,"optimizer":{"type":"sgd","lr":0.1,"momentum":0.9},
            "layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same"},{"type":"batchnorm"},
                      {"type":"activation","fn":"relu"},{"type":"maxpool","size":2},
                      {"type":"dense","units":32},{"type":"batchnorm"},{"type":"activation","fn":"relu"},
                      {"type":"dense","units":10,"activation":"softmax"}]}"#,
    ),
    (
        "adagrad",
        r#"{"l2":0.001,"batchSize":32,"seed":5,"optimizer":{"type":"adagrad","lr":0.01,"lrDecay":0.001,"initialAccumulatorValue":0.1},
            "layers":[{"type":"dense","units":32,"activation":"relu"},{"type":"dense","units":10,"activation":"softmax"}]}"#,
    ),
    (
        "adadelta",
        r#"{"l2":0.001,"batchSize":32,"seed":6,"optimizer":{"type":"adadelta"},
            "layers":[{"type":"dense","units":32,"activation":"relu"},{"type":"dense","units":10,"activation":"softmax"}]}"#,
    ),
];

#[test]
fn a_warm_training_step_allocates_nothing() -> Result<()> {
    // The counter itself works.
    COUNTING.store(true, Ordering::SeqCst);
    let boxed = std::hint::black_box(Box::new(7u64));
    COUNTING.store(false, Ordering::SeqCst);
    drop(boxed);
    assert!(ALLOCATIONS.load(Ordering::SeqCst) > 0, "the counting allocator counts nothing");
    for (name, json) in SPECS {
        let mut spec = ModelSpec::from_json(json)?;
        spec.epochs = 100;
        let mut t = Trainer::new(spec)?;
        // 100 training images: batches of 32, 20, 64 or 24 leave a smaller last batch, so the
        // counted steps also cross epoch boundaries and change the batch size.
        let data = bars(130, Dims::new(1, 28, 28), 10, 9)?;
        let (train, test) = data.split(1, 100, 30)?;
        t.set_data(train, test)?;
        // Warm-up: the first steps size every buffer, including for the smaller last batch.
        t.train_steps(12)?;
        ALLOCATIONS.store(0, Ordering::SeqCst);
        COUNTING.store(true, Ordering::SeqCst);
        let report = t.train_steps(12);
        COUNTING.store(false, Ordering::SeqCst);
        let report = report?;
        assert!(report.loss.is_finite(), "{name}: {report:?}");
        let n = ALLOCATIONS.load(Ordering::SeqCst);
        assert_eq!(n, 0, "{name}: 12 warm training steps made {n} allocations");
    }
    Ok(())
}
