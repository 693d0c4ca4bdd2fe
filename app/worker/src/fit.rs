//! Task checks, fits and sweeps in the worker. Every step is reported to the page, and the
//! worker yields between steps so that a Stop from the page arrives. A fit whose GPU device is
//! lost moves to a new device, reloads the model and resumes from the best θ so far.

use std::rc::Rc;

use activscalar_core::LoadedModel;
use activscalar_core::engine::{BackendKind, Engine};
use activscalar_core::fit::{FitOptions, Fitter, StepReport};
use activscalar_core::interventions::Method;
use activscalar_core::metrics::evaluate;
use activscalar_core::result::{EVAL_BATCH, finish};
use activscalar_core::sweep::{Sweep, run_sweep};
use activscalar_core::tasks::{TaskSpec, prepare};

use super::{Session, post};
use crate::js::now_ms;
use crate::timers::{sleep_ms, yield_now};
use activscalar_types::protocol::{Event, Fitted, TaskCheck};

/// Device losses one fit recovers from before it gives up.
const MAX_RECOVERIES: usize = 2;

/// Reports a step to the page.
fn step(point: usize, report: &StepReport) {
    post(&Event::Step {
        point,
        report: *report,
    });
}

impl Session {
    /// Tokenises and splits `spec` for `method` and measures the base model on every kept row.
    pub(super) async fn check_task(
        self: Rc<Self>,
        spec: &TaskSpec,
        method: Method,
    ) -> Result<TaskCheck, String> {
        let _job = self.job().await;
        let m = self.model()?;
        let task =
            prepare(spec, &m.tokenizer, method.is_position_tied()).map_err(|e| e.to_string())?;
        let all: Vec<_> = task.all().cloned().collect();
        let base = evaluate(&m.model, None, &all, EVAL_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        let tokens = all
            .first()
            .map(|e| e.ids.iter().map(|&t| m.tokenizer.token_text(t)).collect())
            .unwrap_or_default();
        Ok(TaskCheck {
            summary: task.summary(),
            dropped: task.dropped.iter().take(8).cloned().collect(),
            n_dropped: task.dropped.len(),
            tokens,
            base,
        })
    }

    /// Runs a fit to its end (or the page's Stop), surviving lost GPU devices.
    pub(super) async fn fit(
        self: Rc<Self>,
        spec: TaskSpec,
        opts: FitOptions,
    ) -> Result<Fitted, String> {
        let _job = self.job().await;
        let mut model = self.model()?;
        let mut engine = self.engine()?;
        let task = prepare(&spec, &model.tokenizer, opts.method.is_position_tied())
            .map_err(|e| e.to_string())?;
        let start = now_ms();
        let mut notes = Vec::new();
        let mut snapshot = None;
        loop {
            let mut fitter = match snapshot.take() {
                Some(s) => Fitter::resume(&model.model, &task, opts.clone(), s),
                None => Fitter::new(&model.model, &task, opts.clone(), None),
            }
            .map_err(|e| e.to_string())?;
            let run = self.run_steps(&mut fitter, 0).await;
            match (run.clone(), device_lost(&engine, run.is_err()).await) {
                (Ok(()), None) => {
                    let seconds = (now_ms() - start) / 1000.0;
                    let result =
                        finish(&model, &spec, &task, &fitter, engine.kind.as_str(), seconds)
                            .await
                            .map_err(|e| e.to_string())?;
                    return Ok(Fitted { result, notes });
                }
                (_, Some(why)) if notes.len() < MAX_RECOVERIES => {
                    let snap = fitter.snapshot();
                    drop(fitter);
                    let (at, from) = (snap.steps_run, snap.best_step);
                    snapshot = Some(snap);
                    post(&Event::DeviceLost { recovered: false });
                    (engine, model) = self.recover().await.map_err(|e| {
                        format!("The GPU device was lost at step {at} ({why}) and the model could not be reloaded: {e}")
                    })?;
                    post(&Event::DeviceLost { recovered: true });
                    notes.push(format!(
                        "The GPU device was lost at step {at} ({why}); the fit resumed on {} from the best parameters so far (step {from}), with Adam's moments restarted.",
                        match engine.kind {
                            BackendKind::WebGpu => "a new GPU device",
                            BackendKind::Cpu => "the CPU",
                        }
                    ));
                }
                (_, Some(why)) => {
                    return Err(format!(
                        "The GPU device was lost again ({why}); the fit gave up after {MAX_RECOVERIES} recoveries."
                    ));
                }
                (Err(e), None) => return Err(e),
            }
        }
    }

    /// Steps `fitter` to its end, reporting each step as sweep point `point`.
    async fn run_steps(&self, fitter: &mut Fitter<'_>, point: usize) -> Result<(), String> {
        fitter
            .run(async |r| self.on_step(point, r).await)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    /// Reports a step to the page and yields, so that a Stop from the page arrives; returns
    /// whether one did.
    async fn on_step(&self, point: usize, report: &StepReport) -> bool {
        step(point, report);
        yield_now().await;
        self.stop.get()
    }

    /// A λ_M sweep; a Stop ends the current point early and keeps the points so far.
    pub(super) async fn sweep(
        self: Rc<Self>,
        spec: TaskSpec,
        opts: FitOptions,
        grid: Vec<f64>,
    ) -> Result<Sweep, String> {
        let _job = self.job().await;
        let m: Rc<LoadedModel> = self.model()?;
        let backend = self.engine()?.kind.as_str();
        run_sweep(&m, &spec, opts, &grid, backend, async |point, r| {
            self.on_step(point, r).await
        })
        .await
        .map_err(|e| e.to_string())
    }
}

/// Why `engine`'s GPU device was lost, if it was. After a failed step the browser's `lost`
/// event may trail the failed read-back, so it is given a moment to arrive.
async fn device_lost(engine: &Engine, failed: bool) -> Option<String> {
    if failed && engine.gpu.is_some() {
        for _ in 0..10 {
            if engine.lost().is_some() {
                break;
            }
            sleep_ms(50).await;
        }
    }
    engine.lost()
}
