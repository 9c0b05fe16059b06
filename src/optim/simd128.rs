//! SIMD128 twins of the optimizer updates: each does, per element, the rounded operations of its
//! scalar reference in the same order (`f32x4_mul` then `f32x4_add`, never fused; `f32x4_sqrt` and
//! `f32x4_div` correctly rounded like their scalar forms), so the parameters and state come out
//! with the same bits. The dispatchers `sgd_step`, `adam_step`, `rmsprop_step`, `adagrad_step` and
//! `adadelta_step` in the sibling modules pick these on WebAssembly builds with SIMD128.
//!
//! Each function checks its slice lengths once with `assert!` and then goes through raw pointers,
//! so the loops carry no bounds checks.

use core::arch::wasm32::*;

use super::adam::AdamScalars;
use crate::tensor::kernels::f32x4::{blocks_then_tail, ld, madd, splat, st};

/// [`super::sgd::sgd_step_scalar`] on 4 lanes.
pub fn sgd_step(
    params: &mut [f32],
    grads: &[f32],
    velocity: &mut [f32],
    lr: f32,
    l2: f32,
    momentum: f32,
    nesterov: bool,
) {
    let len = params.len();
    assert!(grads.len() >= len && velocity.len() >= len, "sgd_step: slices too short");
    let (vlr, vl2, vmu) = (splat(lr), splat(l2), splat(momentum));
    let (p, g, v) = (params.as_mut_ptr(), grads.as_ptr(), velocity.as_mut_ptr());
    // SAFETY: every offset `blocks_then_tail` passes is below `len` (a 4-block ends at most at
    // `len`), and every slice holds at least `len` values (asserted above), in all three loops.
    unsafe {
        if momentum == 0.0 {
            blocks_then_tail(
                len,
                |i| {
                    let th = ld(p.add(i));
                    let g = madd(ld(g.add(i)), vl2, th);
                    st(p.add(i), f32x4_sub(th, f32x4_mul(vlr, g)));
                },
                |i| {
                    let g = *g.add(i) + l2 * *p.add(i);
                    *p.add(i) -= lr * g;
                },
            );
        } else if nesterov {
            blocks_then_tail(
                len,
                |i| {
                    let th = ld(p.add(i));
                    let g = madd(ld(g.add(i)), vl2, th);
                    let vel = f32x4_add(f32x4_mul(vmu, ld(v.add(i))), g);
                    st(v.add(i), vel);
                    st(p.add(i), f32x4_sub(th, f32x4_mul(vlr, madd(g, vmu, vel))));
                },
                |i| {
                    let g = *g.add(i) + l2 * *p.add(i);
                    *v.add(i) = momentum * *v.add(i) + g;
                    *p.add(i) -= lr * (g + momentum * *v.add(i));
                },
            );
        } else {
            blocks_then_tail(
                len,
                |i| {
                    let th = ld(p.add(i));
                    let g = madd(ld(g.add(i)), vl2, th);
                    let vel = f32x4_add(f32x4_mul(vmu, ld(v.add(i))), g);
                    st(v.add(i), vel);
                    st(p.add(i), f32x4_sub(th, f32x4_mul(vlr, vel)));
                },
                |i| {
                    let g = *g.add(i) + l2 * *p.add(i);
                    *v.add(i) = momentum * *v.add(i) + g;
                    *p.add(i) -= lr * *v.add(i);
                },
            );
        }
    }
}

