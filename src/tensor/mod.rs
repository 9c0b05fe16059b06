//! Tensors: a shape and a flat `Vec<f32>`, NCHW, row-major, batch first.
//!
//! Every spatial or flat activation is stored as `[n, c, h, w]`; a dense layer's output is
//! `[n, units, 1, 1]`, so flattening costs nothing (the bytes are already in order).

pub mod kernels;

/// Per-example shape: channels × height × width. A flat vector of `k` features is `k × 1 × 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Dims {
    pub c: usize,
    pub h: usize,
    pub w: usize,
}

impl Dims {
    pub const fn new(c: usize, h: usize, w: usize) -> Self {
        Dims { c, h, w }
    }
    pub const fn flat(k: usize) -> Self {
        Dims { c: k, h: 1, w: 1 }
    }
    /// Values per example.
    pub const fn len(&self) -> usize {
        self.c * self.h * self.w
    }
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub const fn is_flat(&self) -> bool {
        self.h == 1 && self.w == 1
    }
}

impl std::fmt::Display for Dims {
    /// `8×28×28` for spatial shapes, `128` for flat ones.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_flat() {
            write!(f, "{}", self.c)
        } else {
            write!(f, "{}×{}×{}", self.c, self.h, self.w)
        }
    }
}

/// A batch of `n` examples of shape `dims`, stored contiguously.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tensor {
    pub n: usize,
    pub dims: Option<Dims>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn zeros(n: usize, dims: Dims) -> Self {
        Tensor { n, dims: Some(dims), data: vec![0.0; n * dims.len()] }
    }

    pub fn from_vec(n: usize, dims: Dims, data: Vec<f32>) -> Self {
        assert_eq!(data.len(), n * dims.len(), "tensor data does not match its shape");
        Tensor { n, dims: Some(dims), data }
    }

    pub fn dims(&self) -> Dims {
        self.dims.expect("tensor used before it was shaped")
    }

    /// Reshapes in place, reusing the allocation once it is large enough (no allocation per step).
    /// Contents are unspecified afterwards unless the length is unchanged.
    pub fn reshape(&mut self, n: usize, dims: Dims) {
        self.n = n;
        self.dims = Some(dims);
        self.data.resize(n * dims.len(), 0.0);
    }

    /// The values of example `i`.
    pub fn example(&self, i: usize) -> &[f32] {
        let len = self.dims().len();
        &self.data[i * len..(i + 1) * len]
    }

    pub fn example_mut(&mut self, i: usize) -> &mut [f32] {
        let len = self.dims().len();
        &mut self.data[i * len..(i + 1) * len]
    }
}
