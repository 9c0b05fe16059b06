//! 2-D convolution as a matrix product: y = W · im2col(x) + b, one image at a time.

use super::{Ctx, Init, Layer};
use crate::params::{Param, ParamStore};
use crate::rng::Rng;
use crate::tensor::kernels::{add_row_sums, col2im_rows, gemm_nn, gemm_nt, gemm_tn_strided, im2col, Conv2dDims};
use crate::tensor::{Dims, Tensor};

/// A convolution with `filters` kernels of kh×kw over all input channels, a stride and zero
/// padding that may differ per side.
///
/// Shapes: input [n, c, h, w] → output [n, F, oh, ow] with
/// `oh = ⌊(h + pad_top + pad_bottom − kh) / stride⌋ + 1` (likewise `ow`);
/// W [F, c, kh, kw] (viewed as the matrix F × c·kh·kw); b [F].
///
/// The im2col columns are rebuilt in backward rather than kept for the whole batch: they take
/// kh·kw times the memory of the input (a large evaluation batch would need hundreds of MB), and
/// rebuilding them costs a copy, about 1/F of the matrix products that use them.
///
/// The input gradient col2im(Wᵀ · gy) is made a block of rows at a time: each block of Wᵀ · gy
/// is still in L1 when col2im adds it into grad_x, and the whole column gradient (as large as the
/// columns) never exists. Its rows, and so grad_x, are the same bits either way.
#[derive(Debug, Clone)]
pub struct Conv2d {
    d: Conv2dDims,
    filters: usize,
    in_dims: Dims,
    out_dims: Dims,
    w: Param,
    b: Param,
    /// One image's columns [c·kh·kw, oh·ow], reused by forward and backward.
    cols: Vec<f32>,
    /// A block of `block_rows` rows of one image's column gradient [block_rows, oh·ow].
    grad_cols: Vec<f32>,
    block_rows: usize,
}

/// How many floats a block of the column gradient holds: 32 KB, the L1 data cache of most
/// machines.
const GRAD_BLOCK_FLOATS: usize = 8192;

/// The rows of one block of the column gradient, for `rows` rows of `pixels` values: as many as
/// fit in `GRAD_BLOCK_FLOATS`, a multiple of 4 (the GEMM's row tile), at least 4, at most `rows`.
pub fn grad_block_rows(rows: usize, pixels: usize) -> usize {
    (GRAD_BLOCK_FLOATS / pixels.max(1) / 4 * 4).clamp(4, rows.max(4)).min(rows)
}

/// The floats a convolution keeps for its whole life: one image's columns and one block of their
/// gradient (the memory estimate of `model::validate` adds these up over the layers).
pub fn scratch_floats(rows: usize, pixels: usize) -> usize {
    rows.saturating_mul(pixels).saturating_add(grad_block_rows(rows, pixels).saturating_mul(pixels))
}

impl Conv2d {
    /// Reserves W and b in `store` (W with L2 decay, b without; both zero until `init`).
    /// `pad` is `(top, bottom, left, right)`; TensorFlow's "same" with an even kernel puts the
    /// extra pixel at the bottom/right. The kernel must fit the padded input and `stride ≥ 1`
    /// (`model::validate` checks both).
    pub fn new(
        store: &mut ParamStore,
        layer_index: usize,
        in_dims: Dims,
        filters: usize,
        (kh, kw): (usize, usize),
        stride: usize,
        pad: (usize, usize, usize, usize),
    ) -> Conv2d {
        let d = Conv2dDims::new((in_dims.c, in_dims.h, in_dims.w), (kh, kw), stride, pad);
        let w = store.add(
            format!("layer {} conv2d weights", layer_index + 1),
            layer_index,
            vec![filters, in_dims.c, kh, kw],
            true,
        );
        let b = store.add(format!("layer {} conv2d bias", layer_index + 1), layer_index, vec![filters], false);
        let col_len = d.rows() * d.cols();
        let block_rows = grad_block_rows(d.rows(), d.cols());
        Conv2d {
            d,
            filters,
            in_dims,
            out_dims: Dims::new(filters, d.oh, d.ow),
            w,
            b,
            cols: vec![0.0; col_len],
            grad_cols: vec![0.0; block_rows * d.cols()],
            block_rows,
        }
    }

    /// Draws W from `scheme` with fan_in = c·kh·kw and fan_out = F·kh·kw; zeroes b.
    /// `values` is the whole store's value buffer.
    pub fn init(&self, values: &mut [f32], rng: &mut Rng, scheme: Init) {
        let fan_in = self.d.rows();
        let fan_out = self.filters * self.d.kh * self.d.kw;
        scheme.fill(&mut values[self.w.range()], fan_in, fan_out, rng);
        values[self.b.range()].fill(0.0);
    }