/// [`super::adam::adam_step_scalar`] on 4 lanes (`f32x4_sqrt` and `f32x4_div` are correctly
/// rounded, like their scalar forms).
pub fn adam_step(
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    s: &AdamScalars,
    l2: f32,
    decay_factor: f32,
) {
    let len = params.len();
    assert!(grads.len() >= len && m.len() >= len && v.len() >= len, "adam_step: slices too short");
    let (beta1, beta2, eps) = (s.beta1, s.beta2, s.eps);
    let one_minus_beta1 = 1.0 - beta1;
    let one_minus_beta2 = 1.0 - beta2;
    let (step_size, bc2_sqrt) = (s.step_size, s.bias_correction2_sqrt);
    let (vb1, vb2, veps, vomb1, vomb2) =
        (splat(beta1), splat(beta2), splat(eps), splat(one_minus_beta1), splat(one_minus_beta2));
    let (vstep, vbc2, vl2, vdecay) = (splat(step_size), splat(bc2_sqrt), splat(l2), splat(decay_factor));
    let (p, g, mp, vp) = (params.as_mut_ptr(), grads.as_ptr(), m.as_mut_ptr(), v.as_mut_ptr());
    // SAFETY: every offset `blocks_then_tail` passes is below `len` (a 4-block ends at most at
    // `len`), and every slice holds at least `len` values (asserted above).
    unsafe {
        blocks_then_tail(
            len,
            |i| {
                let th = ld(p.add(i));
                // g + λ·θ
                let g = madd(ld(g.add(i)), vl2, th);
                // β1·m + (1 − β1)·g
                let m = f32x4_add(f32x4_mul(vb1, ld(mp.add(i))), f32x4_mul(vomb1, g));
                // β2·v + ((1 − β2)·g)·g
                let v = f32x4_add(f32x4_mul(vb2, ld(vp.add(i))), f32x4_mul(f32x4_mul(vomb2, g), g));
                st(mp.add(i), m);
                st(vp.add(i), v);
                let denom = f32x4_add(f32x4_div(f32x4_sqrt(v), vbc2), veps);
                st(p.add(i), f32x4_sub(f32x4_mul(th, vdecay), f32x4_mul(vstep, f32x4_div(m, denom))));
            },
            |i| {
                let th = *p.add(i);
                let g = *g.add(i) + l2 * th;
                let m = beta1 * *mp.add(i) + one_minus_beta1 * g;
                let v = beta2 * *vp.add(i) + one_minus_beta2 * g * g;
                *mp.add(i) = m;
                *vp.add(i) = v;
                let denom = v.sqrt() / bc2_sqrt + eps;
                *p.add(i) = th * decay_factor - step_size * (m / denom);
            },
        );
    }
}

/// [`super::rmsprop::rmsprop_step_scalar`] on 4 lanes.
#[allow(clippy::too_many_arguments)]
pub fn rmsprop_step(
    params: &mut [f32],
    grads: &[f32],
    sq: &mut [f32],
    buf: &mut [f32],
    lr: f32,
    l2: f32,
    alpha: f32,
    eps: f32,
    momentum: f32,
) {
    let len = params.len();
    assert!(grads.len() >= len && sq.len() >= len && buf.len() >= len, "rmsprop_step: slices too short");
    let one_minus_alpha = 1.0 - alpha;
    let (vlr, vl2, valpha, voma, veps, vmu) =
        (splat(lr), splat(l2), splat(alpha), splat(one_minus_alpha), splat(eps), splat(momentum));
    let (p, g, sp, bp) = (params.as_mut_ptr(), grads.as_ptr(), sq.as_mut_ptr(), buf.as_mut_ptr());
    // SAFETY: every offset `blocks_then_tail` passes is below `len` (a 4-block ends at most at
    // `len`), and every slice holds at least `len` values (asserted above).
    unsafe {
        if momentum == 0.0 {
            blocks_then_tail(
                len,
                |i| {
                    let th = ld(p.add(i));
                    let g = madd(ld(g.add(i)), vl2, th);
                    let s = f32x4_add(f32x4_mul(valpha, ld(sp.add(i))), f32x4_mul(f32x4_mul(voma, g), g));
                    st(sp.add(i), s);
                    let step = f32x4_div(g, f32x4_add(f32x4_sqrt(s), veps));
                    st(p.add(i), f32x4_sub(th, f32x4_mul(vlr, step)));
                },
                |i| {
                    let g = *g.add(i) + l2 * *p.add(i);
                    let s = alpha * *sp.add(i) + one_minus_alpha * g * g;
                    *sp.add(i) = s;
                    *p.add(i) -= lr * (g / (s.sqrt() + eps));
                },
            );
        } else {
            blocks_then_tail(
                len,
                |i| {
                    let th = ld(p.add(i));
                    let g = madd(ld(g.add(i)), vl2, th);
                    let s = f32x4_add(f32x4_mul(valpha, ld(sp.add(i))), f32x4_mul(f32x4_mul(voma, g), g));
                    st(sp.add(i), s);
                    let b = f32x4_add(f32x4_mul(vmu, ld(bp.add(i))), f32x4_div(g, f32x4_add(f32x4_sqrt(s), veps)));
                    st(bp.add(i), b);
                    st(p.add(i), f32x4_sub(th, f32x4_mul(vlr, b)));
                },
                |i| {
                    let g = *g.add(i) + l2 * *p.add(i);
                    let s = alpha * *sp.add(i) + one_minus_alpha * g * g;
                    *sp.add(i) = s;
                    *bp.add(i) = momentum * *bp.add(i) + g / (s.sqrt() + eps);
                    *p.add(i) -= lr * *bp.add(i);
                },
            );
        }
    }
}

