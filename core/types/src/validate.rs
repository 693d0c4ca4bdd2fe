//! Checking a result that came from outside (a permalink, a file, browser storage) before
//! anything uses it: every size within limits, θ's leaves of the size its method and shape
//! need, every number finite, and the shape consistent with the model it names. A failure
//! names the field.

use crate::error::{CoreError, Result};
use crate::method::Method;
use crate::model::ModelOrigin;
use crate::result::{FORMAT_VERSION, FitResult, ModelFingerprint};
use crate::tasks::TaskSource;

/// Most file names a result's model origin may list.
const MAX_ORIGIN_FILES: usize = 64;

/// Most layers a result may have.
pub const MAX_LAYERS: usize = 1024;
/// Most prompt positions θ may cover.
pub const MAX_POSITIONS: usize = 4096;
/// Largest residual width.
pub const MAX_D_MODEL: usize = 65_536;
/// Most heatmap cells (site × layer × position): what a page can draw.
pub const MAX_CELLS: usize = 20_000;
/// Most parameters in θ (64 MB of f32).
pub const MAX_PARAMS: usize = 16 << 20;
/// Most rows of a custom task, and of a sampled IOI task.
pub const MAX_ROWS: usize = 10_000;
/// Longest text of one prompt or answer, in bytes.
pub const MAX_TEXT: usize = 4096;
/// Most conflicting countries per capital.
pub const MAX_CONFLICTS: usize = 20;
/// Most recorded steps.
pub const MAX_STEPS: usize = 1_000_000;

fn bad(field: &str, why: impl std::fmt::Display) -> CoreError {
    CoreError::Input(format!("this result is not valid: {field} {why}"))
}

fn finite(field: &str, x: f64) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(bad(field, format!("is {x}, not a finite number")))
    }
}

fn at_most(field: &str, n: usize, max: usize) -> Result<()> {
    if n <= max {
        Ok(())
    } else {
        Err(bad(field, format!("is {n}, more than the {max} allowed")))
    }
}

impl FitResult {
    /// Checks everything that code reading this result relies on (see the module's docs).
    pub fn validate(&self) -> Result<()> {
        self.validate_header()?;
        self.validate_values()
    }

    /// [`FitResult::validate`] without θ's values: what a permalink's header must pass before
    /// its values are read.
    pub fn validate_header(&self) -> Result<()> {
        if self.format_version > FORMAT_VERSION {
            return Err(CoreError::Input(format!(
                "this result was written by a newer version (format {}, we read up to {FORMAT_VERSION})",
                self.format_version
            )));
        }
        self.validate_theta()?;
        self.validate_origin()?;
        self.validate_task()?;
        self.validate_options()?;
        let d = self.theta.dims;
        if self.model.n_layers != d.layers {
            return Err(bad(
                "theta.dims.layers",
                format!(
                    "is {} but its model has {} layers",
                    d.layers, self.model.n_layers
                ),
            ));
        }
        if self.model.d_model != d.d_model {
            return Err(bad(
                "theta.dims.d_model",
                format!(
                    "is {} but its model is {} wide",
                    d.d_model, self.model.d_model
                ),
            ));
        }
        let cols = if d.positions == 0 { 1 } else { d.positions };
        for (i, e) in self.site_effects.iter().enumerate() {
            if e.layer >= d.layers || e.position >= cols {
                return Err(bad(
                    &format!("site_effects[{i}]"),
                    format!("names layer {} position {}, outside θ", e.layer, e.position),
                ));
            }
        }
        at_most("site_effects", self.site_effects.len(), MAX_CELLS)?;
        at_most("position_tokens", self.position_tokens.len(), MAX_POSITIONS)?;
        if let Some(t) = self.position_tokens.iter().find(|t| t.len() > MAX_TEXT) {
            return Err(bad(
                "position_tokens",
                format!("holds a token of {} bytes", t.len()),
            ));
        }
        at_most("history", self.history.len(), MAX_STEPS)?;
        Ok(())
    }

    fn validate_theta(&self) -> Result<()> {
        let t = &self.theta;
        let d = t.dims;
        if t.method != self.options.method {
            return Err(bad(
                "theta.method",
                format!(
                    "is {} but options.method is {}",
                    t.method.as_str(),
                    self.options.method.as_str()
                ),
            ));
        }
        if d.sites != 2 {
            return Err(bad("theta.dims.sites", format!("is {}, not 2", d.sites)));
        }
        if d.layers == 0 || d.d_model == 0 {
            return Err(bad("theta.dims", "has no layers or no width"));
        }
        at_most("theta.dims.layers", d.layers, MAX_LAYERS)?;
        at_most("theta.dims.d_model", d.d_model, MAX_D_MODEL)?;
        at_most("theta.dims.positions", d.positions, MAX_POSITIONS)?;
        if t.method.is_position_tied() && d.positions == 0 {
            return Err(bad("theta.dims.positions", "is 0"));
        }
        at_most("theta's heatmap cells", d.n_cells(t.method), MAX_CELLS)?;
        // Within the caps above these products cannot overflow.
        at_most(
            "theta's parameters",
            self.leaf_sizes().iter().sum(),
            MAX_PARAMS,
        )?;
        Ok(())
    }

