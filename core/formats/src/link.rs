//! The permalink container, independent of what it carries.
//!
//! Layout before compression: `u32` length + a JSON header, then each θ leaf as `u32` count +
//! little-endian `f32`s, so θ round-trips bit-exactly. The whole is zlib-compressed (its
//! checksum catches damaged links) and base64url-encoded behind [`PREFIX`]. [`unpack`] checks
//! every size before allocating and never trusts a field of the link.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{CoreError, Result};

/// Prefix of the fragment payload; bumps when the packing changes.
pub const PREFIX: &str = "as1.";
/// Longest link payload we write or read (characters). Longer results go to a file.
pub const MAX_CHARS: usize = 64 * 1024;
/// Largest decompressed payload we accept (bytes).
pub const MAX_INFLATED: usize = 8 * 1024 * 1024;

/// The message for a link that cannot be read, with the reason in brackets.
pub fn damaged(why: &str) -> CoreError {
    CoreError::Input(format!("this permalink is damaged or incomplete ({why})"))
}

/// Packs a JSON `header` and θ's `leaves` into a fragment payload (no size limit applied).
pub fn pack(header: &[u8], leaves: &[Vec<f32>]) -> String {
    let mut raw =
        Vec::with_capacity(8 + header.len() + 4 * leaves.iter().map(Vec::len).sum::<usize>());
    push_u32(&mut raw, header.len());
    raw.extend_from_slice(header);
    for leaf in leaves {
        push_u32(&mut raw, leaf.len());
        for v in leaf {
            raw.extend_from_slice(&v.to_le_bytes());
        }
    }
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// Unpacks a payload written by [`pack`]. `reads_up_to` is the newest header
/// `format_version` this build reads; `interpret` turns the header into the caller's value
/// and the leaf sizes it implies, which the payload must match exactly.
pub fn unpack<T>(
    link: &str,
    reads_up_to: u32,
    interpret: impl FnOnce(serde_json::Value) -> Result<(T, Vec<usize>)>,
) -> Result<(T, Vec<Vec<f32>>)> {
    if link.len() > MAX_CHARS {
        return Err(CoreError::Input(format!(
            "this permalink is too long ({} characters, the limit is {MAX_CHARS})",
            link.len()
        )));
    }
    let body = link
        .strip_prefix(PREFIX)
        .ok_or_else(|| damaged("it does not start with the ActivScalar marker"))?;
    let packed = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| damaged("not valid base64url"))?;
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&packed, MAX_INFLATED)
        .map_err(|_| damaged("it does not decompress"))?;
    let mut r = Cursor { raw: &raw, at: 0 };
    let json_len = r.u32().ok_or_else(|| damaged("no header"))?;
    let json = r
        .take(json_len)
        .ok_or_else(|| damaged("header cut short"))?;
    let header: serde_json::Value =
        serde_json::from_slice(json).map_err(|_| damaged("its header is not JSON"))?;
    if let Some(v) = header.get("format_version").and_then(|v| v.as_u64())
        && v > u64::from(reads_up_to)
    {
        return Err(CoreError::Input(format!(
            "this permalink was made by a newer version of ActivScalar Explorer (format {v}; this page reads up to {reads_up_to}); open it with the newer page"
        )));
    }
    let (value, sizes) = interpret(header)?;
    let mut leaves = Vec::with_capacity(sizes.len().min(16));
    for want in sizes {
        let n = r.u32().ok_or_else(|| damaged("θ cut short"))?;
        if n != want {
            return Err(damaged("θ does not match its declared shape"));
        }
        let bytes = r.take(n.checked_mul(4).ok_or_else(|| damaged("θ too large"))?);
        let bytes = bytes.ok_or_else(|| damaged("θ cut short"))?;
        leaves.push(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        );
    }
    if r.at != raw.len() {
        return Err(damaged("trailing bytes"));
    }
    Ok((value, leaves))
}

fn push_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

/// A bounds-checked cursor over the inflated payload.
struct Cursor<'a> {
    raw: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
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
