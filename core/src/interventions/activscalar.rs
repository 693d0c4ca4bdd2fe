//! ActivScalar (Stoehr et al. 2024): one learned scalar α per (site, layer, position);
//! h̃ = h · (1 + β·α). θ is α ∈ ℝ^{S×L×I}, initialised to 0 (the identity).

use burn::tensor::{Device, Tensor};

use super::{Dims, SiteParam, Strength};

/// Zero-initialised θ: one leaf of S·L·I scalars.
pub fn init(dims: &Dims, device: &Device) -> Vec<Tensor<1>> {
    vec![Tensor::zeros(
        [dims.sites * dims.layers * dims.positions],
        device,
    )]
}

/// Per-site views of α, each `[1, I, 1]` so it broadcasts over batch and width.
pub fn site_params(leaves: &[Tensor<1>], dims: &Dims) -> Vec<SiteParam> {
    let alpha = leaves[0]
        .clone()
        .reshape([dims.sites * dims.layers, dims.positions]);
    (0..dims.sites * dims.layers)
        .map(|k| {
            SiteParam::Scale(
                alpha
                    .clone()
                    .narrow(0, k, 1)
                    .reshape([1, dims.positions, 1]),
            )
        })
        .collect()
}

/// h · (1 + β·α).
pub fn apply(h: Tensor<3>, alpha: &Tensor<3>, beta: &Strength) -> Tensor<3> {
    h.clone() + beta.scale(h * alpha.clone())
}
