//! Finite-difference gradient checks: every layer (input and parameter gradients), the loss, and a
//! small conv → relu → maxpool → dense → loss network chained by hand.
//!
//! Each check compares backward with central differences (f(θ + ε) − f(θ − ε)) / 2ε, ε = 1e-3.
//! A single layer is checked through the scalar f = Σ y·r for a fixed random r (so grad_y = r);
//! f is summed in f64 from the layer's f32 outputs. Inputs are kept away from ReLU kinks (|x| ≥
//! 0.05) and max-pool ties (distinct values at least 0.01 apart), and dropout runs with a fixed mask
//! (the same rng seed for every evaluation).
//!
//! Error measure: |analytic − numeric| / max(|analytic|, |numeric|, 1% of the tensor's largest
//! gradient), which must stay below 1e-2. The floor keeps f32 rounding noise (≈1e-7·|f| / 2ε) from
//! failing components that are tiny next to the others, while they are still checked to 1e-4 of
//! the largest.

use nn_playground::layers::activation::{default_alpha, ActivationLayer};
use nn_playground::layers::batchnorm::BatchNorm;
use nn_playground::layers::conv2d::Conv2d;
use nn_playground::layers::dense::Dense;
use nn_playground::layers::dropout::Dropout;
use nn_playground::layers::flatten::Flatten;
use nn_playground::layers::pool::{AvgPool2d, MaxPool2d};
use nn_playground::layers::{Ctx, Layer, Mode};
use nn_playground::loss::softmax_cross_entropy;
use nn_playground::model::spec::Activation;
use nn_playground::params::ParamStore;
use nn_playground::rng::Rng;
use nn_playground::tensor::{Dims, Tensor};

const EPS: f32 = 1e-3;
/// The whole network is checked with a larger step: its f32 logits carry rounding noise of
/// ≈1e-7, which at ε = 1e-3 puts ≈1e-4 of noise on every numeric gradient, as large as its
/// smallest conv-weight gradients (≈2e-3 here). At 1e-2 the noise is 10× smaller and the
/// truncation error (≈ε²) still negligible; the inputs are then kept 2.5ε from kinks and ties.
const NET_EPS: f32 = 1e-2;
const TOL: f64 = 1e-2;
/// The rng seed of every forward pass, so that dropout draws the same mask each time.
const CTX_SEED: u64 = 1234;

type Check = Result<(), String>;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn uniform(rng: &mut Rng, len: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..len).map(|_| rng.uniform(lo, hi)).collect()
}

/// Values in ±[0.05, 1]: at least 50ε from the kink at 0.
fn away_from_zero(rng: &mut Rng, n: usize, dims: Dims) -> Tensor {
    let data = (0..n * dims.len())
        .map(|_| {
            let m = rng.uniform(0.05, 1.0);
            if rng.next_u32() & 1 == 0 {
                m
            } else {
                -m
            }
        })
        .collect();
    Tensor::from_vec(n, dims, data)
}

/// A random permutation of evenly spaced values in [−1, 1]: no two closer than 2/len, so no
/// max-pool window has a tie (or a near tie that ±ε could flip) when len ≤ 200.
fn distinct(rng: &mut Rng, n: usize, dims: Dims) -> Tensor {
    let len = n * dims.len();
    assert!(len <= 200, "spacing 2/len must stay above 10ε");
    let mut data: Vec<f32> = (0..len).map(|k| -1.0 + 2.0 * k as f32 / len as f32).collect();
    rng.shuffle(&mut data);
    Tensor::from_vec(n, dims, data)
}

fn random(rng: &mut Rng, n: usize, dims: Dims) -> Tensor {
    Tensor::from_vec(n, dims, uniform(rng, n * dims.len(), -1.0, 1.0))
}

fn forward(layer: &mut dyn Layer, params: &[f32], x: &Tensor, mode: Mode) -> Tensor {
    let mut rng = Rng::new(CTX_SEED);
    let mut y = Tensor::default();
    layer.forward(params, x, &mut y, &mut Ctx { mode, rng: &mut rng });
    y
}

