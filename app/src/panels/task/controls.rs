//! The task's controls, each writing one field of the store's task form.

use leptos::prelude::*;

use crate::controller::use_controller;
use crate::task_form::{TaskForm, TaskKind};
use crate::widgets::{Checkbox, NumberInput};

/// A number field of the task form.
fn field(get: fn(&TaskForm) -> f64, set: fn(&mut TaskForm, f64)) -> (Signal<f64>, Callback<f64>) {
    let task = use_controller().store.task;
    (
        Signal::derive(move || task.with(get)),
        Callback::new(move |v| task.update(|t| set(t, v))),
    )
}

/// Kind, CCC/IOI settings, seed and split.
#[component]
pub fn TaskControls() -> impl IntoView {
    let task = use_controller().store.task;
    let kind = move || task.with(|t| t.kind);
    let (conflicts, set_conflicts) = field(|t| t.conflicts, |t, v| t.conflicts = v);
    let (rows, set_rows) = field(|t| t.ioi_rows, |t, v| t.ioi_rows = v);
    let (seed, set_seed) = field(|t| t.seed, |t, v| t.seed = v);
    let (train, set_train) = field(|t| t.train_pct, |t, v| t.train_pct = v);
    let (val, set_val) = field(|t| t.validation_pct, |t, v| t.validation_pct = v);
    view! {
        <div class="row">
            <label>"Task "
                <select id="task-kind" prop:value=move || kind().as_str()
                    on:change=move |ev| task.update(|t| t.kind = TaskKind::parse(&event_target_value(&ev)))>
                    <option value="ccc">"CCC — country–capital conflict"</option>
                    <option value="ioi">"IOI — indirect object identification"</option>
                    <option value="custom">"Custom rows"</option>
                </select>
            </label>
            <Show when=move || kind() == TaskKind::Ccc>
                <Checkbox id="context-free" label="context-free prompt “{capital} is in”"
                    checked=Signal::derive(move || task.with(|t| t.context_free))
                    set=Callback::new(move |v| task.update(|t| t.context_free = v))/>
                <NumberInput id="ccc-conflicts" label="conflicts per capital" value=conflicts set=set_conflicts step=1.0/>
            </Show>
            <Show when=move || kind() == TaskKind::Ioi>
                <NumberInput id="ioi-rows" label="rows" value=rows set=set_rows step=10.0/>
            </Show>
            <NumberInput id="task-seed" label="seed" value=seed set=set_seed step=1.0/>
            <NumberInput id="train-pct" label="train %" value=train set=set_train step=5.0/>
            <NumberInput id="validation-pct" label="of it validation %" value=val set=set_val step=5.0/>
        </div>
    }
}
