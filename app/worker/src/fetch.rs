//! Downloading model files inside the worker: with progress, kept in Cache Storage so that the
//! next visit reads them from disk, with checked sizes.

use activscalar_core::NamedBytes;
use activscalar_types::hub::FetchError;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::js::js_err;
use crate::timers::scope;

/// Name of the Cache Storage bucket that keeps downloaded models between visits.
const MODEL_CACHE: &str = "activscalar-models-v1";

/// Largest file read into memory (wasm32 has a 4 GiB address space, one allocation may not
/// exceed 2 GiB, and a model must also fit on the device beside it).
pub const MAX_FILE_BYTES: u64 = (2 << 30) - 1;

/// Most bytes reserved before the body arrives (the rest grows as it comes).
const MAX_RESERVE: u64 = 256 << 20;

/// Where a fetched file came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The browser's Cache Storage (an earlier visit downloaded it).
    Cache,
    /// The network.
    Network,
}

async fn model_cache() -> Option<web_sys::Cache> {
    let caches = scope().caches().ok()?;
    JsFuture::from(caches.open(MODEL_CACHE))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// Downloads `url` (absolute) with progress (source, bytes so far, total if known) and keeps
/// the file in Cache Storage. Without Cache Storage (an insecure origin) it just fetches.
pub async fn fetch_cached(
    url: &str,
    mut progress: impl FnMut(Source, u64, Option<u64>),
) -> Result<(Vec<u8>, Source), FetchError> {
    let cache = model_cache().await;
    if let Some(cache) = &cache
        && let Ok(hit) = JsFuture::from(cache.match_with_str(url)).await
        && let Ok(resp) = hit.dyn_into::<web_sys::Response>()
    {
        let bytes = read_body(&resp, |d, t| progress(Source::Cache, d, t))
            .await
            .map_err(FetchError::Read)?;
        return Ok((bytes, Source::Cache));
    }
    let resp = fetch_response(url).await?;
    // A declared size past the limit is refused before anything is read or cached.
    if let Some(t) = declared_size(&resp).filter(|&t| t > MAX_FILE_BYTES) {
        if let Some(body) = resp.body() {
            let _ = body.cancel();
        }
        return Err(FetchError::Read(too_large(t)));
    }
    // Cache a copy while we read ours; a full disk or quota only costs the next visit.
    let stored = cache
        .as_ref()
        .and_then(|c| resp.clone().ok().map(|copy| c.put_with_str(url, &copy)));
    match read_body(&resp, |d, t| progress(Source::Network, d, t)).await {
        Ok(bytes) => {
            if let Some(p) = stored {
                let _ = JsFuture::from(p).await;
            }
            Ok((bytes, Source::Network))
        }
        Err(e) => {
            // Keep no partial or refused copy for the next visit.
            if let Some(c) = &cache {
                let _ = JsFuture::from(c.delete_with_str(url)).await;
            }
            Err(FetchError::Read(e))
        }
    }
}

async fn fetch_response(url: &str) -> Result<web_sys::Response, FetchError> {
    let resp: web_sys::Response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| FetchError::Unreachable(js_err(e)))?
        .dyn_into()
        .map_err(|_| FetchError::Read("fetch did not return a Response".into()))?;
    if !resp.ok() {
        return Err(FetchError::Status(resp.status()));
    }
    Ok(resp)
}

fn too_large(n: u64) -> String {
    format!(
        "the file is {:.1} GB; the page reads files up to {:.0} GB",
        n as f64 / 1e9,
        MAX_FILE_BYTES as f64 / 1e9
    )
}

/// The `content-length` a response declares.
fn declared_size(resp: &web_sys::Response) -> Option<u64> {
    resp.headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// Reads a response's body, reporting (bytes so far, total if known) as chunks arrive. A
/// declared or actual size past [`MAX_FILE_BYTES`] is refused before it is allocated, and so
/// is memory the browser cannot give.
async fn read_body(
    resp: &web_sys::Response,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, String> {
    let total = declared_size(resp);
    if let Some(t) = total.filter(|&t| t > MAX_FILE_BYTES) {
        return Err(too_large(t));
    }
    let Some(body) = resp.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "no stream reader")?;
    let out_of_memory = |n: u64| {
        format!(
            "the browser could not give {:.1} GB of memory for the file",
            n as f64 / 1e9
        )
    };
    let capacity = total.unwrap_or(0).min(MAX_RESERVE);
    let mut out = Vec::new();
    out.try_reserve_exact(capacity as usize)
        .map_err(|_| out_of_memory(capacity))?;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(js_err)?;
        if Reflect::get(&chunk, &"done".into())
            .map_err(js_err)?
            .as_bool()
            .unwrap_or(true)
        {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())
            .map_err(js_err)?
            .dyn_into()
            .map_err(|_| "bad chunk")?;
        let grown = out.len() as u64 + u64::from(value.length());
        if grown > MAX_FILE_BYTES {
            let _ = reader.cancel();
            return Err(too_large(grown));
        }
        let start = out.len();
        let more = value.length() as usize;
        out.try_reserve(more)
            .or_else(|_| out.try_reserve_exact(more))
            .map_err(|_| out_of_memory(grown))?;
        out.resize(start + value.length() as usize, 0);
        value.copy_to(&mut out[start..]);
        progress(out.len() as u64, total);
    }
    Ok(out)
}

/// Reads a `File` the page posted.
pub async fn read_file(file: &web_sys::File) -> Result<NamedBytes, String> {
    let size = file.size() as u64;
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{}: {:.1} GB is more than the page reads ({:.0} GB)",
            file.name(),
            size as f64 / 1e9,
            MAX_FILE_BYTES as f64 / 1e9
        ));
    }
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: {}", file.name(), js_err(e)))?;
    Ok(NamedBytes::new(file.name(), Uint8Array::new(&buf).to_vec()))
}
