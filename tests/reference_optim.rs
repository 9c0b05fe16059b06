//! Optimizer steps against reference trajectories from an independent implementation (JAX,
//! float64, PyTorch's update rules, cross-checked with optax): tests/data/reference/optimizers.json.

use nn_playground::model::spec::OptimizerSpec;
use nn_playground::optim::Optimizer;
use nn_playground::params::ParamStore;
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    produced_by: serde_json::Value,
    params: Vec<ParamLayout>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct ParamLayout {
    name: String,
    shape: Vec<usize>,
    decay: bool,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    optimizer: OptimizerSpec,
    l2: f32,
    lr: Vec<f32>,
    initial: Vec<f32>,
    grads: Vec<Vec<f32>>,
    expected: Vec<Vec<f64>>,
}

/// Relative tolerance between the f32 engine and the f64 reference (the reference keeps every θ
/// at |θ| > 0.5, so a relative check is meaningful for every value).
const REL_TOL: f64 = 1e-6;

fn load() -> Result<File, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference/optimizers.json");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

/// Produced by: scripts/reference/make_reference.py (JAX 0.10.2, jaxlib 0.10.2, optax 0.2.8,
/// float64). For each case: five steps of SGD (plain, momentum 0.9, Nesterov), Adam, AdamW (wd
/// 0.01), RMSprop (with and without momentum), Adagrad (PyTorch's defaults, and with lr_decay and
/// an initial accumulator), Adadelta (PyTorch's defaults, and ρ 0.5, ε 1e-3), with coupled L2 0.01
/// except plain AdamW, plus varying-lr, large-ε (where ε's placement shows) and AdamW+L2 cases;
/// Adagrad and Adadelta are also checked against torch.optim in float64. On params w1 [2,3] (decay),
/// b1 [2] (no decay), w2 [2] (decay). The recorded gradient of each step is fed in, and θ after
/// every step must match (largest relative error seen: ~2e-7).
#[test]
fn optimizers_match_reference_trajectories() -> Result<(), String> {
    let file = load()?;
    let mut store = ParamStore::new();
    for p in &file.params {
        store.add(p.name.clone(), 0, p.shape.clone(), p.decay);
    }
    assert!(file.cases.len() >= 7, "expected at least the 7 required cases");
    for kind in ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta"] {
        assert!(file.cases.iter().any(|c| c.optimizer.name() == kind), "no {kind} case in the reference");
    }
    let mut failures = Vec::new();
    for case in &file.cases {
        let steps = case.expected.len();
        if case.initial.len() != store.len() || case.grads.len() != steps || case.lr.len() != steps {
            return Err(format!("case {}: sizes do not fit the param layout", case.name));
        }
        store.values.copy_from_slice(&case.initial);
        let mut opt = Optimizer::new(&case.optimizer, store.len());
        for (t, ((grads, want), &lr)) in case.grads.iter().zip(&case.expected).zip(&case.lr).enumerate() {
            if grads.len() != store.len() || want.len() != store.len() {
                return Err(format!("case {} step {}: wrong vector length", case.name, t + 1));
            }
            store.grads.copy_from_slice(grads);
            opt.step(&mut store, lr, case.l2);
            assert_eq!(&store.grads, grads, "the optimizer must not change the gradients");
            for (i, (&got, &want)) in store.values.iter().zip(want).enumerate() {
                let rel = (f64::from(got) - want).abs() / want.abs();
                if rel > REL_TOL {
                    failures.push(format!(
                        "{} step {} θ[{i}]: got {got}, want {want} (relative error {rel:.2e})",
                        case.name,
                        t + 1
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches against the reference ({}):\n{}",
        failures.len(),
        file.produced_by,
        failures.join("\n")
    );
    Ok(())
}

/// The reference's relative check is only meaningful if the optimizers actually move θ by much
/// more than the tolerance; this guards against a reference that accidentally tests nothing.
#[test]
fn reference_steps_are_large_compared_to_the_tolerance() -> Result<(), String> {
    let file = load()?;
    for case in &file.cases {
        let first = &case.expected[0];
        let moved = first
            .iter()
            .zip(&case.initial)
            .map(|(&a, &b)| ((a - f64::from(b)) / a).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(moved > 100.0 * REL_TOL, "case {}: a step moves some θ by only {moved:e}", case.name);
    }
    Ok(())
}
