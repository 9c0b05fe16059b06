//! Reference kernels on plain slices: GEMM, im2col/col2im, pooling, activations and `exp`/`ln`.
//!
//! These are the readable versions; a SIMD128 module with the same signatures must agree with them
//! bit for bit. Two rules make that possible:
//!
//! - **No fused multiply-add.** Every `a * b + c` here is a rounded product then a rounded sum
//!   (Rust never contracts them on its own), and the summation order of every output element is
//!   fixed and documented next to each kernel.
//! - **No libm.** `f32::exp`, `tanh` and `ln` come from different libm implementations natively and
//!   in WebAssembly, so `exp_f32`/`expm1_f32`/`ln_f32` below are built from `+ − × ÷` and exact
//!   bit operations only, and everything transcendental (sigmoid, tanh, elu, softmax, the loss) is
//!   derived from them.
//!
//! Nothing here allocates; shapes are `debug_assert!`ed, because `model::validate` has checked
//! them before any layer was built.

// ---------------------------------------------------------------------------------------------
// GEMM (row-major, accumulating: callers zero or pre-fill `c`)
// ---------------------------------------------------------------------------------------------

/// c(m×n) += a(m×k) · b(k×n), all row-major.
///
/// Summation order (the SIMD version vectorises over the output column `j`, so it must match):
/// every `c[i][j]` is updated as `c = c + a[i][p]·b[p][j]` for p = 0, 1, 2, … in order, one
/// rounded product and one rounded add per step, starting from the value already in `c`.
pub fn gemm_nn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    debug_assert_eq!(a.len(), m * k);
    debug_assert_eq!(b.len(), k * n);
    debug_assert_eq!(c.len(), m * n);
    for i in 0..m {
        let c_row = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let a_ip = a[i * k + p];
            let b_row = &b[p * n..(p + 1) * n];
            for (c_ij, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_ip * b_pj;
            }
        }
    }
}

/// c(m×n) += a(m×k) · bᵀ, where b is stored n×k (so both operands are read along contiguous k).
///
/// Summation order (a 4-lane SIMD dot product must reproduce it): four partial sums, starting at
/// +0, with element p going to lane `p % 4` in increasing p (full blocks of 4, then the tail
/// `p ≥ 4·⌊k/4⌋` into lanes 0, 1, 2 in order); then `total = (s0 + s1) + (s2 + s3)`; then
/// `c = c + total`.
pub fn gemm_nt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    debug_assert_eq!(a.len(), m * k);
    debug_assert_eq!(b.len(), n * k);
    debug_assert_eq!(c.len(), m * n);
    for i in 0..m {
        let a_row = &a[i * k..(i + 1) * k];
        for j in 0..n {
            let b_row = &b[j * k..(j + 1) * k];
            c[i * n + j] += dot4(a_row, b_row);
        }
    }
}

/// The dot product of `gemm_nt`: lane p % 4, then (s0 + s1) + (s2 + s3).
#[inline]
fn dot4(a: &[f32], b: &[f32]) -> f32 {
    let mut s = [0.0f32; 4];
    let blocks = a.len() / 4 * 4;
    for (a4, b4) in a[..blocks].chunks_exact(4).zip(b[..blocks].chunks_exact(4)) {
        for lane in 0..4 {
            s[lane] += a4[lane] * b4[lane];
        }
    }
    // The tail continues the same rule: element p goes to lane p % 4 (= its offset past `blocks`).
    for (lane, (&x, &y)) in a[blocks..].iter().zip(&b[blocks..]).enumerate() {
        s[lane] += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// c(m×n) += aᵀ · b(k×n), where a is stored k×m.
///
/// Summation order: as `gemm_nn` (vectorised over `j`): every `c[i][j]` is updated as
/// `c = c + a[p][i]·b[p][j]` for p = 0, 1, 2, … in order.
pub fn gemm_tn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    debug_assert_eq!(a.len(), k * m);
    gemm_tn_strided(m, k, n, a, m, b, c);
}

/// `gemm_tn` on the first m columns of a matrix stored k×lda (lda ≥ m): a's element (p, i) is
/// `a[p·lda + i]`. Same order; each element of c depends only on its own row and column, so a
/// block of columns of a gives exactly those rows of the full product.
pub fn gemm_tn_strided(m: usize, k: usize, n: usize, a: &[f32], lda: usize, b: &[f32], c: &mut [f32]) {
    debug_assert!(lda >= m && (k == 0 || a.len() >= (k - 1) * lda + m));
    debug_assert_eq!(b.len(), k * n);
    debug_assert_eq!(c.len(), m * n);
    for i in 0..m {
        let c_row = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let a_pi = a[p * lda + i];
            let b_row = &b[p * n..(p + 1) * n];
            for (c_ij, &b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_pi * b_pj;
            }
        }
    }
}

/// Row sums added into `out`: out[r] = out[r] + Σ_j x[r][j] (a bias gradient: one row per filter).
///
/// Shapes: x [rows, cols] → out [rows]. Order: each row is summed left to right starting from −0.0
/// (the identity element, and what `Iterator::sum` starts from, so `−0 + x = x` for every x), then
/// added to `out[r]`. The SIMD version keeps this order and runs 8 rows side by side instead.
pub fn add_row_sums(rows: usize, cols: usize, x: &[f32], out: &mut [f32]) {
    debug_assert_eq!(x.len(), rows * cols);
    debug_assert_eq!(out.len(), rows);
    for (o, row) in out.iter_mut().zip(x.chunks_exact(cols.max(1))) {
        let mut sum = -0.0f32;
        for &v in row {
            sum += v;
        }
        *o += sum;
    }
}

