//! Browser micro-benchmarks (not a test: it asserts nothing about speed, and `./dev test` does not
//! run it): GFLOP/s of every GEMM at the workload shapes, other kernels, and whole training steps.
//!
//! Run (release code, headless Chromium, dedicated worker, as the page runs the engine):
//! `CHROMEDRIVER=$(command -v chromedriver) WASM_BINDGEN_TEST_TIMEOUT=600 cargo test --release
//!  --target wasm32-unknown-unknown --test web_speed -- --nocapture` (add a name to run one group:
//! `gemm`, `kernels`, `training`, `phases`, `layers`).
//!
//! Kernel figures are the best of 15 samples of at least 20 ms, scalar and SIMD alternating (per
//! layer: best of 7 samples of 50 ms); training figures the median (and best) of 11 windows of
//! about 150 ms. The machine is shared, so runs differ by up to ±30% (more while others build)
//! and only ratios within one run mean much: other processes only ever slow a sample down.
#![cfg(target_arch = "wasm32")]

use nn_playground::data::dataset::Dataset;
use nn_playground::layers::{Ctx, Mode};
use nn_playground::loss::softmax_cross_entropy;
use nn_playground::model::spec::ModelSpec;
use nn_playground::optim::adam::{adam_step, adam_step_scalar, AdamScalars};
use nn_playground::optim::grad_norm;
use nn_playground::optim::sgd::{sgd_step, sgd_step_scalar};
use nn_playground::rng::Rng;
use nn_playground::tensor::kernels::{self, scalar, Conv2dDims, Pool2dDims};
use nn_playground::tensor::{Dims, Tensor};
use nn_playground::train::Trainer;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const SAMPLES: usize = 7;
/// Training windows per workload.
const WINDOWS: usize = 11;
const SAMPLE_MS: f64 = 50.0;

