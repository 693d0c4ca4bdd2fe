//! Per-component drop-out: for each (site, layer), the largest λ_M at which it is still active
//! (bar, log scale) — the most persistent components first.

use activscalar_types::sweep::Sweep;
use leptos::prelude::*;

use crate::widgets::charts::fmt;

/// The drop-out chart of `s`.
pub fn dropout(s: &Sweep) -> impl IntoView + use<> {
    let label = s.label();
    let (lo, hi) = (
        s.grid.first().copied().unwrap_or(1e-4),
        s.grid.last().copied().unwrap_or(1.0),
    );
    let span = (hi / lo).log10().max(1e-9);
    let rows: Vec<_> = s
        .components
        .iter()
        .filter(|c| c.last_active_lambda.is_some())
        .take(16)
        .cloned()
        .collect();
    let dead = s.components.len()
        - s.components
            .iter()
            .filter(|c| c.last_active_lambda.is_some())
            .count();
    view! {
        <figure class="dropout" id="dropout-chart">
            <figcaption>{format!("{label}: components by the largest λ_M at which they stay active (log scale, {}…{})", fmt(lo), fmt(hi))}</figcaption>
            {rows.into_iter().map(|c| {
                let last = c.last_active_lambda.unwrap_or(lo);
                let w = 100.0 * ((last / lo).log10() / span).clamp(0.0, 1.0).max(0.02);
                view! {
                    <div class="bar-row" data-hook=c.hook.clone()>
                        <code>{c.hook.clone()}</code>
                        <span class="bar-track"><span class="fill" style:width=format!("{w:.1}%")></span></span>
                        <span class="num">{fmt(last)}</span>
                    </div>
                }
            }).collect_view()}
            <p class="hint">{format!("{dead} components were never active on this grid.")}</p>
        </figure>
    }
}