/// Σ x² in f64, for the global gradient norm.
///
/// Order: eight partial sums starting at +0, element p (squared exactly in f64) going to sum
/// p % 8 in increasing p; then ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)). Eight chains
/// instead of one let the adds overlap (a single chain waits for each add), about 6× faster:
/// 0.02 ms for the MLP's 101,770 gradients in Chromium. There is no SIMD128 version: the same
/// sums in four f64x2 accumulators measured 3× slower than this loop in V8.
pub fn sum_squares(x: &[f32]) -> f64 {
    let mut s = [0.0f64; 8];
    let blocks = x.len() / 8 * 8;
    for chunk in x[..blocks].chunks_exact(8) {
        for (acc, &v) in s.iter_mut().zip(chunk) {
            let v = f64::from(v);
            *acc += v * v;
        }
    }
    for (acc, &v) in s.iter_mut().zip(&x[blocks..]) {
        let v = f64::from(v);
        *acc += v * v;
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// ---------------------------------------------------------------------------------------------
// Convolution as GEMM: im2col / col2im
// ---------------------------------------------------------------------------------------------

/// The geometry of one 2-D convolution over a single image (c×h×w input, kh×kw kernel).
///
/// Padding may be asymmetric: TensorFlow's "same" with an even kernel pads one more pixel on the
/// bottom/right than on the top/left. Only the top/left pads are needed to index; the bottom/right
/// ones enter through `oh`/`ow`: `oh = ⌊(h + pad_top + pad_bottom − kh) / stride⌋ + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dDims {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Conv2dDims {
    /// Computes the output size from `pads = (top, bottom, left, right)`.
    ///
    /// The kernel must fit the padded input and the stride must be at least 1 (validation
    /// guarantees both); otherwise debug builds panic and release builds get an empty output.
    pub fn new(
        (c, h, w): (usize, usize, usize),
        (kh, kw): (usize, usize),
        stride: usize,
        (pad_top, pad_bottom, pad_left, pad_right): (usize, usize, usize, usize),
    ) -> Self {
        debug_assert!(stride >= 1, "conv2d stride must be at least 1");
        debug_assert!(kh >= 1 && kw >= 1, "conv2d kernel must be at least 1×1");
        debug_assert!(
            h + pad_top + pad_bottom >= kh && w + pad_left + pad_right >= kw,
            "{kh}×{kw} kernel does not fit a padded {h}×{w} input"
        );
        let stride = stride.max(1);
        let out = |size: usize, pads: usize, k: usize| match (size + pads).checked_sub(k) {
            Some(room) if k >= 1 => room / stride + 1,
            _ => 0,
        };
        Conv2dDims {
            c,
            h,
            w,
            kh,
            kw,
            stride,
            pad_top,
            pad_left,
            oh: out(h, pad_top + pad_bottom, kh),
            ow: out(w, pad_left + pad_right, kw),
        }
    }

    /// Rows of the column matrix: one per weight of a filter, `c·kh·kw`.
    pub const fn rows(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Columns of the column matrix: one per output pixel, `oh·ow`.
    pub const fn cols(&self) -> usize {
        self.oh * self.ow
    }

    /// Values of one input image, `c·h·w`.
    pub const fn in_len(&self) -> usize {
        self.c * self.h * self.w
    }

    /// The output columns `ox` whose input column `ox·stride + kj − pad_left` lies inside
    /// `[0, w)`; the others read padding. Same for rows with (`oh`, `h`, `pad_top`).
    pub(super) fn inside(out: usize, size: usize, pad: usize, k: usize, stride: usize) -> (usize, usize) {
        // ox·stride ≥ pad − k  ⇔  ox ≥ ⌈(pad − k) / stride⌉
        let lo = pad.saturating_sub(k).div_ceil(stride).min(out);
        // ox·stride + k − pad < size  ⇔  ox < ⌈(size + pad − k) / stride⌉
        let hi = (size + pad).saturating_sub(k).div_ceil(stride).min(out);
        (lo, hi.max(lo))
    }
}

/// Unfolds one image into columns so that a convolution becomes `W(F × c·kh·kw) · cols`.
///
/// Shapes: x [c, h, w] → cols [c·kh·kw, oh·ow] (overwritten), where row `(ci·kh + ki)·kw + kj` and
/// column `oy·ow + ox` hold `x[ci][oy·stride + ki − pad_top][ox·stride + kj − pad_left]`, or 0
/// in the padding. The row order matches weights stored as `[F, c, kh, kw]`.
pub fn im2col(d: &Conv2dDims, x: &[f32], cols: &mut [f32]) {
    debug_assert_eq!(x.len(), d.in_len());
    debug_assert_eq!(cols.len(), d.rows() * d.cols());
    let ohw = d.cols();
    for ci in 0..d.c {
        let plane = &x[ci * d.h * d.w..(ci + 1) * d.h * d.w];
        for ki in 0..d.kh {
            let (oy_lo, oy_hi) = Conv2dDims::inside(d.oh, d.h, d.pad_top, ki, d.stride);
            for kj in 0..d.kw {
                let (ox_lo, ox_hi) = Conv2dDims::inside(d.ow, d.w, d.pad_left, kj, d.stride);
                let row = (ci * d.kh + ki) * d.kw + kj;
                let out = &mut cols[row * ohw..(row + 1) * ohw];
                for oy in 0..d.oh {
                    let out_row = &mut out[oy * d.ow..(oy + 1) * d.ow];
                    if oy < oy_lo || oy >= oy_hi {
                        out_row.fill(0.0);
                        continue;
                    }
                    let iy = oy * d.stride + ki - d.pad_top;
                    let in_row = &plane[iy * d.w..(iy + 1) * d.w];
                    out_row[..ox_lo].fill(0.0);
                    out_row[ox_hi..].fill(0.0);
                    for ox in ox_lo..ox_hi {
                        out_row[ox] = in_row[ox * d.stride + kj - d.pad_left];
                    }
                }
            }
        }
    }
}

/// The adjoint of `im2col`: adds every column entry back into the input pixel it was read from
/// (padding entries are dropped). Accumulates into `x`, so the caller zeroes it first.
///
/// Shapes: cols [c·kh·kw, oh·ow] → x [c, h, w]. Order: rows, then output rows, then output
/// columns, each increasing (overlapping windows add in that order).
pub fn col2im(d: &Conv2dDims, cols: &[f32], x: &mut [f32]) {
    debug_assert_eq!(cols.len(), d.rows() * d.cols());
    col2im_rows(d, 0, cols, x);
}

/// `col2im` of the rows `first_row ..` of the column matrix, given as `cols` (a whole number of
/// rows of oh·ow). Calling it on consecutive blocks of rows in order adds exactly what one
/// `col2im` adds, in the same order, without the whole column matrix in memory.
pub fn col2im_rows(d: &Conv2dDims, first_row: usize, cols: &[f32], x: &mut [f32]) {
    debug_assert_eq!(x.len(), d.in_len());
    let ohw = d.cols();
    debug_assert!(cols.len() % ohw.max(1) == 0 && first_row + cols.len() / ohw.max(1) <= d.rows());
    for (row, src) in (first_row..).zip(cols.chunks_exact(ohw.max(1))) {
        let (ci, ki, kj) = (row / (d.kh * d.kw), row / d.kw % d.kh, row % d.kw);
        let plane = &mut x[ci * d.h * d.w..(ci + 1) * d.h * d.w];
        let (oy_lo, oy_hi) = Conv2dDims::inside(d.oh, d.h, d.pad_top, ki, d.stride);
        let (ox_lo, ox_hi) = Conv2dDims::inside(d.ow, d.w, d.pad_left, kj, d.stride);
        for oy in oy_lo..oy_hi {
            let iy = oy * d.stride + ki - d.pad_top;
            let in_row = &mut plane[iy * d.w..(iy + 1) * d.w];
            let src_row = &src[oy * d.ow..(oy + 1) * d.ow];
            for ox in ox_lo..ox_hi {
                in_row[ox * d.stride + kj - d.pad_left] += src_row[ox];
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pooling (no padding, floor output size)
// ---------------------------------------------------------------------------------------------

/// The geometry of a size×size pooling window over a single c×h×w image, without padding:
/// `oh = ⌊(h − size) / stride⌋ + 1` (rows and columns that no window reaches are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool2dDims {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub size: usize,
    pub stride: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Pool2dDims {
    /// The window must fit and the stride be at least 1 (validation guarantees both); otherwise
    /// debug builds panic and release builds get an empty output.
    pub fn new((c, h, w): (usize, usize, usize), size: usize, stride: usize) -> Self {
        debug_assert!(size >= 1 && stride >= 1, "pool size and stride must be at least 1");
        debug_assert!(size <= h && size <= w, "{size}×{size} pool does not fit a {h}×{w} input");
        let stride = stride.max(1);
        let out = |len: usize| match len.checked_sub(size) {
            Some(room) if size >= 1 => room / stride + 1,
            _ => 0,
        };
        Pool2dDims { c, h, w, size, stride, oh: out(h), ow: out(w) }
    }

    pub const fn in_len(&self) -> usize {
        self.c * self.h * self.w
    }

    pub const fn out_len(&self) -> usize {
        self.c * self.oh * self.ow
    }
}

/// Max pooling of one image; records where each maximum came from for the backward pass.
///
/// Shapes: x [c, h, w] → y [c, oh, ow], argmax [c, oh, ow] (indices into x). The window is scanned
/// row by row and only a strictly greater value replaces the best, so on ties the first wins.
pub fn max_pool_forward(d: &Pool2dDims, x: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    debug_assert_eq!(x.len(), d.in_len());
    debug_assert_eq!(y.len(), d.out_len());
    debug_assert_eq!(argmax.len(), d.out_len());
    let mut o = 0;
    for ci in 0..d.c {
        let plane = ci * d.h * d.w;
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                let first = plane + oy * d.stride * d.w + ox * d.stride;
                let (mut best, mut best_i) = (x[first], first);
                for ky in 0..d.size {
                    let row = first + ky * d.w;
                    for (kx, &v) in x[row..row + d.size].iter().enumerate() {
                        if v > best {
                            best = v;
                            best_i = row + kx;
                        }
                    }
                }
                y[o] = best;
                argmax[o] = best_i as u32;
                o += 1;
            }
        }
    }
}

/// Routes each output gradient to the input that won its window. Accumulates into `grad_x`
/// (overlapping windows may share a winner), so the caller zeroes it first.
///
/// Shapes: grad_y [c, oh, ow], argmax [c, oh, ow] → grad_x [c, h, w].
pub fn max_pool_backward(d: &Pool2dDims, argmax: &[u32], grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert_eq!(grad_x.len(), d.in_len());
    debug_assert_eq!(grad_y.len(), d.out_len());
    debug_assert_eq!(argmax.len(), d.out_len());
    for (&i, &g) in argmax.iter().zip(grad_y) {
        grad_x[i as usize] += g;
    }
}

/// Average pooling of one image: y = (Σ window, row by row) / size².
///
/// Shapes: x [c, h, w] → y [c, oh, ow].
pub fn avg_pool_forward(d: &Pool2dDims, x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), d.in_len());
    debug_assert_eq!(y.len(), d.out_len());
    let area = (d.size * d.size) as f32;
    let mut o = 0;
    for ci in 0..d.c {
        let plane = ci * d.h * d.w;
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                let first = plane + oy * d.stride * d.w + ox * d.stride;
                let mut sum = 0.0f32;
                for ky in 0..d.size {
                    let row = first + ky * d.w;
                    for &v in &x[row..row + d.size] {
                        sum += v;
                    }
                }
                y[o] = sum / area;
                o += 1;
            }
        }
    }
}

