//! The sweeps on the chart, one line each: what the λ_M selection rule picks, and an export
//! of the sweep in the file format `activscalar sweep` writes.

use std::sync::Arc;

use activscalar_types::sweep::{SELECTION_BAR, Sweep};
use leptos::prelude::*;

use crate::controller::{saved, use_controller};

/// One line per sweep on the chart.
#[component]
pub fn SweepList() -> impl IntoView {
    let c = use_controller();
    let sweeps = c.store.sweeps;
    view! {
        <ul class="hint" id="sweep-chosen">
            {move || sweeps.get().into_iter().map(|sw| {
                let line = chosen(&sw);
                view! {
                    <li>
                        {line} " "
                        <button class="link" on:click=move |_| saved::export_sweep(c, &sw)>"Export JSON"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// What the selection rule picks from `sweep`, in words.
fn chosen(sweep: &Arc<Sweep>) -> String {
    let label = sweep.label();
    let bar = 100.0 * SELECTION_BAR;
    match sweep.chosen().map(|i| &sweep.points[i]) {
        Some(p) => format!(
            "{label}: chosen on validation (the sparsest point with ≥ {bar:.0} % validation flips both ways): λ_M = {:.1e}, {} active sites; test flips {:.1} % / {:.1} % (base model {:.1} % right)",
            p.options.lambda_m,
            p.minimality.active_sites,
            100.0 * p.test.plus.flip_accuracy,
            100.0 * p.test.minus.flip_accuracy,
            100.0 * p.test.base_accuracy
        ),
        None => {
            format!("{label}: no point reaches {bar:.0} % validation flips in both directions")
        }
    }
}
