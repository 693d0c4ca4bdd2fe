//! SVG charts drawn from data: a line chart with axes (live fit curves, the λ_M trade-off) and
//! the colour scales of the heatmap. Fixed viewBoxes, so nothing jumps while data arrives.

use leptos::prelude::*;

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Stroke colour.
    pub color: &'static str,
    /// Points (x, y); non-finite ones are skipped.
    pub points: Vec<(f64, f64)>,
}

/// Okabe–Ito colours (safe for colour-blind readers), in legend order.
pub const PALETTE: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];

const W: f64 = 420.0;
const H: f64 = 220.0;
const PAD_L: f64 = 48.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 10.0;
const PAD_B: f64 = 34.0;

/// A line chart. `y_range` fixes the y axis (e.g. 0…1 for accuracies); `log_x` draws x ≥ 0
/// on a log scale (as log₁₀(1 + x), so that 0 has a place: counts such as active sites).
#[component]
pub fn LineChart(
    id: &'static str,
    title: String,
    x_label: &'static str,
    #[prop(into)] series: Signal<Vec<Series>>,
    #[prop(optional)] y_range: Option<(f64, f64)>,
    #[prop(optional)] log_x: bool,
) -> impl IntoView {
    let tx = move |x: f64| if log_x { x.max(0.0).ln_1p() } else { x };
    let frame = move || {
        let series = series.get();
        let pts = || {
            series
                .iter()
                .flat_map(|s| s.points.iter())
                .filter(|p| p.0.is_finite() && p.1.is_finite())
        };
        let (mut x0, mut x1) = bounds(pts().map(|p| tx(p.0)));
        let (mut y0, mut y1) = y_range.unwrap_or_else(|| bounds(pts().map(|p| p.1)));
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if y1 <= y0 {
            (y0, y1) = (y0 - 0.5, y0 + 0.5);
        }
        if x0 > 0.0 && x0 < 2.0 {
            x0 = 0.0;
        }
        let sx = move |x: f64| PAD_L + (tx(x) - x0) / (x1 - x0) * (W - PAD_L - PAD_R);
        let sy = move |y: f64| H - PAD_B - (y - y0) / (y1 - y0) * (H - PAD_T - PAD_B);
        let lines = series
            .iter()
            .map(|s| {
                let d = s
                    .points
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                    .collect::<Vec<_>>()
                    .join(" ");
                let dots = s.points.len() <= 20;
                view! {
                    <polyline points=d.clone() fill="none" stroke=s.color stroke-width="2"/>
                    {dots.then(|| s.points.iter().filter(|p| p.0.is_finite() && p.1.is_finite()).map(|&(x, y)| view! {
                        <circle cx=sx(x) cy=sy(y) r="3" fill=s.color><title>{format!("{}: {} = {}, {}", s.label, x_label, fmt(x), fmt(y))}</title></circle>
                    }).collect_view())}
                }
            })
            .collect_view();
        let y_ticks = (0..=4)
            .map(|k| {
                let y = y0 + (y1 - y0) * k as f64 / 4.0;
                let y = if y.abs() < (y1 - y0) * 1e-9 { 0.0 } else { y };
                view! {
                    <line x1=PAD_L x2=W - PAD_R y1=sy(y) y2=sy(y) class="grid"/>
                    <text x=PAD_L - 6.0 y=sy(y) + 4.0 text-anchor="end" class="tick">{fmt(y)}</text>
                }
            })
            .collect_view();
        let x_values: Vec<f64> = if log_x {
            std::iter::once(0.0)
                .chain((0..12).map(|k| 10f64.powi(k)))
                .filter(|&x| tx(x) >= x0 && tx(x) <= x1 * (1.0 + 1e-9))
                .collect()
        } else {
            (0..=4)
                .map(|k| x0 + (x1 - x0) * k as f64 / 4.0)
                .map(|x| if x.abs() < (x1 - x0) * 1e-9 { 0.0 } else { x })
                .collect()
        };
        let x_ticks = x_values
            .into_iter()
            .map(|x| {
                let px = sx(x);
                let label = if log_x { format!("{x:.0}") } else { fmt(x) };
                view! { <text x=px y=H - PAD_B + 16.0 text-anchor="middle" class="tick">{label}</text> }
            })
            .collect_view();
        view! { {y_ticks} {x_ticks} {lines} }
    };
    let legend = move || {
        series
            .get()
            .into_iter()
            .map(|s| view! { <span class="legend-item"><span class="swatch" style:background=s.color></span>{s.label}</span> })
            .collect_view()
    };
    view! {
        <figure class="chart" id=id>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img">
                <line x1=PAD_L x2=PAD_L y1=PAD_T y2=H - PAD_B class="axis"/>
                <line x1=PAD_L x2=W - PAD_R y1=H - PAD_B y2=H - PAD_B class="axis"/>
                {frame}
                <text x=(PAD_L + W - PAD_R) / 2.0 y=H - 4.0 text-anchor="middle" class="axis-label">{x_label}</text>
            </svg>
            <div class="legend">{legend}</div>
        </figure>
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (a, b) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if a.is_finite() { (a, b) } else { (0.0, 1.0) }
}

/// Compact number formatting for ticks and tooltips.
pub fn fmt(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.0e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// Diverging colour for a signed value in [−1, 1]: blue (negative) – white (0) – orange
/// (positive), endpoints of ColorBrewer's colour-blind-safe PuOr scheme.
pub fn diverging(t: f64) -> String {
    let t = t.clamp(-1.0, 1.0);
    let (end, w) = if t < 0.0 {
        ((33.0, 102.0, 172.0), -t)
    } else {
        ((179.0, 88.0, 6.0), t)
    };
    let mix = |a: f64, b: f64| (a + (b - a) * w).round() as u8;
    format!(
        "rgb({},{},{})",
        mix(247.0, end.0),
        mix(247.0, end.1),
        mix(247.0, end.2)
    )
}

/// Sequential colour for a value in [0, 1] (white → dark blue), for magnitudes ‖v‖, ‖w‖.
pub fn sequential(t: f64) -> String {
    diverging(-t.clamp(0.0, 1.0))
}
