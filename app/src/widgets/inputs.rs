//! Labelled controls and token chips.

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

/// A labelled checkbox showing `checked`; changes go to `set`.
#[component]
pub fn Checkbox(
    #[prop(optional)] id: Option<&'static str>,
    label: &'static str,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into)] set: Callback<bool>,
) -> impl IntoView {
    view! {
        <label>
            <input type="checkbox" id=id prop:checked=move || checked.get()
                on:change=move |ev| set.run(event_target_checked(&ev))/>
            " "{label}
        </label>
    }
}

/// Prompt tokens as chips; spaces shown as "·" so token boundaries are visible.
#[component]
pub fn TokenChips(tokens: Vec<String>) -> impl IntoView {
    view! {
        <p class="tokens" aria-label="Prompt tokens">
            {tokens
                .into_iter()
                .map(|t| view! { <span class="tok">{t.replace(' ', "·")}</span> })
                .collect_view()}
        </p>
    }
}

/// A percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}
