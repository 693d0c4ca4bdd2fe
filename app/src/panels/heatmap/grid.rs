//! One site's grid: a cell per (layer, position), named on hover and focus, walked with the
//! arrow keys, with the prompt's tokens under the columns. A model's hundreds of cells are drawn
//! as one SVG fragment (one parse instead of thousands of DOM calls, which kept the page's
//! thread busy for over 100 ms), and their events are handled once on the grid's `<svg>`, the
//! cell found from the event's target.

use std::sync::Arc;

use activscalar_types::result::FitResult;
use activscalar_types::site::Site;
use leptos::prelude::*;

use crate::widgets::charts::fmt;

const CELL_W: f64 = 34.0;
const CELL_H: f64 = 14.0;
const LEFT: f64 = 30.0;
const TOP: f64 = 6.0;

/// One drawn cell.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    hook: String,
    layer: usize,
    position: Option<usize>,
    token: String,
    value: f32,
    effect: Option<f64>,
    /// Its effect can be measured on demand.
    measurable: bool,
}

impl Cell {
    fn describe(&self, what: &str) -> String {
        let mut s = self.hook.clone();
        if let Some(p) = self.position {
            s += &format!(" · position {p} {:?}", self.token);
        }
        s += &format!(" · {what} = {}", fmt(f64::from(self.value)));
        match self.effect {
            Some(e) => s += &format!(" · zeroing it moves mean LD by {:+.3}", -e),
            None if self.measurable => s += " · click (or Enter) to measure its effect",
            None => {}
        }
        s
    }
}

/// `text` safe inside a double-quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The (layer, column) of the cell an event happened on.
fn target_cell(ev: &web_sys::Event) -> Option<(usize, usize)> {
    use wasm_bindgen::JsCast;
    let cell = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let layer = cell.get_attribute("data-layer")?.parse().ok()?;
    let col = cell.get_attribute("data-col")?.parse().ok()?;
    Some((layer, col))
}

/// Arrow keys (and Home/End) move the focus between cells of one heatmap: the grid is a single
/// tab stop, entered at its top-left cell.
fn move_focus(
    ev: &web_sys::KeyboardEvent,
    (layer, col): (usize, usize),
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

/// The figure of `site`: `values` are the cell values of every site (site-major), `color`
/// maps a value to its colour.
pub fn site_grid(
    r: &FitResult,
    site: Site,
    values: &[f32],
    color: &dyn Fn(f32) -> String,
    hovered: RwSignal<Option<String>>,
) -> impl IntoView + use<> {
    let d = r.theta.dims;
    let tied = r.theta.method.is_position_tied();
    let cols = if tied { d.positions } else { 1 };
    let what = super::what(r.theta.method);
    let s = site.index();
    let ctl = crate::controller::use_controller();
    // Effects are measured for ActivScalar's α (zeroing one cell).
    let activ = r.theta.method == activscalar_types::method::Method::ActivScalar;
    let effect = |layer: usize, pos: usize| {
        r.site_effects
            .iter()
            .find(|e| e.site == site && e.layer == layer && e.position == pos)
            .map(|e| e.effect)
    };
    let cells: Vec<Cell> = (0..d.layers)
        .flat_map(|l| (0..cols).map(move |p| (l, p)))
        .map(|(l, p)| Cell {
            hook: site.hook_name(l),
            layer: l,
            position: tied.then_some(p),
            token: r.position_tokens.get(p).cloned().unwrap_or_default(),
            value: values[(s * d.layers + l) * cols + p],
            effect: if tied { effect(l, p) } else { None },
            measurable: false,
        })
        .map(|mut c| {
            c.measurable = activ && c.effect.is_none() && c.value != 0.0;
            c
        })
        .collect();
    let rects: String = cells
        .iter()
        .map(|c| {
            let col = c.position.unwrap_or(0);
            format!(
                r#"<rect class="cell" x="{}" y="{}" width="{}" height="{}" fill="{}" data-hook="{}" data-layer="{}" data-col="{col}" data-pos="{}" data-value="{}" tabindex="{}"{}/>"#,
                LEFT + CELL_W * col as f64,
                TOP + CELL_H * c.layer as f64,
                CELL_W - 1.0,
                CELL_H - 1.0,
                escape(&color(c.value)),
                escape(&c.hook),
                c.layer,
                c.position.map(|p| p.to_string()).unwrap_or_default(),
                c.value,
                if c.layer == 0 && col == 0 { "0" } else { "-1" },
                if c.measurable { r#" data-measurable="true""# } else { "" },
            )
        })
        .collect();
    let cells = Arc::new(cells);
    let (rows, last_col) = (d.layers, cols - 1);
    // The cell at (layer, column), and its index among all sites' cells (site-major).
    let cell_at = move |(layer, col): (usize, usize)| {
        (layer < rows && col < cols).then(|| (layer * cols + col, (s * rows + layer) * cols + col))
    };
    let name = {
        let cells = cells.clone();
        move |ev: &web_sys::Event| {
            if let Some((i, _)) = target_cell(ev).and_then(cell_at) {
                hovered.set(Some(cells[i].describe(what)));
            }
        }
    };
    let name_on_focus = name.clone();
    // An ActivScalar cell without a measured effect is measured when clicked (or Enter).
    let measure = move |ev: &web_sys::Event| {
        if let Some((i, index)) = target_cell(ev).and_then(cell_at)
            && cells[i].measurable
        {
            ctl.measure_effect(index);
        }
    };
    let measure_on_enter = measure.clone();
    let width = LEFT + CELL_W * cols as f64 + 4.0;
    let height = TOP + CELL_H * d.layers as f64 + 4.0;
    let layer_labels = (0..d.layers)
        .filter(|l| d.layers <= 16 || l % 2 == 0)
        .map(|l| view! { <text x=LEFT - 4.0 y=TOP + CELL_H * l as f64 + CELL_H - 4.0 text-anchor="end" class="tick">{l}</text> })
        .collect_view();
    view! {
        <figure class="heatmap" data-site=site.as_str()>
            <figcaption><code>{format!("blocks.*.hook_{}", site.as_str())}</code>" — layer ↓"</figcaption>
            <svg viewBox=format!("0 0 {width} {height}") width=width height=height role="img"
                aria-label=format!("{} per layer{} at {}", what, if tied { " and position" } else { "" }, site.as_str())
                on:mouseover=move |ev| name(&ev)
                on:focusin=move |ev| name_on_focus(&ev)
                on:click=move |ev| measure(&ev)
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        measure_on_enter(&ev);
                    }
                    if let Some(at) = target_cell(&ev) {
                        move_focus(&ev, at, rows - 1, last_col);
                    }
                }>
                {layer_labels}
                <g inner_html=rects/>
            </svg>
            {x_axis(r, tied, cols)}
        </figure>
    }
}

/// The position keys under the columns (template roles or prompt tokens, rotated so long ones
/// fit).
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