    /// The leaf sizes θ must have for its method and shape (after [`FitResult::validate_header`]).
    pub fn leaf_sizes(&self) -> Vec<usize> {
        let d = self.theta.dims;
        let sl = d.sites * d.layers;
        match self.theta.method {
            Method::ActivScalar => vec![sl * d.positions],
            Method::SteerVec => vec![sl * d.positions * d.d_model],
            Method::DynScalar => vec![sl * d.d_model, sl],
        }
    }

    fn validate_values(&self) -> Result<()> {
        let t = &self.theta;
        let want = self.leaf_sizes();
        let got: Vec<usize> = t.values.iter().map(Vec::len).collect();
        if got != want {
            return Err(bad(
                "theta.values",
                format!(
                    "has leaves of sizes {got:?}; a {} of this shape needs {want:?}",
                    t.method.as_str()
                ),
            ));
        }
        if let Some((leaf, i)) = t
            .values
            .iter()
            .enumerate()
            .find_map(|(l, v)| v.iter().position(|x| !x.is_finite()).map(|i| (l, i)))
        {
            return Err(bad(
                &format!("theta.values[{leaf}][{i}]"),
                "is not a finite number",
            ));
        }
        Ok(())
    }

    fn validate_task(&self) -> Result<()> {
        let t = &self.task;
        let f = t.train_fraction;
        if !(f > 0.0 && f < 1.0) {
            return Err(bad(
                "task.train_fraction",
                format!("is {f}, not between 0 and 1"),
            ));
        }
        let v = t.validation_fraction;
        if !(0.0..1.0).contains(&v) {
            return Err(bad(
                "task.validation_fraction",
                format!("is {v}, not at least 0 and below 1"),
            ));
        }
        match &t.source {
            TaskSource::Ccc { conflicts, .. } => {
                at_most("task.source.conflicts", *conflicts, MAX_CONFLICTS)
            }
            TaskSource::Ioi { n } => at_most("task.source.n", *n, MAX_ROWS),
            TaskSource::Custom { rows } => {
                at_most("task.source.rows", rows.len(), MAX_ROWS)?;
                let long = rows.iter().position(|r| {
                    r.prompt.len() > MAX_TEXT
                        || r.correct.len() > MAX_TEXT
                        || r.wrong.len() > MAX_TEXT
                });
                match long {
                    Some(i) => Err(bad(
                        &format!("task.source.rows[{i}]"),
                        format!("holds a text longer than {MAX_TEXT} bytes"),
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    fn validate_options(&self) -> Result<()> {
        let o = &self.options;
        for (field, x) in [
            ("options.lambda_m", o.lambda_m),
            ("options.lambda_f", o.lambda_f),
            ("options.margin", o.margin),
            ("options.lr", o.lr),
            ("options.tau", f64::from(o.tau)),
        ] {
            finite(field, x)?;
        }
        at_most("options.steps", o.steps, MAX_STEPS)?;
        at_most("steps_run", self.steps_run, MAX_STEPS)?;
        Ok(())
    }

    /// Where the model came from: a valid Hub id, or a few plain file names.
    fn validate_origin(&self) -> Result<()> {
        match &self.model.origin {
            ModelOrigin::Unknown => Ok(()),
            ModelOrigin::Hub(m) => m.validate().map_err(|e| bad("model.origin.hub", e)),
            ModelOrigin::Files(names) => {
                at_most("model.origin.files", names.len(), MAX_ORIGIN_FILES)?;
                match names.iter().find(|n| {
                    n.is_empty()
                        || n.len() > 255
                        || n.contains(['/', '\\'])
                        || n.chars().any(char::is_control)
                }) {
                    Some(n) => Err(bad(
                        "model.origin.files",
                        format!("names {n:?}, not a file name"),
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    /// Checks that θ fits a model of fingerprint `model` (its layers and width; other models
    /// are refused by [`FitResult::check_model`]).
    pub fn check_shape(&self, model: &ModelFingerprint) -> Result<()> {
        let d = self.theta.dims;
        if d.layers != model.n_layers || d.d_model != model.d_model {
            return Err(CoreError::Input(format!(
                "this result's θ has {} layers × width {}, the loaded model {} × {}",
                d.layers, d.d_model, model.n_layers, model.d_model
            )));
        }
        Ok(())
    }
}
