//! The minimality / sparsity trade-off: a λ_M sweep (warm-started, log grid) with the current
//! task and options, drawn as (a) active sites against test flip accuracy and KL, one curve per
//! method swept, and (b) the order in which components drop out as λ_M grows.

use std::rc::Rc;

use activscalar_core::sweep::{Sweep, log_grid, run_sweep};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{mark_body, yield_now};
use crate::charts::{LineChart, PALETTE, Series, fmt};
use crate::state::use_state;
use crate::widgets::NumberInput;

/// The sweep panel.
#[component]
pub fn SweepPanel() -> impl IntoView {
    let state = use_state();
    let lo = RwSignal::new(1e-4f64);
    let hi = RwSignal::new(1.0f64);
    let points = RwSignal::new(9.0f64);
    let steps = RwSignal::new(60.0f64);
    let progress = RwSignal::new(0.0);
    let stop = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let run = move || {
        let (Some(model), Some(engine)) =
            (state.model.get_untracked(), state.engine.get_untracked())
        else {
            return;
        };
        let spec = state.task.get_untracked();
        let mut base = state.options.get_untracked();
        base.steps = steps.get_untracked().clamp(1.0, 10_000.0) as usize;
        let grid = log_grid(
            lo.get_untracked().max(1e-8),
            hi.get_untracked().max(1e-8),
            points.get_untracked().clamp(2.0, 25.0) as usize,
        );
        let total = (grid.len() * base.steps) as f64;
        state.busy.set(true);
        stop.set(false);
        error.set(None);
        progress.set(0.0);
        mark_body("data-sweep", "running");
        spawn_local(async move {
            let mut done = 0.0;
            let out = run_sweep(
                &model,
                &spec,
                base,
                &grid,
                engine.kind.as_str(),
                |_, _| {
                    done += 1.0;
                    progress.set(done / total);
                },
                || stop.get_untracked(),
            )
            .await;
            yield_now().await;
            match out {
                Ok(s) => {
                    state.sweeps.update(|v| {
                        let method = s.points.first().map(|p| p.options.method);
                        v.retain(|o| o.points.first().map(|p| p.options.method) != method);
                        v.push(Rc::new(s));
                    });
                    mark_body("data-sweep", "done");
                }
                Err(e) => {
                    error.set(Some(e.to_string()));
                    mark_body("data-sweep", "error");
                }
            }
            state.busy.set(false);
        });
    };

    let accuracy = Signal::derive(move || {
        curves(&state.sweeps.get(), |p| {
            p.test.plus.flip_accuracy.min(p.test.minus.flip_accuracy)
        })
    });
    let kl = Signal::derive(move || {
        curves(&state.sweeps.get(), |p| p.test.plus.kl.max(p.test.minus.kl))
    });

    view! {
        <section class="card" id="sweep-panel">
            <h2>"Minimality / sparsity trade-off"</h2>
            <p class="hint">"Sweeps λ_M over a log grid with the task and fit options above (each point warm-starts from the previous one). Sweep each method to compare them."</p>
            <div class="row">
                <NumberInput id="grid-min" label="λ_M from" value=lo step=0.0001/>
                <NumberInput id="grid-max" label="to" value=hi step=0.1/>
                <NumberInput id="grid-points" label="points" value=points step=1.0/>
                <NumberInput id="sweep-steps" label="steps per point" value=steps step=10.0/>
                <button id="run-sweep" disabled=move || !state.idle() || state.model.with(|m| m.is_none()) on:click=move |_| run()>"Run sweep"</button>
                <button class="secondary" disabled=move || !state.busy.get() on:click=move |_| stop.set(true)>"Stop"</button>
                <progress max="1" value=move || progress.get()></progress>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="charts">
                <LineChart id="tradeoff-acc" title="Test flip accuracy (worse of β = ±1) vs active sites".into() x_label="active sites" series=accuracy y_range=(0.0, 1.0)/>
                <LineChart id="tradeoff-kl" title="Test KL (worse of β = ±1) vs active sites".into() x_label="active sites" series=kl/>
            </div>
            {move || state.sweeps.get().last().cloned().map(|s| dropout(&s))}
        </section>
    }
}

fn curves(sweeps: &[Rc<Sweep>], y: fn(&activscalar_core::result::FitResult) -> f64) -> Vec<Series> {
    sweeps
        .iter()
        .enumerate()
        .map(|(i, s)| Series {
            label: s
                .points
                .first()
                .map(|p| p.options.method.as_str())
                .unwrap_or("?")
                .into(),
            color: PALETTE[i % PALETTE.len()],
            points: s
                .points
                .iter()
                .map(|p| (p.minimality.active_sites as f64, y(p)))
                .collect(),
        })
        .collect()
}

/// Per-component drop-out: for each (site, layer), the largest λ_M at which it is still
/// active (bar, log scale) — the most persistent components first.
fn dropout(s: &Sweep) -> impl IntoView + use<> {
    let method = s
        .points
        .first()
        .map(|p| p.options.method.as_str())
        .unwrap_or("?");
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
            <figcaption>{format!("{method}: components by the largest λ_M at which they stay active (log scale, {}…{})", fmt(lo), fmt(hi))}</figcaption>
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
