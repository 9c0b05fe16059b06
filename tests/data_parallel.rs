//! Workers that share a batch's shards get the same bits as one trainer alone: each worker begins
//! the same step, computes its own shards, and every worker adds all the shards' outputs (their
//! gradients and, with batch norm, their batch statistics) in shard order (as the browser's workers
//! do through shared memory).

use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::shards::{shard_count, shards_of_worker};
use nn_playground::tensor::Dims;
use nn_playground::train::{ShardResult, Trainer};
use nn_playground::Result;

/// Conv, pooling, dropout and augmentation (every random stream), Adam, L2 and clipping; batches
/// of 50 are 6 shards, and the last batch of an epoch (30) is 2.
const SPEC: &str = r#"{"input":[1,12,12],"classes":4,"seed":3,"batchSize":50,"epochs":3,"augment":true,
    "l2":0.001,"clipNorm":5,"optimizer":{"type":"adam","lr":0.01},
    "layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same","activation":"relu"},
              {"type":"maxpool2d","size":2},
              {"type":"dense","units":16,"activation":"tanh"},
              {"type":"dropout","rate":0.3},
              {"type":"dense","units":4,"activation":"softmax"}]}"#;

/// Batch norm after a convolution and after a dense layer: each shard normalises with its own
/// statistics, and the running estimates come from all of them.
const BATCHNORM_SPEC: &str = r#"{"input":[1,12,12],"classes":4,"seed":4,"batchSize":50,"epochs":3,
    "optimizer":{"type":"sgd","lr":0.05,"momentum":0.9},
    "layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same"},
              {"type":"batchnorm"},{"type":"activation","fn":"relu"},
              {"type":"maxpool2d","size":2},
              {"type":"dense","units":16},{"type":"batchnorm"},{"type":"activation","fn":"tanh"},
              {"type":"dense","units":4,"activation":"softmax"}]}"#;

fn trainer() -> Result<Trainer> {
    trainer_of(SPEC)
}

fn trainer_of(spec: &str) -> Result<Trainer> {
    let mut t = Trainer::new(ModelSpec::from_json(spec)?)?;
    let data = bars(200, Dims::new(1, 12, 12), 4, 5)?;
    let (train, test) = data.split(9, 130, 70)?;
    t.set_data(train, test)?;
    Ok(t)
}

/// One step on `workers`: each computes its shards; then each adds every shard in order.
fn parallel_step(workers: &mut [Trainer]) -> Result<f32> {
    let shards = workers.iter_mut().map(|w| w.begin_step()).collect::<Result<Vec<_>>>()?;
    let shards = shards[0];
    let k = workers.len();
    let mut slots: Vec<Option<(Vec<f32>, ShardResult)>> = vec![None; shards];
    for (w, worker) in workers.iter_mut().enumerate() {
        for s in shards_of_worker(shards, k, w) {
            let part = worker.compute_shard(s)?;
            slots[s] = Some((worker.shard_output().to_vec(), part));
        }
    }
    let mut losses = Vec::new();
    for worker in workers.iter_mut() {
        for (s, slot) in slots.iter().enumerate() {
            let (grads, part) = slot.as_ref().expect("every shard was computed");
            worker.shard_output_mut().copy_from_slice(grads);
            worker.add_shard(s, *part)?;
        }
        losses.push(worker.finish_step()?.0);
    }
    assert!(losses.iter().all(|l| l.to_bits() == losses[0].to_bits()), "workers disagree: {losses:?}");
    Ok(losses[0])
}

#[test]
fn one_two_three_and_eight_workers_give_the_same_bits() -> Result<()> {
    same_bits_on_any_number_of_workers(SPEC)
}

#[test]
fn with_batch_norm_too_including_the_running_statistics() -> Result<()> {
    same_bits_on_any_number_of_workers(BATCHNORM_SPEC)
}

fn same_bits_on_any_number_of_workers(spec: &str) -> Result<()> {
    let trainer = || trainer_of(spec);
    let mut alone = trainer()?;
    let expected: Vec<u32> = (0..7).map(|_| alone.step().map(|(l, ..)| l.to_bits())).collect::<Result<_>>()?;
    assert_eq!(shard_count(50), 6);
    for k in [1, 2, 3, 8] {
        let mut workers = (0..k).map(|_| trainer()).collect::<Result<Vec<_>>>()?;
        let got: Vec<u32> = (0..7).map(|_| parallel_step(&mut workers).map(f32::to_bits)).collect::<Result<_>>()?;
        assert_eq!(got, expected, "{k} workers");
        for w in &mut workers {
            let same = w
                .network()
                .store
                .values
                .iter()
                .zip(&alone.network().store.values)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{k} workers end with other weights");
            let state = w.network().state();
            let same = state.iter().zip(&alone.network().state()).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{k} workers end with other running statistics");
            assert_eq!(w.evaluate(70)?.loss.to_bits(), alone.evaluate(70)?.loss.to_bits(), "{k} workers");
        }
    }
    Ok(())
}

#[test]
fn shards_must_come_in_order_and_all_of_them() -> Result<()> {
    let mut t = trainer()?;
    let shards = t.begin_step()?;
    let part = t.compute_shard(1)?;
    assert!(t.add_shard(1, part).is_err(), "shard 1 before shard 0");
    let part = t.compute_shard(0)?;
    t.add_shard(0, part)?;
    assert!(shards > 1 && t.finish_step().is_err(), "a step with shards missing");
    assert!(t.compute_shard(shards).is_err());
    Ok(())
}
