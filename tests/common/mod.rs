//! Helpers shared by the native integration tests: the shipped datasets and the standard workloads.
#![allow(dead_code)]

use std::io::Read;

use nn_playground::data::dataset::Dataset;

mod workloads;

/// Reads and gunzips a file of www/data.
pub fn read_gz(rel: &str) -> Vec<u8> {
    let path = format!("{}/www/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut out).unwrap_or_else(|e| panic!("cannot gunzip {path}: {e}"));
    out
}

/// The 10,000 shipped MNIST digits split 8,000/2,000 with the benchmark's seed (1234).
pub fn mnist_split(seed: u32) -> (Dataset, Dataset) {
    let all = Dataset::from_idx(&read_gz("mnist/images-idx3-ubyte.gz"), &read_gz("mnist/labels-idx1-ubyte.gz"), 10)
        .expect("shipped MNIST parses");
    all.split(seed, 8000, 2000).expect("8,000 + 2,000 fit in 10,000")
}

pub use workloads::workload;
