//! The model worker: a dedicated Web Worker (started by `www/worker.js`) that owns everything
//! that computes — the engine (WebGPU, else the CPU), the model, its files and every tensor. It
//! takes [`Request`]s from the page, runs one job at a time and answers with [`Event`]s, so that
//! the page's thread only renders and never waits on the model.

mod bench;
mod dial;
mod fetch;
mod fit;
#[path = "../../src/js.rs"]
mod js;
mod load;
mod threads;
mod timers;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use activscalar_core::engine::Engine;
use activscalar_core::{LoadedModel, NamedBytes};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use activscalar_types::protocol::{Event, Request};

use crate::timers::scope;

/// Sends `event` to the page.
pub fn post(event: &Event) {
    let scope: web_sys::DedicatedWorkerGlobalScope = scope().unchecked_into();
    match serde_json::to_string(event) {
        Ok(json) => {
            let _ = scope.post_message(&JsValue::from_str(&json));
        }
        Err(e) => web_sys::console::error_1(&format!("unsendable event: {e}").into()),
    }
}

/// What the worker holds between requests.
#[derive(Default)]
pub struct Session {
    /// The started engine.
    engine: RefCell<Option<Rc<Engine>>>,
    /// The model on display.
    model: RefCell<Option<Rc<LoadedModel>>>,
    /// Its files, kept to reload it after a lost GPU device or in another precision.
    files: RefCell<Option<Rc<Kept>>>,
    /// The files of the last load that failed: a precision change retries them.
    refused: RefCell<Option<Rc<Kept>>>,
    /// θ and prompts of the result on the β dial.
    dial: RefCell<Option<Rc<dial::Dial>>>,
    /// A job (load, check, fit, sweep, benchmark, probe…) is running.
    busy: Cell<bool>,
    /// Jobs waiting for it, first come first served (each a Promise's `resolve`).
    waiting: RefCell<VecDeque<js_sys::Function>>,
    /// The page asked the running fit or sweep to stop.
    stop: Cell<bool>,
    /// Threads the CPU backend's kernels use ([`threads::start_pool`]).
    cpu_threads: Cell<usize>,
}

/// A model's files as read, and the Hub model they came from (recorded in results).
pub struct Kept {
    /// The files (their bytes shared with the parsers, not copied).
    pub files: Vec<NamedBytes>,
    /// The Hub repository and revision, when they came from the Hub.
    pub hub: Option<activscalar_types::hub::HubModel>,
}

/// Holds the session for one job; dropping it hands the session to the next job waiting.
struct Job(Rc<Session>);

impl Drop for Job {
    fn drop(&mut self) {
        let next = self.0.waiting.borrow_mut().pop_front();
        match next {
            // The session stays busy: it passes to that job.
            Some(resolve) => {
                let _ = resolve.call0(&JsValue::NULL);
            }
            None => self.0.busy.set(false),
        }
    }
}

impl Session {
    /// Waits until no other job runs, then holds the session: jobs run one at a time, in the
    /// order they were asked for.
    async fn job(self: &Rc<Self>) -> Job {
        if self.busy.replace(true) {
            let turn = js_sys::Promise::new(&mut |resolve, _| {
                self.waiting.borrow_mut().push_back(resolve);
            });
            let _ = wasm_bindgen_futures::JsFuture::from(turn).await;
        }
        Job(self.clone())
    }

    /// The engine, once started.
    fn engine(&self) -> Result<Rc<Engine>, String> {
        self.engine
            .borrow()
            .clone()
            .ok_or_else(|| "the compute engine is not ready yet".into())
    }

    /// The loaded model.
    fn model(&self) -> Result<Rc<LoadedModel>, String> {
        self.model
            .borrow()
            .clone()
            .ok_or_else(|| "no model is loaded".into())
    }

    /// Handles one request; long ones continue as a task of their own.
    fn handle(self: &Rc<Self>, request: Request, files: Vec<web_sys::File>) {
        let s = self.clone();
        match request {
            Request::Stop => self.stop.set(true),
            Request::LoseGpu => {
                if let Some(gpu) = self.engine.borrow().as_ref().and_then(|e| e.gpu.clone()) {
                    gpu.destroy();
                }
            }
            Request::Start => spawn_local(s.start()),
            Request::LoadUrl { url, precision } => spawn_local(s.load_url(url, precision)),
            Request::LoadHub {
                base,
                model,
                precision,
            } => spawn_local(s.load_hub(base, model, precision)),
            Request::LoadFiles { precision } => spawn_local(s.load_files(files, precision)),
            Request::SetPrecision { precision } => spawn_local(s.set_precision(precision)),
            Request::CheckTask { spec, method } => spawn_local(async move {
                post(&Event::Checked(s.check_task(&spec, method).await));
            }),
            Request::Fit { spec, options } => spawn_local(async move {
                s.stop.set(false);
                post(&Event::Fitted(s.fit(spec, options).await));
            }),
            Request::Sweep {
                spec,
                options,
                grid,
            } => spawn_local(async move {
                s.stop.set(false);
                post(&Event::Swept(s.sweep(spec, options, grid).await));
            }),
            Request::Predict { prompt } => spawn_local(async move {
                post(&Event::Predicted(s.predict(&prompt).await));
            }),
            Request::Dial { result } => spawn_local(async move {
                post(&Event::Dial(s.set_dial(*result)));
            }),
            Request::Probe { prompt, beta } => spawn_local(async move {
                post(&Event::Probed(s.probe(prompt, beta).await));
            }),
            Request::Effects { cells } => spawn_local(async move {
                post(&Event::Effects(s.effects(cells).await));
            }),
            Request::Curve => spawn_local(async move {
                post(&Event::Curve(s.curve().await));
            }),
            Request::Continue {
                prompt,
                beta,
                tokens,
            } => spawn_local(async move {
                post(&Event::Continued(
                    s.continuation(prompt, beta, tokens).await,
                ));
            }),
            Request::Bench { reps } => spawn_local(async move {
                post(&Event::Benched(s.bench(reps).await));
            }),
        }
    }
}

/// Starts the CPU thread pool (multi-threaded build), then the worker's message loop, and tells
/// the page it is ready.
fn main() {
    console_error_panic_hook::set_once();
    spawn_local(async {
        let session = Rc::new(Session::default());
        session.cpu_threads.set(threads::start_pool().await);
        listen(session);
    });
}

/// Hands each request the page posts to `session`.
fn listen(session: Rc<Session>) {
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let data = ev.data();
            let text = js_sys::Reflect::get(&data, &"request".into())
                .ok()
                .and_then(|v| v.as_string());
            let files = js_sys::Reflect::get(&data, &"files".into())
                .ok()
                .filter(|f| f.is_array())
                .map(|f| {
                    js_sys::Array::from(&f)
                        .iter()
                        .filter_map(|f| f.dyn_into::<web_sys::File>().ok())
                        .collect()
                })
                .unwrap_or_default();
            match text.map(|t| serde_json::from_str::<Request>(&t)) {
                Some(Ok(request)) => session.handle(request, files),
                other => {
                    web_sys::console::error_1(&format!("unreadable request: {other:?}").into())
                }
            }
        });
    let scope: web_sys::DedicatedWorkerGlobalScope = scope().unchecked_into();
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