/// [`super::adagrad::adagrad_step_scalar`] on 4 lanes.
pub fn adagrad_step(params: &mut [f32], grads: &[f32], sum: &mut [f32], clr: f32, l2: f32, eps: f32) {
    let len = params.len();
    assert!(grads.len() >= len && sum.len() >= len, "adagrad_step: slices too short");
    let (vclr, vl2, veps) = (splat(clr), splat(l2), splat(eps));
    let (p, g, sp) = (params.as_mut_ptr(), grads.as_ptr(), sum.as_mut_ptr());
    // SAFETY: every offset `blocks_then_tail` passes is below `len` (a 4-block ends at most at
    // `len`), and every slice holds at least `len` values (asserted above).
    unsafe {
        blocks_then_tail(
            len,
            |i| {
                let th = ld(p.add(i));
                let g = madd(ld(g.add(i)), vl2, th);
                let s = f32x4_add(ld(sp.add(i)), f32x4_mul(g, g));
                st(sp.add(i), s);
                let step = f32x4_div(g, f32x4_add(f32x4_sqrt(s), veps));
                st(p.add(i), f32x4_sub(th, f32x4_mul(vclr, step)));
            },
            |i| {
                let g = *g.add(i) + l2 * *p.add(i);
                let s = *sp.add(i) + g * g;
                *sp.add(i) = s;
                *p.add(i) -= clr * (g / (s.sqrt() + eps));
            },
        );
    }
}

/// [`super::adadelta::adadelta_step_scalar`] on 4 lanes.
#[allow(clippy::too_many_arguments)]
pub fn adadelta_step(
    params: &mut [f32],
    grads: &[f32],
    sq: &mut [f32],
    acc: &mut [f32],
    lr: f32,
    l2: f32,
    rho: f32,
    eps: f32,
) {
    let len = params.len();
    assert!(grads.len() >= len && sq.len() >= len && acc.len() >= len, "adadelta_step: slices too short");
    let one_minus_rho = 1.0 - rho;
    let (vlr, vl2, vrho, vomr, veps) = (splat(lr), splat(l2), splat(rho), splat(one_minus_rho), splat(eps));
    let (p, g, sp, ap) = (params.as_mut_ptr(), grads.as_ptr(), sq.as_mut_ptr(), acc.as_mut_ptr());
    // SAFETY: every offset `blocks_then_tail` passes is below `len` (a 4-block ends at most at
    // `len`), and every slice holds at least `len` values (asserted above).
    unsafe {
        blocks_then_tail(
            len,
            |i| {
                let th = ld(p.add(i));
                let g = madd(ld(g.add(i)), vl2, th);
                let s = f32x4_add(f32x4_mul(vrho, ld(sp.add(i))), f32x4_mul(f32x4_mul(vomr, g), g));
                st(sp.add(i), s);
                let a = ld(ap.add(i));
                let ratio = f32x4_div(f32x4_sqrt(f32x4_add(a, veps)), f32x4_sqrt(f32x4_add(s, veps)));
                let delta = f32x4_mul(ratio, g);
                st(ap.add(i), f32x4_add(f32x4_mul(vrho, a), f32x4_mul(f32x4_mul(vomr, delta), delta)));
                st(p.add(i), f32x4_sub(th, f32x4_mul(vlr, delta)));
            },
            |i| {
                let g = *g.add(i) + l2 * *p.add(i);
                let s = rho * *sp.add(i) + one_minus_rho * g * g;
                *sp.add(i) = s;
                let a = *ap.add(i);
                let delta = (a + eps).sqrt() / (s + eps).sqrt() * g;
                *ap.add(i) = rho * a + one_minus_rho * delta * delta;
                *p.add(i) -= lr * delta;
            },
        );
    }
}
