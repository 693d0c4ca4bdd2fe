//! A labelled checkbox.

use leptos::prelude::*;

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
