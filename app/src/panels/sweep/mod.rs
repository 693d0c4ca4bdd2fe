//! The minimality / sparsity trade-off: a λ_M sweep (warm-started, log grid) with the task and
//! fit options shown, drawn as (a) active sites against test flip accuracy and KL, one curve
//! per method swept, and (b) the order in which components drop out as λ_M grows.

mod dropout;
mod list;

use std::sync::Arc;

use activscalar_types::result::FitResult;
use activscalar_types::sweep::Sweep;
use leptos::prelude::*;

use crate::browser::read_chosen_file;
use crate::controller::{saved, use_controller};
use crate::store::Job;
use crate::widgets::NumberInput;
use crate::widgets::charts::{LineChart, PALETTE, Series};

/// A number input backed by a local signal.
fn local(v: f64) -> (RwSignal<f64>, Callback<f64>) {
    let s = RwSignal::new(v);
    (s, Callback::new(move |x| s.set(x)))
}

/// The sweep card.
#[component]
pub fn SweepPanel() -> impl IntoView {
    let c = use_controller();
    let s = c.store;
    let (lo, set_lo) = local(1e-4);
    let (hi, set_hi) = local(1.0);
    let (points, set_points) = local(9.0);
    let (steps, set_steps) = local(60.0);
    let run = move |_| {
        c.sweep(
            lo.get_untracked(),
            hi.get_untracked(),
            points.get_untracked().clamp(2.0, 25.0) as usize,
            steps.get_untracked().clamp(1.0, 10_000.0) as usize,
        )
    };
    let import = move |ev: leptos::ev::Event| {
        read_chosen_file(&ev, move |name, bytes| {
            let m = match bytes {
                Ok(bytes) => saved::import_sweeps(c, &name, &bytes),
                Err(e) => Err(format!("{name}: {e}")),
            };
            s.sweep_message.set(Some(m));
        })
    };
    let progress = move || {
        let (done, total) = s.sweep_progress.get();
        done as f64 / total.max(1) as f64
    };
    let accuracy = Signal::derive(move || {
        curves(&s.sweeps.get(), |p| {
            p.test.plus.flip_accuracy.min(p.test.minus.flip_accuracy)
        })
    });
    let kl =
        Signal::derive(move || curves(&s.sweeps.get(), |p| p.test.plus.kl.max(p.test.minus.kl)));
    view! {
        <section class="card" id="sweep-panel">
            <h2>"Minimality / sparsity trade-off"</h2>
            <p class="hint">"Sweeps λ_M over a log grid with the task and fit options above (each point warm-starts from the previous one). Sweep each method to compare them, or import sweeps run with " <code>"activscalar sweep"</code> "."</p>
            <div class="row">
                <NumberInput id="grid-min" label="λ_M from" value=lo set=set_lo step=0.0001/>
                <NumberInput id="grid-max" label="to" value=hi set=set_hi step=0.1/>
                <NumberInput id="grid-points" label="points" value=points set=set_points step=1.0/>
                <NumberInput id="sweep-steps" label="steps per point" value=steps set=set_steps step=10.0/>
                <button id="run-sweep" disabled=move || !s.idle() || s.model.with(Option::is_none) on:click=run>"Run sweep"</button>
                <button class="secondary" disabled=move || s.job.get() != Job::Sweeping on:click=move |_| c.stop()>"Stop"</button>
                <progress max="1" value=progress></progress>
                <label class="button secondary">"Import sweep…"
                    <input id="import-sweep" type="file" accept=".json,application/json" on:change=import/></label>
            </div>
            {move || s.sweep_message.get().map(|m| match m {
                Ok(t) => view! { <p class="notice" id="sweep-message" role="status">{t}</p> }.into_any(),
                Err(e) => view! { <p class="error" id="sweep-error" role="alert">{e}</p> }.into_any(),
            })}
            <div class="charts">
                <LineChart id="tradeoff-acc" title="Test flip accuracy (worse of β = ±1) vs active sites".into() x_label="active sites (log scale)" series=accuracy y_range=(0.0, 1.0) log_x=true/>
                <LineChart id="tradeoff-kl" title="Test KL (worse of β = ±1) vs active sites".into() x_label="active sites (log scale)" series=kl log_x=true/>
            </div>
            <list::SweepList/>
            {move || s.sweeps.get().last().cloned().map(|sw| dropout::dropout(&sw))}
        </section>
    }
}

/// One curve per sweep: `y` of each point against its active sites, in the order of active
/// sites (a stronger λ_M usually, not always, leaves fewer).
fn curves(sweeps: &[Arc<Sweep>], y: fn(&FitResult) -> f64) -> Vec<Series> {
    sweeps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut points: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.minimality.active_sites as f64, y(p)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                label: s.label(),
                color: PALETTE[i % PALETTE.len()],
                points,
            }
        })
        .collect()
}
