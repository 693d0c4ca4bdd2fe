//! Next-token prediction on the loaded model: the prompt's tokens and the top 10 candidates.

use activscalar_core::predict::{Prediction, predict};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::mark_body;
use crate::state::use_state;

/// The prediction panel (shown once a model is loaded).
#[component]
pub fn PredictPanel() -> impl IntoView {
    let state = use_state();
    let prompt = RwSignal::new("Rome is the capital of France. Rome is in".to_string());
    let result = RwSignal::new(None::<Result<Prediction, String>>);
    let running = RwSignal::new(false);
    let run = move || {
        let Some(model) = state.model.get_untracked() else {
            return;
        };
        running.set(true);
        spawn_local(async move {
            let p = predict(&model, &prompt.get_untracked(), 10)
                .await
                .map_err(|e| e.to_string());
            result.set(Some(p));
            running.set(false);
            mark_body("data-prediction", "ready");
        });
    };
    view! {
        <Show when=move || state.model.with(|m| m.is_some())>
            <section class="card" id="predict-panel">
                <h2>"Next token"</h2>
                <div class="row">
                    <input
                        id="prompt"
                        class="grow"
                        type="text"
                        aria-label="Prompt"
                        prop:value=move || prompt.get()
                        on:input=move |ev| prompt.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" {
                                run();
                            }
                        }
                    />
                    <button id="predict" disabled=move || running.get() on:click=move |_| run()>
                        "Predict"
                    </button>
                </div>
                {move || result.get().map(|r| match r {
                    Ok(p) => prediction_view(p, state).into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                })}
            </section>
        </Show>
    }
}

fn prediction_view(p: Prediction, state: crate::state::AppState) -> impl IntoView {
    let tokens: Vec<String> = state.model.with_untracked(|m| {
        m.as_ref()
            .map(|m| {
                p.prompt_ids
                    .iter()
                    .map(|&t| m.tokenizer.token_text(t))
                    .collect()
            })
            .unwrap_or_default()
    });
    view! {
        <p class="tokens" aria-label="Prompt tokens">
            // Spaces shown as "·" so that token boundaries are visible.
            {tokens.into_iter().map(|t| view! { <span class="tok">{t.replace(' ', "·")}</span> }).collect_view()}
        </p>
        <table id="prediction">
            <thead><tr><th>"#"</th><th>"token"</th><th class="num">"logit"</th><th class="num">"probability"</th></tr></thead>
            <tbody>
                {p.top
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| view! {
                        <tr data-id=t.id data-logit=t.logit>
                            <td>{i + 1}</td>
                            <td><code>{format!("{:?}", t.text)}</code></td>
                            <td class="num">{format!("{:.3}", t.logit)}</td>
                            <td class="num">{format!("{:.2} %", 100.0 * t.prob)}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
