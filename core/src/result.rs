//! Fits run to their end and evaluated into a [`FitResult`] (the record itself is
//! `activscalar_types::result`).

pub use activscalar_types::result::{
    FORMAT_VERSION, FitResult, ModelFingerprint, SiteEffect, Theta, f64_or_nan,
};

use crate::error::Result;
use crate::evaluation::{effects_on, evaluate_splits};
use crate::fit::{FitOptions, Fitter, StepReport, StopReason};
use crate::groups::LengthGroup;
use crate::hooks::Site;
use crate::interventions::Intervention;
use crate::loaders::model_files::LoadedModel;
use crate::metrics::{EFFECT_CELLS, Minimality, SplitMetrics, largest_cells};
use crate::models::Model;
use crate::tasks::{PreparedTask, TaskSpec, prepare};

/// Prompts per evaluation batch.
pub const EVAL_BATCH: usize = 32;

/// Checks that `r` can be used with `m` (a valid result, learned on this model) and rebuilds
/// its θ on the model's device.
pub fn intervention_for(r: &FitResult, m: &LoadedModel) -> Result<Intervention> {
    r.validate()?;
    r.check_model(&ModelFingerprint::of(&m.info))?;
    Intervention::from_host(
        r.theta.method,
        r.theta.dims,
        &r.theta.values,
        m.model.device(),
    )
}

/// Checks that `r`'s θ applies to `task`'s prompts: a position-tied θ needs the same position
/// keys (the same template roles, or as many absolute positions).
pub fn check_positions(r: &FitResult, task: &PreparedTask) -> Result<()> {
    if !r.theta.method.is_position_tied() {
        return Ok(());
    }
    let theta = &r.position_tokens;
    let same = if task.role_keyed {
        task.keys == *theta
    } else {
        task.keys.len() == r.theta.dims.positions
    };
    if same && task.keys.len() == r.theta.dims.positions {
        return Ok(());
    }
    let first = |k: &[String]| k.iter().take(6).cloned().collect::<String>();
    Err(crate::error::CoreError::Input(format!(
        "θ is tied to {} position keys ({}…), these prompts have {} ({}…): a position-tied θ applies only to prompts of the template it was learned on",
        r.theta.dims.positions,
        first(theta),
        task.keys.len(),
        first(&task.keys)
    )))
}

/// Prepares `spec` for `opts.method` and runs a full fit; `on_step` is awaited after each
/// step and ends the fit (keeping its best θ) when it returns `true`. Returns the complete
/// result.
pub async fn run_fit(
    m: &LoadedModel,
    spec: &TaskSpec,
    opts: FitOptions,
    backend: &str,
    on_step: impl AsyncFnMut(&StepReport) -> bool,
) -> Result<(FitResult, PreparedTask)> {
    let task = prepare(spec, &m.tokenizer, opts.method.is_position_tied())?;
    let start = web_time::Instant::now();
    let mut fitter = Fitter::new(&m.model, &task, opts, None)?;
    fitter.run(on_step).await?;
    let seconds = start.elapsed().as_secs_f64();
    let result = finish(m, spec, &task, &fitter, backend, seconds).await?;
    Ok((result, task))
}

/// What evaluating θ on a task measures: both splits and the largest cells' effects.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Metrics on the training split.
    pub train: SplitMetrics,
    /// Metrics on the validation split, when the task has one.
    pub validation: Option<SplitMetrics>,
    /// Metrics on the held-out split.
    pub test: SplitMetrics,
    /// Effects of the (at most [`EFFECT_CELLS`]) largest ActivScalar cells, on the test split.
    pub site_effects: Vec<SiteEffect>,
}

/// Evaluates θ (`iv`, with its host copy `host`) on `task`: metrics of every split, and the
/// effects of the largest cells above `tau` on the test split. `train`, when given, is the
/// training split with the base model's outputs already computed (the fit's own groups).
pub async fn evaluate_fit(
    model: &Model,
    iv: &Intervention,
    host: &[Vec<f32>],
    task: &PreparedTask,
    tau: f32,
    train: Option<&[&LengthGroup]>,
) -> Result<Evaluation> {
    let cells = largest_cells(iv, host, tau, EFFECT_CELLS);
    let m = evaluate_splits(
        model,
        iv,
        (&task.train, train),
        &task.validation,
        &task.test,
        &cells,
    )
    .await?;
    Ok(Evaluation {
        train: m.train,
        validation: m.validation,
        test: m.test,
        site_effects: described(iv, host, m.effects),
    })
}

/// The effects of `cells` (ActivScalar) on `examples`, given their mean LD with every cell.
pub async fn effects_of(
    model: &Model,
    iv: &Intervention,
    host: &[Vec<f32>],
    cells: &[usize],
    examples: &[crate::tasks::Example],
    full: f64,
) -> Result<Vec<SiteEffect>> {
    let effects = effects_on(model, iv, cells, examples, full).await?;
    Ok(described(iv, host, effects))
}

/// (cell, effect) pairs as the result records them: hook, layer, site, position and α.
fn described(iv: &Intervention, host: &[Vec<f32>], effects: Vec<(usize, f64)>) -> Vec<SiteEffect> {
    let dims = iv.dims;
    effects
        .into_iter()
        .map(|(cell, effect)| {
            let (s, layer, position) = (
                cell / (dims.layers * dims.positions),
                (cell / dims.positions) % dims.layers,
                cell % dims.positions,
            );
            let site = Site::ALL[s];
            SiteEffect {
                hook: site.hook_name(layer),
                layer,
                site,
                position,
                alpha: host[0][cell],
                effect,
            }
        })
        .collect()
}

/// Evaluates a finished (or stopped) fit and assembles its result.
pub async fn finish(
    m: &LoadedModel,
    spec: &TaskSpec,
    task: &PreparedTask,
    fitter: &Fitter<'_>,
    backend: &str,
    seconds: f64,
) -> Result<FitResult> {
    let opts = fitter.options().clone();
    let iv = fitter.intervention();
    let host = iv.to_host().await?;
    let Evaluation {
        train,
        validation,
        test,
        site_effects,
    } = evaluate_fit(
        &m.model,
        &iv,
        &host,
        task,
        opts.tau,
        Some(&fitter.train_groups()),
    )
    .await?;
    let dims = iv.dims;
    let position_tokens = if iv.method.is_position_tied() {
        task.keys.clone()
    } else {
        task.test
            .first()
            .or(task.train.first())
            .map(|e| e.ids.iter().map(|&t| m.tokenizer.token_text(t)).collect())
            .unwrap_or_default()
    };
    Ok(FitResult {
        format_version: FORMAT_VERSION,
        model: ModelFingerprint::of(&m.info),
        task: spec.clone(),
        minimality: Minimality::of(iv.method, &iv.dims, &host, opts.tau),
        steps_run: fitter.steps_run(),
        best_step: fitter.best_step(),
        stop_reason: fitter.stop_reason().cloned().unwrap_or(StopReason::Stopped),
        backend: backend.to_string(),
        weights: m.model.precision(),
        seconds,
        train,
        validation,
        test,
        site_effects,
        position_tokens,
        theta: Theta {
            method: iv.method,
            dims,
            values: host,
        },
        history: fitter.history.clone(),
        options: opts,
    })
}
