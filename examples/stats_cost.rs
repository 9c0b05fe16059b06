//! What the per-layer statistics cost (`crate::stats`): each standard workload trained twice side by
//! side, without statistics and with them every N steps, in interleaved windows of the same steps
//! (the machine's load changes alike for both), on the benchmark's data in stored order.
//!
//!     cargo run --release --example stats_cost [-- --every N] [--rounds R] [--workloads a,b]
//!
//! Prints, per workload, the examples/s of each and the cost: 1 − (with ÷ without), from the sum of
//! the windows, and the median of the per-round ratios.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "../tests/common/workloads.rs"]
mod workloads;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = native::main() {
        eprintln!("stats_cost: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::Read;
    use std::path::Path;
    use std::time::Instant;

    use nn_playground::data::dataset::Dataset;
    use nn_playground::train::Trainer;

    type Res<T> = std::result::Result<T, String>;

    fn read_gz(path: &Path) -> Res<Vec<u8>> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(file).read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    pub fn main() -> Res<()> {
        let (mut every, mut rounds, mut names) = (25u64, 8usize, vec!["mlp", "convnetjs-mnist", "lenet-ish"]);
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut owned = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let value = args.get(i + 1).ok_or_else(|| format!("{} needs a value", args[i]))?;
            match args[i].as_str() {
                "--every" => every = value.parse().map_err(|_| "--every takes a step count")?,
                "--rounds" => rounds = value.parse().map_err(|_| "--rounds takes a count")?,
                "--workloads" => owned = value.split(',').map(String::from).collect(),
                other => return Err(format!("unknown argument {other}")),
            }
            i += 2;
        }
        if !owned.is_empty() {
            names = owned.iter().map(String::as_str).collect();
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data/mnist");
        let all = Dataset::from_idx(
            &read_gz(&dir.join("images-idx3-ubyte.gz"))?,
            &read_gz(&dir.join("labels-idx1-ubyte.gz"))?,
            10,
        )
        .map_err(|e| e.to_string())?;
        let (train, test) = all.split(1234, 8000, 2000).map_err(|e| e.to_string())?;
        println!("| workload | without (ex/s) | every {every} steps (ex/s) | cost, all windows | cost, median round |");
        println!("|---|---:|---:|---:|---:|");
        for name in names {
            let mut spec = super::workloads::workload(name);
            spec.shuffle = false;
            spec.epochs = 1000;
            let batch = spec.batch_size;
            let make = |stats: u64| -> Res<Trainer> {
                let mut t = Trainer::new(spec.clone()).map_err(|e| e.to_string())?;
                t.set_data(train.clone(), test.clone()).map_err(|e| e.to_string())?;
                t.set_stats_every(stats);
                Ok(t)
            };
            let (mut off, mut on) = (make(0)?, make(every)?);
            // A window of about 0.4 s of work, a whole number of statistics intervals.
            let probe = Instant::now();
            off.train_steps(every as usize).map_err(|e| e.to_string())?;
            on.train_steps(every as usize).map_err(|e| e.to_string())?;
            let per_step = probe.elapsed().as_secs_f64() / (2 * every) as f64;
            let window = ((0.4 / per_step / every as f64).ceil() as usize).max(1) * every as usize;
            let (mut t_off, mut t_on, mut ratios) = (0.0, 0.0, Vec::new());
            for r in 0..rounds {
                // Alternate which goes first, so neither always gets the warmer caches.
                let time = |t: &mut Trainer| -> Res<f64> {
                    let s = Instant::now();
                    t.train_steps(window).map_err(|e| e.to_string())?;
                    let _ = t.take_stats();
                    Ok(s.elapsed().as_secs_f64())
                };
                let (a, b) = if r % 2 == 0 {
                    let a = time(&mut off)?;
                    (a, time(&mut on)?)
                } else {
                    let b = time(&mut on)?;
                    (time(&mut off)?, b)
                };
                t_off += a;
                t_on += b;
                ratios.push(a / b);
            }
            ratios.sort_by(f64::total_cmp);
            let median = ratios[ratios.len() / 2];
            let examples = (rounds * window * batch) as f64;
            println!(
                "| {name} | {:.0} | {:.0} | {:.1}% | {:.1}% |",
                examples / t_off,
                examples / t_on,
                100.0 * (1.0 - t_off / t_on),
                100.0 * (1.0 - median)
            );
        }
        Ok(())
    }
}
