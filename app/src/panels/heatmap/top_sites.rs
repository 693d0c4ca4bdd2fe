//! The largest cells as a table: keyboard- and screen-reader-friendly, and what a researcher
//! reads first.

use activscalar_types::result::FitResult;
use leptos::prelude::*;

/// The measured cells with their α and effect.
pub fn top_sites(r: &FitResult) -> impl IntoView + use<> {
    let mut rows = r.site_effects.clone();
    rows.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    rows.truncate(12);
    let token = |p: usize| r.position_tokens.get(p).cloned().unwrap_or_default();
    (!rows.is_empty()).then(|| {
        view! {
            <table id="top-sites">
                <thead><tr><th>"hook"</th><th class="num">"position"</th><th>"token"</th><th class="num">"α"</th><th class="num">"mean LD change if zeroed (test)"</th></tr></thead>
                <tbody>{rows.into_iter().map(|e| view! {
                    <tr>
                        <td><code>{e.hook}</code></td>
                        <td class="num">{e.position}</td>
                        <td><code>{format!("{:?}", token(e.position))}</code></td>
                        <td class="num">{format!("{:+.3}", e.alpha)}</td>
                        <td class="num">{format!("{:+.3}", -e.effect)}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        }
    })
}
