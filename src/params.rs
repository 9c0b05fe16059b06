//! All trainable parameters of a network in one flat buffer, with a mirror of their gradients.
//!
//! Layers hold `Param` handles (offset, length, shape). One optimizer loop walks the buffer,
//! one `fill(0.0)` zeroes the gradients, and JavaScript can view the values without copying.

/// Where one parameter tensor lives in the store.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Param {
    /// Human-readable name such as `"layer 1 conv2d weights"`, counting layers from 1 as messages do.
    pub name: String,
    /// Index of the spec layer that owns it.
    pub layer: usize,
    pub offset: usize,
    pub len: usize,
    /// The tensor's shape, outermost first (conv weights: `[filters, channels, kh, kw]`).
    pub shape: Vec<usize>,
    /// Whether L2 regularisation applies (weights yes, biases no).
    pub decay: bool,
}

impl Param {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamStore {
    pub values: Vec<f32>,
    pub grads: Vec<f32>,
    pub params: Vec<Param>,
}

impl ParamStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a zero-initialised parameter tensor and returns its handle.
    pub fn add(&mut self, name: String, layer: usize, shape: Vec<usize>, decay: bool) -> Param {
        let len = shape.iter().product();
        let param = Param { name, layer, offset: self.values.len(), len, shape, decay };
        self.values.resize(self.values.len() + len, 0.0);
        self.grads.resize(self.values.len(), 0.0);
        self.params.push(param.clone());
        param
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn zero_grads(&mut self) {
        self.grads.fill(0.0);
    }
}
