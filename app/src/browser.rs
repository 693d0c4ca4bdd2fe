//! Small wrappers over the page's browser APIs: the query string, `data-*` marks on `<body>`,
//! storage, downloads, reading a picked file, and a watch on the page's long tasks.

use std::cell::Cell;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::controller::Controller;
use crate::js::js_err;

/// A query-string parameter of the page URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// `url` resolved against the page's address (the worker has no base of its own).
pub fn absolute_url(url: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|base| web_sys::Url::new_with_base(url, &base).ok())
        .map(|u| u.href())
        .unwrap_or_else(|| url.to_string())
}

/// Sets an attribute on `<body>` (the browser tests wait on these).
pub fn mark_body(name: &str, value: &str) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute(name, value);
    }
}

/// The page's `localStorage`, when the browser allows it.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads a user-chosen file into memory.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(file.array_buffer()).await.map_err(js_err)?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// For a file input's `change` event: reads the chosen file and hands `then` its name and
/// bytes (or why it could not be read). The input is cleared, so that choosing the same file
/// again fires again.
pub fn read_chosen_file(
    ev: &web_sys::Event,
    then: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(f) = input.files().and_then(|l| l.get(0)) else {
        return;
    };
    input.set_value("");
    wasm_bindgen_futures::spawn_local(async move {
        let bytes = read_file(&f).await;
        then(f.name(), bytes);
    });
}

/// The files of a file list.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Offers `bytes` to the user as a downloaded file.
pub fn download(name: &str, mime: &str, bytes: &[u8]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Some(a) = a.dyn_ref::<web_sys::HtmlElement>() {
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

thread_local! {
    static LONGEST_TASK_MS: Cell<f64> = const { Cell::new(0.0) };
}

/// The page thread's long tasks (over 50 ms without a chance to render or answer input), as the
/// browser's Long Tasks API reports them.
pub struct LongTasks;

impl LongTasks {
    /// Starts watching (once per page) and forgets what was seen so far.
    pub fn start() {
        LONGEST_TASK_MS.with(|l| l.set(0.0));
        thread_local! { static WATCHING: Cell<bool> = const { Cell::new(false) }; }
        if WATCHING.with(|w| w.replace(true)) {
            return;
        }
        let seen = Closure::<dyn Fn(web_sys::PerformanceObserverEntryList)>::new(
            |list: web_sys::PerformanceObserverEntryList| {
                for entry in list.get_entries() {
                    if let Ok(e) = entry.dyn_into::<web_sys::PerformanceEntry>() {
                        LONGEST_TASK_MS.with(|l| l.set(l.get().max(e.duration())));
                    }
                }
            },
        );
        if let Ok(observer) = web_sys::PerformanceObserver::new(seen.as_ref().unchecked_ref()) {
            let opts =
                web_sys::PerformanceObserverInit::new(&js_sys::Array::of1(&"longtask".into()));
            observer.observe(&opts);
        }
        seen.forget();
    }

    /// The longest task since [`LongTasks::start`], ms (0 when none exceeded 50 ms).
    pub fn longest_ms() -> f64 {
        LONGEST_TASK_MS.with(Cell::get)
    }
}

/// `?test-hooks`: `window.activscalarLoseGpu()` ends the worker's GPU device the way a driver
/// reset does (`GPUDevice.destroy()`), so tests can exercise the recovery from a real loss.
pub fn install_test_hooks(c: Controller) {
    let lose = Closure::<dyn Fn()>::new(move || c.lose_gpu());
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"activscalarLoseGpu".into(), lose.as_ref());
    }
    lose.forget();
}
