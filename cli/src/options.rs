//! Command-line flags for tasks and fit options, shared by `fit` and `sweep`.

use activscalar_core::fit::{FitOptions, L1Mode};
use activscalar_core::interventions::Method;
use activscalar_core::objective::{Directions, Effectiveness};
use activscalar_core::tasks::{TaskSource, TaskSpec, custom};
use anyhow::{Context, Result};

/// Task selection.
#[derive(clap::Args, Debug, Clone)]
pub struct TaskArgs {
    /// `ccc`, `ioi`, or a file (CSV with header prompt,correct,wrong; JSONL; or `prompt | correct | wrong` lines).
    #[arg(long, default_value = "ccc")]
    pub task: String,
    /// CCC: use the context-free prompt "{capital} is in".
    #[arg(long)]
    pub context_free: bool,
    /// CCC: conflicting countries per capital (one row each).
    #[arg(long, default_value_t = activscalar_core::tasks::CCC_CONFLICTS)]
    pub conflicts: usize,
    /// Keep only the largest group of aligned prompts (one length) for every method — e.g.
    /// train DynScalar on one prompt length, then `eval` it on others.
    #[arg(long)]
    pub aligned_only: bool,
    /// IOI: number of rows to sample.
    #[arg(long, default_value_t = 120)]
    pub ioi_rows: usize,
    /// Seed of the task's sampling and train/validation/test split.
    #[arg(long, default_value_t = 0)]
    pub task_seed: u64,
    /// Share of rows used for training (the rest is the test split).
    #[arg(long, default_value_t = 0.5)]
    pub train_fraction: f64,
    /// Share of the training units held out as the validation split.
    #[arg(long, default_value_t = activscalar_core::tasks::DEFAULT_VALIDATION)]
    pub validation_fraction: f64,
}

impl TaskArgs {
    /// The task specification.
    pub fn spec(&self) -> Result<TaskSpec> {
        let source = match self.task.as_str() {
            "ccc" => TaskSource::Ccc {
                context_free: self.context_free,
                conflicts: self.conflicts,
            },
            "ioi" => TaskSource::Ioi { n: self.ioi_rows },
            path => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading task file {path}"))?;
                TaskSource::Custom {
                    rows: custom::parse(&text)?,
                }
            }
        };
        anyhow::ensure!(
            (0.0..1.0).contains(&self.validation_fraction),
            "--validation-fraction must be at least 0 and below 1"
        );
        let mut spec = TaskSpec::new(source, self.task_seed, self.train_fraction);
        spec.aligned_only = self.aligned_only;
        spec.validation_fraction = self.validation_fraction;
        Ok(spec)
    }
}

/// Fit options.
#[derive(clap::Args, Debug, Clone)]
pub struct FitArgs {
    /// Intervention: activscalar, steervec or dynscalar.
    #[arg(long, default_value = "activscalar")]
    pub method: Method,
    /// Minimality weight λ_M (default per method).
    #[arg(long)]
    pub lambda_m: Option<f64>,
    /// Faithfulness weight λ_F.
    #[arg(long)]
    pub lambda_f: Option<f64>,
    /// Effectiveness margin m.
    #[arg(long)]
    pub margin: Option<f64>,
    /// Effectiveness: margin (softplus on the logit difference) or swap.
    #[arg(long, default_value = "margin")]
    pub effectiveness: Effectiveness,
    /// Train β = +1 only.
    #[arg(long)]
    pub plus_only: bool,
    /// How L1 is applied: proximal_adam (the proximal step in Adam's metric), proximal (the
    /// plain proximal step lr·λ_M) or loss (a loss term).
    #[arg(long, default_value = "proximal_adam")]
    pub l1: L1Mode,
    /// Adam learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Step budget.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Early-stop patience (steps; with mini-batches, counted in whole epochs).
    #[arg(long)]
    pub patience: Option<usize>,
    /// Prompts per mini-batch (0: all training prompts).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Seed of the mini-batch order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threshold τ for active sites.
    #[arg(long)]
    pub tau: Option<f32>,
}

impl FitArgs {
    /// The fit options (docs/METHOD.md defaults for anything not given).
    pub fn options(&self) -> Result<FitOptions> {
        let mut o = FitOptions::new(self.method);
        o.lambda_m = self.lambda_m.unwrap_or(o.lambda_m);
        o.lambda_f = self.lambda_f.unwrap_or(o.lambda_f);
        o.margin = self.margin.unwrap_or(o.margin);
        o.effectiveness = self.effectiveness;
        o.directions = if self.plus_only {
            Directions::PlusOnly
        } else {
            Directions::Both
        };
        o.l1_mode = self.l1;
        o.lr = self.lr.unwrap_or(o.lr);
        o.steps = self.steps.unwrap_or(o.steps);
        o.patience = self.patience.unwrap_or(o.patience);
        o.batch_size = self.batch_size.unwrap_or(o.batch_size);
        o.seed = self.seed;
        o.tau = self.tau.unwrap_or(o.tau);
        Ok(o)
    }
}

/// The split seeds a command repeats on: `--split-seeds` if given, else the task's own seed.
pub fn split_seeds(given: &[u64], task: &TaskSpec) -> Vec<u64> {
    match given {
        [] => vec![task.seed],
        s => s.to_vec(),
    }
}

/// `task` with its split seed set to `seed`.
pub fn with_seed(task: &TaskSpec, seed: u64) -> TaskSpec {
    TaskSpec {
        seed,
        ..task.clone()
    }
}
