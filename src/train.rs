//! The trainer: one object that owns a network, its optimizer and its data, and runs
//! build → forward → loss → backward → step, one batch at a time.

use serde::Serialize;

use crate::data::dataset::Dataset;
use crate::data::epochs::EpochOrder;
use crate::error::{Error, Problem, Result};
use crate::layers::{Ctx, Mode};
use crate::loss::{softmax, softmax_cross_entropy, softmax_cross_entropy_part};
use crate::model::limits::LIMITS;
use crate::model::network::Network;
use crate::model::spec::ModelSpec;
use crate::model::validate::{check_l2, check_learning_rate, validate, Plan};
use crate::optim::schedule::lr_at;
use crate::optim::{clip_grad_norm, grad_norm, Optimizer};
use crate::rng::Rng;
use crate::shards::{shard_count, shard_range};
use crate::stats::{Collector, StepStats};
use crate::tensor::{Dims, Tensor};

/// Examples per forward pass when evaluating (no gradients, so larger than a training batch).
const EVAL_BATCH: usize = 250;

/// What a run of training steps did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainReport {
    /// Mean loss over the batches of this report.
    pub loss: f32,
    /// Fraction of the examples of this report classified correctly (before the update).
    pub accuracy: f32,
    /// The sum of the batches' losses, the batches, and the examples right out of those seen: a
    /// caller that joins several reports into one mean (a curve point split across calls) gets the
    /// same number as one call over all their steps.
    pub loss_sum: f64,
    pub batches: u64,
    pub correct: u64,
    pub seen: u64,
    /// Batches run since the start.
    pub steps: u64,
    /// Completed epochs, counting from 0.
    pub epoch: usize,
    /// How far into the current epoch, 0..1.
    pub epoch_progress: f32,
    pub examples_seen: u64,
    /// The learning rate of the last step (after the schedule).
    pub lr: f32,
    /// All epochs of the spec have run.
    pub done: bool,
    /// The loss became NaN or infinite: training should stop and the settings change.
    pub non_finite: bool,
    /// Global gradient norm of the last step (before clipping).
    pub grad_norm: f32,
}

/// Loss, accuracy and confusion matrix on (part of) the test split.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub loss: f32,
    pub accuracy: f32,
    pub n: usize,
    /// `classes × classes`, row = true class, column = predicted class.
    pub confusion: Vec<u32>,
    pub predictions: Vec<u8>,
    /// `n × classes` probabilities.
    pub confidences: Vec<f32>,
}

/// The state of a run's random streams and of its pass over the training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Streams {
    pub dropout: [u32; 4],
    pub data: [u32; 4],
    pub examples_seen: u64,
    /// The current epoch's order of the training examples (empty before any data).
    pub order: Vec<usize>,
    /// How many of them this epoch has visited.
    pub position: usize,
}

/// What one shard of a step gives to the sum: its summed loss and its correct predictions (its
/// gradient is in the parameter store's gradient buffer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShardResult {
    pub loss_sum: f64,
    pub correct: usize,
}

/// A step between `begin_step` and `finish_step`.
#[derive(Debug, Clone)]
struct PendingStep {
    size: usize,
    shards: usize,
    /// Seeds each shard's own dropout stream, so that a shard's masks do not depend on which
    /// worker computes it or on what it computed before.
    dropout_seed: u64,
    added: usize,
    loss_sum: f64,
    correct: usize,
}

pub struct Trainer {
    spec: ModelSpec,
    net: Network,
    optimizer: Optimizer,
    dropout_rng: Rng,
    data_rng: Rng,
    train: Option<Dataset>,
    test: Option<Dataset>,
    order: EpochOrder,
    /// A loaded model's order of the training examples, taken up by `set_data` when the data has
    /// as many examples, so that a resumed run visits them as the saved one would have.
    resume_order: Option<EpochOrder>,
    labels: Vec<u8>,
    /// The step under way, between `begin_step` and `finish_step`.
    pending: Option<PendingStep>,
    /// The whole batch of the step under way; each shard copies its rows into the network's input.
    batch: Tensor,
    batch_labels: Vec<u8>,
    /// The shards' gradients added so far, in shard order.
    grad_sum: Vec<f32>,
    /// What a shard gives the step when the network gathers batch statistics (batch norm): its
    /// parameter gradients followed by its statistics, in one buffer that workers exchange as a
    /// whole. Empty otherwise, and the gradients alone are exchanged, where they are computed.
    shard_out: Vec<f32>,
    /// The shards' statistics merged so far, in shard order (`Network::merge_batch_stats`).
    merged_stats: Vec<f64>,
    steps: u64,
    examples_seen: u64,
    last_lr: f32,
    last_grad_norm: f32,
    /// Per-layer statistics every few steps, when asked for (`crate::stats`).
    stats: Collector,
}

