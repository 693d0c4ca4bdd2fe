//! What each of the worker's events does to the page's state (and the `data-*` marks on
//! `<body>` that tests and scripts wait on).

use std::sync::Arc;

use activscalar_types::options::StopReason;
use activscalar_types::protocol::Event;
use activscalar_types::result::SiteEffect;
use activscalar_types::sweep::Sweep;
use leptos::prelude::*;

use super::Controller;
use crate::browser::{LongTasks, mark_body};
use crate::js::now_ms;
use crate::store::{Job, LoadStatus, Origin, Store};

impl Controller {
    /// Applies one event from the worker.
    pub(super) fn apply(&self, ev: Event) {
        let s = self.store;
        match ev {
            Event::Engine(report) => {
                mark_body("data-backend", report.kind.as_str());
                let first = s.engine.with_untracked(Option::is_none);
                s.engine.set(Some(report));
                if first && crate::browser::query_param("test-hooks").is_some() {
                    crate::browser::install_test_hooks(*self);
                }
                self.load_pending();
            }
            Event::Loading { what, fraction } => s.load.set(LoadStatus::Busy { what, fraction }),
            Event::Loaded(out) => self.loaded(out),
            Event::Checked(out) => {
                mark_body("data-task", if out.is_ok() { "ready" } else { "error" });
                s.checked.update(|c| {
                    if let Some((_, r)) = c {
                        *r = Some(out);
                    }
                });
                self.end(Job::Checking);
            }
            Event::Step { point: _, report } => match s.job.get_untracked() {
                Job::Sweeping => s.sweep_progress.update(|(done, _)| *done += 1),
                _ => s.history.update(|h| h.push(report)),
            },
            Event::DeviceLost { recovered } => mark_body(
                "data-device-lost",
                if recovered { "recovered" } else { "recovering" },
            ),
            Event::Fitted(out) => self.fitted(out),
            Event::Swept(out) => {
                match out {
                    Ok(sweep) => {
                        add_sweeps(s, vec![sweep]);
                        mark_body("data-sweep", "done");
                    }
                    Err(e) => {
                        s.sweep_message.set(Some(Err(e)));
                        mark_body("data-sweep", "error");
                    }
                }
                self.end(Job::Sweeping);
            }
            Event::Predicted(out) => {
                s.prediction.set(Some(out));
                mark_body("data-prediction", "ready");
            }
            Event::Dial(out) => {
                let ok = out.is_ok();
                s.dial.prompts.set(Some(out));
                if ok {
                    self.probe();
                }
            }
            Event::Probed(out) => {
                s.dial.in_flight.set(false);
                if let Ok(p) = out {
                    mark_body("data-steer", &format!("{:.2}", p.steered.beta));
                    s.dial.shown.set(Some(p));
                }
                self.probe_pending();
            }
            Event::Effects(out) => self.measured(out),
            Event::Curve(out) => {
                mark_body("data-curve", if out.is_ok() { "ready" } else { "error" });
                s.dial.curve.set(Some(out));
            }
            Event::Continued(out) => {
                if let Ok((plain, steered)) = out {
                    let beta = s.dial.beta.get_untracked();
                    s.dial.text.set(Some((plain, steered, beta)));
                    mark_body("data-continuation", "ready");
                }
            }
            Event::BenchStatus(line) => s.bench.status.set(line),
            Event::BenchRow(row) => s.bench.rows.update(|r| r.push(row)),
            Event::Benched(out) => {
                s.bench.longest_block.set(Some(LongTasks::longest_ms()));
                match out {
                    Ok(workloads) => {
                        s.bench.workloads.set(workloads);
                        s.bench.status.set("Done.".into());
                        mark_body("data-bench", "done");
                    }
                    Err(e) => {
                        s.bench.status.set(format!("The benchmark failed: {e}"));
                        mark_body("data-bench", "error");
                    }
                }
                self.end(Job::Benching);
            }
        }
    }

    /// Frees the page from `job` (if it is the running one), then sends a dial probe that
    /// waited for it.
    fn end(&self, job: Job) {
        if self.store.job.get_untracked() == job {
            self.store.job.set(Job::Idle);
            self.probe_pending();
        }
    }

