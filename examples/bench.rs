//! The benchmark's native run of the engine: the same workloads, data, order and procedure as the
//! browser benchmark (bench/run.mjs, bench/procedure.js), with the engine called directly from Rust.
//!
//!     cargo run --release --example bench [-- --quick] [--budget S] [--workloads a,b] [--json PATH]
//!
//! Workloads: bench/workloads.json, the one table the tests and the browser benchmark read too, and the
//! networks of our own of bench/networks.json (by id in --workloads).
//! Data: the shipped www/data/mnist digits, split 8,000 / 2,000 with seed 1234, trained in stored order.
//! Procedure (workloads.json "bench" conventions and "timing"): warm-up batches, then timed windows of
//! windowBatches batches or of at least timing.windowSeconds, those that fit in epoch 1, the rest of the
//! epoch, test accuracy, then more windows in the same order until they add up to
//! timing.measuredSeconds; the speed is the median over the windows. If the rest of the work is
//! projected over the budget (default 150 s), three shorter windows and no accuracy. `--json` writes the
//! raw windows, from which bench/run.mjs recomputes the speed with www/engine/throughput.js, like the
//! browser's.
//! The engine's "l2" is PyTorch's, the workloads' ConvNetJS's: it gets l2 / batchSize (the same
//! update); the FLOPs per step are the same whichever convention.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = native::main() {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[path = "../tests/common/workloads.rs"]
mod workloads;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::Read;
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    use nn_playground::data::dataset::Dataset;
    use nn_playground::model::spec::ModelSpec;
    use nn_playground::train::Trainer;
    use serde_json::{json, Value};

    type Res<T> = std::result::Result<T, String>;

    struct Options {
        quick: bool,
        budget: f64,
        workloads: Option<Vec<String>>,
        json: Option<PathBuf>,
    }

    fn options() -> Res<Options> {
        let mut o = Options { quick: false, budget: f64::NAN, workloads: None, json: None };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
            match a.as_str() {
                "--quick" => o.quick = true,
                "--budget" => o.budget = value()?.parse().map_err(|_| "--budget takes seconds".to_string())?,
                "--workloads" => {
                    o.workloads = Some(value()?.split(',').filter(|s| !s.is_empty()).map(String::from).collect())
                }
                "--json" => o.json = Some(PathBuf::from(value()?)),
                "-h" | "--help" => {
                    println!(
                        "cargo run --release --example bench [-- --quick] [--budget S] [--workloads a,b] [--json PATH]"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other}")),
            }
        }
        if o.budget.is_nan() {
            o.budget = if o.quick { 10.0 } else { 150.0 };
        }
        Ok(o)
    }

    fn read_gz(path: &Path) -> Res<Vec<u8>> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot gunzip {}: {e}", path.display()))?;
        Ok(out)
    }

    /// The engine spec of a workload as the benchmark trains it (as bench/nn-playground.js builds
    /// it): the most epochs the engine takes, to leave room for the windows after the evaluation, in
    /// stored order.
    fn engine_spec(w: &Value) -> Res<ModelSpec> {
        let mut spec = super::workloads::engine_spec(w)?;
        spec.epochs = 1000;
        spec.shuffle = false;
        Ok(spec)
    }

    fn median(xs: &[f64]) -> Option<f64> {
        if xs.is_empty() {
            return None;
        }
        let mut s = xs.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        let m = s.len() / 2;
        Some(if s.len() % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 })
    }

    fn ms_since(t: Instant) -> f64 {
        t.elapsed().as_secs_f64() * 1000.0
    }

    /// workloads.json's "timing" (or its "quick" part): window and case lengths in seconds.
    struct Timing {
        window_seconds: f64,
        measured_seconds: f64,
        min_windows: usize,
    }

    fn timing(table: &Value, quick: bool) -> Timing {
        let t = &table["timing"];
        let pick = |k: &str| if quick && !t["quick"][k].is_null() { t["quick"][k].as_f64() } else { t[k].as_f64() };
        Timing {
            window_seconds: pick("windowSeconds").unwrap_or(1.0),
            measured_seconds: pick("measuredSeconds").unwrap_or(10.0),
            min_windows: pick("minWindows").unwrap_or(5.0) as usize,
        }
    }

    /// One workload through the procedure of bench/procedure.js.
    fn measure(w: &Value, train: &Dataset, test: &Dataset, o: &Options, tm: &Timing) -> Res<Value> {
        let spec = engine_spec(w)?;
        let b_size = spec.batch_size;
        let mut t = Trainer::new(spec.clone()).map_err(|e| e.to_string())?;
        t.set_data(train.clone(), test.clone()).map_err(|e| e.to_string())?;
        let (forward_flops, training_flops) = (t.plan().forward_flops, t.plan().training_flops);
        let nb = train.len() / b_size;
        let bench = &w["bench"];
        let warmup_batches = bench["warmupBatches"].as_u64().unwrap_or(0) as usize;
        let mut window_batches = bench["windowBatches"].as_u64().unwrap_or(1) as usize;
        let extra = bench["extraWindows"].as_u64().unwrap_or(0) as usize;
        if o.quick {
            window_batches = window_batches.div_ceil(4).max(2);
        }
        let budget_ms = o.budget * 1000.0;
        let timeout_ms = (3.0 * budget_ms).max(120_000.0);
        let mut status = "ok";
        let mut error = Value::Null;
        let run = |t: &mut Trainer, n: usize| -> Res<()> {
            let r = t.train_steps(n).map_err(|e| e.to_string())?;
            if r.non_finite {
                return Err("the loss became non-finite".into());
            }
            Ok(())
        };

        // warm-up
        let t0 = Instant::now();
        let mut b = 0;
        let mut first_ms = 0.0;
        while b < warmup_batches.min(nb) {
            run(&mut t, 1)?;
            b += 1;
            if b == 1 {
                first_ms = ms_since(t0);
            }
            if b >= 2 && ms_since(t0) > 0.1 * budget_ms {
                break;
            }
        }
        let warm_ms = ms_since(t0);
        let warm_batches = b;
        let sec_per_batch =
            if b > 1 { (warm_ms - first_ms) / 1000.0 / (b - 1) as f64 } else { warm_ms / 1000.0 / b as f64 };
        // Windows of whole seconds where batches are fast.
        window_batches = window_batches.max((tm.window_seconds / sec_per_batch).ceil() as usize).max(1);
        let epoch_batches = if o.quick { nb.min(b + 2 * window_batches) } else { nb };
        let measured_batches = (tm.min_windows.max(extra) * window_batches) as f64;
        let projected =
            sec_per_batch * ((epoch_batches - b) as f64 + measured_batches.max(tm.measured_seconds / sec_per_batch));
        let planned_window = window_batches;
        let reduced = projected > o.budget;
        if reduced {
            window_batches = window_batches.min(((0.8 * o.budget) / 3.0 / sec_per_batch).floor() as usize).max(1);
        }
        let mut windows: Vec<Value> = Vec::new();
        let timed = |t: &mut Trainer,
                     b: &mut usize,
                     window_batches: &mut usize,
                     phase: &str,
                     windows: &mut Vec<Value>|
         -> Res<bool> {
            let ts = Instant::now();
            run(t, *window_batches)?;
            let ms = ms_since(ts);
            let examples = *window_batches * b_size;
            eprintln!(
                "{phase} window {}: {:.1} ex/s ({:.2} s)",
                windows.len() + 1,
                examples as f64 * 1000.0 / ms,
                ms / 1000.0
            );
            windows.push(json!({"phase": phase, "firstBatch": *b % nb, "examples": examples, "ms": ms}));
            *b += *window_batches;
            // A cold warm-up misjudges the time per batch: a short window lengthens the next ones.
            if !reduced && ms < 1000.0 * tm.window_seconds {
                *window_batches = (*window_batches as f64 * 1000.0 * tm.window_seconds / ms.max(1.0)).ceil() as usize;
            }
            Ok(ms_since(t0) <= timeout_ms)
        };
        let mut in_time = true;
        while in_time && b + window_batches <= epoch_batches && !(reduced && windows.len() >= 3) {
            in_time = timed(&mut t, &mut b, &mut window_batches, "epoch1", &mut windows)?;
        }
        while in_time && reduced && windows.len() < 3 {
            in_time = timed(&mut t, &mut b, &mut window_batches, "epoch1+", &mut windows)?;
        }
        if !in_time {
            status = "timeout";
            error = json!(format!("exceeded the time limit ({:.0} s) after {b} batches", timeout_ms / 1000.0));
        }
        if !reduced && status == "ok" && b < epoch_batches {
            run(&mut t, epoch_batches - b)?;
            b = epoch_batches;
        }
        let epoch_seconds = ms_since(t0) / 1000.0;
        let done = b.min(epoch_batches);
        let (mut accuracy, mut accuracy_after, mut accuracy_note, mut eval_seconds) =
            (Value::Null, Value::Null, Value::Null, Value::Null);
        if reduced {
            accuracy_note = json!(format!(
                "not measured: the epoch would take ~{:.0} s > budget {} s (a larger --budget measures it)",
                projected + warm_ms / 1000.0,
                o.budget
            ));
        } else if status == "ok" {
            let ta = Instant::now();
            let e = t.evaluate(test.len()).map_err(|e| e.to_string())?;
            eval_seconds = json!(ms_since(ta) / 1000.0);
            accuracy = json!(e.accuracy);
            accuracy_after = json!(if b >= nb {
                "1 full epoch".to_string()
            } else {
                format!("{} examples (partial epoch, --quick)", done * b_size)
            });
            eprintln!(
                "test accuracy {:.2}% after {} ({epoch_seconds:.1} s)",
                100.0 * e.accuracy,
                accuracy_after.as_str().unwrap_or("")
            );
            // More windows in the same order until the case is measured long enough.
            let measured = |ws: &[Value]| ws.iter().map(|w| w["ms"].as_f64().unwrap_or(0.0)).sum::<f64>();
            let mut after = 0;
            while measured(&windows) < 1000.0 * tm.measured_seconds || windows.len() < tm.min_windows || after < extra {
                if !timed(&mut t, &mut b, &mut window_batches, "after", &mut windows)? {
                    status = "timeout";
                    error = json!(format!("exceeded the time limit ({:.0} s) after {b} batches", timeout_ms / 1000.0));
                    break;
                }
                after += 1;
            }
        }
        Ok(json!({
            "status": status,
            "error": error,
            "reduced": reduced,
            "windows": windows,
            "accuracy": accuracy,
            "accuracyAfter": accuracy_after,
            "accuracyNote": accuracy_note,
            "evalSeconds": eval_seconds,
            "warmup": {"batches": warm_batches, "seconds": warm_ms / 1000.0, "firstBatchSeconds": first_ms / 1000.0, "secondsPerBatch": sec_per_batch},
            "projectedRemainingSeconds": projected,
            "epoch": {"batches": done, "examples": done * b_size, "seconds": epoch_seconds, "complete": b >= nb},
            "procedure": {"windowBatches": planned_window, "reducedWindowBatches": if reduced { json!(window_batches) } else { Value::Null }, "extraWindows": extra, "epochBatches": epoch_batches, "batchSize": b_size, "quick": o.quick, "budgetSeconds": o.budget, "windowSeconds": tm.window_seconds, "measuredSeconds": tm.measured_seconds, "minWindows": tm.min_windows},
            "engineSummary": {"forwardFlops": forward_flops, "trainingFlops": training_flops},
            "engineSpec": serde_json::from_str::<Value>(&spec.to_json()).unwrap_or(Value::Null),
        }))
    }

    pub fn main() -> Res<()> {
        let o = options()?;
        let file = super::workloads::table();
        let standard = file["workloads"].as_object().ok_or("workloads.json has no workloads")?;
        let networks = super::workloads::networks();
        let own = networks.as_object().ok_or("networks.json has no workloads")?;
        let mut all = standard.clone();
        all.extend(own.clone());
        let tm = timing(&file, o.quick);
        let ids: Vec<String> = match &o.workloads {
            Some(ids) => ids.clone(),
            None => standard
                .iter()
                .filter(|(_, w)| !w["optional"].as_bool().unwrap_or(false))
                .map(|(k, _)| k.clone())
                .collect(),
        };
        let ds = &file["dataset"];
        let (seed, n_train, n_test) = (
            ds["seed"].as_u64().unwrap_or(1234) as u32,
            ds["train"].as_u64().unwrap_or(8000) as usize,
            ds["test"].as_u64().unwrap_or(2000) as usize,
        );
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data/mnist");
        let all_data = Dataset::from_idx(
            &read_gz(&data.join("images-idx3-ubyte.gz"))?,
            &read_gz(&data.join("labels-idx1-ubyte.gz"))?,
            10,
        )
        .map_err(|e| e.to_string())?;
        let (train, test) = all_data.split(seed, n_train, n_test).map_err(|e| e.to_string())?;

        let mut cases = Vec::new();
        let mut lines = vec![
            "| workload | train examples/s: median (min–max) | GFLOP/s | test accuracy, 1 epoch | notes |".to_string(),
            "|---|---:|---:|---:|---|".to_string(),
        ];
        for id in &ids {
            let w = all.get(id).ok_or_else(|| format!("unknown workload {id}"))?;
            eprintln!("== {id} (native)");
            let mut case = measure(w, &train, &test, &o, &tm)
                .unwrap_or_else(|e| json!({"status": "error", "error": e, "windows": []}));
            case["workload"] = json!(id);
            let rates: Vec<f64> = case["windows"]
                .as_array()
                .map(|ws| {
                    ws.iter()
                        .map(|w| w["examples"].as_f64().unwrap_or(0.0) * 1000.0 / w["ms"].as_f64().unwrap_or(f64::NAN))
                        .collect()
                })
                .unwrap_or_default();
            let eps = median(&rates);
            let training_flops = case["engineSummary"]["trainingFlops"].as_f64().unwrap_or(f64::NAN);
            let range = if rates.is_empty() {
                String::new()
            } else {
                format!(
                    " ({:.0}–{:.0})",
                    rates.iter().cloned().fold(f64::INFINITY, f64::min),
                    rates.iter().cloned().fold(0.0, f64::max)
                )
            };
            let mut notes = Vec::new();
            if case["status"] != "ok" {
                notes.push(format!(
                    "{}: {}",
                    case["status"].as_str().unwrap_or(""),
                    case["error"].as_str().unwrap_or("")
                ));
            }
            if case["reduced"].as_bool().unwrap_or(false) {
                notes.push("reduced: epoch over budget, short windows, no accuracy".into());
            } else if let Some(after) = case["accuracyAfter"].as_str().filter(|a| *a != "1 full epoch") {
                notes.push(format!("accuracy after {after}"));
            }
            lines.push(format!(
                "| {id} | {}{range} | {} | {} | {} |",
                eps.map_or("–".into(), |e| format!("{e:.0}")),
                eps.map_or("–".into(), |e| format!("{:.2}", e * training_flops / 1e9)),
                case["accuracy"].as_f64().map_or("–".into(), |a| format!("{:.2}%", 100.0 * a)),
                notes.join("; ")
            ));
            cases.push(case);
        }
        println!(
            "\nnn-playground, native ({} {}), {} workloads, budget {} s{}",
            std::env::consts::ARCH,
            std::env::consts::OS,
            ids.len(),
            o.budget,
            if o.quick { ", QUICK" } else { "" }
        );
        println!("{}", lines.join("\n"));
        if let Some(path) = &o.json {
            let out = json!({
                "engine": "native",
                "target": format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS),
                "version": nn_playground::VERSION,
                "cases": cases,
            });
            std::fs::write(path, serde_json::to_string_pretty(&out).unwrap_or_default())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }
}
