//! Permalinks: a [`FitResult`] packed into a URL fragment (never sent to a server).
//!
//! The container (JSON header + θ leaves as raw `f32`, zlib, base64url) is
//! [`activscalar_formats::link`]; here the header is the result without θ's values and the loss
//! curve, and θ's leaf sizes are checked against the method and dims the header declares.

use activscalar_formats::link::{self, damaged};

use crate::error::{CoreError, Result};
use crate::result::{FORMAT_VERSION, FitResult};

pub use link::{MAX_CHARS, PREFIX};

/// Packs `result` (θ bit-exact, no loss curve) into a fragment payload, or says it is too big.
pub fn encode(result: &FitResult) -> Result<String> {
    let mut head = result.clone();
    head.history.clear();
    let values = std::mem::take(&mut head.theta.values);
    let json = serde_json::to_vec(&head).map_err(|e| CoreError::Input(e.to_string()))?;
    let link = link::pack(&json, &values);
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
/// The header is [validated](FitResult::validate_header) before θ is read, and the whole
/// result after.
pub fn decode(payload: &str) -> Result<FitResult> {
    let (mut result, leaves) = link::unpack(payload, FORMAT_VERSION, |header| {
        let result: FitResult = serde_json::from_value(header)
            .map_err(|e| damaged(&format!("its header does not describe a result: {e}")))?;
        result.validate_header()?;
        let sizes = result.leaf_sizes();
        Ok((result, sizes))
    })?;
    result.theta.values = leaves;
    result.validate()?;
    Ok(result)
}