fn dot(y: &Tensor, r: &Tensor) -> f64 {
    y.data.iter().zip(&r.data).map(|(&a, &b)| a as f64 * b as f64).sum()
}

/// Central differences of `f` with respect to every entry of `values` (restored afterwards).
fn numeric_grad(values: &mut [f32], f: impl FnMut(&[f32]) -> f64) -> Vec<f64> {
    numeric_grad_with(EPS, values, f)
}

fn numeric_grad_with(eps: f32, values: &mut [f32], mut f: impl FnMut(&[f32]) -> f64) -> Vec<f64> {
    (0..values.len())
        .map(|i| {
            let orig = values[i];
            values[i] = orig + eps;
            let plus = f(values);
            values[i] = orig - eps;
            let minus = f(values);
            values[i] = orig;
            // Divide by the step actually taken (orig ± eps is rounded in f32).
            let step = (orig + eps) as f64 - (orig - eps) as f64;
            (plus - minus) / step
        })
        .collect()
}

/// The worst error (see the file's doc comment) of `analytic` against `numeric`.
fn compare(what: &str, analytic: &[f32], numeric: &[f64]) -> Result<f64, String> {
    if analytic.len() != numeric.len() {
        return Err(format!("{what}: {} analytic vs {} numeric values", analytic.len(), numeric.len()));
    }
    let largest = numeric.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let floor = (0.01 * largest).max(1e-6);
    let mut worst = (0.0f64, 0usize);
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let a = a as f64;
        let err = (a - n).abs() / a.abs().max(n.abs()).max(floor);
        if err.is_nan() || err > worst.0 {
            worst = (err, i);
        }
    }
    let (err, i) = worst;
    if err.is_nan() || err >= TOL {
        return Err(format!(
            "{what}: relative error {err:.3e} at index {i}: analytic {} vs numeric {:.7}",
            analytic[i], numeric[i]
        ));
    }
    Ok(err)
}

/// Checks one layer's input gradient and every parameter gradient in `store`, and its contract:
/// backward overwrites grad_x (here pre-filled with NaN), adds into the parameter gradients
/// (a second backward doubles them), and computes the same parameter gradients without grad_x.
fn check_layer(name: &str, layer: &mut dyn Layer, store: &mut ParamStore, x: &Tensor, mode: Mode) -> Check {
    let y = forward(layer, &store.values, x, mode);
    if y.dims() != layer.out_dims() {
        return Err(format!("{name}: output dims {} but out_dims() {}", y.dims(), layer.out_dims()));
    }
    let mut r_rng = Rng::new(99);
    let r = random(&mut r_rng, y.n, y.dims());

    store.zero_grads();
    let mut gx = Tensor::from_vec(x.n, x.dims(), vec![f32::NAN; x.data.len()]);
    layer.backward(&store.values, &mut store.grads, x, &y, &r, Some(&mut gx));
    if (gx.n, gx.dims()) != (x.n, x.dims()) {
        return Err(format!("{name}: grad_x shaped {}×{} for input {}×{}", gx.n, gx.dims(), x.n, x.dims()));
    }
    let grads = store.grads.clone();

    let params = store.values.clone();
    let mut xv = x.data.clone();
    let num_x = numeric_grad(&mut xv, |v| {
        let xp = Tensor::from_vec(x.n, x.dims(), v.to_vec());
        dot(&forward(layer, &params, &xp, mode), &r)
    });
    let mut worst = compare(&format!("{name} grad_x"), &gx.data, &num_x)?;

    let mut values = store.values.clone();
    let num_p = numeric_grad(&mut values, |v| dot(&forward(layer, v, x, mode), &r));
    for p in &store.params {
        let err = compare(&format!("{name} {}", p.name), &grads[p.range()], &num_p[p.range()])?;
        worst = worst.max(err);
    }

    // Contract: adds into parameter gradients; the same gradients without grad_x.
    forward(layer, &store.values, x, mode);
    layer.backward(&store.values, &mut store.grads, x, &y, &r, None);
    for (i, (&twice, &once)) in store.grads.iter().zip(&grads).enumerate() {
        if (twice - 2.0 * once).abs() > 1e-5 * (1.0 + once.abs()) {
            return Err(format!("{name}: backward overwrote grads[{i}]: {twice} after two, {once} after one"));
        }
    }
    eprintln!("{name}: worst relative error {worst:.2e}");
    Ok(())
}

