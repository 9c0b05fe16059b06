//! The engine's kernels against ndarray, an independent implementation: GEMMs against
//! `ndarray::linalg::general_mat_mul` on random shapes (sizes not divisible by 4 or 8 included),
//! and the im2col convolution against a direct convolution written with ndarray views.

use ndarray::{s, Array2, Array4, ArrayView2};
use nn_playground::layers::conv2d::Conv2d;
use nn_playground::layers::{Ctx, Layer, Mode};
use nn_playground::params::ParamStore;
use nn_playground::rng::Rng;
use nn_playground::tensor::kernels::{gemm_nn, gemm_nt, gemm_tn};
use nn_playground::tensor::{Dims, Tensor};

fn random(rng: &mut Rng, len: usize) -> Vec<f32> {
    (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

fn matrix(rows: usize, cols: usize, data: &[f32]) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols), data).expect("shape matches")
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{what}[{i}]: {g} vs ndarray {w}");
    }
}

const SHAPES: [(usize, usize, usize); 8] =
    [(1, 1, 1), (5, 7, 13), (17, 33, 9), (4, 8, 8), (3, 25, 784), (16, 200, 196), (32, 784, 128), (20, 256, 10)];

#[test]
fn gemms_match_ndarray() {
    let mut rng = Rng::new(1);
    for (m, k, n) in SHAPES {
        let a = random(&mut rng, m * k);
        let b = random(&mut rng, k * n);
        let c0 = random(&mut rng, m * n);
        // C += A·B
        let mut want = Array2::from_shape_vec((m, n), c0.clone()).expect("shape");
        ndarray::linalg::general_mat_mul(1.0, &matrix(m, k, &a), &matrix(k, n, &b), 1.0, &mut want);
        let mut got = c0.clone();
        gemm_nn(m, k, n, &a, &b, &mut got);
        assert_close(&format!("nn {m}×{k}×{n}"), &got, want.as_slice().expect("contiguous"));
        // C += A·Bᵀ with B stored n×k
        let bt = random(&mut rng, n * k);
        let mut want = Array2::from_shape_vec((m, n), c0.clone()).expect("shape");
        ndarray::linalg::general_mat_mul(1.0, &matrix(m, k, &a), &matrix(n, k, &bt).t(), 1.0, &mut want);
        let mut got = c0.clone();
        gemm_nt(m, k, n, &a, &bt, &mut got);
        assert_close(&format!("nt {m}×{k}×{n}"), &got, want.as_slice().expect("contiguous"));
        // C += Aᵀ·B with A stored k×m
        let at = random(&mut rng, k * m);
        let mut want = Array2::from_shape_vec((m, n), c0.clone()).expect("shape");
        ndarray::linalg::general_mat_mul(1.0, &matrix(k, m, &at).t(), &matrix(k, n, &b), 1.0, &mut want);
        let mut got = c0;
        gemm_tn(m, k, n, &at, &b, &mut got);
        assert_close(&format!("tn {m}×{k}×{n}"), &got, want.as_slice().expect("contiguous"));
    }
}

/// y[n,f,i,j] = b[f] + Σ_c Σ_u Σ_v W[f,c,u,v] · xpad[n, c, i·s + u, j·s + v], straight from the definition.
fn direct_conv(
    x: &Array4<f32>,
    w: &Array4<f32>,
    b: &[f32],
    stride: usize,
    (pt, pb, pl, pr): (usize, usize, usize, usize),
) -> Array4<f32> {
    let (n, c, h, wd) = x.dim();
    let (f, _, kh, kw) = w.dim();
    let mut padded = Array4::<f32>::zeros((n, c, h + pt + pb, wd + pl + pr));
    padded.slice_mut(s![.., .., pt..pt + h, pl..pl + wd]).assign(x);
    let oh = (h + pt + pb - kh) / stride + 1;
    let ow = (wd + pl + pr - kw) / stride + 1;
    let mut y = Array4::<f32>::zeros((n, f, oh, ow));
    for img in 0..n {
        for filter in 0..f {
            for i in 0..oh {
                for j in 0..ow {
                    let window = padded.slice(s![img, .., i * stride..i * stride + kh, j * stride..j * stride + kw]);
                    let kernel = w.slice(s![filter, .., .., ..]);
                    y[[img, filter, i, j]] = b[filter] + (&window * &kernel).sum();
                }
            }
        }
    }
    y
}

#[test]
fn conv2d_forward_matches_a_direct_convolution() {
    let mut rng = Rng::new(2);
    // (n, c, h, w, filters, kh, kw, stride, pads)
    let cases = [
        (2, 1, 28, 28, 8, 5, 5, 1, (2, 2, 2, 2)),
        (3, 8, 14, 14, 16, 5, 5, 1, (2, 2, 2, 2)),
        (2, 3, 9, 7, 4, 3, 2, 2, (0, 1, 1, 0)),
        (1, 2, 11, 13, 5, 4, 4, 3, (1, 2, 1, 2)),
    ];
    for (n, c, h, w, f, kh, kw, stride, pads) in cases {
        let x = Array4::from_shape_vec((n, c, h, w), random(&mut rng, n * c * h * w)).expect("shape");
        let weights = Array4::from_shape_vec((f, c, kh, kw), random(&mut rng, f * c * kh * kw)).expect("shape");
        let bias = random(&mut rng, f);
        let want = direct_conv(&x, &weights, &bias, stride, pads);

        let mut store = ParamStore::new();
        let mut conv = Conv2d::new(&mut store, 0, Dims::new(c, h, w), f, (kh, kw), stride, pads);
        let nw = weights.len();
        store.values[..nw].copy_from_slice(weights.as_slice().expect("contiguous"));
        store.values[nw..].copy_from_slice(&bias);
        let input = Tensor::from_vec(n, Dims::new(c, h, w), x.as_slice().expect("contiguous").to_vec());
        let mut y = Tensor::default();
        let mut seed = Rng::new(0);
        conv.forward(&store.values, &input, &mut y, &mut Ctx { mode: Mode::Eval, rng: &mut seed });
        assert_eq!(y.dims(), Dims::new(f, want.dim().2, want.dim().3));
        assert_close(
            &format!("conv {n}×{c}×{h}×{w} f{f} k{kh}×{kw} s{stride}"),
            &y.data,
            want.as_slice().expect("contiguous"),
        );
    }
}
