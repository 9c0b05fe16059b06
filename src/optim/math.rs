//! Reproducible f64 math for the optimizers and schedules: integer powers and a cosine built from
//! `+ − × ÷` only, so a native run and a wasm32 run with the same seed are bit-identical.
//!
//! `f64::cos` and `f64::powi` call the platform's libm or compiler-rt, whose last bits are not
//! specified and can differ between targets. The basic operations (and `sqrt`, `floor`) are
//! correctly rounded by IEEE 754 on every target, so anything built from them alone is portable.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

/// `base^n` by binary exponentiation: only multiplications, so every target gets the same bits.
/// Accuracy: at most about log2(n) + 1 roundings, ~1e-15 relative for the exponents used here.
pub fn powu(base: f64, n: u64) -> f64 {
    let mut result = 1.0;
    let mut b = base;
    let mut e = n;
    while e > 0 {
        if e & 1 == 1 {
            result *= b;
        }
        b *= b;
        e >>= 1;
    }
    result
}

/// cos(x) to ~1e-15 absolute, with the same bits on every target.
///
/// Reduction: r = x − 2π·floor(x / 2π) ∈ [0, 2π); cos(2π − r) = cos(r) folds it onto [0, π];
/// cos(π − r) = −cos(r) onto [0, π/2]; on (π/4, π/2] we use cos(r) = sin(π/2 − r). The reduction is
/// done in f64, so for |x| up to ~1e3 its own rounding stays below 1e-13 (the schedule only passes
/// x ∈ [0, π]). Non-finite x gives NaN.
pub fn cos(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let two_pi = 2.0 * PI;
    // floor is exact (IEEE 754 roundToIntegral), so this stays reproducible.
    let mut r = x - two_pi * (x / two_pi).floor();
    if r > PI {
        r = two_pi - r;
    }
    let (r, sign) = if r > FRAC_PI_2 { (PI - r, -1.0) } else { (r.max(0.0), 1.0) };
    if r <= FRAC_PI_4 {
        sign * cos_taylor(r)
    } else {
        sign * sin_taylor(FRAC_PI_2 - r)
    }
}

/// Taylor series of cos on [0, π/4] in nested (Horner) form:
/// cos x = 1 − x²/(1·2)·(1 − x²/(3·4)·(1 − x²/(5·6)·(…))), ten terms; the first dropped term,
/// (π/4)²⁰/20!, is below 1e-20.
fn cos_taylor(x: f64) -> f64 {
    let x2 = x * x;
    let mut s = 1.0;
    for k in (1..=9u32).rev() {
        let d = f64::from((2 * k - 1) * (2 * k));
        s = 1.0 - x2 / d * s;
    }
    s
}

/// Taylor series of sin on [0, π/4]: sin x = x·(1 − x²/(2·3)·(1 − x²/(4·5)·(…))), ten terms.
fn sin_taylor(x: f64) -> f64 {
    let x2 = x * x;
    let mut s = 1.0;
    for k in (1..=9u32).rev() {
        let d = f64::from((2 * k) * (2 * k + 1));
        s = 1.0 - x2 / d * s;
    }
    x * s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powu_matches_repeated_multiplication() {
        assert_eq!(powu(0.5, 0), 1.0);
        assert_eq!(powu(0.5, 3), 0.125);
        assert_eq!(powu(2.0, 10), 1024.0);
        let b = 0.999f32 as f64;
        let slow = (0..37).fold(1.0, |acc, _| acc * b);
        assert!((powu(b, 37) - slow).abs() < 1e-14);
    }

    #[test]
    fn cos_matches_libm_closely() {
        // Over several periods and both signs; the schedule itself only uses [0, π].
        for i in -4000..=4000 {
            let x = i as f64 * 0.005;
            let err = (cos(x) - x.cos()).abs();
            assert!(err < 1e-14, "cos({x}): {} vs {} (error {err:e})", cos(x), x.cos());
        }
    }

    #[test]
    fn cos_exact_at_landmarks() {
        assert_eq!(cos(0.0), 1.0);
        assert_eq!(cos(PI), -1.0);
        assert!(cos(FRAC_PI_2).abs() < 1e-16);
        assert!((cos(PI / 3.0) - 0.5).abs() < 1e-15);
        assert!(cos(f64::NAN).is_nan());
    }
}
