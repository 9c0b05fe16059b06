//! The runs that must give the same loss bits natively and in WebAssembly (used by
//! tests/determinism.rs and tests/web.rs, which compare them with tests/data/determinism.json and
//! tests/data/determinism-batchnorm.json).

use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::tensor::Dims;
use nn_playground::train::Trainer;
use nn_playground::Result;

/// Loss bits of 12 training steps and one evaluation of a small network on synthetic data (its
/// batches of 20 are split into 2 shards).
pub fn determinism_losses() -> Result<Vec<u32>> {
    let spec = ModelSpec::from_json(
        r#"{"input":[1,12,12],"classes":4,"seed":7,"batchSize":20,"epochs":6,"augment":true,"l2":0.001,
            "optimizer":{"type":"adam","lr":0.01},
            "layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same","activation":"relu"},
                      {"type":"maxpool2d","size":2},
                      {"type":"conv2d","filters":6,"kernel":3,"activation":"tanh"},
                      {"type":"avgpool2d","size":2},
                      {"type":"dense","units":16,"activation":"elu"},
                      {"type":"dropout","rate":0.25},
                      {"type":"dense","units":4,"activation":"softmax"}]}"#,
    )?;
    let mut t = Trainer::new(spec)?;
    let data = bars(48, Dims::new(1, 12, 12), 4, 11)?;
    let (train, test) = data.split(5, 40, 8)?;
    t.set_data(train, test)?;
    let mut bits = Vec::new();
    for _ in 0..12 {
        bits.push(t.train_steps(1)?.loss.to_bits());
    }
    bits.push(t.evaluate(8)?.loss.to_bits());
    Ok(bits)
}

/// Loss bits of 12 training steps and one evaluation of a network with batch norm after a
/// convolution and after a dense layer (its batches of 20 are 2 shards, each normalised by its own
/// statistics; the evaluation uses the running estimates), and the bits of those estimates.
pub fn batchnorm_losses() -> Result<Vec<u32>> {
    let spec = ModelSpec::from_json(
        r#"{"input":[1,12,12],"classes":4,"seed":8,"batchSize":20,"epochs":6,
            "optimizer":{"type":"sgd","lr":0.1,"momentum":0.9},
            "layers":[{"type":"conv2d","filters":4,"kernel":3,"padding":"same"},{"type":"batchnorm"},
                      {"type":"activation","fn":"relu"},{"type":"maxpool2d","size":2},
                      {"type":"dense","units":16},{"type":"batchnorm"},{"type":"activation","fn":"sigmoid"},
                      {"type":"dense","units":4,"activation":"softmax"}]}"#,
    )?;
    let mut t = Trainer::new(spec)?;
    let data = bars(48, Dims::new(1, 12, 12), 4, 12)?;
    let (train, test) = data.split(6, 40, 8)?;
    t.set_data(train, test)?;
    let mut bits = Vec::new();
    for _ in 0..12 {
        bits.push(t.train_steps(1)?.loss.to_bits());
    }
    bits.push(t.evaluate(8)?.loss.to_bits());
    bits.extend(t.network().state().iter().map(|v| v.to_bits()));
    Ok(bits)
}