/// A fresh store with a layer built in it, every parameter (biases too) drawn from U(−1, 1).
fn with_params<L: Layer>(seed: u64, build: impl FnOnce(&mut ParamStore) -> L) -> (ParamStore, L) {
    let mut store = ParamStore::new();
    let layer = build(&mut store);
    let mut rng = Rng::new(seed);
    store.values = uniform(&mut rng, store.len(), -1.0, 1.0);
    (store, layer)
}

// ---------------------------------------------------------------------------------------------
// Conv2d
// ---------------------------------------------------------------------------------------------

fn check_conv(
    name: &str,
    in_dims: Dims,
    filters: usize,
    kernel: (usize, usize),
    stride: usize,
    pad: (usize, usize, usize, usize),
    want_out: Dims,
) -> Check {
    let (mut store, mut conv) = with_params(7, |s| Conv2d::new(s, 0, in_dims, filters, kernel, stride, pad));
    if conv.out_dims() != want_out {
        return Err(format!("{name}: out_dims {} but expected {want_out}", conv.out_dims()));
    }
    let x = random(&mut Rng::new(3), 2, in_dims);
    check_layer(name, &mut conv, &mut store, &x, Mode::Train)
}

#[test]
fn conv2d_padding_1_stride_1() -> Check {
    // 2×5×5, 3 filters 3×3, pad 1: (5 + 2·1 − 3)/1 + 1 = 5
    check_conv("conv 3×3 pad 1", Dims::new(2, 5, 5), 3, (3, 3), 1, (1, 1, 1, 1), Dims::new(3, 5, 5))
}

#[test]
fn conv2d_stride_2_odd_sizes() -> Check {
    // 2×6×7, 3×3 stride 2 pad 1: (6 + 2 − 3)/2 + 1 = 3, (7 + 2 − 3)/2 + 1 = 4
    check_conv("conv stride 2", Dims::new(2, 6, 7), 2, (3, 3), 2, (1, 1, 1, 1), Dims::new(2, 3, 4))?;
    // valid, stride 2, 2 on 5×5 leaves the last row and column unread: (5 − 2)/2 + 1 = 2
    check_conv("conv stride 2 valid", Dims::new(1, 5, 5), 2, (2, 2), 2, (0, 0, 0, 0), Dims::new(2, 2, 2))
}

#[test]
fn conv2d_asymmetric_same_padding() -> Check {
    // TF "same", 4×4 kernel, stride 1 on 5×6: total pad 3 = 1 top/left + 2 bottom/right.
    // (5 + 3 − 4)/1 + 1 = 5, (6 + 3 − 4)/1 + 1 = 6
    check_conv("conv same 4×4", Dims::new(1, 5, 6), 2, (4, 4), 1, (1, 2, 1, 2), Dims::new(2, 5, 6))?;
    // TF "same", 4×4 kernel, stride 2 on 7×7: out ⌈7/2⌉ = 4, pad (4 − 1)·2 + 4 − 7 = 3 → (1, 2).
    // (7 + 3 − 4)/2 + 1 = 4
    check_conv("conv same stride 2", Dims::new(2, 7, 7), 2, (4, 4), 2, (1, 2, 1, 2), Dims::new(2, 4, 4))?;
    // TF "same", 2×2 kernel on 4×4: pad 1 all at the bottom/right. (4 + 1 − 2)/1 + 1 = 4
    check_conv("conv same 2×2", Dims::new(2, 4, 4), 3, (2, 2), 1, (0, 1, 0, 1), Dims::new(3, 4, 4))
}

