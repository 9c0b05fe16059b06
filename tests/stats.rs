//! Per-layer statistics leave training as it was: with them taken at every step, or every third,
//! the losses and the weights are the same bits as without; they are the same on any number of
//! workers sharing the shards; and they say what they should on networks built to show it.

use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::shards::shards_of_worker;
use nn_playground::stats::StepStats;
use nn_playground::tensor::Dims;
use nn_playground::train::{ShardResult, Trainer};
use nn_playground::Result;

/// Conv, pooling, dropout, augmentation, ReLU and leaky ReLU, Adam, L2 and clipping; batches of
/// 50 are 6 shards.
const SPEC: &str = r#"{"input":[1,12,12],"classes":4,"seed":3,"batchSize":50,"epochs":3,"augment":true,
    "l2":0.001,"clipNorm":5,"optimizer":{"type":"adam","lr":0.01},
    "layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same","activation":"relu"},
              {"type":"maxpool2d","size":2},
              {"type":"dense","units":16,"activation":"leaky_relu"},
              {"type":"dropout","rate":0.3},
              {"type":"dense","units":4,"activation":"softmax"}]}"#;

fn trainer(spec: &str) -> Result<Trainer> {
    let mut t = Trainer::new(ModelSpec::from_json(spec)?)?;
    let data = bars(200, Dims::new(1, 12, 12), 4, 5)?;
    let (train, test) = data.split(9, 130, 70)?;
    t.set_data(train, test)?;
    Ok(t)
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn statistics_change_no_loss_and_no_weight() -> Result<()> {
    let mut off = trainer(SPEC)?;
    let losses: Vec<u32> = (0..8).map(|_| off.step().map(|(l, ..)| l.to_bits())).collect::<Result<_>>()?;
    for every in [1, 3] {
        let mut on = trainer(SPEC)?;
        on.set_stats_every(every);
        let got: Vec<u32> = (0..8).map(|_| on.step().map(|(l, ..)| l.to_bits())).collect::<Result<_>>()?;
        assert_eq!(got, losses, "statistics every {every} steps");
        assert_eq!(bits(&on.network().store.values), bits(&off.network().store.values));
        assert_eq!(on.streams(), off.streams());
        let taken = on.take_stats();
        let steps: Vec<u64> = taken.iter().map(|s| s.step).collect();
        assert_eq!(steps, (1..=8).filter(|s| s % every == 0).collect::<Vec<_>>());
        assert!(on.take_stats().is_empty(), "taken once");
    }
    Ok(())
}

#[test]
fn statistics_describe_each_layer_with_parameters() -> Result<()> {
    let mut t = trainer(SPEC)?;
    t.set_stats_every(2);
    let mut losses = Vec::new();
    for _ in 0..2 {
        losses.push(t.step()?.0);
    }
    let [s] = t.take_stats().try_into().expect("one step with statistics");
    assert_eq!(s.step, 2);
    assert_eq!(s.loss, ((f64::from(losses[0]) + f64::from(losses[1])) / 2.0) as f32, "mean of the two steps");
    let labels: Vec<&str> = s.layers.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["1 conv2d", "3 dense", "5 dense"]);
    assert_eq!(s.layers.iter().map(|l| l.layer).collect::<Vec<_>>(), [0, 2, 4]);
    for l in &s.layers {
        assert!(l.grad_norm > 0.0 && l.grad_norm.is_finite(), "{l:?}");
        assert!(l.update_ratio > 0.0 && l.update_ratio < 1.0, "{l:?}");
        assert!(l.weights.windows(2).all(|w| w[0] <= w[1]), "{l:?}");
        assert!(l.activations.windows(2).all(|w| w[0] <= w[1]), "{l:?}");
    }
    // ReLU outputs are ≥ 0; leaky ReLU's may be negative; the last layer has no ReLU.
    assert!(s.layers[0].activations[0] >= 0.0 && s.layers[0].dead.is_some());
    assert!(s.layers[1].dead.is_some());
    assert_eq!(s.layers[2].dead, None);
    Ok(())
}

