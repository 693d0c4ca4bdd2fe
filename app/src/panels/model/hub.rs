//! Loading a model from the Hugging Face Hub by its id (`org/name`, optional `@revision`, and
//! for GGUF repositories the file), as `?hub=org/name[@revision]&file=…` does on start.

use leptos::prelude::*;

use crate::controller::use_controller;

/// The Hub field: model id, optional GGUF file, and its Load button.
#[component]
pub fn HubField() -> impl IntoView {
    let c = use_controller();
    let (id, file) = c.hub_request();
    let id = RwSignal::new(id);
    let file = RwSignal::new(file);
    let busy = move || !c.store.idle();
    let load = move || c.load_hub(&id.get_untracked(), &file.get_untracked());
    view! {
        <form class="row hub" id="hub-form" on:submit=move |ev| {
            ev.prevent_default();
            load();
        }>
            <label class="grow">
                "Hub model "
                <input id="hub-id" type="text" placeholder="HuggingFaceTB/SmolLM2-135M@main"
                    spellcheck="false" autocomplete="off"
                    prop:value=move || id.get()
                    on:input=move |ev| id.set(event_target_value(&ev))/>
            </label>
            <label>
                "GGUF file (optional) "
                <input id="hub-file" type="text" placeholder="model.Q4_1.gguf"
                    spellcheck="false" autocomplete="off"
                    prop:value=move || file.get()
                    on:input=move |ev| file.set(event_target_value(&ev))/>
            </label>
            <button id="hub-load" type="submit" disabled=busy>"Load from the Hub"</button>
        </form>
        <p class="hint">
            "Public models of the GPT-2, Pythia/GPT-NeoX and Llama families: "
            <code>"config.json"</code> ", " <code>"tokenizer.json"</code> " and "
            <code>"model.safetensors"</code> " (or its shards), or a named " <code>".gguf"</code>
            ", fetched from " <code>{c.hub_base()}</code> " and kept in the browser's cache."
        </p>
    }
}
