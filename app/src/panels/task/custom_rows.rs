//! The custom task's rows: pasted, or read from a CSV / JSONL file.

use leptos::prelude::*;

use crate::browser::read_chosen_file;
use crate::controller::use_controller;

/// The custom rows' text and a file picker that fills it.
#[component]
pub fn CustomRows() -> impl IntoView {
    let c = use_controller();
    let task = c.store.task;
    let file_error = RwSignal::new(None::<String>);
    let on_file = move |ev: leptos::ev::Event| {
        read_chosen_file(&ev, move |name, bytes| match bytes {
            Ok(b) => {
                file_error.set(None);
                task.update(|t| t.custom_text = String::from_utf8_lossy(&b).into_owned());
            }
            Err(e) => file_error.set(Some(format!("{name}: {e}"))),
        })
    };
    view! {
        <p class="hint">"One row per line: CSV with header " <code>"prompt,correct,wrong"</code>
            ", JSON lines with those keys, or " <code>"prompt | correct | wrong"</code>
            ". Answers must be single tokens (usually with a leading space)."</p>
        <textarea id="custom-rows" rows="6" aria-label="Custom task rows"
            prop:value=move || task.with(|t| t.custom_text.clone())
            on:input=move |ev| task.update(|t| t.custom_text = event_target_value(&ev))></textarea>
        <label class="button secondary">"Load CSV / JSONL…"
            <input type="file" accept=".csv,.jsonl,.txt,.json" on:change=on_file/></label>
        {move || file_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
