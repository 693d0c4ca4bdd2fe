//! A labelled number field.

use leptos::prelude::*;

/// A labelled `<input type=number>` showing `value`; a valid new number goes to `set`
/// (invalid text leaves the value unchanged).
#[component]
pub fn NumberInput(
    id: &'static str,
    label: &'static str,
    #[prop(into)] value: Signal<f64>,
    #[prop(into)] set: Callback<f64>,
    #[prop(default = 1.0)] step: f64,
    #[prop(optional)] title: &'static str,
) -> impl IntoView {
    view! {
        <label class="num-input" title=title>
            {label}" "
            <input
                id=id
                type="number"
                step=step
                prop:value=move || value.get()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).trim().parse::<f64>()
                        && v.is_finite()
                    {
                        set.run(v);
                    }
                }
            />
        </label>
    }
}
