//! The β dose-response of the result on the dial: mean test LD (± sd over prompts) and both
//! answers' mean probabilities for β from −2 to 2, with β = 0 the base model.

use activscalar_types::readouts::BetaPoint;
use leptos::prelude::*;

use crate::controller::use_controller;
use crate::widgets::charts::{LineChart, PALETTE, Series};

/// The dose-response button and charts (inside the β dial's card).
#[component]
pub fn DoseResponse() -> impl IntoView {
    let c = use_controller();
    let curve = c.store.dial.curve;
    let points = move || match curve.get() {
        Some(Ok(p)) => p,
        _ => Vec::new(),
    };
    let series = |f: fn(&BetaPoint) -> f64, label: &str, color| {
        let label = label.to_string();
        move || Series {
            label: label.clone(),
            color,
            points: points().iter().map(|p| (p.beta, f(p))).collect(),
        }
    };
    let (mean, lo, hi) = (
        series(|p| p.mean_ld, "mean LD", PALETTE[0]),
        series(|p| p.mean_ld - p.sd_ld, "− 1 sd", PALETTE[5]),
        series(|p| p.mean_ld + p.sd_ld, "+ 1 sd", PALETTE[5]),
    );
    let ld = Signal::derive(move || vec![mean(), lo(), hi()]);
    let (pc, pw) = (
        series(|p| p.p_correct, "p(y⁺) correct", PALETTE[2]),
        series(|p| p.p_wrong, "p(y⁻) wrong", PALETTE[1]),
    );
    let probs = Signal::derive(move || vec![pc(), pw()]);
    let running = move || matches!(curve.get(), Some(Ok(ref p)) if p.is_empty());
    view! {
        <div class="row">
            <button id="draw-curve" class="secondary" disabled=move || running() || !c.store.idle()
                on:click=move |_| c.curve()>"Dose-response on the test prompts"</button>
            {move || running().then(|| view! { <span class="hint">"measuring β from −2 to 2…"</span> })}
        </div>
        {move || match curve.get() {
            Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
            Some(Ok(p)) if !p.is_empty() => Some(view! {
                <div class="charts" id="dose-response">
                    <LineChart id="dose-ld" title="Mean test LD vs β (β = 0: the base model)".into() x_label="β" series=ld/>
                    <LineChart id="dose-p" title="Mean answer probabilities vs β".into() x_label="β" series=probs y_range=(0.0, 1.0)/>
                </div>
            }.into_any()),
            _ => None,
        }}
    }
}