/// `performance.now()` in milliseconds (the worker's global has it; `Date.now()` is too coarse).
fn now_ms() -> f64 {
    let global = js_sys::global();
    let perf = js_sys::Reflect::get(&global, &JsValue::from_str("performance")).expect("performance");
    let now = js_sys::Reflect::get(&perf, &JsValue::from_str("now")).expect("performance.now");
    let now: js_sys::Function = now.into();
    now.call0(&perf).ok().and_then(|v| v.as_f64()).expect("performance.now() returns a number")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Seconds per call of `f`: calibrates a repeat count so one sample takes ≥ 50 ms, then returns the
/// fastest of 7 samples (other processes on the shared machine only ever slow a sample down, so
/// the minimum is the steadiest figure for a kernel; the training figures below report medians).
fn seconds_per_call(mut f: impl FnMut()) -> f64 {
    let mut reps = 1usize;
    loop {
        let t0 = now_ms();
        for _ in 0..reps {
            f();
        }
        let dt = now_ms() - t0;
        if dt >= SAMPLE_MS {
            break;
        }
        reps = if dt < 1.0 { reps * 10 } else { ((reps as f64) * SAMPLE_MS * 1.2 / dt).ceil() as usize };
    }
    (0..SAMPLES)
        .map(|_| {
            let t0 = now_ms();
            for _ in 0..reps {
                f();
            }
            (now_ms() - t0) / 1e3 / reps as f64
        })
        .fold(f64::MAX, f64::min)
}

/// Seconds per call of `a` and of `b`, measured in alternating samples (so both see the same
/// interference from other processes), fastest of 15 each.
fn ab_seconds_per_call(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let mut reps = 1usize;
    loop {
        let t0 = now_ms();
        for _ in 0..reps {
            a();
        }
        let dt = now_ms() - t0;
        if dt >= 20.0 {
            break;
        }
        reps = if dt < 1.0 { reps * 10 } else { ((reps as f64) * 24.0 / dt).ceil() as usize };
    }
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..15 {
        let t0 = now_ms();
        for _ in 0..reps {
            a();
        }
        let t1 = now_ms();
        for _ in 0..reps {
            b();
        }
        let t2 = now_ms();
        best_a = best_a.min((t1 - t0) / 1e3 / reps as f64);
        best_b = best_b.min((t2 - t1) / 1e3 / reps as f64);
    }
    (best_a, best_b)
}

fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

type Gemm = fn(usize, usize, usize, &[f32], &[f32], &mut [f32]);

#[wasm_bindgen_test]
fn gemm() {
    // (name, kernel, m, k, n, where it is used)
    let shapes: &[(&str, usize, usize, usize, &str)] = &[
        ("nn", 8, 25, 784, "convnetjs conv1 forward (per image)"),
        ("nn", 16, 200, 196, "convnetjs conv2 forward"),
        ("nn", 32, 9, 676, "lenet conv1 forward"),
        ("nn", 64, 288, 121, "lenet conv2 forward"),
        ("nn", 64, 128, 1600, "lenet dense1 grad_x"),
        ("nn", 32, 784, 128, "mlp dense1 forward via Wᵀ"),
        ("nt", 32, 784, 128, "mlp dense1 forward"),
        ("nt", 64, 1600, 128, "lenet dense1 forward"),
        ("nt", 8, 784, 25, "convnetjs conv1 grad_W"),
        ("nt", 16, 196, 200, "convnetjs conv2 grad_W"),
        ("nt", 32, 676, 9, "lenet conv1 grad_W"),
        ("nt", 64, 121, 288, "lenet conv2 grad_W"),
        ("tn", 128, 32, 784, "mlp dense1 grad_W"),
        ("tn", 128, 64, 1600, "lenet dense1 grad_W"),
        ("tn", 200, 16, 196, "convnetjs conv2 grad_cols"),
        ("tn", 288, 64, 121, "lenet conv2 grad_cols"),
        ("nn", 256, 256, 256, "256³"),
    ];
    console_log!(
        "GEMM GFLOP/s (best of 15 alternating samples): scalar reference | dispatched kernel (simd128 when built with it)"
    );
    for &(kind, m, k, n, what) in shapes {
        let (fast, slow): (Gemm, Gemm) = match kind {
            "nn" => (kernels::gemm_nn, scalar::gemm_nn),
            "nt" => (kernels::gemm_nt, scalar::gemm_nt),
            _ => (kernels::gemm_tn, scalar::gemm_tn),
        };
        let a = random(m * k, 1);
        let b = random(k * n, 2);
        let mut c = vec![0.0; m * n];
        let flops = 2.0 * (m * k * n) as f64;
        let mut c2 = c.clone();
        let (t_slow, t_fast) = ab_seconds_per_call(|| slow(m, k, n, &a, &b, &mut c), || fast(m, k, n, &a, &b, &mut c2));
        console_log!(
            "gemm_{kind} {m:>4}×{k:>4}×{n:>4}  {:>6.2} | {:>6.2} GFLOP/s  ({:.2}×)  {what}",
            flops / t_slow / 1e9,
            flops / t_fast / 1e9,
            t_slow / t_fast
        );
    }
}

#[wasm_bindgen_test]
fn kernels() {
    console_log!(
        "other kernels, µs per call (best of 15 alternating samples; per image unless noted): scalar | dispatched"
    );
    let report = |name: &str, slow: f64, fast: f64| {
        console_log!("{name:<44} {:>9.2} | {:>9.2} µs  ({:.2}×)", slow * 1e6, fast * 1e6, slow / fast);
    };
    for (name, dims, k, stride, pad) in [
        ("convnetjs conv1 1×28×28 k5 p2", (1, 28, 28), 5, 1, 2),
        ("convnetjs conv2 8×14×14 k5 p2", (8, 14, 14), 5, 1, 2),
        ("lenet conv1 1×28×28 k3", (1, 28, 28), 3, 1, 0),
        ("lenet conv2 32×13×13 k3", (32, 13, 13), 3, 1, 0),
        ("strided conv2 16×14×14 k3 s2 p1", (16, 14, 14), 3, 2, 1),
    ] {
        let d = Conv2dDims::new(dims, (k, k), stride, (pad, pad, pad, pad));
        let x = random(d.in_len(), 3);
        let mut cols = vec![0.0; d.rows() * d.cols()];
        let mut cols_2 = cols.clone();
        let (slow, fast) =
            ab_seconds_per_call(|| scalar::im2col(&d, &x, &mut cols), || kernels::im2col(&d, &x, &mut cols_2));
        report(&format!("im2col {name}"), slow, fast);
        let mut back = vec![0.0; d.in_len()];
        let mut back_2 = back.clone();
        let (slow, fast) =
            ab_seconds_per_call(|| scalar::col2im(&d, &cols, &mut back), || kernels::col2im(&d, &cols, &mut back_2));
        report(&format!("col2im {name}"), slow, fast);
    }
    for (name, dims, size) in [
        ("convnetjs pool1 8×28×28 /2", (8, 28, 28), 2),
        ("convnetjs pool2 16×14×14 /3", (16, 14, 14), 3),
        ("lenet pool1 32×26×26 /2", (32, 26, 26), 2),
        ("lenet pool2 64×11×11 /2", (64, 11, 11), 2),
    ] {
        let d = Pool2dDims::new(dims, size, size);
        let x = random(d.in_len(), 4);
        let gy = random(d.out_len(), 5);
        let mut y = vec![0.0; d.out_len()];
        let mut arg = vec![0u32; d.out_len()];
        let mut gx = vec![0.0; d.in_len()];
        let (mut y_2, mut arg_2) = (y.clone(), arg.clone());
        let (slow, fast) = ab_seconds_per_call(
            || scalar::max_pool_forward(&d, &x, &mut y, &mut arg),
            || kernels::max_pool_forward(&d, &x, &mut y_2, &mut arg_2),
        );
        report(&format!("max_pool_forward {name}"), slow, fast);
        let mut gx_2 = gx.clone();
        let (slow, fast) = ab_seconds_per_call(
            || scalar::max_pool_backward(&d, &arg, &gy, &mut gx),
            || kernels::max_pool_backward(&d, &arg, &gy, &mut gx_2),
        );
        report(&format!("max_pool_backward {name}"), slow, fast);
        let mut y_2 = y.clone();
        let (slow, fast) = ab_seconds_per_call(
            || scalar::avg_pool_forward(&d, &x, &mut y),
            || kernels::avg_pool_forward(&d, &x, &mut y_2),
        );
        report(&format!("avg_pool_forward {name}"), slow, fast);
    }
    let len = 64 * 32 * 26 * 26; // lenet conv1 output, whole batch
    let x = random(len, 6);
    let gy = random(len, 7);
    let mut y = vec![0.0; len];
    let mut gx = vec![0.0; len];
    let mut y_2 = y.clone();
    let (slow, fast) = ab_seconds_per_call(|| scalar::relu_forward(&x, &mut y), || kernels::relu_forward(&x, &mut y_2));
    report("relu_forward 64×32×26×26 (batch)", slow, fast);
    let mut gx_2 = gx.clone();
    let (slow, fast) =
        ab_seconds_per_call(|| scalar::relu_backward(&x, &gy, &mut gx), || kernels::relu_backward(&x, &gy, &mut gx_2));
    report("relu_backward 64×32×26×26 (batch)", slow, fast);
    let len = 64 * 128;
    let x = random(len, 8);
    let mut y = vec![0.0; len];
    let mut y_2 = y.clone();
    let (slow, fast) =
        ab_seconds_per_call(|| scalar::sigmoid_forward(&x, &mut y), || kernels::sigmoid_forward(&x, &mut y_2));
    report("sigmoid_forward 64×128 (batch)", slow, fast);
    let mut y_2 = y.clone();
    let (slow, fast) = ab_seconds_per_call(|| scalar::tanh_forward(&x, &mut y), || kernels::tanh_forward(&x, &mut y_2));
    report("tanh_forward 64×128 (batch)", slow, fast);
    // Conv bias gradients: one row sum per filter.
    for (rows, cols, what) in [(32, 676, "lenet conv1"), (64, 121, "lenet conv2"), (8, 784, "convnetjs conv1")] {
        let gy = random(rows * cols, 11);
        let (mut o1, mut o2) = (vec![0.0; rows], vec![0.0; rows]);
        let (slow, fast) = ab_seconds_per_call(
            || scalar::add_row_sums(rows, cols, &gy, &mut o1),
            || kernels::add_row_sums(rows, cols, &gy, &mut o2),
        );
        report(&format!("add_row_sums {rows}×{cols} ({what} bias grad)"), slow, fast);
    }
    let z = random(64 * 10, 12);
    let (mut e1, mut e2) = (vec![0.0; 10], vec![0.0; 10]);
    let (slow, fast) = ab_seconds_per_call(
        || {
            z.chunks_exact(10)
                .for_each(|r| scalar::exp_sub(std::hint::black_box(r), 0.5, std::hint::black_box(&mut e1)))
        },
        || {
            z.chunks_exact(10)
                .for_each(|r| kernels::exp_sub(std::hint::black_box(r), 0.5, std::hint::black_box(&mut e2)))
        },
    );
    report("exp_sub 64 rows of 10 (the loss, per batch)", slow, fast);
    // The whole parameter vector of the MLP (101,770 values): gradient norm and optimizer steps.
    let len = 101_770;
    let g = random(len, 9);
    let (slow, fast) = ab_seconds_per_call(
        || {
            std::hint::black_box(scalar::sum_squares(std::hint::black_box(&g)));
        },
        || {
            std::hint::black_box(kernels::sum_squares(std::hint::black_box(&g)));
        },
    );
    report("sum_squares (gradient norm) 101,770", slow, fast);
    let (mut p1, mut v1) = (random(len, 10), vec![0.0; len]);
    let (mut p2, mut v2) = (p1.clone(), v1.clone());
    let (slow, fast) = ab_seconds_per_call(
        || sgd_step_scalar(&mut p1, &g, &mut v1, 1e-9, 0.0, 0.9, false),
        || sgd_step(&mut p2, &g, &mut v2, 1e-9, 0.0, 0.9, false),
    );
    report("sgd_step (momentum) 101,770", slow, fast);
    let s = AdamScalars::new(1e-9, 0.9, 0.999, 1e-8, 10);
    let (mut m1, mut m2) = (vec![0.0; len], vec![0.0; len]);
    let (slow, fast) = ab_seconds_per_call(
        || adam_step_scalar(&mut p1, &g, &mut m1, &mut v1, &s, 0.0, 1.0),
        || adam_step(&mut p2, &g, &mut m2, &mut v2, &s, 0.0, 1.0),
    );
    report("adam_step 101,770", slow, fast);
}

#[path = "common/workloads.rs"]
mod workloads;

/// The standard workloads (bench/workloads.json) as engine specs (epochs large enough never to end,
/// stored order as the benchmark runs them).
fn workload(name: &str) -> ModelSpec {
    let mut spec = workloads::workload(name);
    spec.epochs = 1000;
    spec.shuffle = false;
    spec
}

#[path = "common/layer_probe.rs"]
mod layer_probe;

/// MNIST-shaped synthetic images and labels (`layer_probe::synthetic`).
fn synthetic(n: usize, seed: u64) -> Dataset {
    layer_probe::synthetic(n, Dims::new(1, 28, 28), seed)
}

fn trainer(name: &str) -> Trainer {
    let mut t = Trainer::new(workload(name)).expect("workload builds");
    t.set_data(synthetic(2000, 11), synthetic(200, 12)).expect("data fits");
    t
}

#[wasm_bindgen_test]
fn training() {
    console_log!("training steps (Trainer::train_steps), examples/s over {WINDOWS} windows of ≥ 150 ms");
    for name in ["mlp", "convnetjs-mnist", "lenet-ish"] {
        let mut t = trainer(name);
        let batch = t.spec().batch_size;
        t.train_steps(10).expect("warm-up");
        // Window size: about 150 ms of training.
        let t0 = now_ms();
        t.train_steps(5).expect("calibration");
        let per_step = (now_ms() - t0) / 5.0;
        let steps = ((150.0 / per_step.max(0.01)).ceil() as usize).max(3);
        let windows: Vec<f64> = (0..WINDOWS)
            .map(|_| {
                let t0 = now_ms();
                t.train_steps(steps).expect("training");
                (steps * batch) as f64 / ((now_ms() - t0) / 1e3)
            })
            .collect();
        let (lo, hi) = windows.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &w| (lo.min(w), hi.max(w)));
        console_log!(
            "{name:<16} median {:>8.0} examples/s, best {hi:>8.0}  (batch {batch}, {steps} steps per window; worst {lo:.0})",
            median(windows)
        );
    }
}

