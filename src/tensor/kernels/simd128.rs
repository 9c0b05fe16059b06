//! SIMD128 versions of the hot kernels, with the signatures of their `scalar` references and the
//! same results bit for bit.
//!
//! Bit-identity comes from doing, for every output element, exactly the rounded operations the
//! scalar kernel does, in the same order: a 4-lane `f32x4_mul` followed by `f32x4_add` is four
//! scalar `a * b` then `+ c` (no fused multiply-add exists in SIMD128, and `sqrt`, `÷` are
//! correctly rounded like their scalar forms). So the GEMMs vectorise across *independent* output
//! elements (over the output column `j` for nn/tn), or map the reduction onto lanes exactly as the
//! scalar reference defines it (nt: its four interleaved partial sums are the four lanes).
//!
//! Register budget: V8 on x64 has 16 xmm registers; tiles with more than 8 accumulators spill to
//! the stack and measured slower, so the GEMM tiles hold 8.
//!
//! Every public function checks its slice lengths once with `assert!` (the scalar versions would
//! panic on the same bad input through indexing) and then reads through raw pointers, so the inner
//! loops carry no bounds checks. Each private `unsafe fn` states, under `# Safety`, the memory it
//! touches; each `unsafe` block says why its caller's asserts cover that. A pointer that steps on
//! past a matrix after its last use (a row pointer after the last row) advances with
//! `wrapping_add`, which, unlike `add`, may leave the allocation.

use core::arch::wasm32::*;

use super::f32x4::{ld, ld_lanes, ld_partial, madd, splat, splat_ld, st, st_lanes};
use super::scalar::{self, Conv2dDims, Pool2dDims, EXP_MAX, EXP_MIN, EXP_POLY, LN2_HI, LN2_LO, LOG2_E, ROUND_MAGIC};

/// a·b·…, or `usize::MAX` when that overflows. No slice of floats is that long, so a length
/// assert against it cannot pass by the product wrapping around (release builds do not trap on
/// overflow).
fn product(factors: &[usize]) -> usize {
    factors.iter().fold(1, |acc: usize, &f| acc.saturating_mul(f))
}

/// Non-overlapping windows (stride = size) whose rows and columns all lie inside the image, as
/// `Pool2dDims::new` makes them; checked because its fields are public.
fn windows_inside(d: &Pool2dDims) -> bool {
    d.stride == d.size && d.size.saturating_mul(d.oh) <= d.h && d.size.saturating_mul(d.ow) <= d.w
}

// ---------------------------------------------------------------------------------------------
// GEMM
// ---------------------------------------------------------------------------------------------

/// c(m×n) += a(m×k) · b(k×n). Same order as `scalar::gemm_nn`: c = c + a[i][p]·b[p][j] for
/// p = 0, 1, … in turn, here for 4 rows × 8 columns of c at once (8 f32x4 accumulators, B read in
/// place: packing does not pay for the small K·N of these networks).
pub fn gemm_nn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(
        a.len() >= product(&[m, k]) && b.len() >= product(&[k, n]) && c.len() >= product(&[m, n]),
        "gemm_nn: slices too short"
    );
    // A's element (i, p) is at i·k + p.
    // SAFETY: with rs = k, cs = 1 the largest element of A read, (m − 1)·k + k − 1, is below
    // m·k ≤ a.len(); B and C hold k·n and m·n values (asserted above).
    unsafe { gemm_over_j(m, k, n, a.as_ptr(), k, 1, b.as_ptr(), c.as_mut_ptr()) }
}

/// c(m×n) += aᵀ · b(k×n), a stored k×m. Same order as `scalar::gemm_tn` (sequential over p),
/// vectorised over j like `gemm_nn`.
pub fn gemm_tn(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    gemm_tn_strided(m, k, n, a, m, b, c);
}

/// As `scalar::gemm_tn_strided`: `gemm_tn` on the first m columns of a stored k×lda.
pub fn gemm_tn_strided(m: usize, k: usize, n: usize, a: &[f32], lda: usize, b: &[f32], c: &mut [f32]) {
    let a_len = if k == 0 { 0 } else { product(&[k - 1, lda]).saturating_add(m) };
    assert!(
        lda >= m && a.len() >= a_len && b.len() >= product(&[k, n]) && c.len() >= product(&[m, n]),
        "gemm_tn: slices too short"
    );
    // A's element (i, p) is at p·lda + i.
    // SAFETY: with rs = 1, cs = lda the largest element of A read, (k − 1)·lda + m − 1, is below
    // a.len(); B and C hold k·n and m·n values (asserted above).
    unsafe { gemm_over_j(m, k, n, a.as_ptr(), 1, lda, b.as_ptr(), c.as_mut_ptr()) }
}

/// The shared nn/tn driver: A's element (i, p) is at `a[i·rs + p·cs]`; B is k×n and C m×n,
/// row-major. Tiles of 4×8, then 4×4, then the last 1–3 columns as partial vectors; leftover rows
/// as 1×32, 1×8, 1×4, 1×(1–3). Rows of A outside, so 4 rows of A stay in L1 while B streams past.
/// (One GEMM over a whole batch of images, n = images·oh·ow, measured 2× slower for the conv
/// shapes: B then no longer fits in L2.)
///
/// # Safety
/// For every i < m and p < k, `a + i·rs + p·cs` must be readable; `b..b + k·n` readable and
/// `c..c + m·n` readable and writable. (With k = 0 nothing is read: A and B may be empty.)
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_over_j(m: usize, k: usize, n: usize, a: *const f32, rs: usize, cs: usize, b: *const f32, c: *mut f32) {
    if k == 0 {
        return; // c += nothing; and the row pointers below would point into an empty A
    }
    // Every tile below gets row pointers of A, a column offset j < n into B and rows i.. of C that
    // exist (i + 4 ≤ m, or i < m), and a width that ends at or before column n: inside the
    // ranges this function was promised.
    let mut i = 0;
    while i + 4 <= m {
        let rows = [a.add(i * rs), a.add((i + 1) * rs), a.add((i + 2) * rs), a.add((i + 3) * rs)];
        let c_i = c.add(i * n);
        let mut j = 0;
        while j + 8 <= n {
            tile_4x8(k, rows, cs, b.add(j), n, c_i.add(j));
            j += 8;
        }
        if j + 4 <= n {
            tile_4x4(k, rows, cs, b.add(j), n, c_i.add(j));
            j += 4;
        }
        // The last 1–3 columns as partial vectors: four independent accumulators instead of
        // scalar dot products whose every add waits for the previous one.
        match n - j {
            1 => tile_4xr::<1>(k, rows, cs, b.add(j), n, c_i.add(j)),
            2 => tile_4xr::<2>(k, rows, cs, b.add(j), n, c_i.add(j)),
            3 => tile_4xr::<3>(k, rows, cs, b.add(j), n, c_i.add(j)),
            _ => {}
        }
        i += 4;
    }
    while i < m {
        let row = a.add(i * rs);
        let c_i = c.add(i * n);
        let mut j = 0;
        // A lone row (m = 6 filters leaves 2) with 8 accumulators like the 4×8 tile: with only
        // the 2 of `tile_1x8`, every add waits for the one before it in the same accumulator.
        while j + 32 <= n {
            tile_1x32(k, row, cs, b.add(j), n, c_i.add(j));
            j += 32;
        }
        while j + 8 <= n {
            tile_1x8(k, row, cs, b.add(j), n, c_i.add(j));
            j += 8;
        }
        if j + 4 <= n {
            tile_1x4(k, row, cs, b.add(j), n, c_i.add(j));
            j += 4;
        }
        match n - j {
            1 => tile_1xr::<1>(k, row, cs, b.add(j), n, c_i.add(j)),
            2 => tile_1xr::<2>(k, row, cs, b.add(j), n, c_i.add(j)),
            3 => tile_1xr::<3>(k, row, cs, b.add(j), n, c_i.add(j)),
            _ => {}
        }
        i += 1;
    }
}

