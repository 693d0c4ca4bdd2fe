//! Hook sites: where an intervention reads and rewrites activations (docs/METHOD.md, "Sites").
//!
//! Every block has two sites, named as in TransformerLens: `blocks.{l}.hook_attn_out`
//! (attention output after its output projection, before the residual add) and
//! `blocks.{l}.hook_mlp_out` (MLP output before the residual add).

use serde::{Deserialize, Serialize};

/// A kind of site inside a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// Attention block output.
    AttnOut,
    /// MLP block output.
    MlpOut,
}

impl Site {
    /// Both sites, in their canonical order (index 0 and 1 of the `S` axis of θ).
    pub const ALL: [Site; 2] = [Site::AttnOut, Site::MlpOut];

    /// Index on the `S` axis.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Short name: `attn_out` / `mlp_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Site::AttnOut => "attn_out",
            Site::MlpOut => "mlp_out",
        }
    }

    /// TransformerLens hook name for layer `layer`.
    pub fn hook_name(self, layer: usize) -> String {
        format!("blocks.{layer}.hook_{}", self.as_str())
    }
}
