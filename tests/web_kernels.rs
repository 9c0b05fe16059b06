//! Kernel agreement in the browser: every SIMD128 kernel against its scalar reference, compared
//! bit for bit (`to_bits`, so even +0 vs −0 counts), on ragged and workload shapes:
//! `cargo test --target wasm32-unknown-unknown --test web_kernels` (runner from .cargo/config.toml).
#![cfg(target_arch = "wasm32")]

use nn_playground::optim::adadelta::{adadelta_step, adadelta_step_scalar};
use nn_playground::optim::adagrad::{adagrad_lr, adagrad_step, adagrad_step_scalar};
use nn_playground::optim::adam::{adam_step, adam_step_scalar, AdamScalars};
use nn_playground::optim::rmsprop::{rmsprop_step, rmsprop_step_scalar};
use nn_playground::optim::sgd::{sgd_step, sgd_step_scalar};
use nn_playground::rng::Rng;
use nn_playground::tensor::kernels::{self, scalar, Conv2dDims, Pool2dDims};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn the_simd128_kernels_are_in_use() {
    let simd128: bool = nn_playground::SIMD128;
    assert!(simd128, "this test file only means something in a +simd128 build");
}

type Unary = fn(&[f32], &mut [f32]);

/// Panics at the first element whose bits differ.
fn same_bits(what: &str, simd: &[f32], reference: &[f32]) {
    assert_eq!(simd.len(), reference.len(), "{what}: lengths differ");
    for (i, (a, b)) in simd.iter().zip(reference).enumerate() {
        assert!(
            a.to_bits() == b.to_bits(),
            "{what}: element {i} is {a:e} ({:#x}) but the scalar kernel gives {b:e} ({:#x})",
            a.to_bits(),
            b.to_bits()
        );
    }
}

/// Uniform values in ±scale, with about 1 in 16 an exact ±0 (signed zeros exercise the rounding
/// rules that a reordering would break).
fn values(rng: &mut Rng, len: usize, scale: f32) -> Vec<f32> {
    (0..len)
        .map(|_| match rng.below(16) {
            0 => 0.0,
            1 => -0.0,
            _ => rng.uniform(-scale, scale),
        })
        .collect()
}

type Gemm = fn(usize, usize, usize, &[f32], &[f32], &mut [f32]);

fn check_gemm(kind: &str, (m, k, n): (usize, usize, usize), rng: &mut Rng) {
    let (fast, slow): (Gemm, Gemm) = match kind {
        "nn" => (kernels::gemm_nn, scalar::gemm_nn),
        "nt" => (kernels::gemm_nt, scalar::gemm_nt),
        _ => (kernels::gemm_tn, scalar::gemm_tn),
    };
    // All three read m·k values of a and k·n of b, whatever the layout.
    let a = values(rng, m * k, 1.0);
    let b = values(rng, k * n, 1.0);
    // The kernels accumulate: start from a non-zero c (with some −0s).
    let c0 = values(rng, m * n, 2.0);
    let (mut c_fast, mut c_slow) = (c0.clone(), c0);
    fast(m, k, n, &a, &b, &mut c_fast);
    slow(m, k, n, &a, &b, &mut c_slow);
    same_bits(&format!("gemm_{kind} {m}×{k}×{n}"), &c_fast, &c_slow);
}

/// The ragged shapes of the brief, every remainder of the tiles (m mod 4, n mod 8, k mod 4),
/// and every GEMM the three workloads run.
const GEMM_SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 1),
    (5, 7, 13),
    (17, 33, 9),
    (4, 8, 8),
    (8, 4, 16),
    (3, 5, 2),
    (2, 3, 4),
    (6, 1, 7),
    (1, 9, 31),
    (9, 2, 1),
    (13, 64, 12),
    (8, 25, 784),
    (16, 200, 196),
    (32, 9, 676),
    (64, 288, 121),
    (64, 128, 1600),
    (32, 784, 128),
    (64, 1600, 128),
    (8, 784, 25),
    (16, 196, 200),
    (32, 676, 9),
    (64, 121, 288),
    (128, 32, 784),
    (128, 64, 1600),
    (200, 16, 196),
    (288, 64, 121),
    (20, 256, 10),
    (10, 20, 256),
    (20, 10, 256),
    (32, 128, 10),
    // Lone rows of 32 columns and their leftovers: 6 filters of a 7×7 kernel, and 3 × 77.
    (6, 49, 784),
    (3, 5, 77),
];

