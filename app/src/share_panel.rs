//! Sharing and keeping results: a permalink in the URL fragment (never sent to a server),
//! JSON and safetensors export, JSON import, and an autosave in browser storage that brings
//! the last result back after a reload. Opening a permalink shows its heatmap at once and
//! loads the default model when the link was made on it.

use std::rc::Rc;

use activscalar_core::result::{FORMAT_VERSION, FitResult};
use activscalar_core::{export, permalink};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::{download, local_storage, mark_body, read_file};
use crate::model_panel::{DEFAULT_MODEL_SHA256, DEFAULT_MODEL_URL};
use crate::state::{AppState, Origin, use_state};

/// Fragment key of a permalink: `#r=as1.…`.
const FRAGMENT_KEY: &str = "#r=";
/// Browser-storage key of the autosaved result.
const AUTOSAVE_KEY: &str = "activscalar.last-result";
/// Results larger than this (as JSON) are not autosaved (SteerVec on big models).
const AUTOSAVE_MAX: usize = 4_000_000;

/// Opens a permalink from the URL fragment, or else restores the autosaved result. Returns a
/// message for the user.
pub fn restore_on_start(state: AppState) -> Option<Result<String, String>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    if let Some(link) = hash.strip_prefix(FRAGMENT_KEY) {
        mark_body("data-permalink", "error");
        let r = permalink::decode(link).map_err(|e| e.to_string());
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                return Some(Err(format!(
                    "Could not open the shared link: {e}. Nothing else on the page was changed."
                )));
            }
        };
        mark_body("data-permalink", "ready");
        let default = r.model.weights_sha256 == DEFAULT_MODEL_SHA256;
        let msg = format!(
            "Opened a shared {} result on {} ({} {}-layer model). {}",
            r.options.method.as_str(),
            r.task.name(),
            r.model.arch,
            r.model.n_layers,
            if default {
                "Loading the default model it was learned on…"
            } else {
                "Load the same model (drop its files) to use the β dial; it is checked by fingerprint."
            }
        );
        if default && crate::browser::query_param("model").is_none() {
            state.load_request.set(Some(DEFAULT_MODEL_URL.to_string()));
        }
        state.result.set(Some((Rc::new(r), Origin::Link)));
        return Some(Ok(msg));
    }
    let saved = local_storage()?.get_item(AUTOSAVE_KEY).ok()??;
    match serde_json::from_str::<FitResult>(&saved) {
        Ok(r) if r.format_version <= FORMAT_VERSION => {
            let msg = format!(
                "Restored your last result ({} on {}) from this browser's storage.",
                r.options.method.as_str(),
                r.task.name()
            );
            state.result.set(Some((Rc::new(r), Origin::Autosave)));
            mark_body("data-restored", "yes");
            Some(Ok(msg))
        }
        _ => None,
    }
}

/// Saves each new result in browser storage (when it fits).
fn autosave(state: AppState) {
    Effect::new(move |_| {
        let Some((r, origin)) = state.result.get() else {
            return;
        };
        if origin == Origin::Autosave {
            return;
        }
        if let (Ok(json), Some(store)) = (serde_json::to_string(&*r), local_storage())
            && json.len() <= AUTOSAVE_MAX
            && store.set_item(AUTOSAVE_KEY, &json).is_ok()
        {
            mark_body("data-autosaved", "yes");
        }
    });
}

/// The share / export / import panel.
#[component]
pub fn SharePanel() -> impl IntoView {
    let state = use_state();
    let start_message = restore_on_start(state);
    autosave(state);
    let link = RwSignal::new(None::<String>);
    let message = RwSignal::new(start_message);

    let share = move || {
        let Some((r, _)) = state.result.get_untracked() else {
            return;
        };
        match permalink::encode(&r) {
            Ok(p) => {
                let base = web_sys::window()
                    .and_then(|w| w.location().href().ok())
                    .map(|h| h.split('#').next().unwrap_or("").to_string())
                    .unwrap_or_default();
                let url = format!("{base}{FRAGMENT_KEY}{p}");
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_hash(&format!("r={p}"));
                    let _ = w.navigator().clipboard().write_text(&url);
                }
                message.set(Some(Ok(format!(
                    "Link created ({} characters) and copied to the clipboard.",
                    url.len()
                ))));
                link.set(Some(url));
            }
            Err(e) => {
                link.set(None);
                message.set(Some(Err(e.to_string())));
            }
        }
    };
    let export_json = move || {
        let Some((r, _)) = state.result.get_untracked() else {
            return;
        };
        match serde_json::to_vec_pretty(&*r) {
            Ok(b) => download(&file_stem(&r, "json"), "application/json", &b),
            Err(e) => message.set(Some(Err(e.to_string()))),
        }
    };
    let export_st = move || {
        let Some((r, _)) = state.result.get_untracked() else {
            return;
        };
        match export::to_safetensors(&r) {
            Ok(b) => download(
                &file_stem(&r, "safetensors"),
                "application/octet-stream",
                &b,
            ),
            Err(e) => message.set(Some(Err(e.to_string()))),
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        let Some(f) = input.files().and_then(|l| l.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            let name = f.name();
            let parsed = read_file(&f).await.and_then(|b| {
                serde_json::from_slice::<FitResult>(&b)
                    .map_err(|e| format!("{name} is not an ActivScalar result file ({e})"))
            });
            match parsed {
                Ok(r) if r.format_version > FORMAT_VERSION => {
                    message.set(Some(Err(format!(
                        "{name} was written by a newer version (format {}, this page reads up to {FORMAT_VERSION})",
                        r.format_version
                    ))));
                    mark_body("data-import", "error");
                }
                Ok(r) => {
                    message.set(Some(Ok(format!("Imported {name}."))));
                    state.result.set(Some((Rc::new(r), Origin::Import(name))));
                    mark_body("data-import", "ready");
                }
                Err(e) => {
                    message.set(Some(Err(e)));
                    mark_body("data-import", "error");
                }
            }
        });
    };
    let mismatch = move || {
        state.result.with(|r| {
            r.as_ref()
                .is_some_and(|(r, _)| state.model.with(|m| m.is_some()) && !state.model_matches(r))
        })
    };
    let no_result = move || state.result.with(|r| r.is_none());

    view! {
        <section class="card" id="share-panel">
            <h2>"Share and keep"</h2>
            <div class="row">
                <button id="share" disabled=no_result on:click=move |_| share()>"Share link"</button>
                <button id="export-json" class="secondary" disabled=no_result on:click=move |_| export_json()>"Export JSON"</button>
                <button id="export-safetensors" class="secondary" disabled=no_result on:click=move |_| export_st()>"Export safetensors"</button>
                <label class="button secondary">"Import JSON…"
                    <input id="import-json" type="file" accept=".json,application/json" on:change=import/></label>
            </div>
            {move || link.get().map(|l| view! { <input id="permalink" class="permalink" type="text" readonly prop:value=l aria-label="Permalink"/> })}
            {move || message.get().map(|m| match m {
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

fn file_stem(r: &FitResult, ext: &str) -> String {
    format!(
        "activscalar-{}-{}.{ext}",
        r.options.method.as_str(),
        r.task.name()
    )
}
