//! Dense (fully connected) layer: y = x · Wᵀ + b.

use super::{Ctx, Init, Layer};
use crate::params::{Param, ParamStore};
use crate::rng::Rng;
use crate::tensor::kernels::{gemm_nn, gemm_nt, gemm_tn};
use crate::tensor::{Dims, Tensor};

/// Every output unit sees every input feature.
///
/// Shapes: input [n, in] → output [n, units]; W [units, in] (PyTorch's layout, so each unit's
/// weights are contiguous); b [units]. A spatial input [n, c, h, w] with c·h·w = in is read as
/// flat (NCHW order), so no separate flatten step is needed; its gradient keeps the input's shape.
#[derive(Debug, Clone)]
pub struct Dense {
    in_features: usize,
    units: usize,
    w: Param,
    b: Param,
}

impl Dense {
    /// Reserves W and b in `store` (W with L2 decay, b without; both zero until `init`).
    pub fn new(store: &mut ParamStore, layer_index: usize, in_features: usize, units: usize) -> Dense {
        let w =
            store.add(format!("layer {} dense weights", layer_index + 1), layer_index, vec![units, in_features], true);
        let b = store.add(format!("layer {} dense bias", layer_index + 1), layer_index, vec![units], false);
        Dense { in_features, units, w, b }
    }

    /// Draws W from `scheme` with fan_in = in, fan_out = units; zeroes b.
    /// `values` is the whole store's value buffer.
    pub fn init(&self, values: &mut [f32], rng: &mut Rng, scheme: Init) {
        scheme.fill(&mut values[self.w.range()], self.in_features, self.units, rng);
        values[self.b.range()].fill(0.0);
    }

    pub fn weights(&self) -> &Param {
        &self.w
    }

    pub fn bias(&self) -> &Param {
        &self.b
    }
}

impl Layer for Dense {
    fn kind(&self) -> &'static str {
        "dense"
    }

    /// Flat `in`; any input with `in` values per example is accepted.
    fn in_dims(&self) -> Dims {
        Dims::flat(self.in_features)
    }

    fn out_dims(&self) -> Dims {
        Dims::flat(self.units)
    }

    /// Shapes: x [n, in] (or [n, c, h, w] with c·h·w = in) → y [n, units].
    ///
    /// y = b (per row), then y += x · Wᵀ (`gemm_nt`: dot products along contiguous rows of x and W).
    fn forward(&mut self, params: &[f32], x: &Tensor, y: &mut Tensor, _ctx: &mut Ctx) {
        debug_assert_eq!(x.dims().len(), self.in_features);
        let b = &params[self.b.range()];
        y.reshape(x.n, Dims::flat(self.units));
        for row in y.data.chunks_exact_mut(self.units) {
            row.copy_from_slice(b);
        }
        gemm_nt(x.n, self.in_features, self.units, &x.data, &params[self.w.range()], &mut y.data);
    }

    /// grad_W += gyᵀ · x, grad_b += Σ_batch gy, grad_x = gy · W.
    fn backward(
        &mut self,
        params: &[f32],
        grads: &mut [f32],
        x: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
        grad_x: Option<&mut Tensor>,
    ) {
        let (n, inf, units) = (x.n, self.in_features, self.units);
        debug_assert_eq!(x.dims().len(), inf);
        debug_assert_eq!((grad_y.n, grad_y.dims().len()), (n, units));
        gemm_tn(units, n, inf, &grad_y.data, &x.data, &mut grads[self.w.range()]);
        let grad_b = &mut grads[self.b.range()];
        for gy_row in grad_y.data.chunks_exact(units) {
            for (gb, &g) in grad_b.iter_mut().zip(gy_row) {
                *gb += g;
            }
        }
        if let Some(gx) = grad_x {
            gx.reshape(n, x.dims());
            gx.data.fill(0.0);
            gemm_nn(n, units, inf, &grad_y.data, &params[self.w.range()], &mut gx.data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Mode;
    use crate::model::spec::ModelSpec;
    use crate::model::validate::validate;

    #[test]
    fn dense_2_to_3_by_hand() {
        // W = [[1, 2], [3, 4], [5, 6]] (units × in), b = (0.5, 0, −1), x = (1, −1):
        // y = (1−2+0.5, 3−4, 5−6−1) = (−0.5, −1, −2).
        let mut store = ParamStore::new();
        let mut dense = Dense::new(&mut store, 2, 2, 3);
        assert_eq!(store.params[0].shape, [3, 2]);
        store.values.copy_from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.5, 0.0, -1.0]);
        let x = Tensor::from_vec(1, Dims::flat(2), vec![1.0, -1.0]);
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        dense.forward(&store.values, &x, &mut y, &mut Ctx { mode: Mode::Eval, rng: &mut rng });
        assert_eq!(y.data, [-0.5, -1.0, -2.0]);
        assert_eq!(y.dims(), Dims::flat(3));

        // gy = (1, 0, 2): grad_W = gyᵀx = [[1, −1], [0, 0], [2, −2]], grad_b = gy,
        // grad_x = gy·W = (1 + 10, 2 + 12) = (11, 14). Twice: the parameter grads add up.
        let gy = Tensor::from_vec(1, Dims::flat(3), vec![1.0, 0.0, 2.0]);
        let mut gx = Tensor::default();
        for _ in 0..2 {
            dense.backward(&store.values, &mut store.grads, &x, &y, &gy, Some(&mut gx));
        }
        assert_eq!(store.grads, [2.0, -2.0, 0.0, 0.0, 4.0, -4.0, 2.0, 0.0, 4.0]);
        assert_eq!(gx.data, [11.0, 14.0]);
    }

    /// FLOPs are counted once, by the plan: 2 → 3 units is 6 multiply-adds × 2 + 3 bias adds.
    #[test]
    fn the_plan_counts_the_flops_of_this_layer() -> crate::Result<()> {
        let spec = ModelSpec::from_json(
            r#"{"input":[2,1,1],"classes":3,"layers":[{"type":"dense","units":3,"activation":"softmax"}]}"#,
        )?;
        assert_eq!(validate(&spec)?.layers[0].flops, 2 * 6 + 3);
        Ok(())
    }

    #[test]
    fn spatial_input_is_read_flat_and_its_gradient_keeps_the_shape() {
        // 2×2×2 = 8 features → 1 unit of all-ones weights: y = Σ x.
        let mut store = ParamStore::new();
        let mut dense = Dense::new(&mut store, 0, 8, 1);
        store.values[dense.weights().range()].fill(1.0);
        let x = Tensor::from_vec(2, Dims::new(2, 2, 2), (0..16).map(|v| v as f32).collect());
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        dense.forward(&store.values, &x, &mut y, &mut Ctx { mode: Mode::Train, rng: &mut rng });
        assert_eq!(y.data, [28.0, 92.0]);
        let gy = Tensor::from_vec(2, Dims::flat(1), vec![1.0, 1.0]);
        let mut gx = Tensor::default();
        dense.backward(&store.values, &mut store.grads, &x, &y, &gy, Some(&mut gx));
        assert_eq!(gx.dims(), Dims::new(2, 2, 2));
        assert_eq!(gx.data, [1.0; 16]);
    }

    #[test]
    fn xavier_bound() {
        // √(6/(20 + 10)) = √0.2
        assert_eq!(Init::Xavier.bound(20, 10), 0.2f32.sqrt());
        assert_eq!(Init::He.bound(24, 10), 0.25f32.sqrt());
    }
}