#[wasm_bindgen_test]
fn gemm_matches_the_scalar_reference_bit_for_bit() {
    let mut rng = Rng::new(1);
    for kind in ["nn", "nt", "tn"] {
        for &shape in GEMM_SHAPES {
            check_gemm(kind, shape, &mut rng);
        }
        // And 200 random shapes up to 40 on each side.
        for _ in 0..200 {
            let shape = (1 + rng.below(40) as usize, 1 + rng.below(40) as usize, 1 + rng.below(40) as usize);
            check_gemm(kind, shape, &mut rng);
        }
    }
}

#[wasm_bindgen_test]
fn gemm_keeps_signed_zeros_and_large_cancellations() {
    // All-zero products onto a −0 accumulator: −0 + (+0) = +0 in both, −0 + (−0) = −0 in both.
    for kind in ["nn", "nt", "tn"] {
        let mut rng = Rng::new(2);
        for &(m, k, n) in &[(5usize, 7usize, 13usize), (4, 8, 8), (3, 3, 3)] {
            let a: Vec<f32> = (0..m * k).map(|i| if i % 3 == 0 { -0.0 } else { 0.0 }).collect();
            let b = values(&mut rng, k * n, 1.0);
            let (fast, slow): (Gemm, Gemm) = match kind {
                "nn" => (kernels::gemm_nn, scalar::gemm_nn),
                "nt" => (kernels::gemm_nt, scalar::gemm_nt),
                _ => (kernels::gemm_tn, scalar::gemm_tn),
            };
            let (mut cf, mut cs) = (vec![-0.0; m * n], vec![-0.0; m * n]);
            fast(m, k, n, &a, &b, &mut cf);
            slow(m, k, n, &a, &b, &mut cs);
            same_bits(&format!("gemm_{kind} zeros {m}×{k}×{n}"), &cf, &cs);
        }
        // Terms of very different size: the order of additions shows in the result.
        let (m, k, n) = (3, 11, 9);
        let a: Vec<f32> = (0..m * k).map(|i| if i % 2 == 0 { 1e8 } else { 1.0 + i as f32 }).collect();
        let b: Vec<f32> = (0..k * n).map(|i| if i % 3 == 0 { -1.0 } else { 1.0 }).collect();
        let (fast, slow): (Gemm, Gemm) = match kind {
            "nn" => (kernels::gemm_nn, scalar::gemm_nn),
            "nt" => (kernels::gemm_nt, scalar::gemm_nt),
            _ => (kernels::gemm_tn, scalar::gemm_tn),
        };
        let (mut cf, mut cs) = (vec![0.5; m * n], vec![0.5; m * n]);
        fast(m, k, n, &a, &b, &mut cf);
        slow(m, k, n, &a, &b, &mut cs);
        same_bits(&format!("gemm_{kind} cancellation"), &cf, &cs);
    }
}

#[wasm_bindgen_test]
fn row_sums_match_bit_for_bit() {
    let mut rng = Rng::new(7);
    let mut shapes = vec![(1, 1), (3, 5), (4, 4), (8, 784), (16, 196), (32, 676), (64, 121), (13, 9), (9, 2)];
    for _ in 0..100 {
        shapes.push((1 + rng.below(20) as usize, 1 + rng.below(40) as usize));
    }
    for (rows, cols) in shapes {
        let mut x = values(&mut rng, rows * cols, 1.0);
        // A row of −0s (sums to −0 only when the sum starts from −0) and a row of huge and tiny
        // terms (the order of additions shows).
        x[..cols].fill(-0.0);
        if rows > 1 {
            for (j, v) in x[cols..2 * cols].iter_mut().enumerate() {
                *v = if j % 2 == 0 { 1e8 } else { 1.0 };
            }
        }
        let mut o0 = values(&mut rng, rows, 1.0);
        o0[0] = -0.0;
        let (mut of, mut os) = (o0.clone(), o0);
        kernels::add_row_sums(rows, cols, &x, &mut of);
        scalar::add_row_sums(rows, cols, &x, &mut os);
        same_bits(&format!("add_row_sums {rows}×{cols}"), &of, &os);
    }
}

