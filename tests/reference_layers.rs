//! Layers against reference values from an established framework.
//!
//! Produced by: scripts/reference/make_reference.py (JAX 0.10.2, float64; the versions are recorded
//! in each file's "produced_by"). Conv2d, max and average pooling, dense, and softmax cross-entropy:
//! forward outputs and every gradient, for the cases listed in tests/data/reference/*.json; batch
//! norm against torch.nn.BatchNorm1d/2d, including the running estimates.

use serde_json::Value;

use nn_playground::layers::batchnorm::BatchNorm;
use nn_playground::layers::conv2d::Conv2d;
use nn_playground::layers::dense::Dense;
use nn_playground::layers::pool::{AvgPool2d, MaxPool2d};
use nn_playground::layers::{Ctx, Layer, Mode};
use nn_playground::loss::softmax_cross_entropy;
use nn_playground::params::ParamStore;
use nn_playground::rng::Rng;
use nn_playground::tensor::{Dims, Tensor};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/reference/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("reference file exists"))
        .expect("reference JSON parses")
}

/// A reference tensor's (shape, values as f32).
fn tensor(v: &Value) -> (Vec<usize>, Vec<f32>) {
    let shape = v["shape"].as_array().expect("shape").iter().map(|d| d.as_u64().expect("dim") as usize).collect();
    let data = v["data"].as_array().expect("data").iter().map(|x| x.as_f64().expect("number") as f32).collect();
    (shape, data)
}

/// An NCHW tensor (or [n, k] as n × k×1×1).
fn batch(v: &Value) -> Tensor {
    let (shape, data) = tensor(v);
    let dims = match shape.len() {
        4 => Dims::new(shape[1], shape[2], shape[3]),
        2 => Dims::flat(shape[1]),
        _ => panic!("unexpected shape {shape:?}"),
    };
    Tensor::from_vec(shape[0], dims, data)
}

fn assert_close(what: &str, case: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{case}: {what} length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs() / w.abs().max(1.0);
        assert!(err <= tol, "{case}: {what}[{i}] = {g}, reference {w} (error {err:e})");
    }
}

/// Runs forward and backward of `layer` (whose parameters are already in `store`) and returns
/// (y, grad_x).
fn run(layer: &mut dyn Layer, store: &mut ParamStore, x: &Tensor, grad_out: &Tensor) -> (Tensor, Tensor) {
    let mut rng = Rng::new(0);
    let mut y = Tensor::default();
    layer.forward(&store.values, x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
    let mut grad_x = Tensor::default();
    store.zero_grads();
    let ParamStore { values, grads, .. } = store;
    layer.backward(values, grads, x, &y, grad_out, Some(&mut grad_x));
    (y, grad_x)
}

#[test]
fn conv2d_matches_jax() {
    let file = load("conv2d");
    let cases = file["cases"].as_array().expect("cases");
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let x = batch(&case["x"]);
        let (w_shape, w) = tensor(&case["w"]);
        let (_, b) = tensor(&case["b"]);
        let stride = case["stride"][0].as_u64().expect("stride") as usize;
        assert_eq!(case["stride"][1].as_u64(), Some(stride as u64), "square strides only");
        let p = |k: &str| case["pads"][k].as_u64().expect("pad") as usize;
        let mut store = ParamStore::new();
        let mut conv = Conv2d::new(
            &mut store,
            0,
            x.dims(),
            w_shape[0],
            (w_shape[2], w_shape[3]),
            stride,
            (p("top"), p("bottom"), p("left"), p("right")),
        );
        // Weights [filters, c, kh, kw] then bias, as the layer registered them.
        store.values[..w.len()].copy_from_slice(&w);
        store.values[w.len()..].copy_from_slice(&b);
        let grad_out = batch(&case["grad_out"]);
        let (y, grad_x) = run(&mut conv, &mut store, &x, &grad_out);
        assert_close("y", name, &y.data, &tensor(&case["y"]).1, 1e-5);
        assert_close("grad_x", name, &grad_x.data, &tensor(&case["grad_x"]).1, 1e-5);
        assert_close("grad_w", name, &store.grads[..w.len()], &tensor(&case["grad_w"]).1, 1e-5);
        assert_close("grad_b", name, &store.grads[w.len()..], &tensor(&case["grad_b"]).1, 1e-5);
    }
}

#[test]
fn pooling_matches_jax() {
    let file = load("pool");
    for case in file["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let x = batch(&case["x"]);
        let size = case["size"].as_u64().expect("size") as usize;
        let stride = case["stride"].as_u64().expect("stride") as usize;
        let mut layer: Box<dyn Layer> = match case["kind"].as_str() {
            Some("max") => Box::new(MaxPool2d::new(x.dims(), size, stride)),
            Some("avg") => Box::new(AvgPool2d::new(x.dims(), size, stride)),
            other => panic!("unknown pool kind {other:?}"),
        };
        let mut store = ParamStore::new();
        let (y, grad_x) = run(layer.as_mut(), &mut store, &x, &batch(&case["grad_out"]));
        assert_close("y", name, &y.data, &tensor(&case["y"]).1, 1e-6);
        assert_close("grad_x", name, &grad_x.data, &tensor(&case["grad_x"]).1, 1e-6);
    }
}

