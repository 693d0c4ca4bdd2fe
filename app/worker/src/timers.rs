//! Waiting inside the worker without blocking it, and its global scope.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
}

/// Waits `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Lets the worker handle its messages (a Stop, say) before continuing.
pub async fn yield_now() {
    sleep_ms(0).await;
}

/// The worker's global scope.
pub fn scope() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}
