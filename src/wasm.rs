//! The only file that knows about the browser: a thin `Engine` handle over `Trainer`, exported to
//! JavaScript. Every fallible call returns `Result<_, JsValue>` whose error is a JS `Error` with the
//! engine's message, its kind as `code`, and for a spec its `problems` as plain objects (see
//! `error.rs`); nothing here panics on data from outside.

use js_sys::{Array, Float32Array, Object, Reflect, Uint32Array, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::data::dataset::Dataset;
use crate::error::{Error, Problem};
use crate::model::spec::ModelSpec;
use crate::model::validate::check;
use crate::save;
use crate::train::{ShardResult, Trainer};

#[wasm_bindgen(start)]
fn start() {
    // Panics are bugs; this makes one readable in the console while the worker recreates the engine.
    console_error_panic_hook::set_once();
}

/// The engine's version string.
#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    crate::VERSION.to_string()
}

/// Whether this module was compiled with SIMD128 instructions.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    crate::SIMD128
}

/// An `Error` whose `code` says the kind ("spec", "data", "format", "usage") and, for a spec, whose
/// `problems` say where each one belongs.
fn js_err(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    set(&err, "code", &JsValue::from_str(e.kind()));
    if let Error::Spec(problems) = &e {
        if let Ok(list) = to_js(problems) {
            set(&err, "problems", &list);
        }
    }
    err.into()
}

fn internal_err(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// Plain objects with camelCase keys and `Map`s as objects, which is what the page expects.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| internal_err(&format!("internal: could not convert a result for JavaScript: {e}")))
}

