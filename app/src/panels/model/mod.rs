//! Loading a model: the default one (downloaded with a progress bar, kept in Cache Storage), a
//! `?model=` URL, a Hugging Face Hub id, or files dropped / picked by the user (one .gguf, or config.json +
//! tokenizer.json + *.safetensors); the f16 choice; the model card once loaded.

mod card;
mod dropzone;
mod hub;
mod phases;
mod precision;

use leptos::prelude::*;

use crate::controller::use_controller;
use crate::store::LoadStatus;

/// The model card.
#[component]
pub fn ModelPanel() -> impl IntoView {
    let c = use_controller();
    let status = move || match c.store.load.get() {
        LoadStatus::Idle => ().into_any(),
        LoadStatus::Busy { what, fraction } => view! {
            <div class="progress" role="status">
                <span>{what}</span>
                {match fraction {
                    Some(f) => view! { <progress max="1" value=f></progress> }.into_any(),
                    None => view! { <progress></progress> }.into_any(),
                }}
            </div>
        }
        .into_any(),
        LoadStatus::Failed(e) => {
            view! { <p class="error" id="model-error" role="alert">{e}</p> }.into_any()
        }
    };
    view! {
        <section class="card" id="model-panel">
            <h2>"Model"</h2>
            <dropzone::DropZone/>
            <hub::HubField/>
            {status}
            <phases::Phases/>
            {move || c.store.model.get().map(|m| view! { <card::ModelCardView card=m/> })}
        </section>
    }
}
