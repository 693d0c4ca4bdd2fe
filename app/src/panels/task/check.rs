//! What the last task check found, shown while the task is the one checked.

use leptos::prelude::*;

use super::checked::Checked;
use crate::controller::use_controller;

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
