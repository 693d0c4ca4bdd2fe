//! Hook sites: where an intervention reads and rewrites activations (docs/METHOD.md, "Sites").
//!
//! Every block exposes two sites, named as in TransformerLens: `blocks.{l}.hook_attn_out`
//! (attention output after its output projection, before the residual add) and
//! `blocks.{l}.hook_mlp_out` (MLP output before the residual add).

use burn::tensor::Tensor;

pub use activscalar_types::site::Site;

/// Something that may rewrite the activation at a site. `h` is `[batch, seq, d_model]`.
pub trait Hooks {
    /// Returns the (possibly modified) activation.
    fn at(&self, site: Site, layer: usize, h: Tensor<3>) -> Tensor<3>;
}

/// Records every site's activation (for parity tests and inspection), leaving it unchanged.
#[derive(Default)]
pub struct Recorder {
    /// (site, layer, activation) in the order the forward pass met them.
    pub seen: std::cell::RefCell<Vec<(Site, usize, Tensor<3>)>>,
}

impl Hooks for Recorder {
    fn at(&self, site: Site, layer: usize, h: Tensor<3>) -> Tensor<3> {
        self.seen.borrow_mut().push((site, layer, h.clone()));
        h
    }
}

/// Applies the hooks if there are any; free when there are none.
pub(crate) fn apply(
    hooks: Option<&dyn Hooks>,
    site: Site,
    layer: usize,
    h: Tensor<3>,
) -> Tensor<3> {
    match hooks {
        Some(hk) => hk.at(site, layer, h),
        None => h,
    }
}