/// ∂y/∂x = 1/size² for every pixel of the window. Accumulates into `grad_x`, so the caller zeroes
/// it first.
///
/// Shapes: grad_y [c, oh, ow] → grad_x [c, h, w].
pub fn avg_pool_backward(d: &Pool2dDims, grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert_eq!(grad_x.len(), d.in_len());
    debug_assert_eq!(grad_y.len(), d.out_len());
    let area = (d.size * d.size) as f32;
    let mut o = 0;
    for ci in 0..d.c {
        let plane = ci * d.h * d.w;
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                let g = grad_y[o] / area;
                let first = plane + oy * d.stride * d.w + ox * d.stride;
                for ky in 0..d.size {
                    let row = first + ky * d.w;
                    for v in &mut grad_x[row..row + d.size] {
                        *v += g;
                    }
                }
                o += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// exp, expm1, ln without libm
// ---------------------------------------------------------------------------------------------

/// 1.5·2²³: adding then subtracting it rounds any |t| < 2²² to the nearest integer (ties to even),
/// using only exactly rounded additions.
pub(super) const ROUND_MAGIC: f32 = 12_582_912.0;
pub(super) const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two (Cody–Waite): `LN2_HI` has 9 significant bits, so `n·LN2_HI` is exact for
/// |n| ≤ 2¹⁵ and `x − n·LN2_HI` loses nothing; `LN2_LO` carries the rest. (Cephes `expf`.)
/// Here and in the polynomials the Cephes constants are written as published; the compiler rounds
/// each to the nearest f32, the same on every target.
#[allow(clippy::excessive_precision)]
pub(super) const LN2_HI: f32 = 0.693_359_375;
pub(super) const LN2_LO: f32 = -2.121_944_4e-4;
/// The Cephes `expf` polynomial P(r) of `exp_parts`, highest degree first (the SIMD128 version
/// evaluates the same Horner scheme with these same constants).
#[allow(clippy::excessive_precision)]
pub(super) const EXP_POLY: [f32; 6] =
    [1.987_569_2e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 5.000_000_1e-1];
/// Inputs outside [EXP_MIN, EXP_MAX] are clamped: e^−87 ≈ 1.6e-38 is still a normal f32 and
/// e^88 ≈ 1.7e38 is finite, so 2ⁿ below is always a normal power of two (n ∈ [−126, 127]).
pub const EXP_MIN: f32 = -87.0;
pub const EXP_MAX: f32 = 88.0;

/// Splits e^x = 2ⁿ·(1 + m) with |r| ≤ ln2/2 and returns (m = e^r − 1, 2ⁿ).
///
/// x = n·ln2 + r with n = round(x·log₂e); e^r − 1 = r + r²·P(r), the Cephes `expf` minimax
/// polynomial (degree 5, theoretical relative error 4.2e-9 on [−0.5, 0.5]).
#[inline]
fn exp_parts(x: f32) -> (f32, f32) {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let n = (x * LOG2_E + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let c = EXP_POLY;
    let p = ((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5];
    let em1 = p * (r * r) + r;
    // n ∈ [−126, 127] after the clamp, so the biased exponent n + 127 is in [1, 254]: a normal
    // float built from bits, exact. (NaN input: `as i32` gives 0 and `em1` stays NaN.)
    let two_n = f32::from_bits(((n as i32 + 127) as u32) << 23);
    (em1, two_n)
}

/// e^x with relative error below 2e-7 on [−87, 88]; inputs outside are clamped to that range
/// (so the result is always finite and positive). Bit-identical on every target.
#[inline]
pub fn exp_f32(x: f32) -> f32 {
    let (em1, two_n) = exp_parts(x);
    (em1 + 1.0) * two_n
}

/// e^x − 1, accurate near 0 (where `exp_f32(x) − 1` would cancel); same clamping as `exp_f32`.
///
/// With e^x = 2ⁿ·(1 + m): e^x − 1 = 2ⁿ·m + (2ⁿ − 1), and for n = 0 that is just m = r + r²·P(r).
#[inline]
pub fn expm1_f32(x: f32) -> f32 {
    let (em1, two_n) = exp_parts(x);
    if two_n == 1.0 {
        em1
    } else {
        em1 * two_n + (two_n - 1.0)
    }
}

/// The natural logarithm, relative error below 2e-7 (absolute below 1e-7 near x = 1); ln 0 = −∞,
/// ln of a negative number or NaN is NaN, ln ∞ = ∞. Bit-identical on every target.
///
/// x = 2ᵉ·m with m ∈ [√½, √2); ln m = f − f²/2 + f³·P(f) with f = m − 1 (the Cephes `logf`
/// polynomial); ln x = ln m + e·ln2, with ln2 split as in `exp_f32`.
#[allow(clippy::excessive_precision)]
pub fn ln_f32(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x == f32::INFINITY {
        return f32::INFINITY;
    }
    // Subnormals: scale into the normal range first (exact), and remember the 2²³.
    let (x, mut e) = if x < f32::MIN_POSITIVE { (x * 8_388_608.0, -23i32) } else { (x, 0) };
    let bits = x.to_bits();
    e += ((bits >> 23) & 0xff) as i32 - 126;
    // Mantissa in [0.5, 1): the same significand with the exponent of 0.5.
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    let f = if m < SQRT_HALF {
        e -= 1;
        (m + m) - 1.0
    } else {
        m - 1.0
    };
    let z = f * f;
    let p = ((((((((7.037_683_6e-2 * f - 1.151_461e-1) * f + 1.167_699_9e-1) * f - 1.242_014_1e-1) * f
        + 1.424_932_3e-1)
        * f
        - 1.666_805_8e-1)
        * f
        + 2.000_071_5e-1)
        * f
        - 2.499_999_4e-1)
        * f
        + 3.333_333_1e-1)
        * f
        * z;
    let e = e as f32;
    let y = (p + e * LN2_LO) - 0.5 * z;
    (f + y) + e * LN2_HI
}

/// out[j] = e^(x[j] − m) (`exp_f32` of the rounded difference): the exponentials of a softmax
/// row shifted by its maximum. Shapes: x, out the same length.
pub fn exp_sub(x: &[f32], m: f32, out: &mut [f32]) {
    debug_assert_eq!(x.len(), out.len());
    for (o, &v) in out.iter_mut().zip(x) {
        *o = exp_f32(v - m);
    }
}

/// The logistic function 1/(1 + e^−x), written so the exponential never overflows:
/// for x < 0 it is e^x/(1 + e^x).
#[inline]
pub fn sigmoid_f32(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + exp_f32(-x))
    } else {
        let e = exp_f32(x);
        e / (1.0 + e)
    }
}

/// tanh x = −t/(2 + t) with t = e^(−2|x|) − 1, carrying the sign of x. Using `expm1` keeps full
/// relative accuracy for small |x| (1 − e^(−2|x|) would cancel); for |x| > 44 t = −1 and the
/// result is exactly ±1.
#[inline]
pub fn tanh_f32(x: f32) -> f32 {
    let t = expm1_f32(-2.0 * x.abs());
    (-t / (2.0 + t)).copysign(x)
}

// ---------------------------------------------------------------------------------------------
// Elementwise activations: f next to f′. Backward kernels write (not add) grad_x.
// ---------------------------------------------------------------------------------------------

/// y = max(x, 0). Shapes: x, y the same length.
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { 0.0 };
    }
}

