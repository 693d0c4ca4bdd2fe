//! One prediction: the prompt's tokens and the top candidates with logits and probabilities.

use activscalar_types::protocol::PredictionReport;
use leptos::prelude::*;

use crate::widgets::TokenChips;

/// The table of `p`.
#[component]
pub fn Prediction(p: PredictionReport) -> impl IntoView {
    view! {
        <TokenChips tokens=p.tokens/>
        <table id="prediction">
            <thead><tr><th>"#"</th><th>"token"</th><th class="num">"logit"</th><th class="num">"probability"</th></tr></thead>
            <tbody>
                {p.top.into_iter().enumerate().map(|(i, t)| view! {
                    <tr data-id=t.id data-logit=t.logit>
                        <td>{i + 1}</td>
                        <td><code>{format!("{:?}", t.text)}</code></td>
                        <td class="num">{format!("{:.3}", t.logit)}</td>
                        <td class="num">{format!("{:.2} %", 100.0 * t.prob)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
