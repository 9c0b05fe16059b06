//! A dataset of u8 images with u8 labels: validated construction, the seeded train/test split,
//! and batches normalised to f32 on the fly (with optional shift augmentation).
//!
//! Pixels stay u8 in memory (a quarter of the f32 size: 60,000 MNIST images are 47 MB, not
//! 188 MB) and become `pixel / 255` only when a batch is filled.

use crate::data::idx::{self, thousands};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::{Dims, Tensor};

/// Largest shift, in pixels along each axis, that augmentation applies (offsets are −2..=2).
pub const MAX_SHIFT: usize = 2;

/// `n` images of `dims` (c × h × w, u8, image-major then NCHW) and their labels in `0..classes`.
/// Fields are private so that every `Dataset` is a validated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
    dims: Dims,
    n: usize,
    classes: usize,
}

impl Dataset {
    /// Builds a dataset from an uncompressed IDX images file and labels file (see `idx`).
    /// Images are one channel: dims are 1 × rows × cols.
    pub fn from_idx(images: &[u8], labels: &[u8], classes: usize) -> Result<Dataset> {
        check_classes(classes)?;
        let img = idx::parse_images(images)?;
        let lab = idx::parse_labels(labels, classes)?;
        if img.n != lab.len() {
            return Err(Error::Data(format!(
                "the images file has {} images but the labels file has {} labels; \
                 they must come from the same set (for example both t10k or both train)",
                thousands(img.n),
                thousands(lab.len())
            )));
        }
        Dataset::from_parts(img.pixels.to_vec(), lab.to_vec(), Dims::new(1, img.rows, img.cols), classes)
    }

    /// Builds a dataset from raw parts: `images` holds `labels.len()` images of `dims`, each
    /// label is below `classes`, and there is at least one image.
    pub fn from_parts(images: Vec<u8>, labels: Vec<u8>, dims: Dims, classes: usize) -> Result<Dataset> {
        check_classes(classes)?;
        let per_image = dims.len();
        if per_image == 0 {
            return Err(Error::Data(format!("image shape {dims} has no pixels; every side must be at least 1")));
        }
        let n = labels.len();
        if n == 0 {
            return Err(Error::Data("the dataset has no labels (0 examples); it needs at least one".into()));
        }
        if images.len() % per_image != 0 {
            return Err(Error::Data(format!(
                "the images hold {} bytes, which is not a whole number of {dims} images ({} bytes each)",
                thousands(images.len()),
                thousands(per_image)
            )));
        }
        if images.len() / per_image != n {
            return Err(Error::Data(format!(
                "there are {} images of {dims} but {} labels; each image needs exactly one label",
                thousands(images.len() / per_image),
                thousands(n)
            )));
        }
        idx::check_labels(&labels, classes)?;
        Ok(Dataset { images, labels, dims, n, classes })
    }

