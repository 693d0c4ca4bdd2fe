//! Next-token prediction on the loaded model: the prompt's tokens and the top 10 candidates.

mod prediction;

use leptos::prelude::*;

use crate::controller::use_controller;
use prediction::Prediction;

/// The prediction card (shown once a model is loaded).
#[component]
pub fn PredictPanel() -> impl IntoView {
    let c = use_controller();
    let prompt = RwSignal::new("Rome is the capital of France. Rome is in".to_string());
    let run = move || c.predict(prompt.get_untracked());
    view! {
        <Show when=move || c.store.model.with(Option::is_some)>
            <section class="card" id="predict-panel">
                <h2>"Next token"</h2>
                <div class="row">
                    <input id="prompt" class="grow" type="text" aria-label="Prompt"
                        prop:value=move || prompt.get()
                        on:input=move |ev| prompt.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { run() }/>
                    <button id="predict" disabled=move || !c.store.idle() on:click=move |_| run()>"Predict"</button>
                </div>
                {move || c.store.prediction.get().map(|r| match r {
                    Ok(p) => view! { <Prediction p/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                })}
            </section>
        </Show>
    }
}
