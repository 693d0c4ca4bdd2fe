//! Running a λ_M sweep (docs/METHOD.md, "Sweeps"): a fit at every λ_M of a log grid, each
//! warm-started from the previous, smaller λ_M, recorded as a [`Sweep`].

pub use activscalar_types::sweep::{ComponentTrace, SELECTION_BAR, Sweep, log_grid};

use crate::error::Result;
use crate::fit::{FitOptions, Fitter, StepReport};
use crate::loaders::model_files::LoadedModel;
use crate::result::finish;
use crate::tasks::{TaskSpec, prepare};

/// Runs the sweep; `on_step(point index, step report)` is awaited after every step, and when it
/// returns `true` (stop) the current point ends early (keeping its best θ) and the sweep ends
/// with the points so far.
pub async fn run_sweep(
    m: &LoadedModel,
    spec: &TaskSpec,
    base: FitOptions,
    grid: &[f64],
    backend: &str,
    mut on_step: impl AsyncFnMut(usize, &StepReport) -> bool,
) -> Result<Sweep> {
    let task = prepare(spec, &m.tokenizer, base.method.is_position_tied())?;
    let mut points = Vec::with_capacity(grid.len());
    let mut previous = None;
    for (i, &lambda_m) in grid.iter().enumerate() {
        let opts = FitOptions {
            lambda_m,
            ..base.clone()
        };
        let start = web_time::Instant::now();
        let mut fitter = Fitter::new(&m.model, &task, opts, previous.take())?;
        let stopped = fitter.run(async |r| on_step(i, r).await).await?;
        let seconds = start.elapsed().as_secs_f64();
        previous = Some(fitter.intervention());
        points.push(finish(m, spec, &task, &fitter, backend, seconds).await?);
        if stopped {
            break;
        }
    }
    Ok(Sweep::new(grid[..points.len()].to_vec(), points))
}
