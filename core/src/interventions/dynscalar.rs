//! DynScalar: the scalar is computed from the activation itself, α = w·h + b, with one (w, b)
//! per (site, layer) shared over positions, then applied as ActivScalar: h̃ = h · (1 + β·α).
//! Works for prompts of any length (fits run one forward pass per length, so nothing is
//! padded). θ: w ∈ ℝ^{S×L×D}, b ∈ ℝ^{S×L}.

use burn::tensor::{Device, Tensor};

use super::{Dims, SiteParam, Strength};

/// Zero-initialised θ: leaves `w` (S·L·D) and `b` (S·L).
pub fn init(dims: &Dims, device: &Device) -> Vec<Tensor<1>> {
    vec![
        Tensor::zeros([dims.sites * dims.layers * dims.d_model], device),
        Tensor::zeros([dims.sites * dims.layers], device),
    ]
}

/// Per-site `w` as `[1, D, 1]` (for a batched matmul) and `b` as `[1, 1, 1]`.
pub fn site_params(leaves: &[Tensor<1>], dims: &Dims) -> Vec<SiteParam> {
    let n = dims.sites * dims.layers;
    let w = leaves[0].clone().reshape([n, dims.d_model]);
    let b = leaves[1].clone().reshape([n, 1]);
    (0..n)
        .map(|k| SiteParam::Dynamic {
            w: w.clone().narrow(0, k, 1).reshape([1, dims.d_model, 1]),
            b: b.clone().narrow(0, k, 1).reshape([1, 1, 1]),
        })
        .collect()
}

/// h · (1 + β·(w·h + b)).
pub fn apply(h: Tensor<3>, w: &Tensor<3>, b: &Tensor<3>, beta: &Strength) -> Tensor<3> {
    let alpha = h.clone().matmul(w.clone()) + b.clone();
    h.clone() + beta.scale(h * alpha)
}
