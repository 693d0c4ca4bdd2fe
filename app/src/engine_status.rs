//! Starts the compute engine (WebGPU, else CPU) and shows which one runs, plus a self-test.

use std::rc::Rc;

use activscalar_core::engine::{self, Engine, GpuLimits, SelfTest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::Closure;

use crate::browser::{mark_body, query_param};
use crate::state::{AppState, use_state};

/// Panel showing the backend and the autodiff + Adam self-test result.
#[component]
pub fn EngineStatus() -> impl IntoView {
    let state = use_state();
    let test = RwSignal::new(None::<Result<SelfTest, String>>);
    spawn_local(async move {
        let engine = Engine::gpu_or_cpu().await;
        let result = engine::self_test(&engine.device).await;
        mark_body("data-backend", engine.kind.as_str());
        test.set(Some(result));
        state.engine.set(Some(Rc::new(engine)));
        if query_param("test-hooks").is_some() {
            install_test_hooks(state);
        }
    });
    let fallback = move || {
        state
            .engine
            .with(|e| e.as_ref().and_then(|e| e.fallback_reason.clone()))
    };
    let backend = move || {
        state
            .engine
            .with(|e| e.as_ref().map(|e| e.kind.as_str()).unwrap_or("starting…"))
    };
    view! {
        <section class="card" aria-busy=move || state.engine.with(|e| e.is_none()).to_string()>
            <h2>"Engine"</h2>
            <p>"Backend: " <strong id="backend">{backend}</strong></p>
            {move || fallback().map(|why| view! { <p class="notice" role="status">{why}</p> })}
            {move || state.engine.with(|e| e.as_ref().and_then(|e| e.gpu.as_ref()).map(|g| limits_view(&g.limits)))}
            {move || test.get().map(self_test_view)}
        </section>
    }
}

/// The adapter and the buffer limit that decides which models fit.
fn limits_view(l: &GpuLimits) -> impl IntoView + use<> {
    view! {
        <p class="hint" id="gpu-limits" data-max-tensor-bytes=l.max_tensor_bytes().to_string()>
            {l.summary()}
        </p>
    }
}

/// `?test-hooks`: `window.activscalarLoseGpu()` ends the current GPU device the way a driver
/// reset does (`GPUDevice.destroy()`), so tests can exercise the recovery from a real loss.
fn install_test_hooks(state: AppState) {
    let lose = Closure::<dyn Fn()>::new(move || {
        if let Some(gpu) = state.engine.get_untracked().and_then(|e| e.gpu.clone()) {
            gpu.destroy();
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"activscalarLoseGpu".into(), lose.as_ref());
    }
    lose.forget();
}

fn self_test_view(test: Result<SelfTest, String>) -> impl IntoView {
    match test {
        Ok(t) => {
            let json = serde_json::to_string(&t).unwrap_or_default();
            view! {
                <details>
                    <summary>
                        "Self-test passed (autodiff + one Adam step): loss "
                        {format!("{:.2} → {:.2}", t.loss_before, t.loss_after)}
                    </summary>
                    <pre id="selftest" data-ok="true">{json}</pre>
                </details>
            }
            .into_any()
        }
        Err(e) => view! { <p id="selftest" class="error" data-ok="false">{e}</p> }.into_any(),
    }
}
