//! The layer × position heatmap of a result, one panel per site (attn_out, mlp_out).
//! ActivScalar shows signed α on a diverging scale centred at the identity (α = 0, white);
//! SteerVec shows ‖v‖ and DynScalar ‖w‖ (one column, shared over positions) on a sequential
//! scale. Hovering (or focusing) a cell names its hook, position, token, value and effect.

use activscalar_core::hooks::Site;
use activscalar_core::interventions::{Method, magnitudes};
use activscalar_core::result::FitResult;
use leptos::prelude::*;

use crate::charts::{diverging, fmt, sequential};
use crate::state::use_state;

/// One drawn cell.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    hook: String,
    layer: usize,
    position: Option<usize>,
    token: String,
    value: f32,
    effect: Option<f64>,
}

impl Cell {
    fn describe(&self, what: &str) -> String {
        let mut s = self.hook.clone();
        if let Some(p) = self.position {
            s += &format!(" · position {p} {:?}", self.token);
        }
        s += &format!(" · {what} = {}", fmt(f64::from(self.value)));
        if let Some(e) = self.effect {
            s += &format!(" · zeroing it moves mean LD by {:+.3}", -e);
        }
        s
    }
}

/// Arrow keys (and Home/End) move the focus between cells of one heatmap: the grid is a single
/// tab stop, entered at its top-left cell.
fn move_focus(
    ev: &web_sys::KeyboardEvent,
    layer: usize,
    col: usize,
    last_row: usize,
    last_col: usize,
) {
    use wasm_bindgen::JsCast;
    let (l, c) = match ev.key().as_str() {
        "ArrowUp" => (layer.saturating_sub(1), col),
        "ArrowDown" => ((layer + 1).min(last_row), col),
        "ArrowLeft" => (layer, col.saturating_sub(1)),
        "ArrowRight" => (layer, (col + 1).min(last_col)),
        "Home" => (layer, 0),
        "End" => (layer, last_col),
        _ => return,
    };
    ev.prevent_default();
    let next = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|cell| cell.parent_element())
        .and_then(|svg| {
            svg.query_selector(&format!("rect[data-layer='{l}'][data-col='{c}']"))
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::SvgElement>().ok());
    if let Some(next) = next {
        let _ = next.focus();
    }
}

const CELL_W: f64 = 34.0;
const CELL_H: f64 = 14.0;
const LEFT: f64 = 30.0;
const TOP: f64 = 6.0;

/// The heatmap of the current result (nothing when there is none).
#[component]
pub fn HeatmapPanel() -> impl IntoView {
    let state = use_state();
    let hovered = RwSignal::new(None::<String>);
    view! {
        <Show when=move || state.result.with(|r| r.is_some())>
            <section class="card" id="heatmap-panel">
                <h2>"Where the intervention acts"</h2>
                {move || state.result.get().map(|(r, _)| heatmaps(&r, hovered))}
                <p class="hover-line" id="heatmap-hover" aria-live="polite">
                    {move || hovered.get().unwrap_or_else(|| "Hover or focus a cell for its hook name, value and effect.".into())}
                </p>
            </section>
        </Show>
    }
}