#[wasm_bindgen_test]
fn im2col_and_col2im_match_bit_for_bit() {
    let mut rng = Rng::new(3);
    // (c, h, w), (kh, kw), stride, (top, bottom, left, right): the workloads, then odd cases.
    let cases = [
        ((1, 28, 28), (5, 5), 1, (2, 2, 2, 2)),
        ((8, 14, 14), (5, 5), 1, (2, 2, 2, 2)),
        ((1, 28, 28), (3, 3), 1, (0, 0, 0, 0)),
        ((32, 13, 13), (3, 3), 1, (0, 0, 0, 0)),
        ((1, 4, 4), (3, 3), 1, (1, 1, 1, 1)),
        ((2, 5, 7), (2, 3), 1, (0, 1, 1, 1)),
        ((3, 6, 5), (4, 4), 1, (1, 2, 1, 2)),
        ((2, 9, 9), (3, 3), 2, (1, 1, 1, 1)),
        ((1, 7, 5), (1, 3), 3, (0, 0, 0, 0)),
        ((1, 3, 3), (5, 5), 1, (2, 2, 2, 2)),
        ((4, 1, 9), (1, 9), 1, (0, 0, 4, 4)),
        ((1, 1, 1), (3, 3), 1, (1, 1, 1, 1)),
        ((2, 2, 3), (5, 5), 1, (2, 2, 2, 2)),
        ((3, 6, 17), (3, 7), 1, (0, 0, 6, 6)),
        ((2, 8, 9), (3, 3), 1, (0, 0, 0, 0)),
        // Stride 2 (every other input value): the strided network, odd sizes, wide margins.
        ((16, 14, 14), (3, 3), 2, (1, 1, 1, 1)),
        ((3, 28, 28), (3, 3), 2, (1, 1, 1, 1)),
        ((2, 11, 23), (5, 5), 2, (2, 2, 2, 2)),
        ((1, 9, 40), (1, 7), 2, (0, 0, 6, 6)),
        ((2, 6, 7), (2, 2), 2, (0, 0, 0, 0)),
    ];
    for (dims, k, stride, pads) in cases {
        let d = Conv2dDims::new(dims, k, stride, pads);
        let x = values(&mut rng, d.in_len(), 1.0);
        let (mut cf, mut cs) = (vec![f32::NAN; d.rows() * d.cols()], vec![f32::NAN; d.rows() * d.cols()]);
        kernels::im2col(&d, &x, &mut cf);
        scalar::im2col(&d, &x, &mut cs);
        same_bits(&format!("im2col {d:?}"), &cf, &cs);
        let g = values(&mut rng, d.rows() * d.cols(), 1.0);
        let x0 = values(&mut rng, d.in_len(), 1.0);
        let (mut xf, mut xs) = (x0.clone(), x0);
        kernels::col2im(&d, &g, &mut xf);
        scalar::col2im(&d, &g, &mut xs);
        same_bits(&format!("col2im {d:?}"), &xf, &xs);
        // The convolution's input gradient adds the rows a block at a time: blocks of 3 rows in
        // order give what one col2im of all rows gives.
        let mut xb = values(&mut rng, d.in_len(), 1.0);
        let mut xw = xb.clone();
        for (b, block) in g.chunks(3 * d.cols()).enumerate() {
            kernels::col2im_rows(&d, 3 * b, block, &mut xb);
        }
        scalar::col2im(&d, &g, &mut xw);
        same_bits(&format!("col2im by blocks {d:?}"), &xb, &xw);
    }
}

#[wasm_bindgen_test]
fn gemm_tn_on_a_block_of_columns_gives_those_rows_of_the_whole_product() {
    let mut rng = Rng::new(9);
    // The second convolution of the workloads (64 filters × 288 rows × 121 pixels), then odd sizes.
    for &(m, k, n, first, rows) in &[(288usize, 64usize, 121usize, 40usize, 20usize), (13, 5, 9, 3, 7), (7, 3, 5, 6, 1)]
    {
        let a = values(&mut rng, k * m, 1.0);
        let b = values(&mut rng, k * n, 1.0);
        let c0 = values(&mut rng, m * n, 1.0);
        let mut whole = c0.clone();
        scalar::gemm_tn(m, k, n, &a, &b, &mut whole);
        let mut block = c0[first * n..(first + rows) * n].to_vec();
        kernels::gemm_tn_strided(rows, k, n, &a[first..], m, &b, &mut block);
        same_bits(
            &format!("gemm_tn_strided {m}×{k}×{n} rows {first}.."),
            &block,
            &whole[first * n..(first + rows) * n],
        );
    }
}

