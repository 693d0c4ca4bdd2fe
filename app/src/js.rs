//! JavaScript helpers that work on the page and in the worker alike: the clock, timers,
//! error text, and the worker's global scope.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;

    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds since this page (or worker) started: the app's one clock.
pub fn now_ms() -> f64 {
    performance_now()
}

/// Waits `ms` milliseconds without blocking the thread.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Lets the thread handle its events (messages, rendering) before continuing.
pub async fn yield_now() {
    sleep_ms(0).await;
}

/// The text of a JavaScript error.
pub fn js_err(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// The worker's global scope (only called inside the worker).
pub fn scope() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Whether this code runs in the model worker rather than on the page.
pub fn in_worker() -> bool {
    js_sys::global().is_instance_of::<web_sys::DedicatedWorkerGlobalScope>()
}
