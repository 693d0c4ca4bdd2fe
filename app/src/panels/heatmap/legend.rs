//! The heatmap's colour legend.

use leptos::prelude::*;

use crate::widgets::charts::{diverging, fmt, sequential};

/// A gradient bar from the lowest to the highest value shown.
pub fn legend(signed: bool, max: f32, what: &'static str) -> impl IntoView {
    let stops: Vec<String> = (0..=10)
        .map(|k| {
            let x = k as f64 / 10.0;
            if signed {
                diverging(2.0 * x - 1.0)
            } else {
                sequential(x)
            }
        })
        .collect();
    let gradient = format!("linear-gradient(to right, {})", stops.join(", "));
    let lo = if signed {
        format!("{what} = −{}", fmt(f64::from(max)))
    } else {
        "0".into()
    };
    view! {
        <div class="color-legend">
            <span>{lo}</span>
            <span class="bar" style:background=gradient></span>
            <span>{format!("{}{}", if signed { "+" } else { "" }, fmt(f64::from(max)))}</span>
            {signed.then(|| view! { <span class="hint">"white = identity (α = 0)"</span> })}
        </div>
    }
}