    /// Sends the dial probe asked for while the worker was busy, if any.
    fn probe_pending(&self) {
        if self.pending_probe.try_update_value(std::mem::take) == Some(true) {
            self.probe();
        }
    }

    fn loaded(&self, out: Result<activscalar_types::protocol::LoadedReport, String>) {
        let s = self.store;
        match out {
            Ok(r) => {
                if let Some(cached) = r.from_cache {
                    mark_body(
                        "data-model-source",
                        if cached { "cache" } else { "network" },
                    );
                }
                s.precision.set(r.card.precision);
                s.load_phases.set(r.phases);
                s.model.set(Some(r.card));
                s.load.set(LoadStatus::Idle);
                if s.bench.ready_at.get_untracked().is_none() {
                    s.bench.ready_at.set(Some(now_ms()));
                }
                mark_body("data-model", "ready");
                self.refresh_dial();
            }
            Err(e) => {
                if let Some(p) = self
                    .revert_precision
                    .try_update_value(Option::take)
                    .flatten()
                {
                    s.precision.set(p);
                }
                s.load.set(LoadStatus::Failed(e));
                mark_body("data-model", "error");
            }
        }
        self.end(Job::Loading);
    }

    /// Adds measured cell effects to the shown result (replacing earlier ones of those cells).
    fn measured(&self, out: Result<Vec<SiteEffect>, String>) {
        let s = self.store;
        match out {
            Ok(effects) => {
                s.result.update(|shown| {
                    if let Some(shown) = shown {
                        // A reply for a result no longer shown (its α differ) is dropped.
                        let t = &shown.result.theta;
                        let cols = t.dims.positions.max(1);
                        let ours = effects.iter().all(|e| {
                            let i = (e.site.index() * t.dims.layers + e.layer) * cols + e.position;
                            t.values.first().and_then(|v| v.get(i)) == Some(&e.alpha)
                        });
                        if !ours {
                            return;
                        }
                        let mut r = (*shown.result).clone();
                        r.site_effects.retain(|old| {
                            !effects.iter().any(|e| {
                                (e.site, e.layer, e.position) == (old.site, old.layer, old.position)
                            })
                        });
                        r.site_effects.extend(effects);
                        shown.result = Arc::new(r);
                    }
                });
                s.effect_message.set(None);
                super::saved::autosave(*self);
                mark_body("data-effects", "ready");
            }
            Err(e) => {
                s.effect_message
                    .set(Some(format!("The effect could not be measured: {e}")));
                mark_body("data-effects", "error");
            }
        }
    }

    fn fitted(&self, out: Result<activscalar_types::protocol::Fitted, String>) {
        let s = self.store;
        match out {
            Ok(f) => {
                let r = f.result;
                let ended = match &r.stop_reason {
                    StopReason::NonFinite(why) => Some(format!("The fit stopped: {why}.")),
                    StopReason::Stopped => Some(format!(
                        "Stopped after {} steps; the best parameters so far (step {}) are kept.",
                        r.steps_run, r.best_step
                    )),
                    _ => None,
                };
                let text: Vec<String> = f.notes.into_iter().chain(ended).collect();
                s.fit_message
                    .set((!text.is_empty()).then(|| text.join(" ")));
                let r = Arc::new(r);
                s.repeated.update(|v| v.push(r.clone()));
                if s.repeated.with_untracked(Vec::len) == 1 {
                    // The Run's first split seed is the result shown (and kept).
                    self.show(r, Origin::Fit);
                    super::saved::autosave(*self);
                }
                if !self.next_repeat() {
                    self.end(Job::Fitting);
                    mark_body("data-fit", "done");
                }
            }
            Err(e) => {
                s.fit_message.set(Some(e));
                self.repeat_queue.set_value(Vec::new());
                self.end(Job::Fitting);
                mark_body("data-fit", "error");
            }
        }
    }
}

/// Puts `sweeps` on the trade-off chart, each replacing the curve of the same label.
pub fn add_sweeps(s: Store, sweeps: Vec<Sweep>) {
    s.sweeps.update(|v| {
        for sweep in sweeps {
            let label = sweep.label();
            v.retain(|o| o.label() != label);
            v.push(Arc::new(sweep));
        }
    });
}