    /// Number of examples (at least 1).
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a dataset has at least one example. (Present because `len` is.)
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Shape of one image: c × h × w.
    pub fn dims(&self) -> Dims {
        self.dims
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    /// All pixels, u8, image-major.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The u8 pixels of image `i`.
    pub fn image(&self, i: usize) -> Result<&[u8]> {
        self.check_index(i)?;
        let len = self.dims.len();
        Ok(&self.images[i * len..(i + 1) * len])
    }

    /// Image `i` as f32 `pixel / 255`, c × h × w (for drawing or a single prediction).
    pub fn image_f32(&self, i: usize) -> Result<Vec<f32>> {
        Ok(self.image(i)?.iter().map(|&p| normalise(p)).collect())
    }

    /// How many examples each class has: `counts[c]` for c in `0..classes`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            // Labels were checked against `classes` at construction.
            counts[usize::from(l)] += 1;
        }
        counts
    }

    /// A new dataset of the examples at `indices`, in that order (repeats allowed).
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
        self.check_indices(indices)?;
        let len = self.dims.len();
        let mut images = Vec::with_capacity(indices.len() * len);
        for &i in indices {
            images.extend_from_slice(&self.images[i * len..(i + 1) * len]);
        }
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset::from_parts(images, labels, self.dims, self.classes)
    }

    /// The seeded split, the same as the benchmark's (bench/data.js): shuffle the indices
    /// `0..n` in stored order with Fisher–Yates driven by mulberry32(`seed`) (see
    /// [`split_indices`]); the first `n_train` are the training set and the last `n_test` the
    /// test set, each in that shuffled order. Returns (train, test).
    pub fn split(&self, seed: u32, n_train: usize, n_test: usize) -> Result<(Dataset, Dataset)> {
        let (train, test) = split_indices(seed, self.n, n_train, n_test)?;
        Ok((self.subset(&train)?, self.subset(&test)?))
    }

    /// Fills `x` (reshaped to `indices.len()` × dims, NCHW) with the images at `indices` as
    /// `pixel / 255`, and `y` with their labels. Once `x` and `y` have held a batch this large,
    /// nothing is allocated.
    ///
    /// With `augment`, each image is shifted by a random whole number of pixels in −2..=2 along
    /// each axis (drawn from the rng: dy then dx, image by image), and the uncovered border is
    /// zero. On error (an index out of range) `x` and `y` are left unchanged.
    ///
    /// Shapes: indices [b] → x [b, c, h, w], y [b].
    pub fn fill_batch(
        &self,
        indices: &[usize],
        x: &mut Tensor,
        y: &mut Vec<u8>,
        mut augment: Option<&mut Rng>,
    ) -> Result<()> {
        self.check_indices(indices)?;
        let len = self.dims.len();
        x.reshape(indices.len(), self.dims);
        y.clear();
        for (&i, dst) in indices.iter().zip(x.data.chunks_exact_mut(len)) {
            let src = &self.images[i * len..(i + 1) * len];
            match augment.as_deref_mut() {
                None => {
                    for (d, &p) in dst.iter_mut().zip(src) {
                        *d = normalise(p);
                    }
                }
                Some(rng) => {
                    let span = 2 * MAX_SHIFT as u32 + 1;
                    let dy = rng.below(span) as isize - MAX_SHIFT as isize;
                    let dx = rng.below(span) as isize - MAX_SHIFT as isize;
                    shift_normalise(src, dst, self.dims, dy, dx);
                }
            }
            y.push(self.labels[i]);
        }
        Ok(())
    }

    fn check_index(&self, i: usize) -> Result<()> {
        if i >= self.n {
            return Err(Error::Usage(format!(
                "example {} is outside the dataset's {} examples (0..{})",
                thousands(i),
                thousands(self.n),
                thousands(self.n - 1)
            )));
        }
        Ok(())
    }

    fn check_indices(&self, indices: &[usize]) -> Result<()> {
        match indices.iter().find(|&&i| i >= self.n) {
            Some(&i) => self.check_index(i),
            None => Ok(()),
        }
    }
}

/// u8 pixel → f32 in [0, 1]. A division (exactly rounded) rather than a multiply by 1/255, so
/// the values match `pixel / 255` computed anywhere else, bit for bit.
fn normalise(p: u8) -> f32 {
    f32::from(p) / 255.0
}

/// Writes `src` moved down by `dy` and right by `dx` (either may be negative) into `dst`,
/// normalised, zero where nothing moved in. Every channel moves together.
/// Output pixel (oy, ox) reads input (oy − dy, ox − dx).
fn shift_normalise(src: &[u8], dst: &mut [f32], dims: Dims, dy: isize, dx: isize) {
    let (h, w) = (dims.h, dims.w);
    let (hi, wi) = (h as isize, w as isize);
    // Columns ox in lo..hi read a source column inside the image.
    let lo = dx.clamp(0, wi) as usize;
    let hi_col = (wi + dx).clamp(0, wi) as usize;
    for (s, d) in src.chunks_exact(h * w).zip(dst.chunks_exact_mut(h * w)) {
        for (oy, row) in d.chunks_exact_mut(w).enumerate() {
            let sy = oy as isize - dy;
            if sy < 0 || sy >= hi {
                row.fill(0.0);
                continue;
            }
            let srow = &s[sy as usize * w..(sy as usize + 1) * w];
            row[..lo].fill(0.0);
            row[hi_col..].fill(0.0);
            for ox in lo..hi_col {
                row[ox] = normalise(srow[(ox as isize - dx) as usize]);
            }
        }
    }
}

fn check_classes(classes: usize) -> Result<()> {
    if !(1..=256).contains(&classes) {
        return Err(Error::Usage(format!(
            "a dataset needs between 1 and 256 classes (labels are bytes), not {classes}"
        )));
    }
    Ok(())
}

/// mulberry32, the small PRNG of the benchmark's split (`mulberry32` in bench/data.js), in u32
/// wrapping arithmetic, so that the Rust and JS splits agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mulberry32 {
    a: u32,
}

impl Mulberry32 {
    pub fn new(seed: u32) -> Self {
        Mulberry32 { a: seed }
    }

    pub fn next_u32(&mut self) -> u32 {
        // JS: a = (a + 0x6d2b79f5) >>> 0; t = imul(t ^ t >>> 15, t | 1);
        //     t ^= t + imul(t ^ t >>> 7, t | 61); return (t ^ t >>> 14) >>> 0
        self.a = self.a.wrapping_add(0x6D2B_79F5);
        let mut t = self.a;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        t ^ (t >> 14)
    }

    /// Uniform in [0, 1): `u32 / 2³²` as f64, exactly as JS computes it.
    pub fn next_f64(&mut self) -> f64 {
        f64::from(self.next_u32()) / 4_294_967_296.0
    }
}

