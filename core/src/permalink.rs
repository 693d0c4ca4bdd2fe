//! Permalinks: a [`FitResult`] packed into a URL fragment (never sent to a server).
//!
//! Layout before compression: `u32` length + the result as JSON (without θ's values and the loss
//! curve), then each θ leaf as `u32` count + little-endian `f32`s, so θ round-trips bit-exactly.
//! The whole is zlib-compressed (its checksum catches damaged links) and base64url-encoded.
//! Decoding checks every size before allocating and never trusts a field of the link.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{CoreError, Result};
use crate::result::{FORMAT_VERSION, FitResult};

/// Prefix of the fragment payload; bumps when the packing changes.
pub const PREFIX: &str = "as1.";
/// Longest link payload we write or read (characters). Longer results go to a file.
pub const MAX_CHARS: usize = 64 * 1024;
/// Largest decompressed payload we accept (bytes).
const MAX_INFLATED: usize = 8 * 1024 * 1024;

/// Packs `result` (θ bit-exact, no loss curve) into a fragment payload, or says it is too big.
pub fn encode(result: &FitResult) -> Result<String> {
    let mut head = result.clone();
    head.history.clear();
    let values = std::mem::take(&mut head.theta.values);
    let json = serde_json::to_vec(&head).map_err(|e| CoreError::Input(e.to_string()))?;
    let mut raw =
        Vec::with_capacity(8 + json.len() + 4 * values.iter().map(Vec::len).sum::<usize>());
    push_u32(&mut raw, json.len());
    raw.extend_from_slice(&json);
    for leaf in &values {
        push_u32(&mut raw, leaf.len());
        for v in leaf {
            raw.extend_from_slice(&v.to_le_bytes());
        }
    }
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 9);
    let link = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed));
    if link.len() > MAX_CHARS {
        return Err(CoreError::Input(format!(
            "this result is too large for a link ({} characters, the limit is {MAX_CHARS}: {} has {} parameters); export it as a file instead",
            link.len(),
            result.options.method.as_str(),
            result.minimality.n_params
        )));
    }
    Ok(link)
}

/// Unpacks a fragment payload written by [`encode`]; every failure is a message for the user.
pub fn decode(link: &str) -> Result<FitResult> {
    let bad =
        |why: &str| CoreError::Input(format!("this permalink is damaged or incomplete ({why})"));
    if link.len() > MAX_CHARS {
        return Err(CoreError::Input(format!(
            "this permalink is too long ({} characters, the limit is {MAX_CHARS})",
            link.len()
        )));
    }
    let body = link
        .strip_prefix(PREFIX)
        .ok_or_else(|| bad("it does not start with the ActivScalar marker"))?;
    let packed = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| bad("not valid base64url"))?;
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&packed, MAX_INFLATED)
        .map_err(|_| bad("it does not decompress"))?;
    let mut r = Reader { raw: &raw, at: 0 };
    let json_len = r.u32().ok_or_else(|| bad("no header"))?;
    let json = r.take(json_len).ok_or_else(|| bad("header cut short"))?;
    let version: serde_json::Value =
        serde_json::from_slice(json).map_err(|_| bad("its header is not JSON"))?;
    if let Some(v) = version.get("format_version").and_then(|v| v.as_u64())
        && v > u64::from(FORMAT_VERSION)
    {
        return Err(CoreError::Input(format!(
            "this permalink was made by a newer version of ActivScalar Explorer (format {v}; this page reads up to {FORMAT_VERSION}); open it with the newer page"
        )));
    }
    let mut result: FitResult = serde_json::from_value(version)
        .map_err(|e| bad(&format!("its header does not describe a result: {e}")))?;
    let expected = expected_leaves(&result).ok_or_else(|| bad("impossible θ shape"))?;
    for want in expected {
        let n = r.u32().ok_or_else(|| bad("θ cut short"))?;
        if n != want {
            return Err(bad("θ does not match its declared shape"));
        }
        let bytes = r.take(n.checked_mul(4).ok_or_else(|| bad("θ too large"))?);
        let bytes = bytes.ok_or_else(|| bad("θ cut short"))?;
        result.theta.values.push(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        );
    }
    if r.at != raw.len() {
        return Err(bad("trailing bytes"));
    }
    Ok(result)
}

/// Leaf sizes θ must have for the result's method and dims (None on overflow).
fn expected_leaves(result: &FitResult) -> Option<Vec<usize>> {
    use crate::interventions::Method;
    let d = result.theta.dims;
    let sl = d.sites.checked_mul(d.layers)?;
    Some(match result.theta.method {
        Method::ActivScalar => vec![sl.checked_mul(d.positions)?],
        Method::SteerVec => vec![sl.checked_mul(d.positions)?.checked_mul(d.d_model)?],
        Method::DynScalar => vec![sl.checked_mul(d.d_model)?, sl],
    })
}

fn push_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

/// A bounds-checked cursor over the inflated payload.
struct Reader<'a> {
    raw: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.raw.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}
