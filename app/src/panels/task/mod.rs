//! The task: CCC, IOI or custom rows (pasted or from a CSV/JSONL file), the split, and a check
//! against the loaded tokenizer — rows kept and dropped (and why), a prompt's tokens, and the
//! base model's logit difference and accuracy.

mod check;
mod checked;
mod controls;
mod custom_rows;

use leptos::prelude::*;

use crate::controller::use_controller;
use crate::store::Job;
use crate::task_form::TaskKind;

/// The task card.
#[component]
pub fn TaskPanel() -> impl IntoView {
    let c = use_controller();
    let task = c.store.task;
    let spec_error = move || task.with(|t| t.spec().err());
    let no_model = move || c.store.model.with(Option::is_none);
    view! {
        <section class="card" id="task-panel">
            <h2>"Task"</h2>
            <controls::TaskControls/>
            <Show when=move || task.with(|t| t.kind == TaskKind::Custom)>
                <custom_rows::CustomRows/>
            </Show>
            <div class="row">
                <button id="check-task" class="secondary"
                    disabled=move || no_model() || spec_error().is_some() || c.store.job.get() != Job::Idle
                    on:click=move |_| c.check_task()>"Check task on the model"</button>
                {move || spec_error().map(|e| view! { <span class="error" role="alert">{e}</span> })}
                <Show when=no_model>
                    <span class="hint">"Load a model to check the task."</span>
                </Show>
            </div>
            <check::CheckView/>
        </section>
    }
}
