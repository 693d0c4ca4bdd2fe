//! JavaScript helpers for the page and the model worker alike (the worker crate includes this
//! file): the clock and error text.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds since this page (or worker) started: the app's one clock.
pub fn now_ms() -> f64 {
    performance_now()
}

/// The text of a JavaScript error.
pub fn js_err(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
