//! Where a model comes from: the default model's button, dropped or picked files.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::precision::PrecisionToggle;
use crate::browser::files_of;
use crate::controller::{DEFAULT_MODEL_URL, use_controller};

/// The drop zone with its buttons and the f16 choice.
#[component]
pub fn DropZone() -> impl IntoView {
    let c = use_controller();
    let dragging = RwSignal::new(false);
    let busy = move || !c.store.idle();
    view! {
        <div
            class="dropzone"
            class:dragging=move || dragging.get()
            on:dragover=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                dragging.set(false);
                c.load_files(files_of(ev.data_transfer().and_then(|d| d.files())));
            }
        >
            <p>
                "Drop a " <code>".gguf"</code> " (Llama family) or a Hugging Face model's "
                <code>"config.json"</code> ", " <code>"tokenizer.json"</code> " and "
                <code>"*.safetensors"</code> " here (GPT-2, Pythia/GPT-NeoX, Llama)."
            </p>
            <div class="row">
                <button id="load-default" disabled=busy on:click=move |_| c.load_url(DEFAULT_MODEL_URL)>
                    "Load default model (SmolLM2-135M, 98 MB)"
                </button>
                <label class="button secondary">
                    "Choose files…"
                    <input
                        id="model-files"
                        type="file"
                        multiple
                        accept=".gguf,.json,.safetensors"
                        disabled=busy
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
                            c.load_files(files_of(input.files()));
                            input.set_value("");
                        }
                    />
                </label>
            </div>
            <PrecisionToggle/>
        </div>
    }
}
