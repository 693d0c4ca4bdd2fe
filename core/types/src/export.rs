//! Export of learned parameters as safetensors, one tensor per (site, layer) named after
//! TransformerLens hooks, so θ can be re-applied outside this tool (see docs/EXPORT.md):
//!
//! - ActivScalar: `blocks.{l}.hook_attn_out.alpha`, shape `[I]` — h̃ = h·(1 + β·α)
//! - SteerVec: `blocks.{l}.hook_mlp_out.v`, shape `[I, D]` — h̃ = h + β·v
//! - DynScalar: `blocks.{l}.hook_attn_out.w` `[D]` and `.b` `[1]` — α = w·h + b, then as ActivScalar
//!
//! `__metadata__` carries the method, the formula, the position keys' labels (`positions`, a
//! JSON list: what index i of `[I]` is) and the whole result header as JSON.

use std::collections::BTreeMap;

use crate::error::{CoreError, Result};
use crate::method::Method;
use crate::result::FitResult;
use crate::site::Site;

/// One tensor to write: name, shape, values.
struct Entry {
    name: String,
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// θ of `result` as a safetensors file (little-endian F32).
pub fn to_safetensors(result: &FitResult) -> Result<Vec<u8>> {
    let entries = entries(result)?;
    let mut header = serde_json::Map::new();
    let mut meta = BTreeMap::new();
    meta.insert("method", result.theta.method.as_str().to_string());
    meta.insert("formula", formula(result.theta.method).to_string());
    if result.theta.method.is_position_tied() {
        meta.insert(
            "positions",
            serde_json::to_string(&result.position_tokens)
                .map_err(|e| CoreError::Input(e.to_string()))?,
        );
    }
    let mut head = result.clone();
    head.theta.values.clear();
    head.history.clear();
    meta.insert(
        "result",
        serde_json::to_string(&head).map_err(|e| CoreError::Input(e.to_string()))?,
    );
    header.insert(
        "__metadata__".into(),
        serde_json::to_value(meta).expect("strings"),
    );
    let mut offset = 0usize;
    for e in &entries {
        let end = offset + 4 * e.values.len();
        header.insert(
            e.name.clone(),
            serde_json::json!({ "dtype": "F32", "shape": e.shape, "data_offsets": [offset, end] }),
        );
        offset = end;
    }
    let mut json = serde_json::to_vec(&header).map_err(|e| CoreError::Input(e.to_string()))?;
    // Pad the header with spaces to 8 bytes so the data is aligned, as the reference writer does.
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + json.len() + offset);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    for e in &entries {
        for v in &e.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    Ok(out)
}

/// The intervention's formula in words (also written into the file).
pub fn formula(method: Method) -> &'static str {
    match method {
        Method::ActivScalar => "h * (1 + beta * alpha)",
        Method::SteerVec => "h + beta * v",
        Method::DynScalar => "h * (1 + beta * (h @ w + b))",
    }
}

fn entries(result: &FitResult) -> Result<Vec<Entry>> {
    let t = &result.theta;
    let d = t.dims;
    let check = |leaf: usize, len: usize| -> Result<&Vec<f32>> {
        t.values
            .get(leaf)
            .filter(|v| v.len() == len)
            .ok_or_else(|| CoreError::Input("the result's θ does not match its shape".into()))
    };
    let mut out = Vec::new();
    let per_site = |k: usize, width: usize, leaf: &[f32]| leaf[k * width..(k + 1) * width].to_vec();
    for (s, site) in Site::ALL.iter().enumerate().take(d.sites) {
        for l in 0..d.layers {
            let k = s * d.layers + l;
            let hook = site.hook_name(l);
            match t.method {
                Method::ActivScalar => {
                    let a = check(0, d.sites * d.layers * d.positions)?;
                    out.push(Entry {
                        name: format!("{hook}.alpha"),
                        shape: vec![d.positions],
                        values: per_site(k, d.positions, a),
                    });
                }
                Method::SteerVec => {
                    let v = check(0, d.sites * d.layers * d.positions * d.d_model)?;
                    out.push(Entry {
                        name: format!("{hook}.v"),
                        shape: vec![d.positions, d.d_model],
                        values: per_site(k, d.positions * d.d_model, v),
                    });
                }
                Method::DynScalar => {
                    let w = check(0, d.sites * d.layers * d.d_model)?;
                    let b = check(1, d.sites * d.layers)?;
                    out.push(Entry {
                        name: format!("{hook}.w"),
                        shape: vec![d.d_model],
                        values: per_site(k, d.d_model, w),
                    });
                    out.push(Entry {
                        name: format!("{hook}.b"),
                        shape: vec![1],
                        values: vec![b[k]],
                    });
                }
            }
        }
    }
    Ok(out)
}
