//! The page's end of the model worker: starts it (`worker.js` beside the page, which loads the
//! worker's own WebAssembly module) and passes [`Request`]s and [`Event`]s as JSON strings.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use activscalar_types::engine::BackendChoice;
use activscalar_types::protocol::{Event, Request};

/// The worker's entry script, beside the page (`www/worker.js`).
const WORKER_SCRIPT: &str = "worker.js";

/// A running worker: requests wait until it said it is ready.
#[derive(Clone)]
pub struct Client {
    worker: web_sys::Worker,
    /// Requests made before the worker was ready (with their files).
    queue: Rc<RefCell<Option<Vec<JsValue>>>>,
}

impl Client {
    /// Starts the worker on the `backend` the user chose; `on_event` receives every event it
    /// sends.
    pub fn spawn(
        backend: BackendChoice,
        on_event: impl Fn(Event) + 'static,
    ) -> Result<Client, String> {
        let err = |e: JsValue| crate::js::js_err(e);
        let opts = web_sys::WorkerOptions::new();
        opts.set_type(web_sys::WorkerType::Module);
        opts.set_name("activscalar-model");
        // The entry script reads the choice from its own address, before any module starts.
        let url =
            crate::browser::absolute_url(&format!("{WORKER_SCRIPT}?backend={}", backend.as_str()));
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
