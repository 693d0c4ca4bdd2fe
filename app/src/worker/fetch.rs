//! Downloading model files inside the worker: with progress, kept in Cache Storage so that the
//! next visit reads them from disk, with checked sizes.

use activscalar_core::NamedBytes;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::js::{js_err, scope};

/// Name of the Cache Storage bucket that keeps downloaded models between visits.
const MODEL_CACHE: &str = "activscalar-models-v1";

/// Largest file read into memory (wasm32 has a 4 GiB address space, and a model must also
/// fit on the device beside it).
const MAX_FILE_BYTES: u64 = 2 << 30;

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
) -> Result<(Vec<u8>, Source), String> {
    let cache = model_cache().await;
    if let Some(cache) = &cache
        && let Ok(hit) = JsFuture::from(cache.match_with_str(url)).await
        && let Ok(resp) = hit.dyn_into::<web_sys::Response>()
    {
        let bytes = read_body(&resp, |d, t| progress(Source::Cache, d, t)).await?;
        return Ok((bytes, Source::Cache));
    }
    let resp = fetch_response(url).await?;
    // Cache a copy while we read ours; a full disk or quota only costs the next visit.
    let stored = cache
        .as_ref()
        .and_then(|c| resp.clone().ok().map(|copy| c.put_with_str(url, &copy)));
    let bytes = read_body(&resp, |d, t| progress(Source::Network, d, t)).await?;
    if let Some(p) = stored {
        let _ = JsFuture::from(p).await;
    }
    Ok((bytes, Source::Network))
}

async fn fetch_response(url: &str) -> Result<web_sys::Response, String> {
    let resp: web_sys::Response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| format!("could not fetch {url}: {}", js_err(e)))?
        .dyn_into()
        .map_err(|_| "fetch did not return a Response")?;
    if !resp.ok() {
        return Err(format!("could not fetch {url}: HTTP {}", resp.status()));
    }
    Ok(resp)
}

/// Reads a response's body, reporting (bytes so far, total if known) as chunks arrive. A
/// declared or actual size past [`MAX_FILE_BYTES`] is refused before it is allocated.
async fn read_body(
    resp: &web_sys::Response,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, String> {
    let too_large = |n: u64| {
        format!(
            "the file is {:.1} GB; the page reads files up to {:.0} GB",
            n as f64 / 1e9,
            MAX_FILE_BYTES as f64 / 1e9
        )
    };
    let total = resp
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
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
    let capacity = usize::try_from(total.unwrap_or(0)).unwrap_or(0);
    let mut out = Vec::with_capacity(capacity);
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