impl Trainer {
    /// Validates the spec and builds the network with weights drawn from its seed.
    pub fn new(spec: ModelSpec) -> Result<Trainer> {
        let plan = validate(&spec)?;
        Ok(Self::from_plan(spec, &plan))
    }

    fn from_plan(spec: ModelSpec, plan: &Plan) -> Trainer {
        // Separate streams, so that turning on augmentation does not change the initial weights.
        let mut master = Rng::new(spec.seed);
        let mut init_rng = master.fork();
        let dropout_rng = master.fork();
        let data_rng = master.fork();
        let net = Network::build(plan, &mut init_rng);
        let optimizer = Optimizer::new(&spec.optimizer, net.store.len());
        let base_lr = spec.optimizer.lr();
        let stats = Collector::new(&net, 0);
        let bn_stats = net.batch_stats_len();
        let shard_out = if bn_stats > 0 { vec![0.0; net.store.len() + bn_stats] } else { Vec::new() };
        let merged_stats = vec![0.0; bn_stats];
        Trainer {
            spec,
            net,
            optimizer,
            dropout_rng,
            data_rng,
            train: None,
            test: None,
            order: EpochOrder::default(),
            resume_order: None,
            labels: Vec::new(),
            pending: None,
            batch: Tensor::default(),
            batch_labels: Vec::new(),
            grad_sum: Vec::new(),
            shard_out,
            merged_stats,
            steps: 0,
            examples_seen: 0,
            last_lr: base_lr,
            last_grad_norm: 0.0,
            stats,
        }
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    pub fn plan(&self) -> &Plan {
        &self.net.plan
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.net
    }

    pub fn optimizer(&self) -> &Optimizer {
        &self.optimizer
    }

    pub fn optimizer_mut(&mut self) -> &mut Optimizer {
        &mut self.optimizer
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Restores the step counter (used when loading a saved model). The count comes from a file,
    /// so an absurd one saturates rather than overflows.
    pub fn set_progress(&mut self, steps: u64) {
        self.steps = steps;
        self.examples_seen = steps.saturating_mul(self.spec.batch_size as u64);
    }

    /// Where the run's random streams and its pass over the data are, for a saved model.
    pub fn streams(&self) -> Streams {
        let (order, position) = self.order.state();
        Streams {
            dropout: self.dropout_rng.state(),
            data: self.data_rng.state(),
            examples_seen: self.examples_seen,
            order: order.to_vec(),
            position,
        }
    }

    /// Goes on from saved streams: the next step draws the dropout masks, the augmentation and the
    /// batch the saved run would have drawn next (the order applies once data of the same size is given).
    pub fn restore_streams(&mut self, s: Streams) -> Result<()> {
        let damaged = |what: &str| Error::Format(format!("the saved model is damaged: its {what} cannot be used"));
        self.dropout_rng = Rng::from_state(s.dropout).ok_or_else(|| damaged("dropout stream"))?;
        self.data_rng = Rng::from_state(s.data).ok_or_else(|| damaged("data stream"))?;
        self.examples_seen = s.examples_seen;
        self.resume_order =
            Some(EpochOrder::resume(s.order, s.position).ok_or_else(|| damaged("order of the training examples"))?);
        Ok(())
    }

    /// Gives the trainer its data. The examples must match the spec's input shape and classes.
    pub fn set_data(&mut self, train: Dataset, test: Dataset) -> Result<()> {
        self.check_data(&train, &test)?;
        self.order = match self.resume_order.take() {
            Some(order) if order.len() == train.len() => order,
            _ => EpochOrder::new(train.len(), if self.spec.shuffle { Some(&mut self.data_rng) } else { None }),
        };
        self.train = Some(train);
        self.test = Some(test);
        Ok(())
    }

    /// Hands this trainer's data to `next` (a new network on the same data), without copying it.
    /// If the data does not fit `next`, nothing moves.
    pub fn give_data_to(&mut self, next: &mut Trainer) -> Result<()> {
        let (Some(train), Some(test)) = (self.train.as_ref(), self.test.as_ref()) else {
            return Ok(());
        };
        next.check_data(train, test)?;
        let (Some(train), Some(test)) = (self.train.take(), self.test.take()) else {
            return Ok(());
        };
        next.set_data(train, test)
    }

    /// Whether a training and a test split fit the network: image shape, classes, not empty.
    fn check_data(&self, train: &Dataset, test: &Dataset) -> Result<()> {
        let want = Dims::new(self.spec.input[0], self.spec.input[1], self.spec.input[2]);
        for (name, d) in [("training", train), ("test", test)] {
            if d.dims() != want {
                return Err(Error::Data(format!(
                    "the {name} images are {} but the network expects {want}; change the input shape or load matching images",
                    d.dims()
                )));
            }
            if d.is_empty() {
                return Err(Error::Data(format!("the {name} split has no examples")));
            }
            if let Some(max) = d.labels().iter().copied().max() {
                if max as usize >= self.spec.classes {
                    return Err(Error::Data(format!(
                        "the {name} labels go up to {max}, but the network has {} classes",
                        self.spec.classes
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn train_data(&self) -> Option<&Dataset> {
        self.train.as_ref()
    }

    pub fn test_data(&self) -> Option<&Dataset> {
        self.test.as_ref()
    }

    /// Batches per epoch; the last batch of an epoch may be smaller.
    pub fn steps_per_epoch(&self) -> usize {
        self.train.as_ref().map_or(0, |d| d.len().div_ceil(self.spec.batch_size))
    }

    pub fn total_steps(&self) -> u64 {
        (self.steps_per_epoch() * self.spec.epochs) as u64
    }

    /// Changes the base learning rate from the next step on (the schedule still applies). It is
    /// written into the spec, so a saved model keeps it.
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        check_learning_rate(lr)?;
        self.spec.optimizer.set_lr(lr);
        Ok(())
    }

    /// Changes how many epochs the run lasts, in the spec: a finished run given more goes on from
    /// its weights (a cosine schedule stretches over the new length).
    pub fn set_epochs(&mut self, epochs: usize) -> Result<()> {
        if epochs == 0 || epochs > LIMITS.epochs {
            return Err(Problem::new(
                "value_out_of_range",
                Some("epochs"),
                format!("epochs must be from 1 to {}, got {epochs}", LIMITS.epochs),
                None,
            )
            .into());
        }
        self.spec.epochs = epochs;
        Ok(())
    }

    /// Changes L2 from the next step on, in the spec (a saved model keeps it).
    pub fn set_l2(&mut self, l2: f32) -> Result<()> {
        check_l2(l2)?;
        self.spec.l2 = l2;
        Ok(())
    }

    /// One training step on the next batch; returns (mean loss, correct predictions, batch size).
    ///
    /// The batch's gradient is the sum of its shards' gradients, each computed from zero and added
    /// in shard order: exactly what workers that share the shards compute (`crate::shards`).
    pub fn step(&mut self) -> Result<(f32, usize, usize)> {
        let shards = self.begin_step()?;
        for s in 0..shards {
            let part = self.compute_shard(s)?;
            self.add_shard(s, part)?;
        }
        self.finish_step()
    }

    /// How many shards a full batch of this run has (the last batch of an epoch may have fewer).
    pub fn shards_per_batch(&self) -> usize {
        shard_count(self.spec.batch_size)
    }

    /// Starts a step: draws the next batch (and its augmentation) and returns how many shards it
    /// has. Every worker of a run calls it, so that their streams stay the same.
    pub fn begin_step(&mut self) -> Result<usize> {
        let train = self.train.as_ref().ok_or_else(|| Error::Usage("no training data is loaded yet".into()))?;
        let shuffle = if self.spec.shuffle { Some(&mut self.data_rng) } else { None };
        let batch = self.order.next_batch(self.spec.batch_size, shuffle);
        let size = batch.len();
        let augment = if self.spec.augment { Some(&mut self.data_rng) } else { None };
        train.fill_batch(batch, &mut self.batch, &mut self.batch_labels, augment)?;
        let hi = self.dropout_rng.next_u32() as u64;
        let lo = self.dropout_rng.next_u32() as u64;
        let shards = shard_count(size);
        self.pending =
            Some(PendingStep { size, shards, dropout_seed: (hi << 32) | lo, added: 0, loss_sum: 0.0, correct: 0 });
        Ok(shards)
    }

    /// Forward and backward pass of shard `s` of the step under way. Its gradient (of the whole
    /// batch's mean loss), computed from zero, and its batch statistics are left in `shard_output()`.
    pub fn compute_shard(&mut self, s: usize) -> Result<ShardResult> {
        let step = self.pending.as_ref().ok_or_else(|| Error::Usage("no step is under way".into()))?;
        if s >= step.shards {
            return Err(Error::Usage(format!("shard {s} of a step with {} shards", step.shards)));
        }
        let rows = shard_range(step.size, step.shards, s);
        let mut rng = shard_rng(step.dropout_seed, s);
        let batch_size = step.size;
        let dims = self.batch.dims();
        let input = self.net.input_mut();
        input.reshape(rows.len(), dims);
        input.data.copy_from_slice(&self.batch.data[rows.start * dims.len()..rows.end * dims.len()]);
        self.labels.clear();
        self.labels.extend_from_slice(&self.batch_labels[rows]);

        let mut ctx = Ctx { mode: Mode::Train, rng: &mut rng };
        self.net.forward(&mut ctx);
        let (loss_sum, correct) = {
            let (logits, grad) = self.net.logits_and_grad_mut();
            softmax_cross_entropy_part(logits, &self.labels, grad, batch_size)
        };
        self.net.store.zero_grads();
        self.net.backward();
        if !self.shard_out.is_empty() {
            let (grads, stats) = self.shard_out.split_at_mut(self.net.store.len());
            grads.copy_from_slice(&self.net.store.grads);
            self.net.write_batch_stats(stats);
        }
        Ok(ShardResult { loss_sum, correct })
    }

    /// What `compute_shard` leaves for the step and `add_shard` takes: the parameter gradients,
    /// then, when the network has batch norm, the shard's batch statistics. Workers exchange this
    /// buffer whole.
    pub fn shard_output(&self) -> &[f32] {
        if self.shard_out.is_empty() {
            &self.net.store.grads
        } else {
            &self.shard_out
        }
    }

    pub fn shard_output_mut(&mut self) -> &mut [f32] {
        if self.shard_out.is_empty() {
            &mut self.net.store.grads
        } else {
            &mut self.shard_out
        }
    }

    /// Adds shard `s`'s output, now in `shard_output()` (computed here or copied in from the worker
    /// that computed it), to the step's sums. Shards must come in order, 0 first.
    pub fn add_shard(&mut self, s: usize, part: ShardResult) -> Result<()> {
        let step = self.pending.as_mut().ok_or_else(|| Error::Usage("no step is under way".into()))?;
        if s != step.added {
            return Err(Error::Usage(format!("shard {s} added when shard {} was due", step.added)));
        }
        step.added += 1;
        step.loss_sum += part.loss_sum;
        step.correct += part.correct;
        let rows = shard_range(step.size, step.shards, s);
        let n = self.net.store.len();
        let (grads, stats) =
            if self.shard_out.is_empty() { (&self.net.store.grads[..], &[][..]) } else { self.shard_out.split_at(n) };
        if s == 0 {
            self.grad_sum.clear();
            self.grad_sum.extend_from_slice(grads);
            self.merged_stats.fill(0.0);
        } else {
            for (sum, &g) in self.grad_sum.iter_mut().zip(grads) {
                *sum += g;
            }
        }
        self.net.merge_batch_stats(&mut self.merged_stats, rows.start, stats, rows.len());
        Ok(())
    }

    /// Ends the step once every shard is added: clips, updates the weights, counts the step.
    /// Returns (mean loss, correct predictions, batch size).
    pub fn finish_step(&mut self) -> Result<(f32, usize, usize)> {
        let step = match self.pending.take() {
            Some(step) if step.added == step.shards => step,
            Some(step) => {
                let missing = step.shards - step.added;
                self.pending = Some(step);
                return Err(Error::Usage(format!("{missing} shards of the step are not added yet")));
            }
            None => return Err(Error::Usage("no step is under way".into())),
        };
        std::mem::swap(&mut self.net.store.grads, &mut self.grad_sum);
        self.last_grad_norm = match self.spec.clip_norm {
            Some(max) => clip_grad_norm(&mut self.net.store.grads, max),
            None => grad_norm(&self.net.store.grads),
        };
        let lr = self.next_lr();
        // Statistics read the step on the side and leave its numbers alone (tests/stats.rs).
        let stats_due = self.stats.due(self.steps + 1);
        if stats_due {
            self.stats.before_update(&mut self.net, &self.batch);
        }
        self.optimizer.step(&mut self.net.store, lr, self.spec.l2);
        if !self.shard_out.is_empty() {
            self.net.update_running(&self.merged_stats, step.size);
        }
        self.last_lr = lr;
        self.steps += 1;
        self.examples_seen += step.size as u64;
        let loss = if step.size > 0 { (step.loss_sum / step.size as f64) as f32 } else { 0.0 };
        self.stats.add_loss(loss);
        if stats_due {
            let (epoch, progress) = self.epoch_position();
            let position = if self.is_done() { epoch as f64 } else { epoch as f64 + f64::from(progress) };
            self.stats.after_update(&self.net, self.steps, position);
        }
        Ok((loss, step.correct, step.size))
    }

    /// Takes per-layer statistics (`crate::stats`) at every `every`-th step from now on, counting
    /// steps from the start of the run; 0 stops them.
    pub fn set_stats_every(&mut self, every: u64) {
        self.stats.set_every(every);
    }

    /// The statistics taken since the last call, oldest first.
    pub fn take_stats(&mut self) -> Vec<StepStats> {
        self.stats.take()
    }

    /// Runs up to `n` steps (fewer when the run ends or the loss stops being finite) and reports.
    pub fn train_steps(&mut self, n: usize) -> Result<TrainReport> {
        let (mut loss_sum, mut correct, mut seen, mut batches) = (0.0f64, 0usize, 0usize, 0usize);
        let mut non_finite = false;
        for _ in 0..n {
            if self.is_done() {
                break;
            }
            let (loss, c, size) = self.step()?;
            batches += 1;
            loss_sum += loss as f64;
            correct += c;
            seen += size;
            if !loss.is_finite() || !self.last_grad_norm.is_finite() {
                non_finite = true;
                break;
            }
        }
        Ok(self.report(loss_sum, batches, correct, seen, non_finite))
    }

    /// Ends the step once every shard is added, like `finish_step`, and reports that one step as
    /// `train_steps(1)` would have.
    pub fn finish_step_report(&mut self) -> Result<TrainReport> {
        let (loss, correct, size) = self.finish_step()?;
        let non_finite = !loss.is_finite() || !self.last_grad_norm.is_finite();
        Ok(self.report(loss as f64, 1, correct, size, non_finite))
    }

    /// Completed epochs and how far into the next one, as reports say it (the last epoch done: 1).
    fn epoch_position(&self) -> (usize, f32) {
        let per_epoch = self.steps_per_epoch().max(1);
        let epoch = (self.steps as usize / per_epoch).min(self.spec.epochs);
        let progress = if self.is_done() { 1.0 } else { (self.steps as usize % per_epoch) as f32 / per_epoch as f32 };
        (epoch, progress)
    }

    fn report(&self, loss_sum: f64, batches: usize, correct: usize, seen: usize, non_finite: bool) -> TrainReport {
        let (epoch, epoch_progress) = self.epoch_position();
        TrainReport {
            loss: if batches > 0 { (loss_sum / batches as f64) as f32 } else { f32::NAN },
            accuracy: if seen > 0 { correct as f32 / seen as f32 } else { f32::NAN },
            loss_sum,
            batches: batches as u64,
            correct: correct as u64,
            seen: seen as u64,
            steps: self.steps,
            epoch,
            epoch_progress,
            examples_seen: self.examples_seen,
            lr: self.last_lr,
            done: self.is_done(),
            non_finite,
            grad_norm: self.last_grad_norm,
        }
    }

    /// All epochs of the spec have run.
    pub fn is_done(&self) -> bool {
        self.train.is_some() && self.steps >= self.total_steps()
    }

    /// Loss, accuracy, confusion matrix and per-example predictions on the first `max` test examples.
    pub fn evaluate(&mut self, max: usize) -> Result<Evaluation> {
        let test = self.test.take().ok_or_else(|| Error::Usage("no test data is loaded yet".into()))?;
        let result = self.evaluate_on(&test, max);
        self.test = Some(test);
        result
    }

    /// Evaluates on any dataset of the right shape (the training split, for instance).
    pub fn evaluate_on(&mut self, data: &Dataset, max: usize) -> Result<Evaluation> {
        let classes = self.spec.classes;
        let n = data.len().min(max);
        let mut confusion = vec![0u32; classes * classes];
        let mut predictions = Vec::with_capacity(n);
        let mut confidences = Vec::with_capacity(n * classes);
        let mut loss_sum = 0.0f64;
        let mut correct = 0usize;
        let mut indices = Vec::with_capacity(EVAL_BATCH);
        let mut probs = vec![0.0f32; classes];
        let mut grad = Tensor::default();
        for start in (0..n).step_by(EVAL_BATCH) {
            let end = (start + EVAL_BATCH).min(n);
            indices.clear();
            indices.extend(start..end);
            data.fill_batch(&indices, self.net.input_mut(), &mut self.labels, None)?;
            let mut ctx = Ctx { mode: Mode::Eval, rng: &mut self.dropout_rng };
            let logits = self.net.forward(&mut ctx);
            let (loss, _) = softmax_cross_entropy(logits, &self.labels, &mut grad);
            loss_sum += loss as f64 * (end - start) as f64;
            for (row, &label) in self.labels.iter().enumerate() {
                softmax(logits.example(row), &mut probs);
                let predicted = argmax(&probs);
                if predicted == label as usize {
                    correct += 1;
                }
                confusion[label as usize * classes + predicted] += 1;
                predictions.push(predicted as u8);
                confidences.extend_from_slice(&probs);
            }
        }
        Ok(Evaluation {
            loss: if n > 0 { (loss_sum / n as f64) as f32 } else { f32::NAN },
            accuracy: if n > 0 { correct as f32 / n as f32 } else { f32::NAN },
            n,
            confusion,
            predictions,
            confidences,
        })
    }

    /// Class probabilities for one image of the input shape (values 0..1).
    pub fn predict(&mut self, image: &[f32]) -> Result<Vec<f32>> {
        self.forward_one(image)?;
        let mut probs = vec![0.0; self.spec.classes];
        softmax(self.net.logits().example(0), &mut probs);
        Ok(probs)
    }

    /// Runs one image through the network (evaluation mode) and returns every activation:
    /// the input first, then each layer's output.
    pub fn activations(&mut self, image: &[f32]) -> Result<&[Tensor]> {
        self.forward_one(image)?;
        Ok(self.net.activations())
    }

    fn forward_one(&mut self, image: &[f32]) -> Result<()> {
        let [c, h, w] = self.spec.input;
        let dims = Dims::new(c, h, w);
        if image.len() != dims.len() {
            return Err(Error::Usage(format!(
                "the image has {} values but the network expects {c}×{h}×{w} = {}",
                image.len(),
                dims.len()
            )));
        }
        let input = self.net.input_mut();
        input.reshape(1, dims);
        input.data.copy_from_slice(image);
        let mut ctx = Ctx { mode: Mode::Eval, rng: &mut self.dropout_rng };
        self.net.forward(&mut ctx);
        Ok(())
    }

    /// The saliency of one image (values 0..1) for `class`, or for the predicted class: see
    /// `saliency`. Weights, gradients, optimizer and random streams are left as they were.
    pub fn saliency(&mut self, image: &[f32], class: Option<usize>) -> Result<crate::saliency::Saliency> {
        self.forward_one(image)?;
        crate::saliency::of_last_forward(&mut self.net, class)
    }

    /// The learning rate the next step uses: the spec's, after the schedule.
    fn next_lr(&self) -> f32 {
        lr_at(
            &self.spec.schedule,
            self.spec.optimizer.lr(),
            self.steps as usize,
            self.steps_per_epoch(),
            self.total_steps() as usize,
        )
    }

    /// One step on `image` alone, in slow motion (evaluation mode: no dropout); the run is unchanged.
    pub fn trace_step(&mut self, image: &[f32], label: usize) -> Result<crate::slow_motion::StepTrace> {
        self.forward_one(image)?;
        crate::slow_motion::trace_last_forward(&mut self.net, label)
    }

    /// What the next step's update would make of parameter value `index` with `gradient`.
    pub fn trace_update(&self, index: usize, gradient: f32) -> Result<crate::slow_motion::UpdateTrace> {
        let lr = self.next_lr();
        crate::slow_motion::trace_update(&self.net, &self.optimizer, index, gradient, lr, self.spec.l2)
    }
}

/// The dropout stream of shard `s`: the `s`-th fork of a stream seeded for the step.
fn shard_rng(seed: u64, s: usize) -> Rng {
    let mut step = Rng::new(seed);
    for _ in 0..s {
        step.fork();
    }
    step.fork()
}

fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