fn spec_from_js(spec: JsValue) -> Result<ModelSpec, JsValue> {
    // Through JSON text, so that error messages read the same as for a pasted spec.
    let json = js_sys::JSON::stringify(&spec).map_err(|_| {
        js_err(
            Problem::new(
                "unreadable_spec",
                None,
                "model spec: it is not a plain object that can be written as JSON",
                None,
            )
            .into(),
        )
    })?;
    let json: String = json.into();
    ModelSpec::from_json(&json).map_err(js_err)
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Checks a spec without building it: { summary, problems }, the summary (shapes, parameters,
/// FLOPs, memory) whenever the layers fit together, and every problem found. Throws only for a spec
/// that cannot be read at all.
#[wasm_bindgen(js_name = validateSpec)]
pub fn validate_spec(spec: JsValue) -> Result<JsValue, JsValue> {
    let spec = spec_from_js(spec)?;
    to_js(&check(&spec))
}

/// What an IDX file holds ({ kind, count, rows, cols, maxLabel, headerBytes }), read by the engine's
/// parser; an error names the file.
#[wasm_bindgen(js_name = idxInfo)]
pub fn idx_info(bytes: &[u8], name: &str) -> Result<JsValue, JsValue> {
    let info = crate::data::idx::read_info(bytes).map_err(|e| js_err(prefix(name, e)))?;
    to_js(&info)
}

/// A model being trained: the network, its optimizer and its data.
#[wasm_bindgen]
pub struct Engine {
    trainer: Trainer,
}

#[wasm_bindgen]
impl Engine {
    /// Validates the spec and builds the network with weights drawn from its seed.
    #[wasm_bindgen(constructor)]
    pub fn new(spec: JsValue) -> Result<Engine, JsValue> {
        let spec = spec_from_js(spec)?;
        Ok(Engine { trainer: Trainer::new(spec).map_err(js_err)? })
    }

    /// Takes `other`'s data, already parsed and split, so that a new network on the same data (an
    /// edit, a reset, a loaded model) parses and copies none; `other` is left without any (it is about
    /// to be replaced). If the data does not fit this network, nothing moves.
    #[wasm_bindgen(js_name = takeDataFrom)]
    pub fn take_data_from(&mut self, other: &mut Engine) -> Result<(), JsValue> {
        other.trainer.give_data_to(&mut self.trainer).map_err(js_err)
    }

    /// Shapes, parameter counts and costs of the built network.
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(self.trainer.plan())
    }

    /// The spec the engine was built from, with every default filled in.
    pub fn spec(&self) -> Result<JsValue, JsValue> {
        to_js(self.trainer.spec())
    }

    /// Loads one IDX images/labels pair (uncompressed bytes) and splits it with a seeded shuffle.
    /// On error nothing changes.
    #[wasm_bindgen(js_name = setData)]
    pub fn set_data(
        &mut self,
        images_idx: &[u8],
        labels_idx: &[u8],
        split_seed: u32,
        n_train: usize,
        n_test: usize,
    ) -> Result<(), JsValue> {
        let all = Dataset::from_idx(images_idx, labels_idx, self.trainer.spec().classes).map_err(js_err)?;
        let (train, test) = all.split(split_seed, n_train, n_test).map_err(js_err)?;
        self.trainer.set_data(train, test).map_err(js_err)
    }

    /// Loads separate training and test IDX pairs (a user's own files). On error nothing changes.
    #[wasm_bindgen(js_name = setDataSplits)]
    pub fn set_data_splits(
        &mut self,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<(), JsValue> {
        let classes = self.trainer.spec().classes;
        let train =
            Dataset::from_idx(train_images, train_labels, classes).map_err(|e| js_err(prefix("training files", e)))?;
        let test = Dataset::from_idx(test_images, test_labels, classes).map_err(|e| js_err(prefix("test files", e)))?;
        self.trainer.set_data(train, test).map_err(js_err)
    }

    /// Runs up to `n` training batches; returns { loss, accuracy, steps, epoch, epochProgress,
    /// examplesSeen, lr, done, nonFinite, gradNorm }.
    #[wasm_bindgen(js_name = trainSteps)]
    pub fn train_steps(&mut self, n: usize) -> Result<JsValue, JsValue> {
        let report = self.trainer.train_steps(n).map_err(js_err)?;
        to_js(&report)
    }

    /// Data-parallel training (www/engine/team.js), one step in phases: `beginStep` draws the
    /// batch and returns its number of shards; `computeShard(s)` leaves shard `s`'s gradient (and
    /// batch-norm statistics) in the buffer `gradientsPtr`/`gradientsLen` locate in wasm memory and returns [lossSum,
    /// correct]; `addShard` adds the buffer's contents as shard `s` (shards in order);
    /// `finishStep` updates the weights and reports like `trainSteps(1)`.
    #[wasm_bindgen(js_name = beginStep)]
    pub fn begin_step(&mut self) -> Result<usize, JsValue> {
        self.trainer.begin_step().map_err(js_err)
    }

    /// How many shards a full batch has: the most workers a step can use.
    #[wasm_bindgen(js_name = shardsPerBatch)]
    pub fn shards_per_batch(&self) -> usize {
        self.trainer.shards_per_batch()
    }

    #[wasm_bindgen(js_name = computeShard)]
    pub fn compute_shard(&mut self, s: usize) -> Result<Vec<f64>, JsValue> {
        let part = self.trainer.compute_shard(s).map_err(js_err)?;
        Ok(vec![part.loss_sum, part.correct as f64])
    }

    #[wasm_bindgen(js_name = addShard)]
    pub fn add_shard(&mut self, s: usize, loss_sum: f64, correct: usize) -> Result<(), JsValue> {
        self.trainer.add_shard(s, ShardResult { loss_sum, correct }).map_err(js_err)
    }

    #[wasm_bindgen(js_name = finishStep)]
    pub fn finish_step(&mut self) -> Result<JsValue, JsValue> {
        let report = self.trainer.finish_step_report().map_err(js_err)?;
        to_js(&report)
    }

    /// Per-layer statistics (gradient norm, update ratio, dead ReLUs, distributions: see
    /// `stats.rs`) at every `every`-th step from now on (0: none). Training's numbers stay the same.
    #[wasm_bindgen(js_name = setStatsEvery)]
    pub fn set_stats_every(&mut self, every: u32) {
        self.trainer.set_stats_every(u64::from(every));
    }

    /// The statistics taken since the last call, oldest first: [{ step, loss, layers: [{ layer,
    /// label, gradNorm, updateRatio, dead (null without a ReLU), weights, activations }] }], the
    /// last two nine quantiles each.
    #[wasm_bindgen(js_name = takeStats)]
    pub fn take_stats(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.trainer.take_stats())
    }

    /// Where a shard's output starts in wasm memory, in bytes (valid until memory grows): the
    /// parameter gradients, followed by the shard's batch-norm statistics when the network has
    /// batch norm (`Trainer::shard_output`). Workers exchange these values whole.
    #[wasm_bindgen(js_name = gradientsPtr)]
    pub fn gradients_ptr(&mut self) -> usize {
        self.trainer.shard_output_mut().as_mut_ptr() as usize
    }

    /// How many values a shard's output has: one gradient per parameter, plus two statistics per
    /// batch-norm channel.
    #[wasm_bindgen(js_name = gradientsLen)]
    pub fn gradients_len(&self) -> usize {
        self.trainer.shard_output().len()
    }

    /// Evaluates the first `max_examples` test examples: { loss, accuracy, n, confusion,
    /// predictions, confidences } with typed arrays.
    pub fn evaluate(&mut self, max_examples: usize) -> Result<JsValue, JsValue> {
        let e = self.trainer.evaluate(max_examples).map_err(js_err)?;
        let out = Object::new();
        set(&out, "loss", &JsValue::from_f64(e.loss as f64));
        set(&out, "accuracy", &JsValue::from_f64(e.accuracy as f64));
        set(&out, "n", &JsValue::from_f64(e.n as f64));
        set(&out, "confusion", &Uint32Array::from(&e.confusion[..]).into());
        set(&out, "predictions", &Uint8Array::from(&e.predictions[..]).into());
        set(&out, "confidences", &Float32Array::from(&e.confidences[..]).into());
        Ok(out.into())
    }

    /// Class probabilities for one image (c·h·w values in 0..1).
    pub fn predict(&mut self, image: &[f32]) -> Result<Float32Array, JsValue> {
        let probs = self.trainer.predict(image).map_err(js_err)?;
        Ok(Float32Array::from(&probs[..]))
    }

    /// One image through the network: [{ label, dims, data }] for the input and every layer.
    pub fn activations(&mut self, image: &[f32]) -> Result<Array, JsValue> {
        self.trainer.activations(image).map_err(js_err)?;
        let net = self.trainer.network();
        let out = Array::new();
        for (i, t) in net.activations().iter().enumerate() {
            let entry = Object::new();
            let label = if i == 0 { "input".to_string() } else { net.layer_label(i - 1) };
            set(&entry, "label", &JsValue::from_str(&label));
            set(&entry, "dims", &to_js(&t.dims())?);
            set(&entry, "data", &Float32Array::from(t.example(0)).into());
            out.push(&entry);
        }
        Ok(out)
    }

    /// Saliency of one image: { class, predicted, probabilities, gradient }, the gradient of logit
    /// `class` (negative: the predicted class) with respect to every input value. Training state
    /// is left as it was.
    pub fn saliency(&mut self, image: &[f32], class: i32) -> Result<JsValue, JsValue> {
        let s = self.trainer.saliency(image, usize::try_from(class).ok()).map_err(js_err)?;
        let out = Object::new();
        set(&out, "class", &JsValue::from_f64(s.class as f64));
        set(&out, "predicted", &JsValue::from_f64(s.predicted as f64));
        set(&out, "probabilities", &Float32Array::from(&s.probabilities[..]).into());
        set(&out, "gradient", &Float32Array::from(&s.gradient[..]).into());
        Ok(out.into())
    }

    /// One step on `image` alone, in slow motion (www/views/slow-motion.js): { label, loss,
    /// probabilities, layers: [{ label, dims, output, gradient }], paramGradients }. The run is unchanged.
    #[wasm_bindgen(js_name = traceStep)]
    pub fn trace_step(&mut self, image: &[f32], label: usize) -> Result<JsValue, JsValue> {
        let t = self.trainer.trace_step(image, label).map_err(js_err)?;
        let out = Object::new();
        set(&out, "label", &JsValue::from_f64(t.label as f64));
        set(&out, "loss", &JsValue::from_f64(t.loss as f64));
        set(&out, "probabilities", &Float32Array::from(&t.probabilities[..]).into());
        let layers = Array::new();
        for l in &t.layers {
            let entry = Object::new();
            set(&entry, "label", &JsValue::from_str(&l.label));
            set(&entry, "dims", &to_js(&l.dims)?);
            set(&entry, "output", &Float32Array::from(&l.output[..]).into());
            set(&entry, "gradient", &Float32Array::from(&l.gradient[..]).into());
            layers.push(&entry);
        }
        set(&out, "layers", &layers.into());
        set(&out, "paramGradients", &Float32Array::from(&t.param_gradients[..]).into());
        Ok(out.into())
    }

    /// What the next step's update would make of parameter value `index` given `gradient`: { name,
    /// theta, gradient, l2, lr, step, stateNames, before, after, thetaAfter }.
    #[wasm_bindgen(js_name = traceUpdate)]
    pub fn trace_update(&self, index: usize, gradient: f32) -> Result<JsValue, JsValue> {
        let u = self.trainer.trace_update(index, gradient).map_err(js_err)?;
        let out = Object::new();
        set(&out, "name", &JsValue::from_str(&u.name));
        for (key, value) in
            [("theta", u.theta), ("gradient", u.gradient), ("l2", u.l2), ("lr", u.lr), ("thetaAfter", u.theta_after)]
        {
            set(&out, key, &JsValue::from_f64(value as f64));
        }
        set(&out, "step", &JsValue::from_f64(u.step as f64));
        set(&out, "stateNames", &to_js(&u.state_names)?);
        set(&out, "before", &Float32Array::from(&u.before[..]).into());
        set(&out, "after", &Float32Array::from(&u.after[..]).into());
        Ok(out.into())
    }

    /// Where each parameter tensor sits in `paramValues()`: [{ name, layer, offset, len, shape, decay }].
    #[wasm_bindgen(js_name = paramLayout)]
    pub fn param_layout(&self) -> Result<JsValue, JsValue> {
        to_js(&self.trainer.network().store.params)
    }

    /// A copy of every parameter value (conv weights are [filters, channels, kh, kw]).
    #[wasm_bindgen(js_name = paramValues)]
    pub fn param_values(&self) -> Float32Array {
        Float32Array::from(&self.trainer.network().store.values[..])
    }

    /// A copy of every layer's state, which is not a parameter: for each batch-norm layer in network
    /// order, its running means then its running variances (one per channel or unit).
    #[wasm_bindgen(js_name = layerState)]
    pub fn layer_state(&self) -> Float32Array {
        Float32Array::from(&self.trainer.network().state()[..])
    }

    /// A copy of one parameter tensor's values (`index` into `paramLayout()`; empty past the end), so
    /// that a view of one layer's weights copies only those.
    #[wasm_bindgen(js_name = paramTensor)]
    pub fn param_tensor(&self, index: usize) -> Float32Array {
        let store = &self.trainer.network().store;
        match store.params.get(index) {
            Some(p) => Float32Array::from(&store.values[p.offset..p.offset + p.len]),
            None => Float32Array::new_with_length(0),
        }
    }

    /// The test split's images as u8 (n·c·h·w) — for galleries and the confusion matrix.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self) -> Uint8Array {
        self.trainer.test_data().map_or_else(|| Uint8Array::new_with_length(0), |d| Uint8Array::from(d.images()))
    }

    #[wasm_bindgen(js_name = testLabels)]
    pub fn test_labels(&self) -> Uint8Array {
        self.trainer.test_data().map_or_else(|| Uint8Array::new_with_length(0), |d| Uint8Array::from(d.labels()))
    }

    /// The first `k` training images as u8, for the sample strip.
    #[wasm_bindgen(js_name = trainSample)]
    pub fn train_sample(&self, k: usize) -> Uint8Array {
        match self.trainer.train_data() {
            Some(d) => {
                let per = d.dims().len();
                let k = k.min(d.len());
                Uint8Array::from(&d.images()[..k * per])
            }
            None => Uint8Array::new_with_length(0),
        }
    }

    #[wasm_bindgen(js_name = trainLabelsSample)]
    pub fn train_labels_sample(&self, k: usize) -> Uint8Array {
        match self.trainer.train_data() {
            Some(d) => Uint8Array::from(&d.labels()[..k.min(d.len())]),
            None => Uint8Array::new_with_length(0),
        }
    }

    /// Changes the learning rate from the next step on (the schedule scales it).
    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<(), JsValue> {
        self.trainer.set_learning_rate(lr).map_err(js_err)
    }

    /// Changes how many epochs the run lasts; returns whether it is done at the new length.
    #[wasm_bindgen(js_name = setEpochs)]
    pub fn set_epochs(&mut self, epochs: usize) -> Result<bool, JsValue> {
        self.trainer.set_epochs(epochs).map_err(js_err)?;
        Ok(self.trainer.is_done())
    }

    #[wasm_bindgen(js_name = setL2)]
    pub fn set_l2(&mut self, l2: f32) -> Result<(), JsValue> {
        self.trainer.set_l2(l2).map_err(js_err)
    }

    /// The spec, every parameter and the optimizer state, in one versioned binary.
    pub fn save(&self) -> Uint8Array {
        Uint8Array::from(&save::save(&self.trainer)[..])
    }

    /// Rebuilds an engine from `save()`'s bytes.
    pub fn load(bytes: &[u8]) -> Result<Engine, JsValue> {
        Ok(Engine { trainer: save::load(bytes).map_err(js_err)? })
    }

    /// Batches per epoch at the current data and batch size.
    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.trainer.steps_per_epoch()
    }
}

fn prefix(what: &str, e: Error) -> Error {
    match e {
        Error::Data(m) => Error::Data(format!("{what}: {m}")),
        other => other,
    }
}