fn heatmaps(r: &FitResult, hovered: RwSignal<Option<String>>) -> impl IntoView + use<> {
    let t = &r.theta;
    let d = t.dims;
    let tied = t.method.is_position_tied();
    let cols = if tied { d.positions } else { 1 };
    let values: Vec<f32> = match t.method {
        Method::ActivScalar => t.values[0].clone(),
        _ => magnitudes(t.method, &d, &t.values),
    };
    let what = match t.method {
        Method::ActivScalar => "α",
        Method::SteerVec => "‖v‖",
        Method::DynScalar => "‖w‖",
    };
    let max = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    let signed = t.method == Method::ActivScalar;
    let color = move |v: f32| {
        let x = f64::from(v / max);
        if signed { diverging(x) } else { sequential(x) }
    };
    let effect = |site: Site, layer: usize, pos: usize| {
        r.site_effects
            .iter()
            .find(|e| e.site == site && e.layer == layer && e.position == pos)
            .map(|e| e.effect)
    };
    let panels = Site::ALL
        .iter()
        .enumerate()
        .take(d.sites)
        .map(|(s, &site)| {
            let cells: Vec<Cell> = (0..d.layers)
                .flat_map(|l| (0..cols).map(move |p| (l, p)))
                .map(|(l, p)| Cell {
                    hook: site.hook_name(l),
                    layer: l,
                    position: tied.then_some(p),
                    token: r.position_tokens.get(p).cloned().unwrap_or_default(),
                    value: values[(s * d.layers + l) * cols + p],
                    effect: if tied { effect(site, l, p) } else { None },
                })
                .collect();
            let width = LEFT + CELL_W * cols as f64 + 4.0;
            let height = TOP + CELL_H * d.layers as f64 + 4.0;
            let rects = cells
                .into_iter()
                .map(|c| {
                    let x = LEFT + CELL_W * c.position.unwrap_or(0) as f64;
                    let y = TOP + CELL_H * c.layer as f64;
                    let text = c.describe(what);
                    let (t1, t2) = (text.clone(), text.clone());
                    let (layer, col) = (c.layer, c.position.unwrap_or(0));
                    let (rows, last_col) = (d.layers, cols - 1);
                    view! {
                        <rect class="cell" x=x y=y width=CELL_W - 1.0 height=CELL_H - 1.0
                            fill=color(c.value)
                            data-hook=c.hook.clone()
                            data-layer=layer
                            data-col=col
                            data-pos=c.position.map(|p| p.to_string()).unwrap_or_default()
                            data-value=c.value
                            tabindex=if layer == 0 && col == 0 { "0" } else { "-1" }
                            on:mouseenter=move |_| hovered.set(Some(t1.clone()))
                            on:focus=move |_| hovered.set(Some(t2.clone()))
                            on:keydown=move |ev| move_focus(&ev, layer, col, rows - 1, last_col)>
                            <title>{text}</title>
                        </rect>
                    }
                })
                .collect_view();
            let layer_labels = (0..d.layers)
                .filter(|l| d.layers <= 16 || l % 2 == 0)
                .map(|l| view! { <text x=LEFT - 4.0 y=TOP + CELL_H * l as f64 + CELL_H - 4.0 text-anchor="end" class="tick">{l}</text> })
                .collect_view();
            view! {
                <figure class="heatmap" data-site=site.as_str()>
                    <figcaption><code>{format!("blocks.*.hook_{}", site.as_str())}</code>" — layer ↓"</figcaption>
                    <svg viewBox=format!("0 0 {width} {height}") width=width height=height role="img"
                        aria-label=format!("{} per layer{} at {}", what, if tied { " and position" } else { "" }, site.as_str())>
                        {layer_labels}
                        {rects}
                    </svg>
                    {x_axis(r, tied, cols)}
                </figure>
            }
        })
        .collect_view();
    view! {
        <div class="heatmaps" data-method=t.method.as_str()>{panels}</div>
        {legend(signed, max, what)}
        {top_sites(r)}
    }
}

/// Prompt tokens under the columns (rotated so long tokens fit).
fn x_axis(r: &FitResult, tied: bool, cols: usize) -> impl IntoView + use<> {
    let labels: Vec<String> = if tied {
        (0..cols)
            .map(|p| {
                r.position_tokens
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| p.to_string())
            })
            .collect()
    } else {
        vec!["all positions".into()]
    };
    let width = LEFT + CELL_W * cols as f64 + 4.0;
    view! {
        <svg class="x-axis" viewBox=format!("0 0 {width} 70") width=width height="70">
            {labels.into_iter().enumerate().map(|(p, t)| {
                let x = LEFT + CELL_W * p as f64 + CELL_W / 2.0;
                view! { <text class="tick tok-label" transform=format!("translate({x},6) rotate(50)")>{t.replace(' ', "·")}</text> }
            }).collect_view()}
        </svg>
    }
}

fn legend(signed: bool, max: f32, what: &'static str) -> impl IntoView {
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

/// The largest cells as a table: keyboard- and screen-reader-friendly, and what a researcher
/// reads first.
fn top_sites(r: &FitResult) -> impl IntoView + use<> {
    let rows = r.site_effects.iter().take(12).cloned().collect::<Vec<_>>();
    (!rows.is_empty()).then(|| {
        view! {
            <table id="top-sites">
                <thead><tr><th>"hook"</th><th class="num">"position"</th><th>"token"</th><th class="num">"α"</th><th class="num">"mean LD change if zeroed (test)"</th></tr></thead>
                <tbody>{rows.into_iter().map(|e| view! {
                    <tr>
                        <td><code>{e.hook}</code></td>
                        <td class="num">{e.position}</td>
                        <td><code>{format!("{:?}", r.position_tokens.get(e.position).cloned().unwrap_or_default())}</code></td>
                        <td class="num">{format!("{:+.3}", e.alpha)}</td>
                        <td class="num">{format!("{:+.3}", -e.effect)}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        }
    })
}