/// grad_x = grad_y · [x > 0] (the derivative at the kink x = 0 is taken as 0).
pub fn relu_backward(x: &[f32], grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert!(x.len() == grad_y.len() && x.len() == grad_x.len());
    for ((gx, &gy), &x) in grad_x.iter_mut().zip(grad_y).zip(x) {
        *gx = if x > 0.0 { gy } else { 0.0 };
    }
}

/// y = x for x > 0, slope·x otherwise.
pub fn leaky_relu_forward(x: &[f32], slope: f32, y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { slope * x };
    }
}

/// grad_x = grad_y · (1 if x > 0 else slope).
pub fn leaky_relu_backward(x: &[f32], slope: f32, grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert!(x.len() == grad_y.len() && x.len() == grad_x.len());
    for ((gx, &gy), &x) in grad_x.iter_mut().zip(grad_y).zip(x) {
        *gx = if x > 0.0 { gy } else { slope * gy };
    }
}

/// y = σ(x) = 1/(1 + e^−x).
pub fn sigmoid_forward(x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = sigmoid_f32(x);
    }
}

/// σ′(x) = σ(x)·(1 − σ(x)), computed from the saved output: grad_x = grad_y · y·(1 − y).
pub fn sigmoid_backward(y: &[f32], grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert!(y.len() == grad_y.len() && y.len() == grad_x.len());
    for ((gx, &gy), &y) in grad_x.iter_mut().zip(grad_y).zip(y) {
        *gx = gy * (y * (1.0 - y));
    }
}

