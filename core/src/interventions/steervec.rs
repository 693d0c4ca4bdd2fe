//! SteerVec (the paper's baseline): one learned vector v per (site, layer, position) added to
//! the activation; h̃ = h + β·v. θ is v ∈ ℝ^{S×L×I×D}, initialised to 0.

use burn::tensor::{Device, Tensor};

use super::{Dims, SiteParam, Strength};

/// Zero-initialised θ: one leaf of S·L·I·D values.
pub fn init(dims: &Dims, device: &Device) -> Vec<Tensor<1>> {
    vec![Tensor::zeros(
        [dims.sites * dims.layers * dims.positions * dims.d_model],
        device,
    )]
}

/// Per-site views of v, each `[1, I, D]`.
pub fn site_params(leaves: &[Tensor<1>], dims: &Dims) -> Vec<SiteParam> {
    let v = leaves[0]
        .clone()
        .reshape([dims.sites * dims.layers, dims.positions * dims.d_model]);
    (0..dims.sites * dims.layers)
        .map(|k| {
            SiteParam::Vector(
                v.clone()
                    .narrow(0, k, 1)
                    .reshape([1, dims.positions, dims.d_model]),
            )
        })
        .collect()
}

/// h + β·v.
pub fn apply(h: Tensor<3>, v: &Tensor<3>, beta: &Strength) -> Tensor<3> {
    h + beta.scale(v.clone())
}