#[test]
fn conv2d_rectangular_kernels() -> Check {
    // 3×1 kernel, valid, on 2×4×5: (4 − 3) + 1 = 2, (5 − 1) + 1 = 5
    check_conv("conv 3×1", Dims::new(2, 4, 5), 2, (3, 1), 1, (0, 0, 0, 0), Dims::new(2, 2, 5))?;
    // 2×3 kernel, "same" (pad h 0 + 1, w 1 + 1) on 1×5×6 → 5×6
    check_conv("conv 2×3 same", Dims::new(1, 5, 6), 3, (2, 3), 1, (0, 1, 1, 1), Dims::new(3, 5, 6))?;
    // 1×1 kernel with stride 3 on 7×7: (7 − 1)/3 + 1 = 3
    check_conv("conv 1×1 stride 3", Dims::new(3, 7, 7), 2, (1, 1), 3, (0, 0, 0, 0), Dims::new(2, 3, 3))
}

// ---------------------------------------------------------------------------------------------
// Dense
// ---------------------------------------------------------------------------------------------

#[test]
fn dense_flat_input() -> Check {
    let (mut store, mut dense) = with_params(11, |s| Dense::new(s, 1, 7, 5));
    let x = random(&mut Rng::new(4), 3, Dims::flat(7));
    check_layer("dense 7→5", &mut dense, &mut store, &x, Mode::Train)
}

#[test]
fn dense_spatial_input() -> Check {
    // 2×3×3 = 18 features read flat.
    let (mut store, mut dense) = with_params(12, |s| Dense::new(s, 1, 18, 4));
    let x = random(&mut Rng::new(5), 2, Dims::new(2, 3, 3));
    check_layer("dense 2×3×3→4", &mut dense, &mut store, &x, Mode::Train)
}

// ---------------------------------------------------------------------------------------------
// Batch norm
// ---------------------------------------------------------------------------------------------

/// Training mode: the mean and the variance depend on every input of the channel, so each input's
/// gradient has three terms; γ and β are drawn from U(−1, 1) rather than left at 1 and 0.
#[test]
fn batchnorm_in_training_after_a_convolution_and_after_a_dense_layer() -> Check {
    // Per channel over N·H·W = 3·4·5 values.
    let dims = Dims::new(2, 4, 5);
    let (mut store, mut bn) = with_params(13, |s| BatchNorm::new(s, 0, dims));
    let x = random(&mut Rng::new(14), 3, dims);
    check_layer("batchnorm 2×4×5", &mut bn, &mut store, &x, Mode::Train)?;
    // Per unit over N = 4 examples, with an offset and a spread far from 0 and 1.
    let dims = Dims::flat(6);
    let (mut store, mut bn) = with_params(15, |s| BatchNorm::new(s, 0, dims));
    let mut x = random(&mut Rng::new(16), 4, dims);
    x.data.iter_mut().for_each(|v| *v = 3.0 * *v + 2.0);
    check_layer("batchnorm 6 units", &mut bn, &mut store, &x, Mode::Train)
}

/// Evaluation mode: the running estimates are constants, so the layer is affine per channel.
#[test]
fn batchnorm_in_evaluation() -> Check {
    let dims = Dims::new(3, 2, 2);
    let (mut store, mut bn) = with_params(17, |s| BatchNorm::new(s, 0, dims));
    bn.set_state(&[0.5, -0.25, 0.0, 2.0, 0.3, 1.0]).map_err(|e| e.to_string())?;
    let x = random(&mut Rng::new(18), 2, dims);
    check_layer("batchnorm eval", &mut bn, &mut store, &x, Mode::Eval)
}

// ---------------------------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------------------------

#[test]
fn max_pool() -> Check {
    let mut store = ParamStore::new();
    // 2×5×5, pool 2 stride 2: (5 − 2)/2 + 1 = 2 (last row/column dropped)
    let mut pool = MaxPool2d::new(Dims::new(2, 5, 5), 2, 2);
    assert_eq!(pool.out_dims(), Dims::new(2, 2, 2));
    let x = distinct(&mut Rng::new(6), 2, Dims::new(2, 5, 5));
    check_layer("maxpool 2/2 on 5×5", &mut pool, &mut store, &x, Mode::Train)?;
    // Overlapping windows: 3×3 stride 2 on 7×7: (7 − 3)/2 + 1 = 3
    let mut pool = MaxPool2d::new(Dims::new(1, 7, 7), 3, 2);
    let x = distinct(&mut Rng::new(7), 2, Dims::new(1, 7, 7));
    check_layer("maxpool 3/2 on 7×7", &mut pool, &mut store, &x, Mode::Train)?;
    // Stride 1, rectangular input: (4 − 2)/1 + 1 = 3, (6 − 2)/1 + 1 = 5
    let mut pool = MaxPool2d::new(Dims::new(2, 4, 6), 2, 1);
    let x = distinct(&mut Rng::new(8), 2, Dims::new(2, 4, 6));
    check_layer("maxpool 2/1 on 4×6", &mut pool, &mut store, &x, Mode::Train)
}