#[test]
fn dense_matches_jax() {
    let file = load("dense");
    for case in file["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let x = batch(&case["x"]);
        let (w_shape, w) = tensor(&case["w"]);
        let (_, b) = tensor(&case["b"]);
        let mut store = ParamStore::new();
        let mut dense = Dense::new(&mut store, 0, w_shape[1], w_shape[0]);
        store.values[..w.len()].copy_from_slice(&w);
        store.values[w.len()..].copy_from_slice(&b);
        let (y, grad_x) = run(&mut dense, &mut store, &x, &batch(&case["grad_out"]));
        assert_close("y", name, &y.data, &tensor(&case["y"]).1, 1e-5);
        assert_close("grad_x", name, &grad_x.data, &tensor(&case["grad_x"]).1, 1e-5);
        assert_close("grad_w", name, &store.grads[..w.len()], &tensor(&case["grad_w"]).1, 1e-5);
        assert_close("grad_b", name, &store.grads[w.len()..], &tensor(&case["grad_b"]).1, 1e-5);
    }
}

/// Each shard is normalised by its own statistics, and the running estimates move once per step by
/// the shards' statistics merged in order, as `Trainer` does it.
#[test]
fn batchnorm_matches_pytorch_in_training_and_evaluation() {
    let file = load("batchnorm");
    let cases = file["cases"].as_array().expect("cases");
    assert!(cases.len() >= 6);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let x = batch(&case["x"]);
        let grad_out = batch(&case["grad_out"]);
        let dims = x.dims();
        let mode = if case["mode"] == "train" { Mode::Train } else { Mode::Eval };
        let mut store = ParamStore::new();
        let mut bn = BatchNorm::new(&mut store, 0, dims);
        let (_, gamma) = tensor(&case["gamma"]);
        let (_, beta) = tensor(&case["beta"]);
        store.values[bn.scale().range()].copy_from_slice(&gamma);
        store.values[bn.shift().range()].copy_from_slice(&beta);
        let running: Vec<f32> = [tensor(&case["running_mean"]).1, tensor(&case["running_var"]).1].concat();
        bn.set_state(&running).expect("the reference's running estimates are usable");
        store.zero_grads();
        let (mut y, mut grad_x) = (Vec::new(), Vec::new());
        let mut merged = vec![0.0f64; 2 * dims.c];
        let mut start = 0;
        for rows in case["shards"].as_array().expect("shards").iter().map(|r| r.as_u64().expect("rows") as usize) {
            let part = |t: &Tensor| {
                Tensor::from_vec(rows, dims, t.data[start * dims.len()..(start + rows) * dims.len()].to_vec())
            };
            let (xs, gs) = (part(&x), part(&grad_out));
            let mut ys = Tensor::default();
            let mut rng = Rng::new(0);
            bn.forward(&store.values, &xs, &mut ys, &mut Ctx { mode, rng: &mut rng });
            let mut gx = Tensor::default();
            let ParamStore { values, grads, .. } = &mut store;
            bn.backward(values, grads, &xs, &ys, &gs, Some(&mut gx));
            bn.merge_batch_stats(&mut merged, start, bn.batch_stats(), rows);
            y.extend_from_slice(&ys.data);
            grad_x.extend_from_slice(&gx.data);
            start += rows;
        }
        if mode == Mode::Train {
            bn.update_running(&merged, start);
        }
        assert_close("y", name, &y, &tensor(&case["y"]).1, 2e-5);
        assert_close("grad_x", name, &grad_x, &tensor(&case["grad_x"]).1, 2e-5);
        assert_close("grad_gamma", name, &store.grads[bn.scale().range()], &tensor(&case["grad_gamma"]).1, 2e-5);
        assert_close("grad_beta", name, &store.grads[bn.shift().range()], &tensor(&case["grad_beta"]).1, 1e-6);
        assert_close("running_mean", name, bn.running_mean(), &tensor(&case["running_mean_after"]).1, 1e-6);
        assert_close("running_var", name, bn.running_var(), &tensor(&case["running_var_after"]).1, 1e-6);
    }
}

#[test]
fn softmax_cross_entropy_matches_jax_including_logits_of_100() {
    let file = load("loss");
    for case in file["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let logits = batch(&case["logits"]);
        let labels: Vec<u8> =
            case["labels"].as_array().expect("labels").iter().map(|l| l.as_u64().expect("label") as u8).collect();
        let mut grad = Tensor::default();
        let (loss, _) = softmax_cross_entropy(&logits, &labels, &mut grad);
        let want = case["loss"].as_f64().expect("loss") as f32;
        assert!(loss.is_finite() && grad.data.iter().all(|g| g.is_finite()), "{name}: not finite");
        assert!((loss - want).abs() <= 1e-5 * want.abs().max(1.0), "{name}: loss {loss}, reference {want}");
        // Gradients as small as 1e-88 occur: compare absolutely.
        for (g, w) in grad.data.iter().zip(tensor(&case["grad_logits"]).1) {
            assert!((g - w).abs() <= 1e-6, "{name}: grad {g}, reference {w}");
        }
    }
}