/// A 4×8 block of C: rows `c + r·n .. + 8` for r < 4, += Σ_p a[r][p]·b[p][0..8].
///
/// # Safety
/// For p < k: `a[r] + p·cs` (r < 4) and `b + p·n .. + 8` readable; `c + r·n .. + 8` (r < 4)
/// readable and writable.
#[inline(always)]
unsafe fn tile_4x8(k: usize, a: [*const f32; 4], cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let (c0, c1, c2, c3) = (c, c.add(n), c.add(2 * n), c.add(3 * n));
    let (mut x00, mut x01) = (ld(c0), ld(c0.add(4)));
    let (mut x10, mut x11) = (ld(c1), ld(c1.add(4)));
    let (mut x20, mut x21) = (ld(c2), ld(c2.add(4)));
    let (mut x30, mut x31) = (ld(c3), ld(c3.add(4)));
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        let (b0, b1) = (ld(bp), ld(bp.add(4)));
        let a0 = splat_ld(a[0].add(off));
        x00 = madd(x00, a0, b0);
        x01 = madd(x01, a0, b1);
        let a1 = splat_ld(a[1].add(off));
        x10 = madd(x10, a1, b0);
        x11 = madd(x11, a1, b1);
        let a2 = splat_ld(a[2].add(off));
        x20 = madd(x20, a2, b0);
        x21 = madd(x21, a2, b1);
        let a3 = splat_ld(a[3].add(off));
        x30 = madd(x30, a3, b0);
        x31 = madd(x31, a3, b1);
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st(c0, x00);
    st(c0.add(4), x01);
    st(c1, x10);
    st(c1.add(4), x11);
    st(c2, x20);
    st(c2.add(4), x21);
    st(c3, x30);
    st(c3.add(4), x31);
}

/// A 4×4 block of C, as [`tile_4x8`].
///
/// # Safety
/// For p < k: `a[r] + p·cs` (r < 4) and `b + p·n .. + 4` readable; `c + r·n .. + 4` (r < 4)
/// readable and writable.
#[inline(always)]
unsafe fn tile_4x4(k: usize, a: [*const f32; 4], cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let (c0, c1, c2, c3) = (c, c.add(n), c.add(2 * n), c.add(3 * n));
    let (mut x0, mut x1, mut x2, mut x3) = (ld(c0), ld(c1), ld(c2), ld(c3));
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        let b0 = ld(bp);
        x0 = madd(x0, splat_ld(a[0].add(off)), b0);
        x1 = madd(x1, splat_ld(a[1].add(off)), b0);
        x2 = madd(x2, splat_ld(a[2].add(off)), b0);
        x3 = madd(x3, splat_ld(a[3].add(off)), b0);
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st(c0, x0);
    st(c1, x1);
    st(c2, x2);
    st(c3, x3);
}

/// One row × 32 columns of C, as [`tile_4x8`]: 8 accumulators, B's 8 vectors of a row of 32.
///
/// # Safety
/// For p < k: `a + p·cs` and `b + p·n .. + 32` readable; `c .. c + 32` readable and writable.
#[inline(always)]
unsafe fn tile_1x32(k: usize, a: *const f32, cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let (mut x0, mut x1, mut x2, mut x3) = (ld(c), ld(c.add(4)), ld(c.add(8)), ld(c.add(12)));
    let (mut x4, mut x5, mut x6, mut x7) = (ld(c.add(16)), ld(c.add(20)), ld(c.add(24)), ld(c.add(28)));
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        let a0 = splat_ld(a.add(off));
        x0 = madd(x0, a0, ld(bp));
        x1 = madd(x1, a0, ld(bp.add(4)));
        x2 = madd(x2, a0, ld(bp.add(8)));
        x3 = madd(x3, a0, ld(bp.add(12)));
        x4 = madd(x4, a0, ld(bp.add(16)));
        x5 = madd(x5, a0, ld(bp.add(20)));
        x6 = madd(x6, a0, ld(bp.add(24)));
        x7 = madd(x7, a0, ld(bp.add(28)));
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st(c, x0);
    st(c.add(4), x1);
    st(c.add(8), x2);
    st(c.add(12), x3);
    st(c.add(16), x4);
    st(c.add(20), x5);
    st(c.add(24), x6);
    st(c.add(28), x7);
}

/// One row × 8 columns of C, as [`tile_4x8`].
///
/// # Safety
/// For p < k: `a + p·cs` and `b + p·n .. + 8` readable; `c .. c + 8` readable and writable.
#[inline(always)]
unsafe fn tile_1x8(k: usize, a: *const f32, cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let (mut x0, mut x1) = (ld(c), ld(c.add(4)));
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        let a0 = splat_ld(a.add(off));
        x0 = madd(x0, a0, ld(bp));
        x1 = madd(x1, a0, ld(bp.add(4)));
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st(c, x0);
    st(c.add(4), x1);
}

/// One row × 4 columns of C, as [`tile_4x8`].
///
/// # Safety
/// For p < k: `a + p·cs` and `b + p·n .. + 4` readable; `c .. c + 4` readable and writable.
#[inline(always)]
unsafe fn tile_1x4(k: usize, a: *const f32, cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let mut x0 = ld(c);
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        x0 = madd(x0, splat_ld(a.add(off)), ld(bp));
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st(c, x0);
}

/// 4 rows × the last R (1..=3) columns: lanes ≥ R hold 0 + a·0 and are never stored.
///
/// # Safety
/// For p < k: `a[r] + p·cs` (r < 4) and `b + p·n .. + R` readable; `c + r·n .. + R` (r < 4)
/// readable and writable.
#[inline(always)]
unsafe fn tile_4xr<const R: usize>(k: usize, a: [*const f32; 4], cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let (c0, c1, c2, c3) = (c, c.add(n), c.add(2 * n), c.add(3 * n));
    let (mut x0, mut x1, mut x2, mut x3) = (ld_lanes::<R>(c0), ld_lanes::<R>(c1), ld_lanes::<R>(c2), ld_lanes::<R>(c3));
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        let b0 = ld_lanes::<R>(bp);
        x0 = madd(x0, splat_ld(a[0].add(off)), b0);
        x1 = madd(x1, splat_ld(a[1].add(off)), b0);
        x2 = madd(x2, splat_ld(a[2].add(off)), b0);
        x3 = madd(x3, splat_ld(a[3].add(off)), b0);
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st_lanes::<R>(c0, x0);
    st_lanes::<R>(c1, x1);
    st_lanes::<R>(c2, x2);
    st_lanes::<R>(c3, x3);
}

/// One row × the last R (1..=3) columns of C.
///
/// # Safety
/// For p < k: `a + p·cs` and `b + p·n .. + R` readable; `c .. c + R` readable and writable.
#[inline(always)]
unsafe fn tile_1xr<const R: usize>(k: usize, a: *const f32, cs: usize, b: *const f32, n: usize, c: *mut f32) {
    let mut x0 = ld_lanes::<R>(c);
    let mut bp = b;
    let mut off = 0;
    for _ in 0..k {
        x0 = madd(x0, splat_ld(a.add(off)), ld_lanes::<R>(bp));
        bp = bp.wrapping_add(n);
        off += cs;
    }
    st_lanes::<R>(c, x0);
}