#[test]
fn avg_pool() -> Check {
    let mut store = ParamStore::new();
    // 2×5×5, pool 2 stride 2 → 2×2
    let mut pool = AvgPool2d::new(Dims::new(2, 5, 5), 2, 2);
    let x = random(&mut Rng::new(9), 2, Dims::new(2, 5, 5));
    check_layer("avgpool 2/2 on 5×5", &mut pool, &mut store, &x, Mode::Train)?;
    // 3×3 stride 2 on 6×7: (6 − 3)/2 + 1 = 2, (7 − 3)/2 + 1 = 3
    let mut pool = AvgPool2d::new(Dims::new(1, 6, 7), 3, 2);
    assert_eq!(pool.out_dims(), Dims::new(1, 2, 3));
    let x = random(&mut Rng::new(10), 3, Dims::new(1, 6, 7));
    check_layer("avgpool 3/2 on 6×7", &mut pool, &mut store, &x, Mode::Train)
}

// ---------------------------------------------------------------------------------------------
// Activations, dropout, flatten
// ---------------------------------------------------------------------------------------------

#[test]
fn activations() -> Check {
    let dims = Dims::new(2, 3, 3);
    let mut store = ParamStore::new();
    for (activation, alpha) in [
        (Activation::Relu, 0.0),
        (Activation::LeakyRelu, default_alpha(Activation::LeakyRelu)),
        (Activation::LeakyRelu, 0.2),
        (Activation::Sigmoid, 0.0),
        (Activation::Tanh, 0.0),
        (Activation::Elu, 1.0),
        (Activation::Elu, 0.5),
        (Activation::Linear, 0.0),
    ] {
        let mut layer = ActivationLayer::new(dims, activation, alpha);
        // ×3 stretches the input to ±3, where sigmoid and tanh curve and saturate.
        let mut x = away_from_zero(&mut Rng::new(20), 3, dims);
        x.data.iter_mut().for_each(|v| *v *= 3.0);
        check_layer(&format!("{} α={alpha}", activation.name()), &mut layer, &mut store, &x, Mode::Train)?;
    }
    Ok(())
}

#[test]
fn dropout_with_a_fixed_mask() -> Check {
    let dims = Dims::new(2, 3, 4);
    let mut store = ParamStore::new();
    let x = random(&mut Rng::new(21), 3, dims);
    let mut drop = Dropout::new(dims, 0.3);
    // The mask really drops something (so the check is not of the identity).
    let y = forward(&mut drop, &[], &x, Mode::Train);
    assert!(y.data.contains(&0.0) && y.data.iter().any(|&v| v != 0.0));
    check_layer("dropout 0.3 train", &mut drop, &mut store, &x, Mode::Train)?;
    check_layer("dropout 0.3 eval", &mut drop, &mut store, &x, Mode::Eval)
}

#[test]
fn flatten() -> Check {
    let dims = Dims::new(3, 2, 2);
    let mut layer = Flatten::new(dims);
    let x = random(&mut Rng::new(22), 2, dims);
    check_layer("flatten", &mut layer, &mut ParamStore::new(), &x, Mode::Train)
}

// ---------------------------------------------------------------------------------------------
// Loss
// ---------------------------------------------------------------------------------------------

/// Mean cross-entropy of softmax(logits), in f64 with std's exp/ln, as the function to
/// differentiate numerically. The engine's loss is an f32: its rounding (≈1e-7 of a loss near 1)
/// divided by 2ε is ≈6e-5, as large as the smallest gradient entries. Its value is checked against
/// this reference separately.
fn reference_loss(logits: &Tensor, labels: &[u8]) -> f64 {
    let classes = logits.dims().len();
    let total: f64 = logits
        .data
        .chunks_exact(classes)
        .zip(labels)
        .map(|(z, &label)| {
            let m = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
            let sum: f64 = z.iter().map(|&v| (v as f64 - m).exp()).sum();
            m + sum.ln() - z[label as usize] as f64
        })
        .sum();
    total / logits.n as f64
}

