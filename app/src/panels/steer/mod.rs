//! The β dial: for a chosen prompt of the result's task, the answer probabilities and LD at any
//! strength β in [−2, 2] (measured as the slider moves, the newest value wins), and a steered
//! greedy continuation next to the unsteered one, and the dose-response over β.

use leptos::prelude::*;

mod dial;
mod dose;

use crate::controller::use_controller;
use dial::Dial;

/// The β dial card (shown once a result is shown and a model loaded).
#[component]
pub fn SteerPanel() -> impl IntoView {
    let c = use_controller();
    let d = c.store.dial;
    view! {
        <Show when=move || d.prompts.with(Option::is_some)>
            <section class="card" id="steer-panel">
                <h2>"The β dial"</h2>
                {move || match d.prompts.get() {
                    Some(Err(e)) => view! { <p class="notice" role="status">{e}</p> }.into_any(),
                    Some(Ok(rows)) => view! { <Dial rows/> }.into_any(),
                    None => ().into_any(),
                }}
            </section>
        </Show>
    }
}
