//! The page's end of the model worker: starts it from the page's own WebAssembly module and
//! passes [`Request`]s and [`Event`]s as JSON strings.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::protocol::{Event, Request};

#[wasm_bindgen]
extern "C" {
    /// The URL of this module's JavaScript glue (`import.meta.url` of the glue module).
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

/// The worker's boot script. It receives the glue's URL and the page's compiled module (no
/// second download or compilation), bridges two gaps between wgpu and Chromium's WebGPU (see
/// `www/webgpu-shim.js`), then instantiates the module, whose `main` starts the worker loop.
const BOOT: &str = concat!(
    "self.addEventListener('message', async ({ data }) => {\n",
    include_str!("../../www/webgpu-shim.js"),
    "\n  const { default: init } = await import(data.glue);\n",
    "  await init({ module_or_path: data.module });\n",
    "}, { once: true });\n"
);

/// A running worker: requests wait until it said it is ready.
#[derive(Clone)]
pub struct Client {
    worker: web_sys::Worker,
    /// Requests made before the worker was ready (with their files).
    queue: Rc<RefCell<Option<Vec<JsValue>>>>,
}

impl Client {
    /// Starts the worker; `on_event` receives every event it sends.
    pub fn spawn(on_event: impl Fn(Event) + 'static) -> Result<Client, String> {
        let err = |e: JsValue| crate::js::js_err(e);
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(
            &js_sys::Array::of1(&BOOT.into()),
            &bag,
        )
        .map_err(err)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
        let opts = web_sys::WorkerOptions::new();
        opts.set_type(web_sys::WorkerType::Module);
        opts.set_name("activscalar-model");
        let worker = web_sys::Worker::new_with_options(&url, &opts).map_err(err)?;
        let client = Client {
            worker: worker.clone(),
            queue: Rc::new(RefCell::new(Some(Vec::new()))),
        };
        let ready = client.clone();
        let on_message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                if text == "ready" {
                    let _ = web_sys::Url::revoke_object_url(&url);
                    let queued = ready.queue.borrow_mut().take();
                    for msg in queued.unwrap_or_default() {
                        let _ = ready.worker.post_message(&msg);
                    }
                    return;
                }
                match serde_json::from_str::<Event>(&text) {
                    Ok(ev) => on_event(ev),
                    Err(e) => web_sys::console::error_1(&format!("unreadable event: {e}").into()),
                }
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(|ev: web_sys::ErrorEvent| {
            web_sys::console::error_1(&format!("model worker: {}", ev.message()).into());
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        let boot = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&boot, &k.into(), v).map(drop);
        set("glue", &GLUE_URL.with(|u| u.clone()).into()).map_err(err)?;
        set("module", &wasm_bindgen::module()).map_err(err)?;
        worker.post_message(&boot).map_err(err)?;
        Ok(client)
    }

    /// Sends `request` (with `files`, for [`Request::LoadFiles`]).
    pub fn send_with(&self, request: &Request, files: &[web_sys::File]) {
        let Ok(json) = serde_json::to_string(request) else {
            return;
        };
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"request".into(), &json.into());
        let list: js_sys::Array = files.iter().collect();
        let _ = js_sys::Reflect::set(&msg, &"files".into(), &list);
        let msg: JsValue = msg.into();
        match self.queue.borrow_mut().as_mut() {
            Some(queue) => queue.push(msg),
            None => {
                let _ = self.worker.post_message(&msg);
            }
        }
    }

    /// Sends `request`.
    pub fn send(&self, request: &Request) {
        self.send_with(request, &[]);
    }
}
