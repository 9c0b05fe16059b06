//! The 4-lane building blocks every SIMD128 loop uses (the kernels beside this file and the
//! optimizer updates in `optim::simd128`): loads and stores through raw pointers, a multiply-add
//! that is never fused, and the block-then-tail walk over a slice.
//!
//! wasm's `v128.load`/`v128.store` and their lane forms have no alignment requirement, so the one
//! condition for the pointer functions is that the floats they touch lie inside one live
//! allocation the caller may read (or, for stores, write).

use core::arch::wasm32::*;

/// 4 floats from `p`, unaligned.
///
/// # Safety
/// `p..p + 4` must be readable.
#[inline(always)]
pub unsafe fn ld(p: *const f32) -> v128 {
    v128_load(p as *const v128)
}

/// Stores the 4 lanes of `v` at `p`, unaligned.
///
/// # Safety
/// `p..p + 4` must be writable.
#[inline(always)]
pub unsafe fn st(p: *mut f32, v: v128) {
    v128_store(p as *mut v128, v)
}

/// One float from memory in all 4 lanes (`v128.load32_splat`).
///
/// # Safety
/// `p` must be readable.
#[inline(always)]
pub unsafe fn splat_ld(p: *const f32) -> v128 {
    v128_load32_splat(p as *const u32)
}

/// acc + a·b as two rounded operations (never fused).
#[inline(always)]
pub fn madd(acc: v128, a: v128, b: v128) -> v128 {
    f32x4_add(acc, f32x4_mul(a, b))
}

#[inline(always)]
pub fn splat(x: f32) -> v128 {
    f32x4_splat(x)
}

/// The first `len` (0..=3) floats at `p` in the low lanes, +0 in the others; never reads past
/// `p + len`. Through lane loads: going through a stack buffer costs a store-forwarding stall,
/// which made `gemm_nt` with k = 121 (k % 4 = 1) six times slower.
///
/// # Safety
/// `p..p + min(len, 3)` must be readable.
#[inline(always)]
pub unsafe fn ld_partial(p: *const f32, len: usize) -> v128 {
    match len {
        0 => f32x4_splat(0.0),
        1 => v128_load32_zero(p as *const u32),
        2 => v128_load64_zero(p as *const u64),
        _ => f32x4_replace_lane::<2>(v128_load64_zero(p as *const u64), *p.add(2)),
    }
}

/// `R` (1..=3) floats at `p` in the low lanes, +0 above.
///
/// # Safety
/// `p..p + min(R, 3)` must be readable.
#[inline(always)]
pub unsafe fn ld_lanes<const R: usize>(p: *const f32) -> v128 {
    match R {
        1 => v128_load32_zero(p as *const u32),
        2 => v128_load64_zero(p as *const u64),
        _ => f32x4_replace_lane::<2>(v128_load64_zero(p as *const u64), *p.add(2)),
    }
}

/// Stores the low `R` (1..=3) lanes of `v` at `p`, nothing past `p + R`.
///
/// # Safety
/// `p..p + min(R, 3)` must be writable.
#[inline(always)]
pub unsafe fn st_lanes<const R: usize>(p: *mut f32, v: v128) {
    match R {
        1 => v128_store32_lane::<0>(v, p as *mut u32),
        2 => v128_store64_lane::<0>(v, p as *mut u64),
        _ => {
            v128_store64_lane::<0>(v, p as *mut u64);
            v128_store32_lane::<2>(v, p.add(2) as *mut u32);
        }
    }
}

/// Calls `f4(i)` for i = 0, 4, 8, … while a whole block of 4 fits in `len`, then `f1(i)` for each
/// of the last `len % 4` offsets: every offset below `len` exactly once, and none at or above it.
#[inline(always)]
pub fn blocks_then_tail(len: usize, mut f4: impl FnMut(usize), mut f1: impl FnMut(usize)) {
    let blocks = len / 4 * 4;
    let mut i = 0;
    while i < blocks {
        f4(i);
        i += 4;
    }
    for i in blocks..len {
        f1(i);
    }
}
