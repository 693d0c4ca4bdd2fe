//! Which backend the model worker runs on (WebGPU, else the CPU with the reason) and which
//! one the user asks for, the GPU's limits, and the autodiff + Adam self-test.

use activscalar_types::engine::{BackendChoice, GpuLimits, SelfTest};
use leptos::prelude::*;

use crate::controller::use_controller;

/// The engine card.
#[component]
pub fn EngineStatus() -> impl IntoView {
    let engine = use_controller().store.engine;
    let backend =
        move || engine.with(|e| e.as_ref().map(|e| e.kind.as_str()).unwrap_or("starting…"));
    view! {
        <section class="card" aria-busy=move || engine.with(Option::is_none).to_string()>
            <h2>"Engine"</h2>
            <p>"Backend: " <strong id="backend">{backend}</strong>
                <span class="hint">" (in a Web Worker: the page stays responsive while it computes)"</span></p>
            <BackendChooser/>
            {move || engine.with(|e| e.as_ref().and_then(|e| e.fallback_reason.clone()))
                .map(|why| view! { <p class="notice" role="status">{why}</p> })}
            {move || engine.with(|e| e.as_ref().map(|e| e.cpu_threads)).map(threads_view)}
            {move || engine.with(|e| e.as_ref().and_then(|e| e.limits.clone())).map(limits_view)}
            {move || engine.with(|e| e.as_ref().map(|e| e.self_test.clone())).map(self_test_view)}
        </section>
    }
}

/// Which backend the user asks for; a change is saved in this browser and reloads the page.
#[component]
fn BackendChooser() -> impl IntoView {
    let current = crate::backend::chosen();
    let options = BackendChoice::ALL
        .into_iter()
        .map(|c| {
            let selected = c == current;
            view! { <option value=c.as_str() selected=selected>{c.label()}</option> }
        })
        .collect_view();
    view! {
        <p class="row">
            <label>"Run on "
                <select id="backend-choice" data-choice=current.as_str()
                    on:change=move |ev| {
                        if let Some(c) = BackendChoice::parse(&event_target_value(&ev)) {
                            crate::backend::choose(c);
                        }
                    }>
                    {options}
                </select>
            </label>
            <span class="hint">" (a change reloads the page)"</span>
        </p>
    }
}

/// How many threads the CPU backend's kernels use (more than one only in the multi-threaded
/// build, served cross-origin isolated).
fn threads_view(threads: usize) -> impl IntoView {
    let text = match threads {
        1 => "CPU kernels: one thread".to_string(),
        n => format!("CPU kernels: {n} threads (WebAssembly threads)"),
    };
    view! { <p class="hint" id="cpu-threads" data-threads=threads.to_string()>{text}</p> }
}

/// The adapter and the buffer limit that decides which models fit.
fn limits_view(l: GpuLimits) -> impl IntoView {
    view! {
        <p class="hint" id="gpu-limits" data-max-tensor-bytes=l.max_tensor_bytes().to_string()>
            {l.summary()}
        </p>
    }
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
