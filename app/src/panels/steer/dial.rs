//! The dial itself: a prompt, β, the answers' probabilities and LD, a continuation and the
//! dose-response.

use activscalar_types::protocol::Probed;
use activscalar_types::tasks::Row;
use leptos::prelude::*;

use super::dose::DoseResponse;
use crate::controller::use_controller;
use crate::widgets::pct;

/// The controls and readouts for `rows`, the result's prompts.
#[component]
pub fn Dial(rows: Vec<Row>) -> impl IntoView {
    let c = use_controller();
    let d = c.store.dial;
    let options = rows
        .iter()
        .enumerate()
        .map(|(i, r)| view! {
            <option value=i selected=move || d.chosen.get() == i>{format!("{} → {:?} vs {:?}", r.prompt, r.correct, r.wrong)}</option>
        })
        .collect_view();
    view! {
        <div class="row">
            <label class="grow">"Prompt "
                <select id="steer-prompt" on:change=move |ev| {
                    d.chosen.set(event_target_value(&ev).parse().unwrap_or(0));
                    c.probe();
                }>{options}</select>
            </label>
        </div>
        <div class="row">
            <label for="beta">"β"</label>
            <input id="beta" type="range" min="-2" max="2" step="0.1" class="grow"
                prop:value=move || d.beta.get()
                on:input=move |ev| {
                    d.beta.set(event_target_value(&ev).parse().unwrap_or(0.0));
                    c.probe();
                }/>
            <output id="beta-value">{move || format!("{:+.1}", d.beta.get())}</output>
        </div>
        {move || d.shown.get().and_then(|p| rows.get(p.prompt).cloned().map(|r| probe_view(&r, p)))}
        <div class="row">
            <button id="continue" class="secondary" disabled=move || !c.store.idle()
                on:click=move |_| c.continuation()>"Continue 8 tokens at this β"</button>
        </div>
        {move || d.text.get().map(|(plain, steered, beta)| view! {
            <dl class="continuation" id="continuation">
                <div><dt>"β = 0"</dt><dd>{plain}</dd></div>
                <div><dt>{format!("β = {beta:+.1}")}</dt><dd>{steered}</dd></div>
            </dl>
        })}
        <DoseResponse/>
    }
}

fn probe_view(row: &Row, p: Probed) -> impl IntoView + use<> {
    let (base, s) = (p.base, p.steered);
    let bar = |label: String, p: f32, p0: f32, id: &'static str| {
        view! {
            <div class="prob-row" id=id data-prob=p>
                <code class="prob-label">{label}</code>
                <span class="prob-bar"><span class="fill" style:width=format!("{:.1}%", 100.0 * p)></span>
                    <span class="base-mark" style:left=format!("{:.1}%", 100.0 * p0) title="β = 0"></span></span>
                <span class="num">{pct(f64::from(p))}</span>
            </div>
        }
    };
    view! {
        <div class="probes">
            {bar(format!("{:?}", row.correct), s.p_correct, base.p_correct, "p-correct")}
            {bar(format!("{:?}", row.wrong), s.p_wrong, base.p_wrong, "p-wrong")}
            <p>"LD = " <strong id="steer-ld">{format!("{:+.3}", s.ld)}</strong>
               {format!(" (β = 0: {:+.3}); the bar's tick marks β = 0.", base.ld)}</p>
        </div>
    }
}
