//! Live curves of the running fit: the loss and its parts, and the batch flip accuracy.

use activscalar_types::options::StepReport;
use leptos::prelude::*;

use crate::controller::use_controller;
use crate::widgets::charts::{LineChart, PALETTE, Series};

/// The two charts.
#[component]
pub fn Curves() -> impl IntoView {
    let history = use_controller().store.history;
    let loss = Signal::derive(move || {
        history.with(|h| {
            let line = |label: &str, color, f: fn(&StepReport) -> f64| Series {
                label: label.into(),
                color,
                points: h.iter().map(|r| (r.step as f64, f(r))).collect(),
            };
            vec![
                line("total", PALETTE[0], |r| r.loss),
                line("effectiveness", PALETTE[1], |r| r.effectiveness),
                line("faithfulness (KL)", PALETTE[2], |r| r.faithfulness),
            ]
        })
    });
    let flips = Signal::derive(move || {
        history.with(|h| {
            let mut v = vec![Series {
                label: "β = +1".into(),
                color: PALETTE[0],
                points: h.iter().map(|r| (r.step as f64, r.flip_plus)).collect(),
            }];
            if h.iter().any(|r| r.flip_minus.is_some()) {
                v.push(Series {
                    label: "β = −1".into(),
                    color: PALETTE[1],
                    points: h
                        .iter()
                        .filter_map(|r| Some((r.step as f64, r.flip_minus?)))
                        .collect(),
                });
            }
            v
        })
    });
    view! {
        <div class="charts">
            <LineChart id="loss-chart" title="Loss (train batch)".into() x_label="step" series=loss/>
            <LineChart id="flip-chart" title="Flip accuracy (train batch)".into() x_label="step" series=flips y_range=(0.0, 1.0)/>
        </div>
    }
}