/// One step on `workers` sharing the shards, as tests/data_parallel.rs: each computes its own,
/// then every worker adds them all in order; only the first takes statistics (as the page's leader).
fn parallel_step(workers: &mut [Trainer]) -> Result<()> {
    let shards = workers.iter_mut().map(|w| w.begin_step()).collect::<Result<Vec<_>>>()?[0];
    let k = workers.len();
    let mut slots: Vec<Option<(Vec<f32>, ShardResult)>> = vec![None; shards];
    for (w, worker) in workers.iter_mut().enumerate() {
        for s in shards_of_worker(shards, k, w) {
            let part = worker.compute_shard(s)?;
            slots[s] = Some((worker.network().store.grads.clone(), part));
        }
    }
    for worker in workers.iter_mut() {
        for (s, slot) in slots.iter().enumerate() {
            let (grads, part) = slot.as_ref().expect("every shard was computed");
            worker.network_mut().store.grads.copy_from_slice(grads);
            worker.add_shard(s, *part)?;
        }
        worker.finish_step()?;
    }
    Ok(())
}

fn stats_bits(all: &[StepStats]) -> Vec<u32> {
    let mut out = Vec::new();
    for s in all {
        out.push(s.loss.to_bits());
        for l in &s.layers {
            out.extend([l.grad_norm.to_bits(), l.update_ratio.to_bits(), l.dead.unwrap_or(-1.0).to_bits()]);
            out.extend(bits(&l.weights));
            out.extend(bits(&l.activations));
        }
    }
    out
}

#[test]
fn statistics_are_the_same_bits_on_any_number_of_workers() -> Result<()> {
    let mut alone = trainer(SPEC)?;
    alone.set_stats_every(2);
    for _ in 0..6 {
        alone.step()?;
    }
    let expected = stats_bits(&alone.take_stats());
    for k in [2, 3] {
        let mut workers = (0..k).map(|_| trainer(SPEC)).collect::<Result<Vec<_>>>()?;
        workers[0].set_stats_every(2);
        for _ in 0..6 {
            parallel_step(&mut workers)?;
        }
        assert_eq!(stats_bits(&workers[0].take_stats()), expected, "{k} workers");
    }
    Ok(())
}

#[test]
fn a_deep_sigmoid_network_starves_its_first_layer() -> Result<()> {
    let hidden = r#"{"type":"dense","units":32,"activation":"sigmoid"}"#;
    let spec = format!(
        r#"{{"input":[1,12,12],"classes":4,"seed":1,"batchSize":20,"optimizer":{{"type":"sgd","lr":0.01}},
            "layers":[{h},{h},{h},{h},{h},{h},{h},{{"type":"dense","units":4,"activation":"softmax"}}]}}"#,
        h = hidden
    );
    let mut t = trainer(&spec)?;
    t.set_stats_every(1);
    t.step()?;
    let s = &t.take_stats()[0];
    let (first, last) = (s.layers[0].grad_norm, s.layers[s.layers.len() - 1].grad_norm);
    assert!(first < last / 100.0, "first {first}, last {last}");
    assert!(s.layers.iter().all(|l| l.dead.is_none()));
    Ok(())
}

#[test]
fn a_huge_learning_rate_kills_relus() -> Result<()> {
    let spec = r#"{"input":[1,12,12],"classes":4,"seed":1,"batchSize":20,"optimizer":{"type":"sgd","lr":10},
        "layers":[{"type":"dense","units":32,"activation":"relu"},{"type":"dense","units":4,"activation":"softmax"}]}"#;
    let mut t = trainer(spec)?;
    t.set_stats_every(1);
    for _ in 0..5 {
        t.step()?;
    }
    let last = t.take_stats().pop().expect("statistics");
    let dead = last.layers[0].dead.expect("a ReLU layer");
    assert!(dead > 0.5, "{dead}");
    Ok(())
}