/// The split's permutation of `0..n`: Fisher–Yates from the end with mulberry32(`seed`),
/// `j = floor(rand · (i + 1))`, as `splitPermutation` in bench/data.js.
pub fn split_permutation(seed: u32, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rand = Mulberry32::new(seed);
    for i in (1..n).rev() {
        // rand < 1, so j ≤ i; `min` only guards the cast.
        let j = ((rand.next_f64() * (i + 1) as f64).floor() as usize).min(i);
        order.swap(i, j);
    }
    order
}

/// The indices of the seeded split: the first `n_train` of [`split_permutation`] and the last
/// `n_test`. They are disjoint when `n_train + n_test ≤ n`, which is required.
pub fn split_indices(seed: u32, n: usize, n_train: usize, n_test: usize) -> Result<(Vec<usize>, Vec<usize>)> {
    if n_train == 0 || n_test == 0 || n_train.saturating_add(n_test) > n {
        return Err(Error::Usage(format!(
            "cannot split {} examples into {} for training and {} for testing: both need at least 1 \
             and together at most {}",
            thousands(n),
            thousands(n_train),
            thousands(n_test),
            thousands(n)
        )));
    }
    let order = split_permutation(seed, n);
    Ok((order[..n_train].to_vec(), order[n - n_test..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    /// 6 one-channel 2×2 images; image k has all pixels 10·k, label k % 3.
    fn tiny() -> Result<Dataset> {
        let images = (0..6u8).flat_map(|k| [10 * k; 4]).collect();
        let labels = (0..6u8).map(|k| k % 3).collect();
        Dataset::from_parts(images, labels, Dims::new(1, 2, 2), 3)
    }

    #[test]
    fn from_parts_validates() -> Result<()> {
        let d = tiny()?;
        assert_eq!((d.len(), d.dims(), d.classes()), (6, Dims::new(1, 2, 2), 3));
        assert_eq!(d.class_counts(), vec![2, 2, 2]);
        assert_eq!(d.image(5)?, &[50; 4]);
        let m = message(Dataset::from_parts(vec![0; 9], vec![0, 0], Dims::new(1, 2, 2), 3));
        assert!(m.contains("not a whole number of 1×2×2 images"), "{m}");
        let m = message(Dataset::from_parts(vec![0; 12], vec![0, 0], Dims::new(1, 2, 2), 3));
        assert_eq!(m, "there are 3 images of 1×2×2 but 2 labels; each image needs exactly one label");
        let m = message(Dataset::from_parts(vec![0; 8], vec![0, 3], Dims::new(1, 2, 2), 3));
        assert!(m.starts_with("label 3 at index 1 is outside 0..2"), "{m}");
        assert!(message(Dataset::from_parts(vec![], vec![], Dims::new(1, 2, 2), 3)).contains("no labels"));
        assert!(message(Dataset::from_parts(vec![0; 4], vec![0], Dims::new(1, 2, 2), 0)).contains("not 0"));
        assert!(message(d.image(6)).contains("example 6 is outside the dataset's 6 examples (0..5)"));
        Ok(())
    }

    #[test]
    fn from_idx_checks_the_pair() -> Result<()> {
        let images = idx::encode_images(3, 2, 2, &[7; 12])?;
        let d = Dataset::from_idx(&images, &idx::encode_labels(&[1, 0, 1])?, 2)?;
        assert_eq!((d.len(), d.dims()), (3, Dims::new(1, 2, 2)));
        let m = message(Dataset::from_idx(&images, &idx::encode_labels(&[1, 0])?, 2));
        assert!(m.starts_with("the images file has 3 images but the labels file has 2 labels"), "{m}");
        let m = message(Dataset::from_idx(&idx::encode_labels(&[1, 0, 1])?, &images, 2));
        assert!(m.contains("did you swap the two files?"), "{m}");
        Ok(())
    }

    /// The first outputs of mulberry32(1234) and the permutations' ends were produced by the
    /// benchmark's JavaScript with node 20, from the repository root:
    ///   import { mulberry32, splitPermutation } from './bench/data.js'
    ///   const r = mulberry32(1234); [r(), r(), r()].map(x => x * 4294967296)
    ///   splitPermutation(seed, 10000)
    #[test]
    fn split_permutation_matches_the_benchmarks() {
        let mut r = Mulberry32::new(1234);
        assert_eq!([r.next_u32(), r.next_u32(), r.next_u32()], [314_799_534, 3_021_131_492, 3_877_737_075]);
        let p = split_permutation(1234, 10_000);
        assert_eq!(p[..8], [211, 9973, 125, 475, 3657, 2777, 9356, 950]);
        assert_eq!(p[10_000 - 4..], [9702, 9026, 7033, 732]);
        let p = split_permutation(0, 10_000);
        assert_eq!(p[..8], [2266, 9975, 8652, 267, 4563, 1917, 3293, 4266]);
        assert_eq!(p[10_000 - 4..], [1461, 2232, 3, 2664]);
        assert_eq!(split_permutation(0, 5), [4, 2, 3, 0, 1]);
    }

    #[test]
    fn split_takes_first_and_last() -> Result<()> {
        let d = tiny()?;
        // split_permutation(0, 6) is the order; train = its first 4, test = its last 2.
        let order = split_permutation(0, 6);
        let (train, test) = d.split(0, 4, 2)?;
        assert_eq!(train.len() + test.len(), 6);
        for (k, &i) in order[..4].iter().enumerate() {
            assert_eq!(train.image(k)?, d.image(i)?);
            assert_eq!(train.labels()[k], d.labels()[i]);
        }
        assert_eq!(test.image(1)?, d.image(order[5])?);
        assert_eq!(d.split(0, 4, 2)?, (train, test));
        assert!(message(d.split(0, 5, 2)).contains("cannot split 6 examples into 5 for training and 2"));
        assert!(d.split(0, 0, 2).is_err());
        Ok(())
    }

    #[test]
    fn fill_batch_normalises_without_reallocating() -> Result<()> {
        let d = tiny()?;
        let (mut x, mut y) = (Tensor::default(), Vec::new());
        d.fill_batch(&[5, 0, 2], &mut x, &mut y, None)?;
        assert_eq!((x.n, x.dims()), (3, Dims::new(1, 2, 2)));
        assert_eq!(x.example(0), &[50.0 / 255.0; 4]);
        assert_eq!(x.example(1), &[0.0; 4]);
        assert_eq!(y, [2, 0, 2]);
        assert_eq!(d.image_f32(2)?, vec![20.0 / 255.0; 4]);
        let (xp, yp) = (x.data.as_ptr(), y.as_ptr());
        d.fill_batch(&[1, 3], &mut x, &mut y, None)?;
        d.fill_batch(&[4, 4, 4], &mut x, &mut y, None)?;
        assert_eq!((x.data.as_ptr(), y.as_ptr()), (xp, yp), "a warm batch must not reallocate");
        assert_eq!(y, [1, 1, 1]);
        // A bad index changes nothing.
        let before = (x.clone(), y.clone());
        assert!(message(d.fill_batch(&[0, 6], &mut x, &mut y, None)).contains("example 6 is outside"));
        assert_eq!((x, y), before);
        Ok(())
    }

    #[test]
    fn shift_moves_a_known_pixel() {
        // 5×5 with one lit pixel at (row 2, col 2) and one at (0, 1).
        let mut src = [0u8; 25];
        src[2 * 5 + 2] = 255;
        src[1] = 51;
        let mut dst = [9.0f32; 25];
        // Down 1, left 2: (2,2) → (3,0); (0,1) → (1,−1), off the image; the rest is zero.
        shift_normalise(&src, &mut dst, Dims::new(1, 5, 5), 1, -2);
        let mut want = [0.0f32; 25];
        want[3 * 5] = 1.0;
        assert_eq!(dst, want);
        // Up 2, right 2: (2,2) → (0,4); (0,1) → (−2,3), gone.
        shift_normalise(&src, &mut dst, Dims::new(1, 5, 5), -2, 2);
        let mut want = [0.0f32; 25];
        want[4] = 1.0;
        assert_eq!(dst, want);
        // No shift is the plain normalisation.
        shift_normalise(&src, &mut dst, Dims::new(1, 5, 5), 0, 0);
        assert_eq!((dst[12], dst[1]), (1.0, 0.2));
    }

    #[test]
    fn augmented_batches_draw_every_offset() -> Result<()> {
        let mut src = vec![0u8; 25];
        src[12] = 255; // the centre (2, 2)
        let d = Dataset::from_parts(src, vec![0], Dims::new(1, 5, 5), 1)?;
        let mut rng = Rng::new(11);
        let (mut x, mut y) = (Tensor::default(), Vec::new());
        let mut seen = [[false; 5]; 5];
        for _ in 0..200 {
            // The same draws the batch will make: dy then dx, each in −2..=2.
            let mut probe = rng.clone();
            let dy = probe.below(5) as usize;
            let dx = probe.below(5) as usize;
            d.fill_batch(&[0], &mut x, &mut y, Some(&mut rng))?;
            // Centre (2,2) moved by (dy−2, dx−2) lands on (dy, dx), the only lit pixel.
            assert_eq!(x.data.iter().filter(|&&v| v != 0.0).count(), 1);
            assert_eq!(x.data[dy * 5 + dx], 1.0);
            seen[dy][dx] = true;
        }
        assert!(seen.iter().flatten().all(|&s| s), "all 25 offsets occur: {seen:?}");
        Ok(())
    }
}
