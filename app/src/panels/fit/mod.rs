//! The fit: method and every option, Run / Stop (on one or several split seeds), live loss and
//! flip-accuracy curves, the result's train/validation/test table and the repeats' mean ± sd.

mod curves;
mod options;
mod repeats;
mod table;

use activscalar_types::options::StepReport;
use leptos::prelude::*;

use crate::controller::use_controller;
use crate::store::Job;
use crate::widgets::{NumberInput, pct};

/// The fit card.
#[component]
pub fn FitPanel() -> impl IntoView {
    let c = use_controller();
    let s = c.store;
    let progress = move || {
        let total = s.options.with(|o| o.steps) as f64;
        s.history
            .with(|h| h.last().map(|r| r.step as f64 / total).unwrap_or(0.0))
    };
    let status = move || {
        s.history
            .with(|h| h.last().map(status_line).unwrap_or_default())
    };
    let can_run = move || s.idle() && s.model.with(Option::is_some);
    let running = move || matches!(s.job.get(), Job::Fitting | Job::Sweeping);
    view! {
        <section class="card" id="fit-panel">
            <h2>"Fit"</h2>
            <options::MainOptions/>
            <options::MoreOptions/>
            <div class="row">
                <NumberInput id="repeats" label="split seeds" value=Signal::derive(move || s.repeats.get())
                    set=Callback::new(move |v: f64| s.repeats.set(v.clamp(1.0, 10.0).round())) step=1.0
                    title="fit on this many split seeds (the task's seed and the next ones) and report mean ± sd"/>
                <button id="run-fit" disabled=move || !can_run() on:click=move |_| c.fit()>"Run"</button>
                <button id="stop-fit" class="secondary" disabled=move || !running() on:click=move |_| c.stop()>"Stop"</button>
                <progress class="fit-progress" max="1" value=progress></progress>
                <span class="hint" id="fit-status">{status}</span>
            </div>
            {move || s.fit_message.get().map(|m| view! { <p class="notice" id="fit-message" role="status">{m}</p> })}
            <curves::Curves/>
            {move || s.result.get().map(|shown| view! { <table::ResultTable result=shown.result/> })}
            {move || {
                let results = s.repeated.get();
                (results.len() > 1).then(|| view! { <repeats::RepeatsTable results/> })
            }}
        </section>
    }
}

fn status_line(r: &StepReport) -> String {
    format!(
        "step {} · loss {:.4} · flips {} / {}",
        r.step,
        r.loss,
        pct(r.flip_plus),
        r.flip_minus.map(pct).unwrap_or_else(|| "—".into())
    )
}