/// Lane sums of four accumulators in the order of `scalar::gemm_nt`: lane q of the result is
/// (s_q[0] + s_q[1]) + (s_q[2] + s_q[3]).
#[inline(always)]
fn reduce4(s0: v128, s1: v128, s2: v128, s3: v128) -> v128 {
    // (s0[0]+s0[1], s0[2]+s0[3], s1[0]+s1[1], s1[2]+s1[3]) and the same for s2, s3.
    let u = f32x4_add(i32x4_shuffle::<0, 2, 4, 6>(s0, s1), i32x4_shuffle::<1, 3, 5, 7>(s0, s1));
    let w = f32x4_add(i32x4_shuffle::<0, 2, 4, 6>(s2, s3), i32x4_shuffle::<1, 3, 5, 7>(s2, s3));
    // (s0[01], s1[01], s2[01], s3[01]) + (s0[23], s1[23], s2[23], s3[23])
    f32x4_add(i32x4_shuffle::<0, 2, 4, 6>(u, w), i32x4_shuffle::<1, 3, 5, 7>(u, w))
}

/// (s[0] + s[1]) + (s[2] + s[3]) of one accumulator.
#[inline(always)]
fn reduce1(s: v128) -> f32 {
    (f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s))
        + (f32x4_extract_lane::<2>(s) + f32x4_extract_lane::<3>(s))
}

/// c(m×n) += a(m×k) · bᵀ, b stored n×k. Same order as `scalar::gemm_nt`: the four lanes of an
/// accumulator are its four partial sums (element p in lane p % 4; the tail `k % 4` elements are
/// loaded zero-filled, and adding +0 leaves a partial sum unchanged because a sum that starts at
/// +0 is never −0), then (s0 + s1) + (s2 + s3), then c + total. Tiles of 2 rows of a × 4 rows of
/// b (8 accumulators), whose 4 totals per row land in 4 adjacent elements of c; the last `n % 4`
/// columns go 4 rows at a time.
pub fn gemm_nt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(
        a.len() >= product(&[m, k]) && b.len() >= product(&[n, k]) && c.len() >= product(&[m, n]),
        "gemm_nt: slices too short"
    );
    let n4 = n / 4 * 4;
    // SAFETY: every row pointer is a + i·k with i < m or b + j·k with j < n, so its k values lie
    // inside a (m·k values) or b (n·k), as the dot products read; every C offset is i·n + j (+ 3 for
    // a vector) with i < m and j (+ 3) < n, inside c's m·n (asserted above).
    unsafe {
        let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        // Columns 0..n4: 2×4 tiles, and a last single row as 1×4. The loop over the 4 rows of b is
        // outside: those 4 rows stay in L1 while all of a streams past, and a (the smaller operand
        // in every workload: a batch of inputs, or one image's output gradient) stays in L1 or
        // L2. With the loops the other way round, b (weights, or the im2col matrix) would be read
        // from L2 once per pair of rows of a; the order of the outputs does not change any result.
        let mut j = 0;
        while j < n4 {
            let bs = [b.add(j * k), b.add((j + 1) * k), b.add((j + 2) * k), b.add((j + 3) * k)];
            let mut i = 0;
            while i + 2 <= m {
                let (c0, c1) = (c.add(i * n + j), c.add((i + 1) * n + j));
                let (t0, t1) = dots_2x4(k, a.add(i * k), a.add((i + 1) * k), bs);
                st(c0, f32x4_add(ld(c0), t0));
                st(c1, f32x4_add(ld(c1), t1));
                i += 2;
            }
            if i < m {
                let c0 = c.add(i * n + j);
                st(c0, f32x4_add(ld(c0), dots_1x4(k, a.add(i * k), bs)));
            }
            j += 4;
        }
        // The last 1–3 columns: 4 rows at a time, so four dot products run side by side.
        for j in n4..n {
            let bj = b.add(j * k);
            let mut i = 0;
            while i + 4 <= m {
                let rows = [a.add(i * k), a.add((i + 1) * k), a.add((i + 2) * k), a.add((i + 3) * k)];
                let t = dots_1x4(k, bj, rows); // lane r: row i + r (the dot product is symmetric)
                *c.add(i * n + j) += f32x4_extract_lane::<0>(t);
                *c.add((i + 1) * n + j) += f32x4_extract_lane::<1>(t);
                *c.add((i + 2) * n + j) += f32x4_extract_lane::<2>(t);
                *c.add((i + 3) * n + j) += f32x4_extract_lane::<3>(t);
                i += 4;
            }
            while i < m {
                *c.add(i * n + j) += reduce1(dot_lanes(k, a.add(i * k), bj));
                i += 1;
            }
        }
    }
}

/// The 4 dot products of row `x` with rows `ys[0..4]`, as a vector of 4 totals. Each product
/// x[p]·y[p] is the same rounded value whichever side is which, so this also serves one column
/// of b against 4 rows of a.
///
/// # Safety
/// `x..x + k` and each `ys[r]..ys[r] + k` must be readable.
#[inline(always)]
unsafe fn dots_1x4(k: usize, x: *const f32, ys: [*const f32; 4]) -> v128 {
    let z = splat(0.0);
    let (mut s0, mut s1, mut s2, mut s3) = (z, z, z, z);
    let blocks = k / 4 * 4;
    let mut p = 0;
    while p < blocks {
        let xv = ld(x.add(p));
        s0 = madd(s0, xv, ld(ys[0].add(p)));
        s1 = madd(s1, xv, ld(ys[1].add(p)));
        s2 = madd(s2, xv, ld(ys[2].add(p)));
        s3 = madd(s3, xv, ld(ys[3].add(p)));
        p += 4;
    }
    let tail = k - blocks;
    if tail > 0 {
        let xv = ld_partial(x.add(p), tail);
        s0 = madd(s0, xv, ld_partial(ys[0].add(p), tail));
        s1 = madd(s1, xv, ld_partial(ys[1].add(p), tail));
        s2 = madd(s2, xv, ld_partial(ys[2].add(p), tail));
        s3 = madd(s3, xv, ld_partial(ys[3].add(p), tail));
    }
    reduce4(s0, s1, s2, s3)
}

/// The 8 dot products of rows a0, a1 with rows b[0..4], as two vectors of 4 totals.
///
/// # Safety
/// `a0..a0 + k`, `a1..a1 + k` and each `b[r]..b[r] + k` must be readable.
#[inline(always)]
unsafe fn dots_2x4(k: usize, a0: *const f32, a1: *const f32, b: [*const f32; 4]) -> (v128, v128) {
    let z = splat(0.0);
    let (mut s00, mut s01, mut s02, mut s03) = (z, z, z, z);
    let (mut s10, mut s11, mut s12, mut s13) = (z, z, z, z);
    let blocks = k / 4 * 4;
    let mut p = 0;
    while p < blocks {
        let (x0, x1) = (ld(a0.add(p)), ld(a1.add(p)));
        let y0 = ld(b[0].add(p));
        s00 = madd(s00, x0, y0);
        s10 = madd(s10, x1, y0);
        let y1 = ld(b[1].add(p));
        s01 = madd(s01, x0, y1);
        s11 = madd(s11, x1, y1);
        let y2 = ld(b[2].add(p));
        s02 = madd(s02, x0, y2);
        s12 = madd(s12, x1, y2);
        let y3 = ld(b[3].add(p));
        s03 = madd(s03, x0, y3);
        s13 = madd(s13, x1, y3);
        p += 4;
    }
    let tail = k - blocks;
    if tail > 0 {
        let (x0, x1) = (ld_partial(a0.add(p), tail), ld_partial(a1.add(p), tail));
        let y0 = ld_partial(b[0].add(p), tail);
        let y1 = ld_partial(b[1].add(p), tail);
        let y2 = ld_partial(b[2].add(p), tail);
        let y3 = ld_partial(b[3].add(p), tail);
        s00 = madd(s00, x0, y0);
        s01 = madd(s01, x0, y1);
        s02 = madd(s02, x0, y2);
        s03 = madd(s03, x0, y3);
        s10 = madd(s10, x1, y0);
        s11 = madd(s11, x1, y1);
        s12 = madd(s12, x1, y2);
        s13 = madd(s13, x1, y3);
    }
    (reduce4(s00, s01, s02, s03), reduce4(s10, s11, s12, s13))
}

