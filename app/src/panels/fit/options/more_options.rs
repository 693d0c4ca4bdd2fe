//! The further fit options: margin, τ, patience, batch size, L1 mode, swap, β = +1 only.

use activscalar_types::options::{Directions, Effectiveness, L1Mode};
use leptos::prelude::*;

use super::field;
use crate::controller::use_controller;
use crate::widgets::{Checkbox, NumberInput};

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
