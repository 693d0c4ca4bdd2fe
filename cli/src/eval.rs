//! `activscalar eval`: re-measure a saved result (on its own task, or another one).

use std::path::PathBuf;

use activscalar_core::metrics::{Minimality, evaluate};
use activscalar_core::result::{EVAL_BATCH, intervention_for};
use activscalar_core::tasks::prepare;
use anyhow::Result;

use crate::model_arg::ModelArgs;
use crate::options::TaskArgs;
use crate::report;

/// Arguments of `eval`.
#[derive(clap::Args)]
pub struct Args {
    /// A result written by `fit`.
    #[arg(long)]
    result: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Evaluate on this task (`ccc`, `ioi` or a file) instead of the result's own — e.g.
    /// DynScalar on prompts of other lengths (`--context-free`).
    #[arg(long)]
    task: Option<String>,
    /// With --task ccc: the context-free prompt.
    #[arg(long)]
    context_free: bool,
    /// With --task ccc: conflicting countries per capital.
    #[arg(long, default_value_t = activscalar_core::tasks::CCC_CONFLICTS)]
    conflicts: usize,
    /// With --task: its seed.
    #[arg(long, default_value_t = 0)]
    task_seed: u64,
}

/// Runs `eval`.
pub fn run(args: Args) -> Result<()> {
    let saved = report::read_result(&args.result)?;
    let (_engine, m) = args.model.load()?;
    let iv = intervention_for(&saved, &m)?;
    if saved.weights != m.model.precision() {
        eprintln!(
            "note: learned with {} weights, evaluated with {} (--weights {})",
            saved.weights,
            m.model.precision(),
            saved.weights
        );
    }
    let spec = match &args.task {
        Some(t) => TaskArgs {
            task: t.clone(),
            context_free: args.context_free,
            conflicts: args.conflicts,
            aligned_only: false,
            ioi_rows: 120,
            task_seed: args.task_seed,
            train_fraction: 0.5,
        }
        .spec()?,
        None => saved.task.clone(),
    };
    let task = prepare(&spec, &m.tokenizer, saved.theta.method.is_position_tied())?;
    if let (Some(len), true) = (task.common_length(), saved.theta.method.is_position_tied()) {
        anyhow::ensure!(
            len == saved.theta.dims.positions,
            "the task's prompts have {len} tokens but θ was learned for {}",
            saved.theta.dims.positions
        );
    }
    let all: Vec<_> = task.train.iter().chain(&task.test).cloned().collect();
    let metrics = pollster::block_on(evaluate(&m.model, Some(&iv), &all, EVAL_BATCH))?;
    let host = pollster::block_on(iv.to_host())?;
    println!("task: {} ({})", spec.name(), task.summary());
    println!("{}", serde_json::to_string_pretty(&metrics)?);
    println!(
        "{}",
        serde_json::to_string_pretty(&Minimality::of(
            iv.method,
            &iv.dims,
            &host,
            saved.options.tau
        ))?
    );
    Ok(())
}