fn check_loss(name: &str, logits: &Tensor, labels: &[u8]) -> Check {
    let mut grad = Tensor::default();
    let (loss, _) = softmax_cross_entropy(logits, labels, &mut grad);
    let want = reference_loss(logits, labels);
    if (loss as f64 - want).abs() > 1e-6 * want.abs().max(1.0) {
        return Err(format!("{name}: loss {loss} but the f64 reference gives {want}"));
    }
    if !grad.data.iter().all(|g| g.is_finite()) {
        return Err(format!("{name}: non-finite gradient {:?}", grad.data));
    }
    let (n, dims) = (logits.n, logits.dims());
    let mut v = logits.data.clone();
    let num = numeric_grad(&mut v, |v| reference_loss(&Tensor::from_vec(n, dims, v.to_vec()), labels));
    let err = compare(name, &grad.data, &num)?;
    eprintln!("{name}: worst relative error {err:.2e}");
    Ok(())
}

#[test]
fn softmax_cross_entropy_gradient() -> Check {
    // 3 examples × 5 classes, logits spread to ±4 so the probabilities differ a lot.
    let mut logits = random(&mut Rng::new(30), 3, Dims::flat(5));
    logits.data.iter_mut().for_each(|v| *v *= 4.0);
    check_loss("softmax cross-entropy", &logits, &[0, 3, 4])?;
    // At ±100 (a confident right answer and a confident wrong one) the loss and gradient stay
    // finite and right; the second example's loss is ≈ 200.
    let big = Tensor::from_vec(2, Dims::flat(3), vec![100.0, -100.0, 0.0, -100.0, 100.0, 3.0]);
    check_loss("softmax cross-entropy at ±100", &big, &[0, 2])
}

// ---------------------------------------------------------------------------------------------
// A whole network: conv → relu → maxpool → dense → softmax cross-entropy
// ---------------------------------------------------------------------------------------------

/// conv 2×2 "same" (pad bottom/right) → relu → maxpool 2/2 (5×5 → 2×2) → dense → loss.
struct Net {
    store: ParamStore,
    conv: Conv2d,
    relu: ActivationLayer,
    pool: MaxPool2d,
    dense: Dense,
}

/// The activations of one forward pass: [input of relu, input of pool, input of dense, logits].
struct Acts([Tensor; 4]);

impl Net {
    fn new(seed: u64) -> Net {
        let mut store = ParamStore::new();
        // 1×5×5 → conv 3 filters 2×2 same: (5 + 0 + 1 − 2)/1 + 1 = 5 → 3×5×5
        let conv = Conv2d::new(&mut store, 0, Dims::new(1, 5, 5), 3, (2, 2), 1, (0, 1, 0, 1));
        let relu = ActivationLayer::new(conv.out_dims(), Activation::Relu, 0.0);
        // 3×5×5 → maxpool 2/2: (5 − 2)/2 + 1 = 2 → 3×2×2 = 12
        let pool = MaxPool2d::new(conv.out_dims(), 2, 2);
        let dense = Dense::new(&mut store, 3, pool.out_dims().len(), 4);
        let mut rng = Rng::new(seed);
        store.values = uniform(&mut rng, store.len(), -1.0, 1.0);
        Net { store, conv, relu, pool, dense }
    }

    fn forward(&mut self, params: &[f32], x: &Tensor) -> Acts {
        let mut rng = Rng::new(CTX_SEED);
        let ctx = &mut Ctx { mode: Mode::Train, rng: &mut rng };
        let mut a: [Tensor; 4] = Default::default();
        let [a0, a1, a2, a3] = &mut a;
        self.conv.forward(params, x, a0, ctx);
        self.relu.forward(params, a0, a1, ctx);
        self.pool.forward(params, a1, a2, ctx);
        self.dense.forward(params, a2, a3, ctx);
        Acts(a)
    }

