//! The minimality / sparsity trade-off (docs/METHOD.md, "Sweeps"): the λ_M grid, every point's
//! result, and per component (site, layer) its |θ| mass at every λ_M and the largest λ_M at
//! which it is still active — the order in which components drop out.

use serde::{Deserialize, Serialize};

use crate::method;
use crate::result::FitResult;
use crate::site::Site;

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
