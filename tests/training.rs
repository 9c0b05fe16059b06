//! Training on the real MNIST digits: the standard workloads learn, and a seed fixes the run.
mod common;

use common::{mnist_split, workload};
use nn_playground::train::Trainer;
use nn_playground::Result;

fn trainer(name: &str, epochs: usize) -> Result<Trainer> {
    let mut spec = workload(name);
    spec.epochs = epochs;
    let mut t = Trainer::new(spec)?;
    let (train, test) = mnist_split(1234);
    t.set_data(train, test)?;
    Ok(t)
}

/// Trains epoch by epoch and returns the test accuracy after each.
fn accuracies(t: &mut Trainer, epochs: usize) -> Result<Vec<f32>> {
    let per_epoch = t.steps_per_epoch();
    let mut out = Vec::new();
    for _ in 0..epochs {
        let report = t.train_steps(per_epoch)?;
        assert!(!report.non_finite, "the loss became non-finite: {report:?}");
        out.push(t.evaluate(usize::MAX)?.accuracy);
    }
    Ok(out)
}

#[test]
fn convnetjs_mnist_reaches_91_then_95_percent() -> Result<()> {
    let mut t = trainer("convnetjs-mnist", 3)?;
    let acc = accuracies(&mut t, 3)?;
    println!("convnetjs-mnist test accuracy after epochs 1..3: {acc:?}");
    assert!(acc[0] >= 0.91, "after one epoch: {}", acc[0]);
    assert!(acc[2] >= 0.95, "after three epochs: {}", acc[2]);
    assert!(t.train_steps(1)?.done);
    Ok(())
}

#[test]
fn mlp_learns_in_one_epoch() -> Result<()> {
    let mut t = trainer("mlp", 1)?;
    let acc = accuracies(&mut t, 1)?;
    println!("mlp test accuracy after one epoch: {acc:?}");
    assert!(acc[0] >= 0.88, "after one epoch: {}", acc[0]);
    Ok(())
}

#[test]
fn same_seed_gives_the_same_loss_curve() -> Result<()> {
    let curve = || -> Result<Vec<u32>> {
        let mut spec = workload("lenet-ish");
        spec.augment = true; // dropout and augmentation both draw from the seed
        let mut t = Trainer::new(spec)?;
        let (train, test) = mnist_split(0);
        t.set_data(train, test)?;
        (0..8).map(|_| Ok(t.train_steps(1)?.loss.to_bits())).collect()
    };
    let (a, b) = (curve()?, curve()?);
    assert_eq!(a, b);
    let mut other = workload("lenet-ish");
    other.seed = 99;
    let mut t = Trainer::new(other)?;
    let (train, test) = mnist_split(0);
    t.set_data(train, test)?;
    assert_ne!(t.train_steps(1)?.loss.to_bits(), a[0], "a different seed should give a different run");
    Ok(())
}

#[test]
fn save_and_load_round_trip_exactly() -> Result<()> {
    let mut t = trainer("convnetjs-mnist", 1)?;
    t.train_steps(20)?;
    let bytes = nn_playground::save::save(&t);
    let mut back = nn_playground::save::load(&bytes)?;
    assert_eq!(back.network().store.values, t.network().store.values);
    assert_eq!(back.optimizer().state_buffers(), t.optimizer().state_buffers());
    assert_eq!(back.steps(), 20);
    // Training on from both gives the same next step.
    let (train, test) = mnist_split(1234);
    back.set_data(train, test)?;
    let mut fresh = trainer("convnetjs-mnist", 1)?;
    fresh.train_steps(20)?;
    assert_eq!(nn_playground::save::save(&fresh), bytes, "saving is deterministic");
    let image = back.test_data().map(|d| d.image_f32(0)).transpose()?.unwrap_or_default();
    assert_eq!(back.predict(&image)?, t.predict(&image)?);
    // Corrupt files are rejected with a message.
    let err = nn_playground::save::load(&bytes[..bytes.len() - 3]).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("truncated"), "{err}");
    let err = nn_playground::save::load(b"GIF89a").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("not a saved nn-playground model"), "{err}");
    Ok(())
}

#[test]
fn a_loaded_model_trains_on_exactly_as_the_saved_run_would_have() -> Result<()> {
    // Dropout, augmentation and a reshuffle every epoch: every random stream is in play, and the
    // 40 steps cross an epoch boundary of the 500 training images at batch 16 (32 steps an epoch).
    let spec = || {
        let mut spec = workload("lenet-ish");
        spec.augment = true;
        spec.batch_size = 16;
        spec
    };
    let data = || -> Result<_> {
        let (train, test) = mnist_split(7);
        Ok((train.split(3, 500, 1)?.0, test))
    };
    let straight = {
        let mut t = Trainer::new(spec())?;
        let (train, test) = data()?;
        t.set_data(train, test)?;
        (0..40).map(|_| Ok(t.train_steps(1)?.loss.to_bits())).collect::<Result<Vec<u32>>>()?
    };
    let mut first = Trainer::new(spec())?;
    let (train, test) = data()?;
    first.set_data(train, test)?;
    for _ in 0..25 {
        first.train_steps(1)?;
    }
    let mut resumed = nn_playground::save::load(&nn_playground::save::save(&first))?;
    let (train, test) = data()?;
    resumed.set_data(train, test)?;
    let rest = (25..40).map(|_| Ok(resumed.train_steps(1)?.loss.to_bits())).collect::<Result<Vec<u32>>>()?;
    assert_eq!(rest, straight[25..], "the resumed run's losses are the saved run's, bit for bit");
    Ok(())
}

/// Prints the accuracy table of README.md ("What the workloads reach"); slow, so run by hand:
/// `cargo test --release --test training -- --ignored --nocapture`.
#[test]
#[ignore = "prints the README table; takes a few minutes"]
fn workload_accuracy_table() -> Result<()> {
    println!("| workload | after 1 epoch | after 3 epochs |");
    for name in ["mlp", "convnetjs-mnist", "lenet-ish"] {
        let mut t = trainer(name, 3)?;
        let acc = accuracies(&mut t, 3)?;
        println!("| {name} | {:.1}% | {:.1}% |", acc[0] * 100.0, acc[2] * 100.0);
    }
    Ok(())
}

/// A curve point split across calls (the page's chunks end anywhere) joins the calls' sums into the
/// same mean, to the bit, as one call over all its steps.
#[test]
fn report_sums_join_into_the_same_mean_as_one_call() -> Result<()> {
    let mut whole = trainer("mlp", 1)?;
    let one = whole.train_steps(10)?;
    let mut split = trainer("mlp", 1)?;
    let parts = [split.train_steps(3)?, split.train_steps(5)?, split.train_steps(2)?];
    let loss_sum: f64 = parts.iter().map(|p| p.loss_sum).sum();
    let batches: u64 = parts.iter().map(|p| p.batches).sum();
    let (correct, seen): (u64, u64) = parts.iter().fold((0, 0), |(c, s), p| (c + p.correct, s + p.seen));
    assert_eq!(((loss_sum / batches as f64) as f32).to_bits(), one.loss.to_bits());
    assert_eq!((correct as f32 / seen as f32).to_bits(), one.accuracy.to_bits());
    Ok(())
}
