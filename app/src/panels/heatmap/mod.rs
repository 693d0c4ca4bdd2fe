//! The layer × position heatmap of a result, one panel per site (attn_out, mlp_out).
//! ActivScalar shows signed α on a diverging scale centred at the identity (α = 0, white);
//! SteerVec shows ‖v‖ and DynScalar ‖w‖ (one column, shared over positions) on a sequential
//! scale. Hovering (or focusing) a cell names its hook, position, token, value and effect.

mod grid;
mod legend;
mod top_sites;

use activscalar_types::method::{Method, magnitudes};
use activscalar_types::result::FitResult;
use activscalar_types::site::Site;
use leptos::prelude::*;

use crate::controller::use_controller;
use crate::widgets::charts::{diverging, sequential};

/// The heatmap card (nothing when no result is shown).
#[component]
pub fn HeatmapPanel() -> impl IntoView {
    let store = use_controller().store;
    let result = store.result;
    let hovered = RwSignal::new(None::<String>);
    view! {
        <Show when=move || result.with(Option::is_some)>
            <section class="card" id="heatmap-panel">
                <h2>"Where the intervention acts"</h2>
                {move || result.get().map(|shown| heatmaps(&shown.result, hovered))}
                <p class="hover-line" id="heatmap-hover" aria-live="polite">
                    {move || hovered.get().unwrap_or_else(|| "Hover or focus a cell for its hook name, value and effect.".into())}
                </p>
                <p class="hint" id="effect-message" aria-live="polite">{move || store.effect_message.get()}</p>
            </section>
        </Show>
    }
}

/// The symbol of a method's cell values.
fn what(method: Method) -> &'static str {
    match method {
        Method::ActivScalar => "α",
        Method::SteerVec => "‖v‖",
        Method::DynScalar => "‖w‖",
    }
}

fn heatmaps(r: &FitResult, hovered: RwSignal<Option<String>>) -> impl IntoView + use<> {
    let t = &r.theta;
    let values: Vec<f32> = match t.method {
        Method::ActivScalar => t.values[0].clone(),
        _ => magnitudes(t.method, &t.dims, &t.values),
    };
    let max = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let signed = t.method == Method::ActivScalar;
    let color = move |v: f32| {
        let x = f64::from(v / max);
        if signed { diverging(x) } else { sequential(x) }
    };
    let panels = Site::ALL
        .iter()
        .take(t.dims.sites)
        .map(|&site| grid::site_grid(r, site, &values, &color, hovered))
        .collect_view();
    view! {
        <div class="heatmaps" data-method=t.method.as_str()>{panels}</div>
        {legend::legend(signed, max, what(t.method))}
        {top_sites::top_sites(r)}
    }
}