/// y = tanh x.
pub fn tanh_forward(x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = tanh_f32(x);
    }
}

/// tanh′ x = 1 − tanh² x, from the saved output: grad_x = grad_y · (1 − y²).
pub fn tanh_backward(y: &[f32], grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert!(y.len() == grad_y.len() && y.len() == grad_x.len());
    for ((gx, &gy), &y) in grad_x.iter_mut().zip(grad_y).zip(y) {
        *gx = gy * (1.0 - y * y);
    }
}

/// y = x for x > 0, α·(e^x − 1) otherwise (ELU, Clevert et al. 2015).
pub fn elu_forward(x: &[f32], alpha: f32, y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { alpha * expm1_f32(x) };
    }
}

/// ELU′ = 1 for x > 0, α·e^x = y + α otherwise (reusing the saved output).
pub fn elu_backward(x: &[f32], y: &[f32], alpha: f32, grad_y: &[f32], grad_x: &mut [f32]) {
    debug_assert!(x.len() == y.len() && x.len() == grad_y.len() && x.len() == grad_x.len());
    for (((gx, &gy), &x), &y) in grad_x.iter_mut().zip(grad_y).zip(x).zip(y) {
        *gx = if x > 0.0 { gy } else { gy * (y + alpha) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error of an f32 result against an f64 reference.
    fn rel(got: f32, want: f64) -> f64 {
        ((got as f64 - want) / want).abs()
    }

    #[test]
    fn gemm_nn_small_by_hand() {
        // [1 2 3]   [1 2]   [1+6+15  2+8+18]   [22 28]
        // [4 5 6] · [3 4] = [4+15+30 8+20+36] = [49 64]; c starts at 1 (accumulate).
        //           [5 6]
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut c = [1.0; 4];
        gemm_nn(2, 3, 2, &a, &b, &mut c);
        assert_eq!(c, [23.0, 29.0, 50.0, 65.0]);
    }

    #[test]
    fn gemm_nt_and_tn_agree_with_nn_on_transposed_inputs() {
        // m = 3, k = 7 (not a multiple of 4: exercises the tail), n = 5.
        let (m, k, n) = (3, 7, 5);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let transpose = |src: &[f32], rows: usize, cols: usize| {
            let mut t = vec![0.0; rows * cols];
            for r in 0..rows {
                for c in 0..cols {
                    t[c * rows + r] = src[r * cols + c];
                }
            }
            t
        };
        let mut want = vec![0.0; m * n];
        gemm_nn(m, k, n, &a, &b, &mut want);
        let mut nt = vec![0.0; m * n];
        gemm_nt(m, k, n, &a, &transpose(&b, k, n), &mut nt);
        let mut tn = vec![0.0; m * n];
        gemm_tn(m, k, n, &transpose(&a, m, k), &b, &mut tn);
        // tn follows nn's order exactly; nt sums in four lanes, so only close.
        assert_eq!(tn, want);
        for (x, y) in nt.iter().zip(&want) {
            assert!((x - y).abs() < 1e-5, "{x} vs {y}");
        }
    }

    #[test]
    fn gemm_nt_uses_the_documented_lane_order() {
        // k = 6: lanes get p = {0,4}, {1,5}, {2}, {3}. Values chosen so the order shows in f32.
        let a = [1e8, 1.0, -1e8, 0.0, 1.0, 0.0];
        let b = [1.0; 6];
        let mut c = [0.0];
        gemm_nt(1, 6, 1, &a, &b, &mut c);
        // s0 = 1e8 + 1 = 1e8 (rounded), s1 = 1, s2 = −1e8, s3 = 0 → (1e8 + 1) + (−1e8 + 0) = 0,
        // where a plain left-to-right sum would give ((1e8 + 1) − 1e8) + 1 = 1.
        assert_eq!(c[0], 0.0);
    }

    #[test]
    fn sum_squares_by_hand() {
        // 1² + 2² + … + 10² = 385 (exact in any order); 9 values exercise the tail rule.
        let x: Vec<f32> = (1..=10).map(|v| v as f32).collect();
        assert_eq!(sum_squares(&x), 385.0);
        assert_eq!(sum_squares(&x[..9]), 285.0);
        assert_eq!(sum_squares(&[]), 0.0);
        assert!(sum_squares(&[f32::INFINITY, 1.0]).is_infinite());
    }

    #[test]
    fn add_row_sums_continues_each_row_from_minus_zero() {
        // Row 0: −0 + (−0) = −0, then +0 + (−0) = +0 and −0 + (−0) = −0 into out.
        let x = [-0.0, -0.0, 1.0, 2.0];
        let mut out = [-0.0, 10.0];
        add_row_sums(2, 2, &x, &mut out);
        assert_eq!((out[0].to_bits(), out[1]), ((-0.0f32).to_bits(), 13.0));
    }

    #[test]
    fn im2col_3x3_same_on_4x4_by_hand() {
        // 1×4×4 input 0..15, 3×3 kernel, pad 1 all round: (4 + 2·1 − 3)/1 + 1 = 4.
        let d = Conv2dDims::new((1, 4, 4), (3, 3), 1, (1, 1, 1, 1));
        assert_eq!((d.oh, d.ow, d.rows(), d.cols()), (4, 4, 9, 16));
        let x: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let mut cols = vec![f32::NAN; 9 * 16];
        im2col(&d, &x, &mut cols);
        // Row 0 is the top-left tap (ki = 0, kj = 0): pixel (oy − 1, ox − 1).
        let r0: Vec<f32> = cols[0..16].to_vec();
        assert_eq!(r0, [0., 0., 0., 0., 0., 0., 1., 2., 0., 4., 5., 6., 0., 8., 9., 10.]);
        // Row 4 is the centre tap: the image itself.
        assert_eq!(&cols[4 * 16..5 * 16], &x[..]);
        // Row 8 is the bottom-right tap: pixel (oy + 1, ox + 1).
        assert_eq!(&cols[8 * 16..9 * 16], &[5., 6., 7., 0., 9., 10., 11., 0., 13., 14., 15., 0., 0., 0., 0., 0.]);
    }

    #[test]
    fn im2col_asymmetric_same_padding_and_stride() {
        // TF "same" for a 2×2 kernel, stride 1 on 3×3: total pad 1, all of it bottom/right.
        // oh = (3 + 0 + 1 − 2)/1 + 1 = 3.
        let d = Conv2dDims::new((1, 3, 3), (2, 2), 1, (0, 1, 0, 1));
        assert_eq!((d.oh, d.ow), (3, 3));
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let mut cols = vec![f32::NAN; 4 * 9];
        im2col(&d, &x, &mut cols);
        // Tap (1, 1) reads (oy + 1, ox + 1): padding on the last row and column.
        assert_eq!(&cols[3 * 9..], &[5., 6., 0., 8., 9., 0., 0., 0., 0.]);
        // Stride 2, 3×3 kernel, pad 1 on 5×5: (5 + 2 − 3)/2 + 1 = 3; tap (0,0) reads (2oy−1, 2ox−1).
        let d = Conv2dDims::new((1, 5, 5), (3, 3), 2, (1, 1, 1, 1));
        assert_eq!((d.oh, d.ow), (3, 3));
        let x: Vec<f32> = (0..25).map(|v| v as f32).collect();
        let mut cols = vec![f32::NAN; 9 * 9];
        im2col(&d, &x, &mut cols);
        assert_eq!(&cols[..9], &[0., 0., 0., 0., 6., 8., 0., 16., 18.]);
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // ⟨im2col(x), g⟩ = ⟨x, col2im(g)⟩ for any x, g: checks every tap, padding and stride case.
        for (dims, k, stride, pads) in [
            ((2, 5, 4), (3, 2), 2, (1, 0, 2, 1)),
            ((1, 4, 4), (2, 2), 1, (0, 1, 0, 1)),
            ((3, 6, 7), (3, 3), 1, (1, 1, 1, 1)),
            ((1, 7, 5), (1, 3), 3, (0, 0, 0, 0)),
        ] {
            let d = Conv2dDims::new(dims, k, stride, pads);
            let x: Vec<f32> = (0..d.in_len()).map(|i| ((i * 7 % 11) as f32) - 5.0).collect();
            let g: Vec<f32> = (0..d.rows() * d.cols()).map(|i| ((i * 5 % 13) as f32) - 6.0).collect();
            let mut cols = vec![0.0; g.len()];
            im2col(&d, &x, &mut cols);
            let mut back = vec![0.0; x.len()];
            col2im(&d, &g, &mut back);
            let lhs: f32 = cols.iter().zip(&g).map(|(a, b)| a * b).sum();
            let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs, "{d:?}");
        }
    }

    #[test]
    fn max_pool_known_argmax_and_ties() {
        // 1×4×4, 2×2 stride 2: (4 − 2)/2 + 1 = 2.
        let d = Pool2dDims::new((1, 4, 4), 2, 2);
        assert_eq!((d.oh, d.ow), (2, 2));
        #[rustfmt::skip]
        let x = [
            1., 3., 0., 0.,
            2., 0., 0., 0.,   // the right-top window is all zeros: a tie, the first (index 2) wins
            5., 5., 1., 9.,   // a tie of two 5s: index 8 wins
            0., 0., 9., 2.,   // 9 and 9: index 11 (row above) comes first
        ];
        let mut y = [0.0; 4];
        let mut arg = [0u32; 4];
        max_pool_forward(&d, &x, &mut y, &mut arg);
        assert_eq!(y, [3., 0., 5., 9.]);
        assert_eq!(arg, [1, 2, 8, 11]);
        let mut gx = [0.0; 16];
        max_pool_backward(&d, &arg, &[1., 2., 3., 4.], &mut gx);
        assert_eq!(gx[1], 1.0);
        assert_eq!(gx[2], 2.0);
        assert_eq!(gx[8], 3.0);
        assert_eq!(gx[11], 4.0);
        assert_eq!(gx.iter().sum::<f32>(), 10.0);
    }

    #[test]
    fn pools_on_5x5_ignore_the_last_row_and_column() {
        // (5 − 2)/2 + 1 = 2: row 4 and column 4 are never read.
        let d = Pool2dDims::new((1, 5, 5), 2, 2);
        assert_eq!((d.oh, d.ow), (2, 2));
        let x: Vec<f32> = (0..25).map(|v| v as f32).collect();
        let mut y = [0.0; 4];
        avg_pool_forward(&d, &x, &mut y);
        // window (0,0) = {0, 1, 5, 6} → 3
        assert_eq!(y, [3.0, 5.0, 13.0, 15.0]);
        let mut gx = vec![0.0; 25];
        avg_pool_backward(&d, &[4.0, 4.0, 4.0, 4.0], &mut gx);
        assert_eq!(gx[0], 1.0);
        assert_eq!(gx[4], 0.0);
        assert_eq!(gx[24], 0.0);
        assert_eq!(gx.iter().sum::<f32>(), 16.0);
        // Overlapping windows (3×3 stride 1): (5 − 3)/1 + 1 = 3; the centre is in all 9.
        let d = Pool2dDims::new((1, 5, 5), 3, 1);
        let mut gx = vec![0.0; 25];
        avg_pool_backward(&d, &[9.0; 9], &mut gx);
        assert_eq!(gx[12], 9.0);
        assert_eq!(gx[0], 1.0);
    }

    #[test]
    fn exp_f32_relative_error_below_2e_7() {
        let mut worst = (0.0f64, 0.0f32);
        let steps = 2_000_000;
        for i in 0..=steps {
            let x = EXP_MIN + (EXP_MAX - EXP_MIN) * (i as f32 / steps as f32);
            let e = rel(exp_f32(x), (x as f64).exp());
            if e > worst.0 {
                worst = (e, x);
            }
        }
        // Dense near 0, where most activations live.
        for i in -100_000..=100_000 {
            let x = i as f32 * 1e-5;
            let e = rel(exp_f32(x), (x as f64).exp());
            if e > worst.0 {
                worst = (e, x);
            }
        }
        eprintln!("exp_f32: worst relative error {:e} at x = {}", worst.0, worst.1);
        assert!(worst.0 < 2e-7, "worst relative error {:e} at x = {}", worst.0, worst.1);
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-1000.0), exp_f32(EXP_MIN));
        assert!(exp_f32(1000.0).is_finite());
        assert!(exp_f32(f32::NAN).is_nan());
    }

    #[test]
    fn expm1_f32_is_accurate_near_zero() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4; // [−20, 20]
            if x == 0.0 {
                continue;
            }
            worst = worst.max(rel(expm1_f32(x), (x as f64).exp_m1()));
        }
        for x in [1e-30f32, -1e-20, 1e-7, -3e-5] {
            worst = worst.max(rel(expm1_f32(x), (x as f64).exp_m1()));
        }
        eprintln!("expm1_f32: worst relative error {worst:e}");
        assert!(worst < 2e-7, "worst relative error {worst:e}");
        assert_eq!(expm1_f32(-1000.0), -1.0);
    }

    #[test]
    fn ln_f32_matches_f64() {
        let mut worst = 0.0f64;
        // Every 1021st bit pattern of the positive finite floats, subnormals included.
        for bits in (1..0x7f80_0000u32).step_by(1021) {
            let x = f32::from_bits(bits);
            let want = (x as f64).ln();
            // Near x = 1, ln x → 0: judge the absolute error there.
            worst = worst.max((ln_f32(x) as f64 - want).abs() / want.abs().max(1.0));
        }
        for i in 1..100_000 {
            let x = 0.5 + i as f32 * 1e-5; // around 1, finely
            let want = (x as f64).ln();
            worst = worst.max((ln_f32(x) as f64 - want).abs() / want.abs().max(1.0));
        }
        eprintln!("ln_f32: worst error {worst:e}");
        assert!(worst < 2e-7, "worst error {worst:e}");
        assert_eq!(ln_f32(1.0), 0.0);
        assert_eq!(ln_f32(0.0), f32::NEG_INFINITY);
        assert!(ln_f32(-1.0).is_nan());
        assert_eq!(ln_f32(f32::INFINITY), f32::INFINITY);
    }

    #[test]
    fn sigmoid_and_tanh_match_f64() {
        let mut worst_s = 0.0f64;
        let mut worst_t = 0.0f64;
        for i in -300_000..=300_000 {
            let x = i as f32 * 1e-4; // [−30, 30]
            let xd = x as f64;
            worst_s = worst_s.max(rel(sigmoid_f32(x), 1.0 / (1.0 + (-xd).exp())));
            if x != 0.0 {
                worst_t = worst_t.max(rel(tanh_f32(x), xd.tanh()));
            }
        }
        eprintln!("sigmoid_f32 worst {worst_s:e}, tanh_f32 worst {worst_t:e}");
        assert!(worst_s < 3e-7, "sigmoid worst {worst_s:e}");
        assert!(worst_t < 3e-7, "tanh worst {worst_t:e}");
        assert_eq!(sigmoid_f32(0.0), 0.5);
        assert!(sigmoid_f32(-200.0) >= 0.0 && sigmoid_f32(200.0) == 1.0);
        assert_eq!(tanh_f32(100.0), 1.0);
        assert_eq!(tanh_f32(-100.0), -1.0);
        assert_eq!(tanh_f32(1e-20), 1e-20);
    }

    #[test]
    fn activations_and_derivatives_by_hand() {
        let x = [-2.0, -0.5, 0.0, 0.5, 3.0];
        let gy = [1.0; 5];
        let mut y = [0.0; 5];
        let mut gx = [0.0; 5];
        relu_forward(&x, &mut y);
        assert_eq!(y, [0.0, 0.0, 0.0, 0.5, 3.0]);
        relu_backward(&x, &gy, &mut gx);
        assert_eq!(gx, [0.0, 0.0, 0.0, 1.0, 1.0]);
        leaky_relu_forward(&x, 0.1, &mut y);
        assert_eq!(y, [-0.2, -0.05, 0.0, 0.5, 3.0]);
        leaky_relu_backward(&x, 0.1, &gy, &mut gx);
        assert_eq!(gx, [0.1, 0.1, 0.1, 1.0, 1.0]);
        elu_forward(&x, 1.0, &mut y);
        assert!((y[0] as f64 - ((-2.0f64).exp() - 1.0)).abs() < 1e-7);
        assert_eq!(y[3], 0.5);
        elu_backward(&x, &y, 1.0, &gy, &mut gx);
        assert!((gx[0] as f64 - (-2.0f64).exp()).abs() < 1e-7);
        assert_eq!(gx[4], 1.0);
        sigmoid_forward(&x, &mut y);
        sigmoid_backward(&y, &gy, &mut gx);
        assert_eq!(gx[2], 0.25); // σ′(0) = ½·½
        tanh_forward(&x, &mut y);
        tanh_backward(&y, &gy, &mut gx);
        assert_eq!(gx[2], 1.0); // tanh′(0) = 1
    }
}
