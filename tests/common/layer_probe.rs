//! One layer of a network at a time, for tools that time each layer alone: the network of a spec,
//! one batch of synthetic digits, every activation and gradient of that batch kept, and a layer's
//! forward or backward pass run on its own (`Network::layers_and_store_mut`). Used by the browser
//! micro-benchmarks (`tests/web_speed.rs`) and the benchmark's probe module (`examples/bench_probe.rs`).

// Each crate that includes this file uses part of it.
#![allow(dead_code)]

use nn_playground::data::dataset::Dataset;
use nn_playground::layers::{Ctx, Mode};
use nn_playground::model::network::Network;
use nn_playground::model::spec::ModelSpec;
use nn_playground::model::validate::{validate, Plan};
use nn_playground::rng::Rng;
use nn_playground::tensor::{Dims, Tensor};

/// `n` images of `input`'s shape: about 80% zero pixels like the digits, the rest random; random labels.
pub fn synthetic(n: usize, input: Dims, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let images = (0..n * input.len()).map(|_| if rng.below(5) == 0 { 1 + rng.below(255) as u8 } else { 0 }).collect();
    let labels = (0..n).map(|_| rng.below(10) as u8).collect();
    Dataset::from_parts(images, labels, input, 10).expect("synthetic data fits")
}

pub struct LayerProbe {
    net: Network,
    /// `acts[0]` is the batch, `acts[i + 1]` the output of layer `i`.
    acts: Vec<Tensor>,
    /// `grads[i + 1]` the gradient that layer `i`'s backward pass receives; `grads[i]` the one it writes.
    grads: Vec<Tensor>,
    rng: Rng,
}

impl LayerProbe {
    /// The network of `spec` at its batch size, after one full forward and backward pass, so that
    /// every tensor has its shape and timing a layer times its work only.
    pub fn new(spec: &ModelSpec) -> Result<LayerProbe, String> {
        let plan = validate(spec).map_err(|e| e.to_string())?;
        let net = Network::build(&plan, &mut Rng::new(5));
        let n = plan.layers.len() + 1;
        let mut probe = LayerProbe {
            net,
            acts: (0..n).map(|_| Tensor::default()).collect(),
            grads: (0..n).map(|_| Tensor::default()).collect(),
            rng: Rng::new(1),
        };
        let data = synthetic(spec.batch_size, plan.input, 21);
        let indices: Vec<usize> = (0..spec.batch_size).collect();
        data.fill_batch(&indices, &mut probe.acts[0], &mut Vec::new(), None).map_err(|e| e.to_string())?;
        for i in 0..n - 1 {
            probe.forward(i);
        }
        probe.grads[n - 1] = probe.acts[n - 1].clone();
        for i in (0..n - 1).rev() {
            probe.backward(i);
        }
        Ok(probe)
    }

    pub fn plan(&self) -> &Plan {
        &self.net.plan
    }

    pub fn len(&self) -> usize {
        self.acts.len() - 1
    }

    /// Layer `i`'s forward pass on the kept batch.
    pub fn forward(&mut self, i: usize) {
        let (layers, store) = self.net.layers_and_store_mut();
        let (done, rest) = self.acts.split_at_mut(i + 1);
        layers[i].forward(&store.values, &done[i], &mut rest[0], &mut Ctx { mode: Mode::Train, rng: &mut self.rng });
    }

    /// Layer `i`'s backward pass; the first layer computes no input gradient, as in training.
    pub fn backward(&mut self, i: usize) {
        let (layers, store) = self.net.layers_and_store_mut();
        let (lower, upper) = self.grads.split_at_mut(i + 1);
        let grad_x = if i > 0 { Some(&mut lower[i]) } else { None };
        layers[i].backward(&store.values, &mut store.grads, &self.acts[i], &self.acts[i + 1], &upper[0], grad_x);
    }
}
