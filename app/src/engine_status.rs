//! Starts the compute engine (WebGPU, else CPU) and shows which one runs, plus a self-test.

use activscalar_core::engine::{self, Engine, SelfTest};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the engine start-up has reached.
#[derive(Clone, Debug)]
enum Phase {
    Starting,
    Ready {
        backend: &'static str,
        fallback: Option<String>,
        test: Result<SelfTest, String>,
    },
}

/// Marks `<body data-backend=…>`: the contract every browser test waits on.
fn mark_body(backend: &str) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-backend", backend);
    }
}

/// Panel showing the backend and the autodiff + Adam self-test result.
#[component]
pub fn EngineStatus() -> impl IntoView {
    let phase = RwSignal::new(Phase::Starting);
    spawn_local(async move {
        let engine = Engine::gpu_or_cpu().await;
        let test = engine::self_test(&engine.device).await;
        mark_body(engine.kind.as_str());
        phase.set(Phase::Ready {
            backend: engine.kind.as_str(),
            fallback: engine.fallback_reason.clone(),
            test,
        });
    });
    move || match phase.get() {
        Phase::Starting => view! {
            <section class="card" aria-busy="true">
                <h2>"Engine"</h2>
                <p>"Starting WebGPU…"</p>
            </section>
        }
        .into_any(),
        Phase::Ready {
            backend,
            fallback,
            test,
        } => view! {
            <section class="card">
                <h2>"Engine"</h2>
                <p>"Backend: " <strong id="backend">{backend}</strong></p>
                {fallback.map(|why| view! { <p class="notice" role="status">{why}</p> })}
                {self_test_view(test)}
            </section>
        }
        .into_any(),
    }
}

fn self_test_view(test: Result<SelfTest, String>) -> impl IntoView {
    match test {
        Ok(t) => {
            let json = serde_json::to_string(&t).unwrap_or_default();
            view! {
                <p>
                    "Self-test (autodiff + one Adam step): loss "
                    {format!("{:.4} → {:.4}", t.loss_before, t.loss_after)}
                </p>
                <pre id="selftest" data-ok="true">{json}</pre>
            }
            .into_any()
        }
        Err(e) => view! { <p id="selftest" class="error" data-ok="false">{e}</p> }.into_any(),
    }
}
