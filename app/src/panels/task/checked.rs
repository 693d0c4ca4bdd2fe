//! A successful task check: the split, the base model's LD and accuracy, the first prompt's
//! tokens and the rows dropped with their reasons.

use activscalar_types::protocol::TaskCheck;
use leptos::prelude::*;

use crate::widgets::TokenChips;

/// What `check` found.
#[component]
pub fn Checked(check: TaskCheck) -> impl IntoView {
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