    fn loss(&mut self, params: &[f32], x: &Tensor, labels: &[u8]) -> f64 {
        let acts = self.forward(params, x);
        reference_loss(&acts.0[3], labels)
    }

    /// Fills the store's gradients and returns the gradient of the input.
    fn backward(&mut self, x: &Tensor, labels: &[u8]) -> Tensor {
        let Acts([a0, a1, a2, a3]) = self.forward(&self.store.values.clone(), x);
        let p = &self.store.values;
        let g = &mut self.store.grads;
        let mut g3 = Tensor::default();
        softmax_cross_entropy(&a3, labels, &mut g3);
        let (mut g2, mut g1, mut g0, mut gx) = Default::default();
        self.dense.backward(p, g, &a2, &a3, &g3, Some(&mut g2));
        self.pool.backward(p, g, &a1, &a2, &g2, Some(&mut g1));
        self.relu.backward(p, g, &a0, &a1, &g1, Some(&mut g0));
        self.conv.backward(p, g, x, &a0, &g0, Some(&mut gx));
        gx
    }

    /// Whether ±ε on any single input or weight could cross a ReLU kink or flip a max-pool winner:
    /// every pre-activation must be at least `margin` from 0, and in every pool window the winner
    /// must beat the runner-up by `margin` (unless the winner is 0: ReLU-dead ties carry no gradient).
    fn is_clear_of_kinks(&mut self, x: &Tensor, margin: f32) -> bool {
        let Acts([a0, a1, ..]) = self.forward(&self.store.values.clone(), x);
        if a0.data.iter().any(|v| v.abs() < margin) {
            return false;
        }
        let d = a1.dims();
        for img in 0..a1.n {
            let plane = a1.example(img);
            for c in 0..d.c {
                for oy in 0..(d.h - 2) / 2 + 1 {
                    for ox in 0..(d.w - 2) / 2 + 1 {
                        let mut win: Vec<f32> =
                            (0..4).map(|k| plane[c * d.h * d.w + (2 * oy + k / 2) * d.w + 2 * ox + k % 2]).collect();
                        win.sort_by(|a, b| b.total_cmp(a));
                        if win[0] > 0.0 && win[0] - win[1] < margin {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }
}

#[test]
fn conv_relu_maxpool_dense_loss_network() -> Check {
    let labels = [1u8, 3];
    // Draw weights and inputs until no kink or pool tie lies within reach of a step: ±ε on one
    // weight or input (all |·| ≤ 1) moves a pre-activation by at most ε and a pool gap by 2ε.
    let margin = 2.5 * NET_EPS;
    let (seed, mut net, x) = (0..500u64)
        .map(|seed| (seed, Net::new(seed), random(&mut Rng::new(1000 + seed), 2, Dims::new(1, 5, 5))))
        .find_map(|(seed, mut net, x)| net.is_clear_of_kinks(&x, margin).then_some((seed, net, x)))
        .ok_or("no seed gave a network clear of ReLU kinks and pool ties")?;
    // The check means something only if the ReLU both passes and blocks values.
    let Acts([a0, ..]) = net.forward(&net.store.values.clone(), &x);
    assert!(a0.data.iter().any(|&v| v > 0.0) && a0.data.iter().any(|&v| v < 0.0));

    net.store.zero_grads();
    let gx = net.backward(&x, &labels);
    let grads = net.store.grads.clone();

    let params = net.store.values.clone();
    let mut xv = x.data.clone();
    let num_x =
        numeric_grad_with(NET_EPS, &mut xv, |v| net.loss(&params, &Tensor::from_vec(2, x.dims(), v.to_vec()), &labels));
    let mut worst = compare("network grad_x", &gx.data, &num_x)?;
    let mut values = net.store.values.clone();
    let num_p = numeric_grad_with(NET_EPS, &mut values, |v| net.loss(v, &x, &labels));
    for p in &net.store.params {
        worst = worst.max(compare(&format!("network {}", p.name), &grads[p.range()], &num_p[p.range()])?);
    }
    eprintln!("network (seed {seed}): worst relative error {worst:.2e}");
    Ok(())
}
