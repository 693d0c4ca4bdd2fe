//! Sharing and keeping results: a permalink, JSON and safetensors export, JSON import, and
//! what the page says about them (and about a result learned on another model).

use leptos::prelude::*;

use crate::browser::read_chosen_file;
use crate::controller::{saved, use_controller};

/// The share / export / import card.
#[component]
pub fn SharePanel() -> impl IntoView {
    let c = use_controller();
    let s = c.store;
    let link = RwSignal::new(None::<String>);
    let import = move |ev: leptos::ev::Event| {
        read_chosen_file(&ev, move |name, bytes| match bytes {
            Ok(bytes) => saved::import(c, &name, &bytes),
            Err(e) => s.share_message.set(Some(Err(format!("{name}: {e}")))),
        })
    };
    let mismatch = move || {
        s.result.with(Option::is_some) && s.model.with(Option::is_some) && !s.model_matches()
    };
    let no_result = move || s.result.with(Option::is_none);
    view! {
        <section class="card" id="share-panel">
            <h2>"Share and keep"</h2>
            <div class="row">
                <button id="share" disabled=no_result on:click=move |_| link.set(saved::share(c))>"Share link"</button>
                <button id="export-json" class="secondary" disabled=no_result on:click=move |_| saved::export_json(c)>"Export JSON"</button>
                <button id="export-safetensors" class="secondary" disabled=no_result on:click=move |_| saved::export_safetensors(c)>"Export safetensors"</button>
                <label class="button secondary">"Import JSON…"
                    <input id="import-json" type="file" accept=".json,application/json" on:change=import/></label>
            </div>
            {move || link.get().map(|l| view! { <input id="permalink" class="permalink" type="text" readonly prop:value=l aria-label="Permalink"/> })}
            {move || s.share_message.get().map(|m| match m {
                Ok(t) => view! { <p class="notice" id="share-message" role="status">{t}</p> }.into_any(),
                Err(e) => view! { <p class="error" id="share-error" role="alert">{e}</p> }.into_any(),
            })}
            <Show when=mismatch>
                <p class="notice" id="model-mismatch" role="status">"The loaded model differs from the one this result was learned on (checked by fingerprint). The heatmap is the saved one; the β dial needs the original model."</p>
            </Show>
            <p class="hint">"Exported safetensors name tensors after TransformerLens hooks (" <code>"blocks.{l}.hook_attn_out.alpha"</code> "…); docs/EXPORT.md re-applies them with plain PyTorch hooks."</p>
        </section>
    }
}
