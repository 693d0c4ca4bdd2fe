//! What the last task check found, shown while the task is the one checked.

use leptos::prelude::*;

use crate::controller::use_controller;
use crate::widgets::TokenChips;
use activscalar_types::protocol::TaskCheck;

/// The check's outcome (nothing once the task was edited).
#[component]
pub fn CheckView() -> impl IntoView {
    let c = use_controller();
    let current = move || {
        let form = c.store.task.get();
        c.store
            .checked
            .get()
            .filter(|(checked, _)| *checked == form)
            .map(|(_, out)| out)
    };
    move || {
        current().map(|out| match out {
            None => view! { <p class="hint" role="status">"Checking the task on the model…"</p> }
                .into_any(),
            Some(Ok(check)) => view! { <Checked check/> }.into_any(),
            Some(Err(e)) => {
                view! { <p class="error" id="task-error" role="alert">{e}</p> }.into_any()
            }
        })
    }
}

#[component]
fn Checked(check: TaskCheck) -> impl IntoView {
    let n_dropped = check.n_dropped;
    let dropped = check.dropped;
    view! {
        <div id="task-check">
            <p><strong>{check.summary}</strong></p>
            <p>"Base model on all kept rows: mean LD "
                <strong id="base-ld">{format!("{:+.3}", check.base.base_mean_ld)}</strong>
                ", prefers the correct answer on "
                <strong id="base-acc">{format!("{:.1} %", 100.0 * check.base.base_accuracy)}</strong>"."</p>
            <p class="hint">"Tokens of the first prompt:"</p>
            <TokenChips tokens=check.tokens/>
            <Show when=move || n_dropped != 0>
                <details>
                    <summary>{format!("{n_dropped} rows dropped")}</summary>
                    <ul>{dropped.clone().into_iter().map(|(r, why)| view! {
                        <li><code>{r.prompt}</code>" → "{why}</li>
                    }).collect_view()}</ul>
                </details>
            </Show>
        </div>
    }
}
