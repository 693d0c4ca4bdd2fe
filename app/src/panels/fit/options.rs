//! The fit options, each control writing one field of the store's options.

use activscalar_types::method::Method;
use activscalar_types::options::{Directions, Effectiveness};
use activscalar_types::options::{FitOptions, L1Mode};
use leptos::prelude::*;

use crate::controller::use_controller;
use crate::widgets::{Checkbox, NumberInput};

/// A number field of the options.
fn field(
    get: fn(&FitOptions) -> f64,
    set: fn(&mut FitOptions, f64),
) -> (Signal<f64>, Callback<f64>) {
    let options = use_controller().store.options;
    (
        Signal::derive(move || options.with(get)),
        Callback::new(move |v| options.update(|o| set(o, v))),
    )
}

/// Method, λ_M, λ_F, steps, learning rate, seed.
#[component]
pub fn MainOptions() -> impl IntoView {
    let options = use_controller().store.options;
    let (lm, set_lm) = field(|o| o.lambda_m, |o, v| o.lambda_m = v.max(0.0));
    let (lf, set_lf) = field(|o| o.lambda_f, |o, v| o.lambda_f = v.max(0.0));
    let (steps, set_steps) = field(
        |o| o.steps as f64,
        |o, v| o.steps = v.clamp(1.0, 100_000.0) as usize,
    );
    let (lr, set_lr) = field(|o| o.lr, |o, v| o.lr = v.max(1e-6));
    let (seed, set_seed) = field(|o| o.seed as f64, |o, v| o.seed = v.max(0.0) as u64);
    view! {
        <div class="row">
            <label>"Method "
                <select id="method" prop:value=move || options.with(|o| o.method.as_str())
                    on:change=move |ev| if let Ok(m) = Method::parse(&event_target_value(&ev)) {
                        options.update(|o| *o = o.clone().with_method(m));
                    }>
                    <option value="activscalar">"ActivScalar — h·(1+βα)"</option>
                    <option value="steervec">"SteerVec — h+βv"</option>
                    <option value="dynscalar">"DynScalar — α = w·h + b"</option>
                </select>
            </label>
            <NumberInput id="lambda-m" label="λ_M" value=lm set=set_lm step=0.001 title="minimality weight (L1)"/>
            <NumberInput id="lambda-f" label="λ_F" value=lf set=set_lf step=0.1 title="faithfulness weight (KL)"/>
            <NumberInput id="steps" label="steps" value=steps set=set_steps step=10.0/>
            <NumberInput id="lr" label="learning rate" value=lr set=set_lr step=0.01/>
            <NumberInput id="fit-seed" label="seed" value=seed set=set_seed step=1.0/>
        </div>
    }
}

/// Margin, τ, patience, batch size, L1 mode, swap, β = +1 only.
#[component]
pub fn MoreOptions() -> impl IntoView {
    let options = use_controller().store.options;
    let (margin, set_margin) = field(|o| o.margin, |o, v| o.margin = v);
    let (tau, set_tau) = field(|o| f64::from(o.tau), |o, v| o.tau = v.max(0.0) as f32);
    let (patience, set_patience) = field(
        |o| o.patience as f64,
        |o, v| o.patience = v.max(1.0) as usize,
    );
    let (batch, set_batch) = field(
        |o| o.batch_size as f64,
        |o, v| o.batch_size = v.max(0.0) as usize,
    );
    let swap = Signal::derive(move || options.with(|o| o.effectiveness == Effectiveness::Swap));
    let plus_only = Signal::derive(move || options.with(|o| o.directions == Directions::PlusOnly));
    view! {
        <details>
            <summary>"More options"</summary>
            <div class="row">
                <NumberInput id="margin" label="margin m" value=margin set=set_margin step=0.5/>
                <NumberInput id="tau" label="active if >" value=tau set=set_tau step=0.005 title="threshold τ for active sites"/>
                <NumberInput id="patience" label="early-stop patience" value=patience set=set_patience step=5.0/>
                <NumberInput id="batch-size" label="batch (0 = all)" value=batch set=set_batch step=8.0/>
                <label>"L1 as "
                    <select id="l1-mode" prop:value=move || options.with(|o| o.l1_mode.as_str())
                        on:change=move |ev| if let Some(m) = L1Mode::parse(&event_target_value(&ev)) {
                            options.update(|o| o.l1_mode = m);
                        }>
                        <option value=L1Mode::ProximalAdam.as_str()>"proximal step in Adam's metric (default)"</option>
                        <option value=L1Mode::Proximal.as_str()>"proximal step lr·λ_M"</option>
                        <option value=L1Mode::Loss.as_str()>"loss term"</option>
                    </select>
                </label>
                <Checkbox label="swap effectiveness" checked=swap set=Callback::new(move |v: bool| options.update(|o| {
                    o.effectiveness = if v { Effectiveness::Swap } else { Effectiveness::Margin };
                }))/>
                <Checkbox label="train β = +1 only" checked=plus_only set=Callback::new(move |v: bool| options.update(|o| {
                    o.directions = if v { Directions::PlusOnly } else { Directions::Both };
                }))/>
            </div>
        </details>
    }
}
