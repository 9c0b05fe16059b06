//! One step in slow motion: the trace of one image leaves the run as it was, its gradients are
//! those of a step on that image alone, and the traced update of a weight is the optimizer's own.

use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::tensor::Dims;
use nn_playground::train::Trainer;
use nn_playground::Result;

fn trainer(optimizer: &str) -> Result<Trainer> {
    let spec = format!(
        r#"{{"input":[1,8,8],"classes":3,"seed":4,"batchSize":4,"epochs":2,"l2":0.01,"optimizer":{optimizer},
            "layers":[{{"type":"conv2d","filters":2,"kernel":3,"activation":"relu"}},
                      {{"type":"maxpool2d","size":2}},
                      {{"type":"dense","units":3,"activation":"softmax"}}]}}"#
    );
    let mut t = Trainer::new(ModelSpec::from_json(&spec)?)?;
    let data = bars(40, Dims::new(1, 8, 8), 3, 2)?;
    let (train, test) = data.split(1, 30, 10)?;
    t.set_data(train, test)?;
    t.train_steps(3)?;
    Ok(t)
}

#[test]
fn a_trace_leaves_the_run_as_it_was() -> Result<()> {
    let mut a = trainer(r#"{"type":"adam","lr":0.01}"#)?;
    let mut b = trainer(r#"{"type":"adam","lr":0.01}"#)?;
    let image = vec![0.5; 64];
    let trace = a.trace_step(&image, 2)?;
    assert_eq!(trace.layers.len(), 1 + 5, "input, conv, relu, pool, flatten (implicit), dense");
    assert!(trace.loss > 0.0 && (trace.loss + trace.probabilities[2].ln()).abs() < 1e-5);
    a.trace_update(0, trace.param_gradients[0])?;
    for _ in 0..4 {
        assert_eq!(a.train_steps(1)?.loss.to_bits(), b.train_steps(1)?.loss.to_bits());
    }
    Ok(())
}

#[test]
fn the_traced_update_is_the_optimizers_own() -> Result<()> {
    for optimizer in [
        r#"{"type":"sgd","lr":0.1,"momentum":0.9}"#,
        r#"{"type":"adam","lr":0.01}"#,
        r#"{"type":"rmsprop","lr":0.01,"momentum":0.5}"#,
        r#"{"type":"adagrad","lr":0.1}"#,
        r#"{"type":"adadelta","lr":1}"#,
    ] {
        let mut t = trainer(optimizer)?;
        let trace = t.trace_step(&[0.25; 64], 1)?;
        let n = t.network().store.len();
        // Every weight and bias, updated by the real optimizer with the traced gradients.
        let mut net = t.network().store.clone();
        net.grads.copy_from_slice(&trace.param_gradients);
        let mut opt = t.optimizer().clone();
        let lr = t.trace_update(0, 0.0)?.lr;
        opt.step(&mut net, lr, t.spec().l2);
        for index in [0, 7, n - 1] {
            let u = t.trace_update(index, trace.param_gradients[index])?;
            assert_eq!(u.theta_after.to_bits(), net.values[index].to_bits(), "{optimizer} value {index}");
            assert_eq!(u.step, t.optimizer().steps() + 1);
            assert_eq!(u.before.len(), u.state_names.len());
        }
    }
    Ok(())
}