#[wasm_bindgen_test]
fn phases() {
    console_log!("where a training step's time goes, ms per step (mean over ≥ 300 ms)");
    for name in ["mlp", "convnetjs-mnist", "lenet-ish"] {
        let mut t = trainer(name);
        t.train_steps(10).expect("warm-up");
        let data = synthetic(256, 13);
        let batch = t.spec().batch_size;
        let indices: Vec<usize> = (0..batch).collect();
        let mut labels = Vec::new();
        let mut grad_out = Tensor::default();
        let mut rng = Rng::new(1);
        let mut acc = [0.0f64; 6];
        let mut steps = 0;
        let start = now_ms();
        while now_ms() - start < 300.0 || steps < 10 {
            let t0 = now_ms();
            data.fill_batch(&indices, t.network_mut().input_mut(), &mut labels, None).expect("batch");
            let t1 = now_ms();
            t.network_mut().forward(&mut Ctx { mode: Mode::Train, rng: &mut rng });
            let t2 = now_ms();
            let net = t.network_mut();
            softmax_cross_entropy(net.logits(), &labels, &mut grad_out);
            net.grad_logits_mut().clone_from(&grad_out);
            net.store.zero_grads();
            let t3 = now_ms();
            net.backward();
            let t4 = now_ms();
            std::hint::black_box(grad_norm(std::hint::black_box(&net.store.grads)));
            let t5 = now_ms();
            let mut store = std::mem::take(&mut t.network_mut().store);
            t.optimizer_mut().step(&mut store, 1e-3, 0.0);
            t.network_mut().store = store;
            let t6 = now_ms();
            for (a, d) in acc.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5]) {
                *a += d;
            }
            steps += 1;
        }
        let per = |i: usize| acc[i] / steps as f64;
        console_log!(
            "{name:<16} batch {:>6.3} | forward {:>6.3} | loss+zero {:>6.3} | backward {:>6.3} | grad_norm {:>6.3} | optimizer {:>6.3}  ({steps} steps)",
            per(0),
            per(1),
            per(2),
            per(3),
            per(4),
            per(5)
        );
    }
}

#[wasm_bindgen_test]
fn layers() {
    console_log!("per layer, ms per training batch (best of {SAMPLES}): forward | backward");
    for name in ["mlp", "convnetjs-mnist", "lenet-ish"] {
        let spec = workload(name);
        let batch = spec.batch_size;
        let mut probe = layer_probe::LayerProbe::new(&spec).expect("workload validates");
        let last = probe.len();
        let (mut total_f, mut total_b) = (0.0, 0.0);
        for i in 0..last {
            let f = seconds_per_call(|| probe.forward(i));
            let b = seconds_per_call(|| probe.backward(i));
            total_f += f;
            total_b += b;
            console_log!(
                "{name:<16} {i:>2} {:<10} {:>8} → {:<8} {:>8.3} | {:>8.3}",
                probe.plan().layers[i].op.name(),
                probe.plan().layers[i].in_dims.to_string(),
                probe.plan().layers[i].out_dims.to_string(),
                f * 1e3,
                b * 1e3
            );
        }
        console_log!("{name:<16} total {:>8.3} | {:>8.3} ms per batch of {batch}", total_f * 1e3, total_b * 1e3);
    }
}
