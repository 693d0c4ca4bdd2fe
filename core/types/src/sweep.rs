//! The minimality / sparsity trade-off (docs/METHOD.md, "Sweeps"): the λ_M grid, every point's
//! result, and per component (site, layer) its |θ| mass at every λ_M and the largest λ_M at
//! which it is still active — the order in which components drop out.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::method;
use crate::result::FitResult;
use crate::site::Site;

/// Most grid points one sweep may hold.
pub const MAX_POINTS: usize = 64;
/// Most sweeps one file may hold (one per split seed).
pub const MAX_SWEEPS: usize = 16;

/// `n` points from `lo` to `hi`, evenly spaced in log scale (default 1e-4 … 1, 9 points).
pub fn log_grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![lo];
    }
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
        .collect()
}

/// One component's story across the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentTrace {
    /// TransformerLens hook name.
    pub hook: String,
    /// Site kind.
    pub site: Site,
    /// Layer.
    pub layer: usize,
    /// Σ over positions of the cell magnitudes (|α|, ‖v‖ or ‖w‖), per grid point.
    pub mass: Vec<f64>,
    /// Largest λ_M at which some cell of the component is active (None: never).
    pub last_active_lambda: Option<f64>,
}

/// A finished sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// λ_M values, ascending.
    pub grid: Vec<f64>,
    /// One full result per grid point.
    pub points: Vec<FitResult>,
    /// Per-component drop-out, ordered from the most persistent component.
    pub components: Vec<ComponentTrace>,
}

/// Validation flip accuracy, in both directions, that the λ_M selection rule asks for.
pub const SELECTION_BAR: f64 = 0.95;

impl Sweep {
    /// The point the selection rule picks (docs/METHOD.md, "Objective"): the sparsest (fewest
    /// active sites; ties go to the larger λ_M) whose *validation* flip accuracy reaches
    /// [`SELECTION_BAR`] in both directions. `None` when no point does, or the task had no
    /// validation split.
    pub fn chosen(&self) -> Option<usize> {
        self.points
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.validation.as_ref().is_some_and(|v| {
                    v.plus.flip_accuracy >= SELECTION_BAR && v.minus.flip_accuracy >= SELECTION_BAR
                })
            })
            .min_by(|(i, a), (j, b)| {
                a.minimality
                    .active_sites
                    .cmp(&b.minimality.active_sites)
                    .then(j.cmp(i))
            })
            .map(|(i, _)| i)
    }

    /// A short name for a chart's legend: method, task and split seed.
    pub fn label(&self) -> String {
        match self.points.first() {
            Some(p) => format!(
                "{} · {} · split seed {}",
                p.options.method.as_str(),
                p.task.name(),
                p.task.seed
            ),
            None => "empty sweep".to_string(),
        }
    }

    /// Reads a sweep file (JSON, as `activscalar sweep` and the page write it: one sweep, or
    /// one per split seed) and checks every point and the grid (see [`Sweep::check`]). The
    /// per-component drop-out is recomputed from the points, not read. `name` names the source
    /// in the message.
    pub fn from_json(bytes: &[u8], name: &str) -> Result<Vec<Sweep>> {
        let file: SweepFile = serde_json::from_slice(bytes).map_err(|e| {
            CoreError::Input(format!("{name} is not an ActivScalar sweep file ({e})"))
        })?;
        let raw = match (file.sweeps, file.grid, file.points) {
            (Some(sweeps), None, None) => sweeps,
            (None, Some(grid), Some(points)) => vec![RawSweep { grid, points }],
            _ => {
                return Err(CoreError::Input(format!(
                    "{name} is not an ActivScalar sweep file (it needs either \"grid\" and \"points\", or \"sweeps\")"
                )));
            }
        };
        if raw.is_empty() || raw.len() > MAX_SWEEPS {
            return Err(CoreError::Input(format!(
                "{name} holds {} sweeps; a sweep file holds 1 to {MAX_SWEEPS}",
                raw.len()
            )));
        }
        raw.into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.check()
                    .map(|()| Sweep::new(r.grid, r.points))
                    .map_err(|e| CoreError::Input(format!("{name}, sweep {}: {e}", i + 1)))
            })
            .collect()
    }

    /// Whether `bytes` is JSON shaped like a sweep file (has `grid` or `sweeps` at its top),
    /// so that one *Import* can take results and sweeps alike.
    pub fn looks_like_sweep(bytes: &[u8]) -> bool {
        serde_json::from_slice::<SweepKeys>(bytes)
            .is_ok_and(|k| k.grid.is_some() || k.sweeps.is_some())
    }

    /// A sweep of `points` fitted at the λ_M values `grid`, with its per-component drop-out.
    pub fn new(grid: Vec<f64>, points: Vec<FitResult>) -> Sweep {
        let components = components(&points, &grid);
        Sweep {
            grid,
            points,
            components,
        }
    }
}