/// The four partial sums of one dot product of length k (lane l holds elements p ≡ l mod 4).
///
/// # Safety
/// `a..a + k` and `b..b + k` must be readable.
#[inline(always)]
unsafe fn dot_lanes(k: usize, a: *const f32, b: *const f32) -> v128 {
    let mut s = splat(0.0);
    let blocks = k / 4 * 4;
    let mut p = 0;
    while p < blocks {
        s = madd(s, ld(a.add(p)), ld(b.add(p)));
        p += 4;
    }
    if k > blocks {
        s = madd(s, ld_partial(a.add(p), k - blocks), ld_partial(b.add(p), k - blocks));
    }
    s
}

/// The columns of a 4×4 block given as 4 rows.
#[inline(always)]
fn transpose4(r0: v128, r1: v128, r2: v128, r3: v128) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1); // r0[0] r1[0] r0[1] r1[1]
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1); // r0[2] r1[2] r0[3] r1[3]
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}

/// Lane r = row r's sum of columns [0, cols) continued from `acc`, left to right: 4×4 blocks are
/// transposed so that each column becomes one vector add.
///
/// # Safety
/// Each `rows[r]..rows[r] + cols` must be readable.
#[inline(always)]
unsafe fn row_sums_4(rows: [*const f32; 4], cols: usize, mut acc: v128) -> v128 {
    let mut j = 0;
    while j + 4 <= cols {
        let t = transpose4(ld(rows[0].add(j)), ld(rows[1].add(j)), ld(rows[2].add(j)), ld(rows[3].add(j)));
        acc = f32x4_add(acc, t[0]);
        acc = f32x4_add(acc, t[1]);
        acc = f32x4_add(acc, t[2]);
        acc = f32x4_add(acc, t[3]);
        j += 4;
    }
    while j < cols {
        acc = f32x4_add(acc, f32x4(*rows[0].add(j), *rows[1].add(j), *rows[2].add(j), *rows[3].add(j)));
        j += 1;
    }
    acc
}

