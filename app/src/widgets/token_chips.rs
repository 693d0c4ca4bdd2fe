//! Prompt tokens as chips.

use leptos::prelude::*;

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