/// A sweep file's top level: one sweep, or `sweep --split-seeds`'s one per seed. Other keys
/// (`components`, `split_seeds`) are ignored.
#[derive(Deserialize)]
struct SweepFile {
    grid: Option<Vec<f64>>,
    points: Option<Vec<FitResult>>,
    sweeps: Option<Vec<RawSweep>>,
}

/// Only the keys that tell a sweep file from a result file.
#[derive(Deserialize)]
struct SweepKeys {
    grid: Option<IgnoredAny>,
    sweeps: Option<IgnoredAny>,
}

/// One sweep as read, before it is checked.
#[derive(Deserialize)]
struct RawSweep {
    grid: Vec<f64>,
    points: Vec<FitResult>,
}

impl RawSweep {
    /// Everything [`Sweep::new`] and the page rely on: 1 to [`MAX_POINTS`] points, one per
    /// λ_M of a positive, finite, ascending grid, each a valid result fitted at its grid
    /// value, all of one method, θ shape and model.
    fn check(&self) -> Result<()> {
        let bad = |why: String| Err(CoreError::Input(why));
        let n = self.points.len();
        if n == 0 || n > MAX_POINTS {
            return bad(format!("holds {n} points; a sweep has 1 to {MAX_POINTS}"));
        }
        if self.grid.len() != n {
            return bad(format!("has {} λ_M values for {n} points", self.grid.len()));
        }
        if !self.grid.iter().all(|&x| x.is_finite() && x > 0.0)
            || !self.grid.windows(2).all(|w| w[0] < w[1])
        {
            return bad("its λ_M grid is not positive, finite and ascending".to_string());
        }
        let first = &self.points[0];
        for (i, (p, &lambda)) in self.points.iter().zip(&self.grid).enumerate() {
            p.validate()
                .or_else(|e| bad(format!("point {}: {e}", i + 1)))?;
            if (p.options.lambda_m - lambda).abs() > 1e-9 * lambda {
                return bad(format!(
                    "point {} was fitted at λ_M = {}, not at its grid value {lambda}",
                    i + 1,
                    p.options.lambda_m
                ));
            }
            if p.theta.method != first.theta.method
                || p.theta.dims != first.theta.dims
                || !p.model.same_model(&first.model)
            {
                return bad(format!(
                    "point {} differs from point 1 in method, θ's shape or model",
                    i + 1
                ));
            }
        }
        Ok(())
    }
}

fn components(points: &[FitResult], grid: &[f64]) -> Vec<ComponentTrace> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let dims = first.theta.dims;
    let per = if first.theta.method.is_position_tied() {
        dims.positions
    } else {
        1
    };
    let mut out: Vec<ComponentTrace> = (0..dims.sites * dims.layers)
        .map(|k| {
            let (site, layer) = (Site::ALL[k / dims.layers], k % dims.layers);
            let mut last = None;
            let mass = points
                .iter()
                .zip(grid)
                .map(|(p, &lambda)| {
                    let mags = method::magnitudes(p.theta.method, &p.theta.dims, &p.theta.values);
                    let cells = &mags[k * per..(k + 1) * per];
                    if cells.iter().any(|&m| m > p.options.tau) {
                        last = Some(lambda);
                    }
                    cells.iter().map(|&m| m as f64).sum()
                })
                .collect();
            ComponentTrace {
                hook: site.hook_name(layer),
                site,
                layer,
                mass,
                last_active_lambda: last,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.last_active_lambda
            .unwrap_or(0.0)
            .total_cmp(&a.last_active_lambda.unwrap_or(0.0))
            .then(
                b.mass
                    .iter()
                    .sum::<f64>()
                    .total_cmp(&a.mass.iter().sum::<f64>()),
            )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::log_grid;

    #[test]
    fn default_grid_spans_four_decades_in_nine_points() {
        let g = log_grid(1e-4, 1.0, 9);
        assert_eq!(g.len(), 9);
        assert!(
            (g[0] - 1e-4).abs() < 1e-12 && (g[8] - 1.0).abs() < 1e-9 && (g[4] - 1e-2).abs() < 1e-9
        );
    }
}
