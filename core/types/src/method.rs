//! The interventions (docs/METHOD.md, "Interventions"): which method, θ's shape, and the
//! per-cell magnitudes that the heatmap shows and "active sites" count.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// Which intervention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// h·(1 + β·α), one α per (site, layer, position).
    ActivScalar,
    /// h + β·v, one vector per (site, layer, position).
    SteerVec,
    /// h·(1 + β·(w·h + b)), one (w, b) per (site, layer).
    DynScalar,
}

impl Method {
    /// All methods.
    pub const ALL: [Method; 3] = [Method::ActivScalar, Method::SteerVec, Method::DynScalar];

    /// Lower-case name used in the CLI, results and permalinks.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::ActivScalar => "activscalar",
            Method::SteerVec => "steervec",
            Method::DynScalar => "dynscalar",
        }
    }

    /// Parses [`Method::as_str`].
    pub fn parse(s: &str) -> Result<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s.to_lowercase())
            .ok_or_else(|| {
                CoreError::Input(format!(
                    "unknown method `{s}` (activscalar, steervec, dynscalar)"
                ))
            })
    }

    /// Whether θ has one entry per prompt position (so all prompts need the same length).
    pub fn is_position_tied(self) -> bool {
        !matches!(self, Method::DynScalar)
    }
}

impl std::str::FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Method::parse(s).map_err(|e| e.to_string())
    }
}

/// Shape of θ: sites × layers (× positions) (× width).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dims {
    /// Number of site kinds (2: attn_out, mlp_out).
    pub sites: usize,
    /// Number of layers.
    pub layers: usize,
    /// Prompt positions I (position-tied methods; 0 for DynScalar).
    pub positions: usize,
    /// Residual width D.
    pub d_model: usize,
}

impl Dims {
    /// Number of "sites" in the heatmap sense: (site, layer, position), or (site, layer) for
    /// DynScalar.
    pub fn n_cells(&self, method: Method) -> usize {
        let per = if method.is_position_tied() {
            self.positions
        } else {
            1
        };
        self.sites * self.layers * per
    }
}

/// Per-cell magnitude of host θ: |α|, ‖v‖₂ or ‖w‖₂ — the heatmap values and the basis of
/// "active sites". Cells are ordered site-major: (site, layer[, position]).
pub fn magnitudes(method: Method, dims: &Dims, host: &[Vec<f32>]) -> Vec<f32> {
    match method {
        Method::ActivScalar => host[0].iter().map(|a| a.abs()).collect(),
        Method::SteerVec => norms(&host[0], dims.d_model),
        Method::DynScalar => norms(&host[0], dims.d_model),
    }
}

/// Cells whose magnitude exceeds `tau`.
pub fn active_cells(method: Method, dims: &Dims, host: &[Vec<f32>], tau: f32) -> usize {
    magnitudes(method, dims, host)
        .iter()
        .filter(|&&m| m > tau)
        .count()
}

/// ‖·‖₂ of each `width`-long chunk.
fn norms(values: &[f32], width: usize) -> Vec<f32> {
    values
        .chunks(width.max(1))
        .map(|v| v.iter().map(|x| x * x).sum::<f32>().sqrt())
        .collect()
}