#[wasm_bindgen_test]
fn pooling_matches_bit_for_bit_including_ties() {
    let mut rng = Rng::new(4);
    let cases = [
        ((8, 28, 28), 2, 2),
        ((16, 14, 14), 3, 3),
        ((32, 26, 26), 2, 2),
        ((64, 11, 11), 2, 2),
        ((3, 5, 5), 2, 2),
        ((2, 9, 17), 2, 2),
        ((1, 2, 2), 2, 2),
        ((2, 7, 6), 3, 2),
        ((1, 8, 8), 2, 1),
        ((2, 9, 30), 3, 3),
        ((1, 3, 3), 3, 3),
        ((3, 12, 13), 3, 3),
        ((2, 6, 19), 2, 2),
    ];
    for (dims, size, stride) in cases {
        let d = Pool2dDims::new(dims, size, stride);
        for ties in [false, true] {
            // With ties, values come from {−1, −0.5, −0, 0, 0.5, 1}: many equal maxima.
            let x: Vec<f32> = if ties {
                (0..d.in_len()).map(|_| [-1.0, -0.5, -0.0, 0.0, 0.5, 1.0][rng.below(6) as usize]).collect()
            } else {
                values(&mut rng, d.in_len(), 1.0)
            };
            let (mut yf, mut ys) = (vec![0.0; d.out_len()], vec![0.0; d.out_len()]);
            let (mut af, mut as_) = (vec![0u32; d.out_len()], vec![0u32; d.out_len()]);
            kernels::max_pool_forward(&d, &x, &mut yf, &mut af);
            scalar::max_pool_forward(&d, &x, &mut ys, &mut as_);
            same_bits(&format!("max_pool_forward {d:?}"), &yf, &ys);
            assert_eq!(af, as_, "max_pool_forward argmax {d:?}");
            let gy = values(&mut rng, d.out_len(), 1.0);
            let g0 = values(&mut rng, d.in_len(), 1.0);
            let (mut gf, mut gs) = (g0.clone(), g0.clone());
            kernels::max_pool_backward(&d, &as_, &gy, &mut gf);
            scalar::max_pool_backward(&d, &as_, &gy, &mut gs);
            same_bits(&format!("max_pool_backward {d:?}"), &gf, &gs);
            kernels::avg_pool_forward(&d, &x, &mut yf);
            scalar::avg_pool_forward(&d, &x, &mut ys);
            same_bits(&format!("avg_pool_forward {d:?}"), &yf, &ys);
            let (mut gf, mut gs) = (g0.clone(), g0);
            kernels::avg_pool_backward(&d, &gy, &mut gf);
            scalar::avg_pool_backward(&d, &gy, &mut gs);
            same_bits(&format!("avg_pool_backward {d:?}"), &gf, &gs);
        }
    }
}

/// Inputs for the activations: every length remainder, a wide range of magnitudes (tiny, the
/// kinks, ±1e-20, the clamps of exp at −87/88 and beyond), and signed zeros.
fn activation_inputs(rng: &mut Rng, len: usize) -> Vec<f32> {
    let special = [0.0, -0.0, 1e-20, -1e-20, 1e-7, -3e-5, 0.5, -0.5, 44.5, -44.5, 87.5, -87.5, 88.5, -100.0, 1e4, -1e4];
    (0..len)
        .map(|i| match rng.below(4) {
            0 => special[i % special.len()],
            1 => rng.uniform(-30.0, 30.0),
            2 => rng.uniform(-1.0, 1.0),
            _ => rng.uniform(-1e-3, 1e-3),
        })
        .collect()
}

