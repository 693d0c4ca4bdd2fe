//! How long the last model load took, phase by phase.

use leptos::prelude::*;

use crate::controller::use_controller;

/// How long the last load took, phase by phase.
#[component]
pub fn Phases() -> impl IntoView {
    let phases = use_controller().store.load_phases;
    move || {
        phases.with(|p| {
            (!p.is_empty()).then(|| {
                let total: f64 = p.iter().map(|(_, s)| s).sum();
                let parts: Vec<String> = p
                    .iter()
                    .map(|(what, s)| format!("{what} {s:.1} s"))
                    .collect();
                view! {
                    <p class="hint" id="load-phases" data-seconds=total>
                        {format!("Loaded in {total:.1} s: {}.", parts.join(" · "))}
                    </p>
                }
            })
        })
    }
}