/// As `scalar::add_row_sums`: each row summed left to right from −0.0, then added to `out[r]`.
/// Rows go side by side in the lanes (8 at a time, as two independent chains of adds), so every
/// row keeps the scalar order while the adds no longer wait for each other.
pub fn add_row_sums(rows: usize, cols: usize, x: &[f32], out: &mut [f32]) {
    assert!(x.len() >= product(&[rows, cols]) && out.len() >= rows, "add_row_sums: slices too short");
    let start = splat(-0.0);
    // SAFETY: row r < rows starts at x + r·cols and the sums read its columns j < cols, inside x's
    // rows·cols values; the sums are added to out[r..r + 4 or 8] only while those rows exist
    // (r + 8 ≤ rows, r + 4 ≤ rows, r < rows), inside out's `rows` values (asserted above).
    unsafe {
        let (x, o) = (x.as_ptr(), out.as_mut_ptr());
        let row = |r: usize| x.add(r * cols);
        let mut r = 0;
        while r + 8 <= rows {
            let (mut lo, mut hi) = (start, start);
            let mut j = 0;
            while j + 4 <= cols {
                let t =
                    transpose4(ld(row(r).add(j)), ld(row(r + 1).add(j)), ld(row(r + 2).add(j)), ld(row(r + 3).add(j)));
                let u = transpose4(
                    ld(row(r + 4).add(j)),
                    ld(row(r + 5).add(j)),
                    ld(row(r + 6).add(j)),
                    ld(row(r + 7).add(j)),
                );
                for q in 0..4 {
                    lo = f32x4_add(lo, t[q]);
                    hi = f32x4_add(hi, u[q]);
                }
                j += 4;
            }
            // The ragged end (cols % 4 columns) continues each row's chain in order.
            let lo = row_sums_4([row(r).add(j), row(r + 1).add(j), row(r + 2).add(j), row(r + 3).add(j)], cols - j, lo);
            let hi =
                row_sums_4([row(r + 4).add(j), row(r + 5).add(j), row(r + 6).add(j), row(r + 7).add(j)], cols - j, hi);
            st(o.add(r), f32x4_add(ld(o.add(r)), lo));
            st(o.add(r + 4), f32x4_add(ld(o.add(r + 4)), hi));
            r += 8;
        }
        if r + 4 <= rows {
            let s = row_sums_4([row(r), row(r + 1), row(r + 2), row(r + 3)], cols, start);
            st(o.add(r), f32x4_add(ld(o.add(r)), s));
            r += 4;
        }
        while r < rows {
            let mut sum = -0.0f32;
            for j in 0..cols {
                sum += *row(r).add(j);
            }
            *o.add(r) += sum;
            r += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// im2col / col2im
// ---------------------------------------------------------------------------------------------

/// dst[0..len] = src[0..len] in 4-float blocks; a ragged end is one more block ending exactly at
/// `len`, overlapping the previous one (it rewrites the same values), so there is no scalar tail.
///
/// # Safety
/// `src..src + len` must be readable and `dst..dst + len` writable.
#[inline(always)]
unsafe fn copy_run(src: *const f32, dst: *mut f32, len: usize) {
    if len < 4 {
        for x in 0..len {
            *dst.add(x) = *src.add(x);
        }
        return;
    }
    let mut x = 0;
    while x + 4 < len {
        st(dst.add(x), ld(src.add(x)));
        x += 4;
    }
    st(dst.add(len - 4), ld(src.add(len - 4)));
}

/// dst[0..len] = +0, with an overlapping last block like `copy_run`.
///
/// # Safety
/// `dst..dst + len` must be writable.
#[inline(always)]
unsafe fn zero_run(dst: *mut f32, len: usize) {
    if len < 4 {
        for x in 0..len {
            *dst.add(x) = 0.0;
        }
        return;
    }
    let z = splat(0.0);
    let mut x = 0;
    while x + 4 < len {
        st(dst.add(x), z);
        x += 4;
    }
    st(dst.add(len - 4), z);
}

/// dst[0..len] += src[0..len]: each element gets exactly one rounded add, so blocks of 4 give the
/// scalar loop's bits. The ragged end is added one float at a time: a last 4-float block
/// overlapping the previous one would have to load what was just stored, and a load that only
/// partly overlaps a pending store stalls (no store-to-load forwarding), which cost 3× here.
///
/// # Safety
/// `src..src + len` must be readable and `dst..dst + len` readable and writable.
#[inline(always)]
unsafe fn add_run(src: *const f32, dst: *mut f32, len: usize) {
    let mut x = 0;
    while x + 4 <= len {
        st(dst.add(x), f32x4_add(ld(dst.add(x)), ld(src.add(x))));
        x += 4;
    }
    while x < len {
        *dst.add(x) += *src.add(x);
        x += 1;
    }
}

/// dst[x] = src[2x] for x < len: 4 outputs from 8 inputs at a time (their even lanes), while the
/// 8 inputs end before the run's last one; the rest one by one.
///
/// # Safety
/// `src + 2x` readable for x < len, and `dst..dst + len` writable.
#[inline(always)]
unsafe fn gather2_run(src: *const f32, dst: *mut f32, len: usize) {
    let mut x = 0;
    // The block reads src[2x .. 2x + 8), inside the run while x + 4 < len (2x + 7 < 2(len − 1)).
    while x + 4 < len {
        st(dst.add(x), i32x4_shuffle::<0, 2, 4, 6>(ld(src.add(2 * x)), ld(src.add(2 * x + 4))));
        x += 4;
    }
    while x < len {
        *dst.add(x) = *src.add(2 * x);
        x += 1;
    }
}

/// dst[2x] += src[x] for x < len, the adjoint of `gather2_run`: 4 at a time, the odd lanes of
/// dst written back as they were (not + 0, which would turn a −0 into +0).
///
/// # Safety
/// `src..src + len` readable, and `dst + 2x` readable and writable for x < len.
#[inline(always)]
unsafe fn scatter_add2_run(src: *const f32, dst: *mut f32, len: usize) {
    let (z, even) = (splat(0.0), i32x4(-1, 0, -1, 0));
    let mut x = 0;
    while x + 4 < len {
        let s = ld(src.add(x));
        let (d0, d1) = (ld(dst.add(2 * x)), ld(dst.add(2 * x + 4)));
        let lo = f32x4_add(d0, i32x4_shuffle::<0, 4, 1, 4>(s, z));
        let hi = f32x4_add(d1, i32x4_shuffle::<2, 4, 3, 4>(s, z));
        st(dst.add(2 * x), v128_bitselect(lo, d0, even));
        st(dst.add(2 * x + 4), v128_bitselect(hi, d1, even));
        x += 4;
    }
    while x < len {
        *dst.add(2 * x) += *src.add(x);
        x += 1;
    }
}

/// As `scalar::im2col` (a pure copy, so any order gives the same values). With stride 1 an output
/// row of one tap is a contiguous run of an input row between zero margins (stride 2: every other
/// value of one): rows entirely in the padding are zeroed in one run per tap, the rest are
/// margin + run + margin. Other strides use the scalar kernel.
pub fn im2col(d: &Conv2dDims, x: &[f32], cols: &mut [f32]) {
    let s = d.stride;
    if s > 2 {
        return scalar::im2col(d, x, cols);
    }
    assert!(
        x.len() >= product(&[d.c, d.h, d.w]) && cols.len() >= product(&[d.c, d.kh, d.kw, d.oh, d.ow]),
        "im2col: slices too short"
    );
    let (ohw, ow) = (d.cols(), d.ow);
    // SAFETY: x holds c planes of h·w values and cols c·kh·kw taps of oh·ow (asserted above).
    // Reads stay inside plane ci: `inside` keeps only the output rows oy and columns ox whose input
    // row oy·s + ki − pad_top and column ox·s + kj − pad_left lie in [0, h) × [0, w). Writes cover
    // exactly one tap's oh·ow values: oy_lo rows, then each row in oy_lo..oy_hi as head + len +
    // tail = ow (its 4-float margins fit: len ≥ 4 makes ow ≥ 4), then the last oh − oy_hi rows.
    unsafe {
        let (x, cols) = (x.as_ptr(), cols.as_mut_ptr());
        let run = |src: *const f32, dst: *mut f32, len: usize| {
            if s == 1 {
                copy_run(src, dst, len)
            } else {
                gather2_run(src, dst, len)
            }
        };
        for ci in 0..d.c {
            let plane = x.add(ci * d.h * d.w);
            for ki in 0..d.kh {
                let (oy_lo, oy_hi) = Conv2dDims::inside(d.oh, d.h, d.pad_top, ki, s);
                for kj in 0..d.kw {
                    let (ox_lo, ox_hi) = Conv2dDims::inside(d.ow, d.w, d.pad_left, kj, s);
                    let (head, len, tail) = (ox_lo, ox_hi - ox_lo, ow - ox_hi);
                    let out = cols.add(((ci * d.kh + ki) * d.kw + kj) * ohw);
                    if len == 0 || oy_lo == oy_hi {
                        // The tap only ever sees padding.
                        zero_run(out, ohw);
                        continue;
                    }
                    zero_run(out, oy_lo * ow);
                    // Output (oy, ox_lo) reads input (oy·s + ki − pad_top, ox_lo·s + kj − pad_left).
                    let mut src = plane.add((oy_lo * s + ki - d.pad_top) * d.w + ox_lo * s + kj - d.pad_left);
                    let mut dst = out.add(oy_lo * ow);
                    if head <= 4 && tail <= 4 && len >= 4 {
                        // Margins of up to 4 (pads up to 4): zero the first and last 4 floats of
                        // the row, then copy the run over them; no branch depends on the lengths.
                        let z = splat(0.0);
                        for _ in oy_lo..oy_hi {
                            st(dst, z);
                            st(dst.add(ow - 4), z);
                            run(src, dst.add(head), len);
                            src = src.wrapping_add(s * d.w);
                            dst = dst.add(ow);
                        }
                    } else {
                        for _ in oy_lo..oy_hi {
                            zero_run(dst, head);
                            run(src, dst.add(head), len);
                            zero_run(dst.add(head + len), tail);
                            src = src.wrapping_add(s * d.w);
                            dst = dst.add(ow);
                        }
                    }
                    zero_run(dst, (d.oh - oy_hi) * ow);
                }
            }
        }
    }
}

/// As `scalar::col2im`, same loop order.
pub fn col2im(d: &Conv2dDims, cols: &[f32], x: &mut [f32]) {
    col2im_rows(d, 0, cols, x);
}

/// As `scalar::col2im_rows`, same loop order. With stride 1 or 2 the pixels of one output row of
/// one tap are distinct, so adding them 4 at a time gives every pixel its contributions in the
/// reference order. Other strides use the scalar kernel.
pub fn col2im_rows(d: &Conv2dDims, first_row: usize, cols: &[f32], x: &mut [f32]) {
    let s = d.stride;
    if s > 2 {
        return scalar::col2im_rows(d, first_row, cols, x);
    }
    let (ohw, ow) = (d.cols(), d.ow);
    let rows = cols.len().checked_div(ohw).unwrap_or(0);
    assert!(
        x.len() >= product(&[d.c, d.h, d.w]) && first_row.saturating_add(rows) <= product(&[d.c, d.kh, d.kw]),
        "col2im: slices too short"
    );
    // SAFETY: as in `im2col`, with the roles swapped: each run reads len ≤ ow values of one tap's
    // row oy < oh (a row below `rows`, so inside cols), starting at column ox_lo with
    // ox_lo + len = ox_hi ≤ ow, and adds them into input row oy·s + ki − pad_top < h at columns
    // ox·s + kj − pad_left < w of plane ci < c (`inside`; row < c·kh·kw asserted above).
    unsafe {
        let (cols, x) = (cols.as_ptr(), x.as_mut_ptr());
        for r in 0..rows {
            let row = first_row + r;
            let (ci, ki, kj) = (row / (d.kh * d.kw), row / d.kw % d.kh, row % d.kw);
            let plane = x.add(ci * d.h * d.w);
            let (oy_lo, oy_hi) = Conv2dDims::inside(d.oh, d.h, d.pad_top, ki, s);
            let (ox_lo, ox_hi) = Conv2dDims::inside(d.ow, d.w, d.pad_left, kj, s);
            let len = ox_hi - ox_lo;
            if len == 0 || oy_lo == oy_hi {
                continue; // only padding
            }
            let mut src = cols.add(r * ohw + oy_lo * ow + ox_lo);
            let mut dst = plane.add((oy_lo * s + ki - d.pad_top) * d.w + ox_lo * s + kj - d.pad_left);
            for _ in oy_lo..oy_hi {
                if s == 1 {
                    add_run(src, dst, len);
                } else {
                    scatter_add2_run(src, dst, len);
                }
                src = src.wrapping_add(ow);
                dst = dst.wrapping_add(s * d.w);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------------------------

/// As `scalar::max_pool_forward` (scan row by row, strictly greater wins, so the first maximum
/// keeps the index), 4 outputs at a time for the non-overlapping windows of the workloads:
/// 2×2 with stride 2 and 3×3 with stride 3. The inputs of one window row for 4 outputs are
/// 8 or 12 consecutive floats, split into one vector per window column with shuffles; then
/// compare-and-select in the scan order. Other geometries use the scalar kernel.
pub fn max_pool_forward(d: &Pool2dDims, x: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    if !(d.size == d.stride && (d.size == 2 || d.size == 3)) {
        return scalar::max_pool_forward(d, x, y, argmax);
    }
    let (in_len, out_len) = (product(&[d.c, d.h, d.w]), product(&[d.c, d.oh, d.ow]));
    assert!(windows_inside(d), "max_pool: the output does not fit the input");
    assert!(x.len() >= in_len && y.len() >= out_len && argmax.len() >= out_len, "max_pool: too short");
    let (w, size) = (d.w, d.size);
    // SAFETY: window (oy, ox) of plane ci reads rows size·oy + ky < size·oh ≤ h and columns
    // size·ox + kx < size·ow ≤ w (`windows_inside`), and the 4-window blocks read columns below
    // size·(ox + 4) ≤ w; so every read is inside x's c·h·w values. Outputs are written at o, which
    // counts them up to c·oh·ow, 4 at a time only while ox + 4 ≤ ow (asserted above).
    unsafe {
        let (xp, yp, ap) = (x.as_ptr(), y.as_mut_ptr(), argmax.as_mut_ptr());
        let mut o = 0;
        for ci in 0..d.c {
            let plane = ci * d.h * w;
            for oy in 0..d.oh {
                let row0 = plane + size * oy * w;
                let mut ox = 0;
                // Reads columns size·ox .. size·ox + 4·size − 1, which must lie inside the row.
                while ox + 4 <= d.ow && size * (ox + 4) <= w {
                    let first = row0 + size * ox;
                    let (best, best_i) = if size == 2 { max4_2x2(xp, first, w) } else { max4_3x3(xp, first, w) };
                    st(yp.add(o), best);
                    v128_store(ap.add(o) as *mut v128, best_i);
                    o += 4;
                    ox += 4;
                }
                while ox < d.ow {
                    let first = row0 + size * ox;
                    let (mut best, mut best_i) = (*xp.add(first), first);
                    for ky in 0..size {
                        for kx in 0..size {
                            let idx = first + ky * w + kx;
                            let v = *xp.add(idx);
                            if v > best {
                                best = v;
                                best_i = idx;
                            }
                        }
                    }
                    *yp.add(o) = best;
                    *ap.add(o) = best_i as u32;
                    o += 1;
                    ox += 1;
                }
            }
        }
    }
}

/// Replaces (best, best_i) lane by lane where `v` is strictly greater (NaN never is).
#[inline(always)]
fn keep_max(best: &mut v128, best_i: &mut v128, v: v128, idx: v128) {
    let gt = f32x4_gt(v, *best);
    *best = v128_bitselect(v, *best, gt);
    *best_i = v128_bitselect(idx, *best_i, gt);
}

/// Max and argmax of four 2×2 windows whose top-left corners are at first + 0, 2, 4, 6.
///
/// # Safety
/// `x + first .. + 8` and `x + first + w .. + 8` must be readable.
#[inline(always)]
unsafe fn max4_2x2(x: *const f32, first: usize, w: usize) -> (v128, v128) {
    let i00 = i32x4_add(u32x4_splat(first as u32), u32x4(0, 2, 4, 6));
    let (p, q) = (ld(x.add(first)), ld(x.add(first + 4)));
    let (r, s) = (ld(x.add(first + w)), ld(x.add(first + w + 4)));
    let mut best = i32x4_shuffle::<0, 2, 4, 6>(p, q);
    let mut best_i = i00;
    keep_max(&mut best, &mut best_i, i32x4_shuffle::<1, 3, 5, 7>(p, q), i32x4_add(i00, u32x4_splat(1)));
    keep_max(&mut best, &mut best_i, i32x4_shuffle::<0, 2, 4, 6>(r, s), i32x4_add(i00, u32x4_splat(w as u32)));
    keep_max(&mut best, &mut best_i, i32x4_shuffle::<1, 3, 5, 7>(r, s), i32x4_add(i00, u32x4_splat(w as u32 + 1)));
    (best, best_i)
}

/// Max and argmax of four 3×3 windows whose top-left corners are at first + 0, 3, 6, 9.
///
/// # Safety
/// `x + first + r·w .. + 12` must be readable for r < 3.
#[inline(always)]
unsafe fn max4_3x3(x: *const f32, first: usize, w: usize) -> (v128, v128) {
    let i00 = i32x4_add(u32x4_splat(first as u32), u32x4(0, 3, 6, 9));
    let mut best = f32x4_splat(0.0);
    let mut best_i = i00;
    for ky in 0..3 {
        let row = x.add(first + ky * w);
        let (v0, v1, v2) = (ld(row), ld(row.add(4)), ld(row.add(8)));
        // Column kx of the 4 windows: floats kx, kx + 3, kx + 6, kx + 9 of the 12.
        let cols = [
            i32x4_shuffle::<0, 1, 2, 5>(i32x4_shuffle::<0, 3, 6, 7>(v0, v1), v2),
            i32x4_shuffle::<0, 1, 2, 6>(i32x4_shuffle::<1, 4, 7, 0>(v0, v1), v2),
            i32x4_shuffle::<0, 1, 4, 7>(i32x4_shuffle::<2, 5, 0, 0>(v0, v1), v2),
        ];
        for (kx, v) in cols.into_iter().enumerate() {
            let idx = i32x4_add(i00, u32x4_splat((ky * w + kx) as u32));
            if ky == 0 && kx == 0 {
                best = v; // the scan starts from the window's first value
            } else {
                keep_max(&mut best, &mut best_i, v, idx);
            }
        }
    }
    (best, best_i)
}

/// As `scalar::max_pool_backward`: grad_x[argmax] += grad_y. For 2×2 windows with stride 2 each
/// input is in one window, so it gets at most one addition whatever the order: 4 outputs at a
/// time, each window position updated where it is the winner (a select, so the others keep their
/// bits exactly). Other geometries use the scalar kernel.
pub fn max_pool_backward(d: &Pool2dDims, argmax: &[u32], grad_y: &[f32], grad_x: &mut [f32]) {
    if d.size != 2 || d.stride != 2 {
        return scalar::max_pool_backward(d, argmax, grad_y, grad_x);
    }
    let (in_len, out_len) = (product(&[d.c, d.h, d.w]), product(&[d.c, d.oh, d.ow]));
    assert!(windows_inside(d), "max_pool: the output does not fit the input");
    assert!(grad_x.len() >= in_len && grad_y.len() >= out_len && argmax.len() >= out_len, "max_pool: too short");
    let w = d.w;
    // SAFETY: the 4-window blocks read and write grad_x at rows 2·oy + ky < 2·oh ≤ h and columns
    // below 2·ox + 8 ≤ w of plane ci (`windows_inside`), inside its c·h·w values; the rest add at
    // an argmax index only after checking it is inside grad_x. grad_y and argmax are read at
    // o < c·oh·ow, 4 at a time only while ox + 4 ≤ ow (asserted above).
    unsafe {
        let (ap, gy, gx) = (argmax.as_ptr(), grad_y.as_ptr(), grad_x.as_mut_ptr());
        let mut o = 0;
        for ci in 0..d.c {
            let plane = ci * d.h * w;
            for oy in 0..d.oh {
                let row0 = plane + 2 * oy * w;
                let mut ox = 0;
                while ox + 4 <= d.ow && 2 * ox + 8 <= w {
                    let first = row0 + 2 * ox;
                    let g = ld(gy.add(o));
                    let arg = v128_load(ap.add(o) as *const v128);
                    let i00 = i32x4_add(u32x4_splat(first as u32), u32x4(0, 2, 4, 6));
                    for ky in 0..2 {
                        let p = gx.add(first + ky * w);
                        let (lo, hi) = (ld(p), ld(p.add(4)));
                        let (even, odd) = (i32x4_shuffle::<0, 2, 4, 6>(lo, hi), i32x4_shuffle::<1, 3, 5, 7>(lo, hi));
                        let i_even = i32x4_add(i00, u32x4_splat((ky * w) as u32));
                        let i_odd = i32x4_add(i_even, u32x4_splat(1));
                        let even = v128_bitselect(f32x4_add(even, g), even, i32x4_eq(arg, i_even));
                        let odd = v128_bitselect(f32x4_add(odd, g), odd, i32x4_eq(arg, i_odd));
                        st(p, i32x4_shuffle::<0, 4, 1, 5>(even, odd));
                        st(p.add(4), i32x4_shuffle::<2, 6, 3, 7>(even, odd));
                    }
                    o += 4;
                    ox += 4;
                }
                while ox < d.ow {
                    let i = *ap.add(o) as usize;
                    assert!(i < in_len, "max_pool: argmax {i} is outside the input");
                    *gx.add(i) += *gy.add(o);
                    o += 1;
                    ox += 1;
                }
            }
        }
    }
}

/// As `scalar::avg_pool_forward`: sum = (((0 + x00) + x01) + x10) + x11, then ÷ 4. 2×2 windows
/// with stride 2 only; other geometries use the scalar kernel.
pub fn avg_pool_forward(d: &Pool2dDims, x: &[f32], y: &mut [f32]) {
    if d.size != 2 || d.stride != 2 {
        return scalar::avg_pool_forward(d, x, y);
    }
    assert!(windows_inside(d), "avg_pool: the output does not fit the input");
    assert!(
        x.len() >= product(&[d.c, d.h, d.w]) && y.len() >= product(&[d.c, d.oh, d.ow]),
        "avg_pool: slices too short"
    );
    let w = d.w;
    let area = splat(4.0);
    // SAFETY: window (oy, ox) of plane ci reads rows 2·oy, 2·oy + 1 < 2·oh ≤ h and columns below
    // 2·ox + 2 ≤ 2·ow ≤ w (`windows_inside`), the 4-window blocks columns below 2·ox + 8 ≤ w: all
    // inside x's c·h·w values. Outputs are written at o < c·oh·ow, 4 at a time only while
    // ox + 4 ≤ ow (asserted above).
    unsafe {
        let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
        let mut o = 0;
        for ci in 0..d.c {
            let plane = ci * d.h * w;
            for oy in 0..d.oh {
                let row0 = plane + 2 * oy * w;
                let row1 = row0 + w;
                let mut ox = 0;
                while ox + 4 <= d.ow && 2 * ox + 8 <= w {
                    let c0 = 2 * ox;
                    let (p, q) = (ld(xp.add(row0 + c0)), ld(xp.add(row0 + c0 + 4)));
                    let (r, s) = (ld(xp.add(row1 + c0)), ld(xp.add(row1 + c0 + 4)));
                    let mut sum = f32x4_add(splat(0.0), i32x4_shuffle::<0, 2, 4, 6>(p, q));
                    sum = f32x4_add(sum, i32x4_shuffle::<1, 3, 5, 7>(p, q));
                    sum = f32x4_add(sum, i32x4_shuffle::<0, 2, 4, 6>(r, s));
                    sum = f32x4_add(sum, i32x4_shuffle::<1, 3, 5, 7>(r, s));
                    st(yp.add(o), f32x4_div(sum, area));
                    o += 4;
                    ox += 4;
                }
                while ox < d.ow {
                    let first = row0 + 2 * ox;
                    let mut sum = 0.0f32;
                    for idx in [first, first + 1, first + w, first + w + 1] {
                        sum += *xp.add(idx);
                    }
                    *yp.add(o) = sum / 4.0;
                    o += 1;
                    ox += 1;
                }
            }
        }
    }
}

/// As `scalar::avg_pool_backward`: grad_x += grad_y / 4 over each window. With 2×2 windows and
/// stride 2 the windows are disjoint, so every input gets exactly one addition whatever the order;
/// other geometries (overlapping windows) use the scalar kernel.
pub fn avg_pool_backward(d: &Pool2dDims, grad_y: &[f32], grad_x: &mut [f32]) {
    if d.size != 2 || d.stride != 2 {
        return scalar::avg_pool_backward(d, grad_y, grad_x);
    }
    assert!(windows_inside(d), "avg_pool: the output does not fit the input");
    assert!(
        grad_x.len() >= product(&[d.c, d.h, d.w]) && grad_y.len() >= product(&[d.c, d.oh, d.ow]),
        "avg_pool: slices too short"
    );
    let w = d.w;
    let area = splat(4.0);
    // SAFETY: as in `avg_pool_forward`, with grad_x written where x was read and grad_y read where
    // y was written.
    unsafe {
        let (gy, gx) = (grad_y.as_ptr(), grad_x.as_mut_ptr());
        let mut o = 0;
        for ci in 0..d.c {
            let plane = ci * d.h * w;
            for oy in 0..d.oh {
                let row0 = plane + 2 * oy * w;
                let row1 = row0 + w;
                let mut ox = 0;
                while ox + 4 <= d.ow && 2 * ox + 8 <= w {
                    let g = f32x4_div(ld(gy.add(o)), area);
                    // (g0, g0, g1, g1) and (g2, g2, g3, g3): each output covers two columns.
                    let lo = i32x4_shuffle::<0, 0, 1, 1>(g, g);
                    let hi = i32x4_shuffle::<2, 2, 3, 3>(g, g);
                    for row in [row0, row1] {
                        let p = gx.add(row + 2 * ox);
                        st(p, f32x4_add(ld(p), lo));
                        st(p.add(4), f32x4_add(ld(p.add(4)), hi));
                    }
                    o += 4;
                    ox += 4;
                }
                while ox < d.ow {
                    let g = *gy.add(o) / 4.0;
                    let first = row0 + 2 * ox;
                    for idx in [first, first + 1, first + w, first + w + 1] {
                        *gx.add(idx) += g;
                    }
                    o += 1;
                    ox += 1;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// exp and the activations
// ---------------------------------------------------------------------------------------------

/// `scalar::exp_parts` on 4 lanes, operation for operation: (e^r − 1, 2ⁿ).
#[inline(always)]
fn exp_parts4(x: v128) -> (v128, v128) {
    // x.clamp(EXP_MIN, EXP_MAX): pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x,
    // which keep NaN as clamp does.
    let x = f32x4_pmin(f32x4_pmax(x, splat(EXP_MIN)), splat(EXP_MAX));
    let n = f32x4_sub(f32x4_add(f32x4_mul(x, splat(LOG2_E)), splat(ROUND_MAGIC)), splat(ROUND_MAGIC));
    let r = f32x4_sub(f32x4_sub(x, f32x4_mul(n, splat(LN2_HI))), f32x4_mul(n, splat(LN2_LO)));
    let c = EXP_POLY;
    let mut p = f32x4_add(f32x4_mul(splat(c[0]), r), splat(c[1]));
    p = f32x4_add(f32x4_mul(p, r), splat(c[2]));
    p = f32x4_add(f32x4_mul(p, r), splat(c[3]));
    p = f32x4_add(f32x4_mul(p, r), splat(c[4]));
    p = f32x4_add(f32x4_mul(p, r), splat(c[5]));
    let em1 = f32x4_add(f32x4_mul(p, f32x4_mul(r, r)), r);
    // `n as i32` saturates and maps NaN to 0, as trunc_sat does.
    let two_n = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(n), i32x4_splat(127)), 23);
    (em1, two_n)
}

/// `scalar::expm1_f32` on 4 lanes: em1 where 2ⁿ = 1, else em1·2ⁿ + (2ⁿ − 1).
#[inline(always)]
fn expm1_4(x: v128) -> v128 {
    let (em1, two_n) = exp_parts4(x);
    let general = f32x4_add(f32x4_mul(em1, two_n), f32x4_sub(two_n, splat(1.0)));
    v128_bitselect(em1, general, f32x4_eq(two_n, splat(1.0)))
}

/// `scalar::exp_f32` on 4 lanes: (em1 + 1)·2ⁿ.
#[inline(always)]
fn exp4(x: v128) -> v128 {
    let (em1, two_n) = exp_parts4(x);
    f32x4_mul(f32x4_add(em1, splat(1.0)), two_n)
}

/// Applies `f4` to 4 values at a time and the scalar `f1` (the same function) to the tail.
#[inline(always)]
fn map1(x: &[f32], y: &mut [f32], f4: impl Fn(v128) -> v128, f1: impl Fn(f32) -> f32) {
    assert!(y.len() >= x.len(), "elementwise: output too short");
    let len = x.len();
    let blocks = len / 4 * 4;
    // SAFETY: each block i..i + 4 ends at or before `blocks` ≤ len, which x and y both hold
    // (asserted above).
    unsafe {
        let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
        let mut i = 0;
        while i < blocks {
            st(yp.add(i), f4(ld(xp.add(i))));
            i += 4;
        }
    }
    for i in blocks..len {
        y[i] = f1(x[i]);
    }
}

/// Two inputs, one output, as `map1`.
#[inline(always)]
fn map2(a: &[f32], b: &[f32], y: &mut [f32], f4: impl Fn(v128, v128) -> v128, f1: impl Fn(f32, f32) -> f32) {
    assert!(b.len() >= a.len() && y.len() >= a.len(), "elementwise: slices too short");
    let len = a.len();
    let blocks = len / 4 * 4;
    // SAFETY: each block i..i + 4 ends at or before `blocks` ≤ len, which a, b and y all hold
    // (asserted above).
    unsafe {
        let (ap, bp, yp) = (a.as_ptr(), b.as_ptr(), y.as_mut_ptr());
        let mut i = 0;
        while i < blocks {
            st(yp.add(i), f4(ld(ap.add(i)), ld(bp.add(i))));
            i += 4;
        }
    }
    for i in blocks..len {
        y[i] = f1(a[i], b[i]);
    }
}

/// As `scalar::exp_sub`: e^(x − m), 4 lanes at a time.
pub fn exp_sub(x: &[f32], m: f32, out: &mut [f32]) {
    let mv = splat(m);
    map1(x, out, |x| exp4(f32x4_sub(x, mv)), |x| scalar::exp_f32(x - m));
}

/// As `scalar::relu_forward`: x > 0 ? x : +0, i.e. pmax(+0, x) = 0 < x ? x : +0 (NaN and −0 give +0).
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    let zero = splat(0.0);
    map1(x, y, |x| f32x4_pmax(zero, x), |x| if x > 0.0 { x } else { 0.0 });
}

/// As `scalar::relu_backward`: grad_y where x > 0, else +0 (all bits clear).
pub fn relu_backward(x: &[f32], grad_y: &[f32], grad_x: &mut [f32]) {
    let zero = splat(0.0);
    map2(x, grad_y, grad_x, |x, g| v128_and(g, f32x4_gt(x, zero)), |x, g| if x > 0.0 { g } else { 0.0 });
}

pub fn leaky_relu_forward(x: &[f32], slope: f32, y: &mut [f32]) {
    let (zero, s) = (splat(0.0), splat(slope));
    map1(x, y, |x| v128_bitselect(x, f32x4_mul(s, x), f32x4_gt(x, zero)), |x| if x > 0.0 { x } else { slope * x });
}

pub fn leaky_relu_backward(x: &[f32], slope: f32, grad_y: &[f32], grad_x: &mut [f32]) {
    let (zero, s) = (splat(0.0), splat(slope));
    map2(
        x,
        grad_y,
        grad_x,
        |x, g| v128_bitselect(g, f32x4_mul(s, g), f32x4_gt(x, zero)),
        |x, g| if x > 0.0 { g } else { slope * g },
    );
}

/// As `scalar::sigmoid_f32` on 4 lanes: with e = exp(x ≥ 0 ? −x : x), the result is
/// 1/(1 + e) for x ≥ 0 and e/(1 + e) otherwise — the same two formulas, picked per lane.
pub fn sigmoid_forward(x: &[f32], y: &mut [f32]) {
    let (zero, one) = (splat(0.0), splat(1.0));
    map1(
        x,
        y,
        |x| {
            let nonneg = f32x4_ge(x, zero);
            let e = exp4(v128_bitselect(f32x4_neg(x), x, nonneg));
            f32x4_div(v128_bitselect(one, e, nonneg), f32x4_add(one, e))
        },
        scalar::sigmoid_f32,
    );
}

/// grad_y · (y·(1 − y)).
pub fn sigmoid_backward(y: &[f32], grad_y: &[f32], grad_x: &mut [f32]) {
    let one = splat(1.0);
    map2(y, grad_y, grad_x, |y, g| f32x4_mul(g, f32x4_mul(y, f32x4_sub(one, y))), |y, g| g * (y * (1.0 - y)));
}

/// As `scalar::tanh_f32` on 4 lanes: t = expm1(−2|x|), −t/(2 + t) with the sign bit of x.
pub fn tanh_forward(x: &[f32], y: &mut [f32]) {
    let sign = u32x4_splat(0x8000_0000);
    map1(
        x,
        y,
        |x| {
            let t = expm1_4(f32x4_mul(splat(-2.0), f32x4_abs(x)));
            let q = f32x4_div(f32x4_neg(t), f32x4_add(splat(2.0), t));
            v128_bitselect(x, q, sign)
        },
        scalar::tanh_f32,
    );
}

/// grad_y · (1 − y²).
pub fn tanh_backward(y: &[f32], grad_y: &[f32], grad_x: &mut [f32]) {
    let one = splat(1.0);
    map2(y, grad_y, grad_x, |y, g| f32x4_mul(g, f32x4_sub(one, f32x4_mul(y, y))), |y, g| g * (1.0 - y * y));
}

/// x > 0 ? x : α·expm1(x).
pub fn elu_forward(x: &[f32], alpha: f32, y: &mut [f32]) {
    let (zero, a) = (splat(0.0), splat(alpha));
    map1(
        x,
        y,
        |x| v128_bitselect(x, f32x4_mul(a, expm1_4(x)), f32x4_gt(x, zero)),
        |x| if x > 0.0 { x } else { alpha * scalar::expm1_f32(x) },
    );
}

/// x > 0 ? grad_y : grad_y·(y + α).
pub fn elu_backward(x: &[f32], y: &[f32], alpha: f32, grad_y: &[f32], grad_x: &mut [f32]) {
    assert!(y.len() >= x.len() && grad_y.len() >= x.len() && grad_x.len() >= x.len(), "elu: slices too short");
    let (zero, a) = (splat(0.0), splat(alpha));
    let len = x.len();
    let blocks = len / 4 * 4;
    // SAFETY: each block i..i + 4 ends at or before `blocks` ≤ len, which all four slices hold
    // (asserted above).
    unsafe {
        let (xp, yp, gyp, gxp) = (x.as_ptr(), y.as_ptr(), grad_y.as_ptr(), grad_x.as_mut_ptr());
        let mut i = 0;
        while i < blocks {
            let g = ld(gyp.add(i));
            let other = f32x4_mul(g, f32x4_add(ld(yp.add(i)), a));
            st(gxp.add(i), v128_bitselect(g, other, f32x4_gt(ld(xp.add(i)), zero)));
            i += 4;
        }
    }
    for i in blocks..len {
        grad_x[i] = if x[i] > 0.0 { grad_y[i] } else { grad_y[i] * (y[i] + alpha) };
    }
}