#[wasm_bindgen_test]
fn activations_match_bit_for_bit() {
    let mut rng = Rng::new(5);
    for len in [0usize, 1, 2, 3, 4, 5, 7, 8, 13, 64, 1001, 20_000] {
        let x = activation_inputs(&mut rng, len);
        let gy = values(&mut rng, len, 2.0);
        let mut yf = vec![f32::NAN; len];
        let mut ys = vec![f32::NAN; len];
        let mut gf = vec![f32::NAN; len];
        let mut gs = vec![f32::NAN; len];
        let forwards: [(&str, Unary, Unary); 3] = [
            ("relu", kernels::relu_forward, scalar::relu_forward),
            ("sigmoid", kernels::sigmoid_forward, scalar::sigmoid_forward),
            ("tanh", kernels::tanh_forward, scalar::tanh_forward),
        ];
        for (name, fast, slow) in forwards {
            fast(&x, &mut yf);
            slow(&x, &mut ys);
            same_bits(&format!("{name}_forward len {len}"), &yf, &ys);
        }
        kernels::relu_backward(&x, &gy, &mut gf);
        scalar::relu_backward(&x, &gy, &mut gs);
        same_bits(&format!("relu_backward len {len}"), &gf, &gs);
        // Backward of sigmoid and tanh reads the saved output.
        scalar::sigmoid_forward(&x, &mut ys);
        kernels::sigmoid_backward(&ys, &gy, &mut gf);
        scalar::sigmoid_backward(&ys, &gy, &mut gs);
        same_bits(&format!("sigmoid_backward len {len}"), &gf, &gs);
        scalar::tanh_forward(&x, &mut ys);
        kernels::tanh_backward(&ys, &gy, &mut gf);
        scalar::tanh_backward(&ys, &gy, &mut gs);
        same_bits(&format!("tanh_backward len {len}"), &gf, &gs);
        for alpha in [0.01f32, 1.0, 0.3] {
            kernels::leaky_relu_forward(&x, alpha, &mut yf);
            scalar::leaky_relu_forward(&x, alpha, &mut ys);
            same_bits(&format!("leaky_relu_forward len {len}"), &yf, &ys);
            kernels::leaky_relu_backward(&x, alpha, &gy, &mut gf);
            scalar::leaky_relu_backward(&x, alpha, &gy, &mut gs);
            same_bits(&format!("leaky_relu_backward len {len}"), &gf, &gs);
            kernels::elu_forward(&x, alpha, &mut yf);
            scalar::elu_forward(&x, alpha, &mut ys);
            same_bits(&format!("elu_forward α {alpha} len {len}"), &yf, &ys);
            kernels::elu_backward(&x, &ys, alpha, &gy, &mut gf);
            scalar::elu_backward(&x, &ys, alpha, &gy, &mut gs);
            same_bits(&format!("elu_backward α {alpha} len {len}"), &gf, &gs);
        }
    }
}

#[wasm_bindgen_test]
fn exp_based_activations_match_on_a_dense_sweep() {
    // Every 9,973rd float bit pattern up to 100, both signs: covers every binade, the polynomial
    // range and the clamps.
    let mut x = Vec::new();
    let mut bits = 0u32;
    while f32::from_bits(bits) <= 100.0 {
        x.push(f32::from_bits(bits));
        x.push(-f32::from_bits(bits));
        bits += 9_973;
    }
    let (mut yf, mut ys) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    kernels::sigmoid_forward(&x, &mut yf);
    scalar::sigmoid_forward(&x, &mut ys);
    same_bits("sigmoid sweep", &yf, &ys);
    kernels::tanh_forward(&x, &mut yf);
    scalar::tanh_forward(&x, &mut ys);
    same_bits("tanh sweep", &yf, &ys);
    kernels::elu_forward(&x, 1.0, &mut yf);
    scalar::elu_forward(&x, 1.0, &mut ys);
    same_bits("elu sweep", &yf, &ys);
    for m in [0.0, 3.5, -20.0, 87.0] {
        kernels::exp_sub(&x, m, &mut yf);
        scalar::exp_sub(&x, m, &mut ys);
        same_bits(&format!("exp_sub sweep, m = {m}"), &yf, &ys);
    }
}

