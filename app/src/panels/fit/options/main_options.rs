//! The main fit options: method, λ_M, λ_F, steps, learning rate, seed.

use activscalar_types::method::Method;
use leptos::prelude::*;

use super::field;
use crate::controller::use_controller;
use crate::widgets::NumberInput;

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