    pub fn weights(&self) -> &Param {
        &self.w
    }

    pub fn bias(&self) -> &Param {
        &self.b
    }

    /// The convolution's geometry (kernel, stride, padding, output size).
    pub fn geometry(&self) -> &Conv2dDims {
        &self.d
    }
}

impl Layer for Conv2d {
    fn kind(&self) -> &'static str {
        "conv2d"
    }

    fn in_dims(&self) -> Dims {
        self.in_dims
    }

    fn out_dims(&self) -> Dims {
        self.out_dims
    }

    /// Shapes: x [n, c, h, w] → y [n, F, oh, ow].
    ///
    /// Per image: y = b (broadcast over pixels), then y += W(F × c·kh·kw) · cols(c·kh·kw × oh·ow).
    fn forward(&mut self, params: &[f32], x: &Tensor, y: &mut Tensor, _ctx: &mut Ctx) {
        debug_assert_eq!(x.dims(), self.in_dims);
        let (f, rows, ohw) = (self.filters, self.d.rows(), self.d.cols());
        let w = &params[self.w.range()];
        let b = &params[self.b.range()];
        y.reshape(x.n, self.out_dims);
        for i in 0..x.n {
            im2col(&self.d, x.example(i), &mut self.cols);
            let y_i = y.example_mut(i);
            for (row, &bias) in y_i.chunks_exact_mut(ohw).zip(b) {
                row.fill(bias);
            }
            gemm_nn(f, rows, ohw, w, &self.cols, y_i);
        }
    }

    /// Per image, with cols = im2col(x) and gy [F × oh·ow]:
    /// grad_W += gy · colsᵀ, grad_b += Σ_pixels gy, grad_x = col2im(Wᵀ · gy) (by blocks of rows).
    fn backward(
        &mut self,
        params: &[f32],
        grads: &mut [f32],
        x: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
        mut grad_x: Option<&mut Tensor>,
    ) {
        debug_assert_eq!(x.dims(), self.in_dims);
        debug_assert_eq!((grad_y.n, grad_y.dims()), (x.n, self.out_dims));
        let (f, rows, ohw) = (self.filters, self.d.rows(), self.d.cols());
        let w = &params[self.w.range()];
        if let Some(gx) = grad_x.as_deref_mut() {
            gx.reshape(x.n, self.in_dims);
        }
        for i in 0..x.n {
            let gy_i = grad_y.example(i);
            im2col(&self.d, x.example(i), &mut self.cols);
            gemm_nt(f, ohw, rows, gy_i, &self.cols, &mut grads[self.w.range()]);
            add_row_sums(f, ohw, gy_i, &mut grads[self.b.range()]);
            if let Some(gx) = grad_x.as_deref_mut() {
                let gx_i = gx.example_mut(i);
                gx_i.fill(0.0);
                for first in (0..rows).step_by(self.block_rows) {
                    // Rows first.. of Wᵀ · gy: columns first.. of W [F × rows].
                    let block = &mut self.grad_cols[..self.block_rows.min(rows - first) * ohw];
                    block.fill(0.0);
                    gemm_tn_strided(block.len() / ohw, f, ohw, &w[first..], rows, gy_i, block);
                    col2im_rows(&self.d, first, block, gx_i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Mode;
    use crate::model::spec::ModelSpec;
    use crate::model::validate::validate;

    fn ctx(rng: &mut Rng) -> Ctx<'_> {
        Ctx { mode: Mode::Train, rng }
    }

    #[test]
    fn conv_3x3_valid_on_a_known_4x4_input() {
        // 1×4×4 input 0..15, one 3×3 filter of ones, bias 0.5, no padding:
        // (4 + 0 − 3)/1 + 1 = 2, so y is 1×2×2; each output is the sum of a 3×3 window + 0.5.
        let mut store = ParamStore::new();
        let mut conv = Conv2d::new(&mut store, 0, Dims::new(1, 4, 4), 1, (3, 3), 1, (0, 0, 0, 0));
        assert_eq!(conv.out_dims(), Dims::new(1, 2, 2));
        store.values[conv.weights().range()].fill(1.0);
        store.values[conv.bias().range()].fill(0.5);
        let x = Tensor::from_vec(1, Dims::new(1, 4, 4), (0..16).map(|v| v as f32).collect());
        let mut y = Tensor::default();
        let mut rng = Rng::new(0);
        conv.forward(&store.values, &x, &mut y, &mut ctx(&mut rng));
        // window (0,0) = 0+1+2+4+5+6+8+9+10 = 45; one step right adds 9·1, one step down 9·4.
        assert_eq!(y.data, [45.5, 54.5, 81.5, 90.5]);

        // With grad_y = 1 everywhere: grad_b = 4 (pixels), grad_W[ki][kj] = Σ of the 2×2 block
        // the tap sees, grad_x[p] = number of windows covering p.
        let gy = Tensor::from_vec(1, Dims::new(1, 2, 2), vec![1.0; 4]);
        let mut gx = Tensor::default();
        conv.backward(&store.values, &mut store.grads, &x, &y, &gy, Some(&mut gx));
        assert_eq!(store.grads[conv.bias().range()], [4.0]);
        // tap (0,0) sees pixels {0,1,4,5} = 10
        assert_eq!(store.grads[conv.weights().offset], 10.0);
        #[rustfmt::skip]
        let coverage = [
            1., 2., 2., 1.,
            2., 4., 4., 2.,
            2., 4., 4., 2.,
            1., 2., 2., 1.,
        ];
        assert_eq!(gx.data, coverage);
    }

    #[test]
    fn same_padding_stride_2_and_two_channels() {
        // 2×5×5, 4 filters of 3×3, stride 2, pad 1: (5 + 2·1 − 3)/2 + 1 = 3.
        let mut store = ParamStore::new();
        let conv = Conv2d::new(&mut store, 3, Dims::new(2, 5, 5), 4, (3, 3), 2, (1, 1, 1, 1));
        assert_eq!(conv.out_dims(), Dims::new(4, 3, 3));
        assert_eq!(store.params[0].shape, [4, 2, 3, 3]);
        // Spec index 3 is the fourth layer: names count from 1, as error messages do.
        assert_eq!(store.params[0].name, "layer 4 conv2d weights");
        assert!(store.params[0].decay && !store.params[1].decay);
        // TF "same" for a 4×4 kernel on 6×6, stride 1: total pad 3 = 1 top + 2 bottom.
        // (6 + 3 − 4)/1 + 1 = 6
        let conv = Conv2d::new(&mut store, 4, Dims::new(1, 6, 6), 1, (4, 4), 1, (1, 2, 1, 2));
        assert_eq!(conv.out_dims(), Dims::new(1, 6, 6));
    }

    /// FLOPs are counted once, by the plan: for the layer above, 9 pixels × 4 filters × 18 taps × 2
    /// + 36 bias adds = 1332.
    #[test]
    fn the_plan_counts_the_flops_of_this_layer() -> crate::Result<()> {
        let spec = ModelSpec::from_json(
            r#"{"input":[2,5,5],"classes":3,"layers":[
            {"type":"conv2d","filters":4,"kernel":3,"stride":2,"pad":1},
            {"type":"dense","units":3,"activation":"softmax"}]}"#,
        )?;
        let conv = &validate(&spec)?.layers[0];
        assert_eq!(conv.out_dims, Dims::new(4, 3, 3));
        assert_eq!(conv.flops, 1332);
        Ok(())
    }

    /// The memory estimate counts what a convolution keeps: its columns and one gradient block,
    /// whatever the image size (a block of 4 rows when a row is larger than the block's budget).
    #[test]
    fn scratch_floats_is_what_the_layer_keeps() {
        for (dims, k, pad) in [(Dims::new(8, 28, 28), 5, 2), (Dims::new(1, 4, 4), 3, 0), (Dims::new(2, 100, 100), 3, 1)]
        {
            let mut store = ParamStore::new();
            let conv = Conv2d::new(&mut store, 0, dims, 6, (k, k), 1, (pad, pad, pad, pad));
            let (rows, pixels) = (conv.d.rows(), conv.d.cols());
            assert_eq!(conv.cols.len() + conv.grad_cols.len(), scratch_floats(rows, pixels), "{dims:?}");
            assert!(conv.block_rows >= 1 && conv.block_rows <= rows);
        }
    }

    #[test]
    fn he_init_stays_in_bounds_and_zeroes_bias() {
        let mut store = ParamStore::new();
        let conv = Conv2d::new(&mut store, 0, Dims::new(3, 8, 8), 5, (3, 3), 1, (1, 1, 1, 1));
        store.values.fill(7.0);
        conv.init(&mut store.values, &mut Rng::new(1), Init::He);
        // fan_in = 3·3·3 = 27: bound √(6/27) = 0.4714
        let bound = (6.0f32 / 27.0).sqrt();
        let w = &store.values[conv.weights().range()];
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(w.iter().any(|v| v.abs() > 0.9 * bound));
        assert!(store.values[conv.bias().range()].iter().all(|&v| v == 0.0));
    }
}