/// Runs `steps` updates through both versions from the same state and compares params and state.
#[wasm_bindgen_test]
fn optimizer_steps_match_bit_for_bit() {
    let mut rng = Rng::new(6);
    for len in [1usize, 3, 4, 5, 17, 1000, 4099] {
        let theta0 = values(&mut rng, len, 1.0);
        for (momentum, nesterov, l2) in [(0.0, false, 0.0), (0.0, false, 1e-3), (0.9, false, 0.0), (0.9, true, 5e-4)] {
            let (mut pf, mut ps) = (theta0.clone(), theta0.clone());
            let (mut vf, mut vs) = (vec![0.0; len], vec![0.0; len]);
            for _ in 0..3 {
                let g = values(&mut rng, len, 0.1);
                sgd_step(&mut pf, &g, &mut vf, 0.01, l2, momentum, nesterov);
                sgd_step_scalar(&mut ps, &g, &mut vs, 0.01, l2, momentum, nesterov);
            }
            same_bits(&format!("sgd params len {len} μ {momentum} nesterov {nesterov}"), &pf, &ps);
            same_bits(&format!("sgd velocity len {len}"), &vf, &vs);
        }
        for (l2, decay) in [(0.0, 1.0), (1e-3, 1.0), (0.0, 0.9995)] {
            let (mut pf, mut ps) = (theta0.clone(), theta0.clone());
            let (mut mf, mut ms, mut vf, mut vs) = (vec![0.0; len], vec![0.0; len], vec![0.0; len], vec![0.0; len]);
            for t in 1..=4 {
                let g = values(&mut rng, len, 0.1);
                let s = AdamScalars::new(1e-3, 0.9, 0.999, 1e-8, t);
                adam_step(&mut pf, &g, &mut mf, &mut vf, &s, l2, decay);
                adam_step_scalar(&mut ps, &g, &mut ms, &mut vs, &s, l2, decay);
            }
            same_bits(&format!("adam params len {len} l2 {l2} decay {decay}"), &pf, &ps);
            same_bits(&format!("adam m len {len}"), &mf, &ms);
            same_bits(&format!("adam v len {len}"), &vf, &vs);
        }
        for (momentum, l2) in [(0.0, 0.0), (0.0, 1e-3), (0.5, 0.0)] {
            let (mut pf, mut ps) = (theta0.clone(), theta0.clone());
            let (mut sf, mut ss, mut bf, mut bs) = (vec![0.0; len], vec![0.0; len], vec![0.0; len], vec![0.0; len]);
            for _ in 0..3 {
                let g = values(&mut rng, len, 0.1);
                rmsprop_step(&mut pf, &g, &mut sf, &mut bf, 0.01, l2, 0.99, 1e-8, momentum);
                rmsprop_step_scalar(&mut ps, &g, &mut ss, &mut bs, 0.01, l2, 0.99, 1e-8, momentum);
            }
            same_bits(&format!("rmsprop params len {len} μ {momentum}"), &pf, &ps);
            same_bits(&format!("rmsprop square_avg len {len}"), &sf, &ss);
            same_bits(&format!("rmsprop buffer len {len}"), &bf, &bs);
        }
        for (initial, l2, eps) in [(0.0, 0.0, 1e-10), (0.1, 1e-3, 1e-10), (0.0, 0.0, 0.01)] {
            let (mut pf, mut ps) = (theta0.clone(), theta0.clone());
            let (mut sf, mut ss) = (vec![initial; len], vec![initial; len]);
            for t in 1..=3 {
                let g = values(&mut rng, len, 0.1);
                let clr = adagrad_lr(0.01, 0.1, t);
                adagrad_step(&mut pf, &g, &mut sf, clr, l2, eps);
                adagrad_step_scalar(&mut ps, &g, &mut ss, clr, l2, eps);
            }
            same_bits(&format!("adagrad params len {len} initial {initial} l2 {l2}"), &pf, &ps);
            same_bits(&format!("adagrad sum len {len}"), &sf, &ss);
        }
        for (rho, l2, eps) in [(0.9, 0.0, 1e-6), (0.9, 1e-3, 1e-6), (0.5, 0.0, 1e-3)] {
            let (mut pf, mut ps) = (theta0.clone(), theta0.clone());
            let (mut sf, mut ss, mut af, mut as_) = (vec![0.0; len], vec![0.0; len], vec![0.0; len], vec![0.0; len]);
            for _ in 0..3 {
                let g = values(&mut rng, len, 0.1);
                adadelta_step(&mut pf, &g, &mut sf, &mut af, 1.0, l2, rho, eps);
                adadelta_step_scalar(&mut ps, &g, &mut ss, &mut as_, 1.0, l2, rho, eps);
            }
            same_bits(&format!("adadelta params len {len} ρ {rho} l2 {l2}"), &pf, &ps);
            same_bits(&format!("adadelta square_avg len {len}"), &sf, &ss);
            same_bits(&format!("adadelta acc_delta len {len}"), &af, &as_);
        }
    }
}
