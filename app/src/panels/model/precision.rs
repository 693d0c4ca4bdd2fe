//! The f16-weights checkbox: disabled (with the reason) where the engine cannot run f16, and
//! while a job runs.

use activscalar_types::engine::BackendKind;
use activscalar_types::model::WeightPrecision;
use leptos::prelude::*;

use crate::controller::use_controller;

/// The checkbox.
#[component]
pub fn PrecisionToggle() -> impl IntoView {
    let c = use_controller();
    let engine = c.store.engine;
    let supported = move || engine.with(|e| e.as_ref().is_some_and(|e| e.f16));
    let hint = move || {
        engine.with(|e| match e.as_ref() {
            None => "",
            Some(e) if !e.f16 => "this GPU lacks shader-f16, so weights stay f32",
            Some(e) if e.kind == BackendKind::Cpu => {
                "half the memory; slower on the CPU, which has no f16 arithmetic"
            }
            Some(_) => "half the GPU memory and upload; products in f16, top-5 logits within 0.04",
        })
    };
    view! {
        <label id="precision" title=hint>
            <input
                id="half-weights"
                type="checkbox"
                prop:checked=move || c.store.precision.get() == WeightPrecision::F16
                disabled=move || !c.store.idle() || !supported()
                on:change=move |ev| {
                    c.set_precision(if event_target_checked(&ev) {
                        WeightPrecision::F16
                    } else {
                        WeightPrecision::F32
                    })
                }
            />
            " f16 weights "
            <span class="hint">{hint}</span>
        </label>
    }
}
