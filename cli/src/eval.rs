//! `activscalar eval`: re-measure a saved result on its own task's splits, or on another task's
//! rows that are held out from the fit (about none of its training entities).

use std::path::PathBuf;

use activscalar_core::evaluation::evaluate_splits;
use activscalar_core::metrics::{Minimality, beta_curve, evaluate};
use activscalar_core::readouts::beta_grid;
use activscalar_core::result::{EVAL_BATCH, check_positions, intervention_for};
use activscalar_core::tasks::{Example, prepare};
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
    /// DynScalar on prompts of other lengths (`--context-free`). Only rows about none of the
    /// fit's training or validation entities (capitals, names) count.
    #[arg(long)]
    task: Option<String>,
    /// With --task ccc: the context-free prompt.
    #[arg(long)]
    context_free: bool,
    /// With --task ccc: conflicting countries per capital.
    #[arg(long, default_value_t = activscalar_core::tasks::CCC_CONFLICTS)]
    conflicts: usize,
    /// With --task ioi: rows to sample.
    #[arg(long, default_value_t = 120)]
    ioi_rows: usize,
    /// With --task: its seed.
    #[arg(long, default_value_t = 0)]
    task_seed: u64,
    /// Also print the dose-response on the test (or held-out) prompts: mean LD and both
    /// answers' probabilities for β from −2 to 2.
    #[arg(long)]
    beta_curve: bool,
    /// Write the dose-response as JSON here (with --beta-curve).
    #[arg(long)]
    curve_out: Option<PathBuf>,
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
    let method = saved.theta.method;
    let own = prepare(&saved.task, &m.tokenizer, method.is_position_tied())?;
    let host = pollster::block_on(iv.to_host())?;
    let eval = |examples: &[Example]| {
        pollster::block_on(evaluate(&m.model, Some(&iv), examples, EVAL_BATCH))
    };
    let held = match &args.task {
        None => {
            check_positions(&saved, &own)?;
            println!("task: {} ({})", saved.task.name(), own.summary());
            // Every split's prompts of one length in shared forward passes.
            let all = pollster::block_on(evaluate_splits(
                &m.model,
                &iv,
                (&own.train, None),
                &own.validation,
                &own.test,
                &[],
            ))?;
            let mut splits = vec![("train", all.train)];
            splits.extend(all.validation.map(|v| ("val", v)));
            splits.push(("test", all.test));
            let rows: Vec<_> = splits.iter().map(|(n, s)| (*n, s)).collect();
            report::print_splits(&rows);
            own.test.clone()
        }
        Some(t) => {
            let spec = TaskArgs {
                task: t.clone(),
                context_free: args.context_free,
                conflicts: args.conflicts,
                aligned_only: false,
                ioi_rows: args.ioi_rows,
                task_seed: args.task_seed,
                train_fraction: 0.5,
                validation_fraction: 0.0,
            }
            .spec()?;
            let other = prepare(&spec, &m.tokenizer, method.is_position_tied())?;
            check_positions(&saved, &other)?;
            let held = other.held_out_from(&own);
            let all = other.all().count();
            anyhow::ensure!(
                !held.is_empty(),
                "every row of the {} task is about an entity the fit was trained on",
                spec.name()
            );
            println!(
                "task: {} — {} held-out rows ({} of its {all} rows are about the fit's training or validation entities and are left out)",
                spec.name(),
                held.len(),
                all - held.len()
            );
            report::print_splits(&[("held", &eval(&held)?)]);
            held
        }
    };
    if args.beta_curve {
        let curve = pollster::block_on(beta_curve(&m.model, &iv, &held, &beta_grid()))?;
        println!(
            "\ndose-response on {} prompts:\n{:>6} {:>9} {:>8} {:>9} {:>9} {:>10}",
            held.len(),
            "β",
            "mean LD",
            "sd LD",
            "p(y⁺)",
            "p(y⁻)",
            "LD > 0"
        );
        for p in &curve {
            println!(
                "{:>6.2} {:>9.3} {:>8.3} {:>9.4} {:>9.4} {:>9.1}%",
                p.beta,
                p.mean_ld,
                p.sd_ld,
                p.p_correct,
                p.p_wrong,
                100.0 * p.prefers_correct
            );
        }
        if let Some(path) = &args.curve_out {
            std::fs::write(path, serde_json::to_vec_pretty(&curve)?)?;
            eprintln!("wrote {}", path.display());
        }
    }
    let mm = Minimality::of(iv.method, &iv.dims, &host, saved.options.tau);
    println!(
        "minimality: L1 {:.3}, {} parameters, {} of {} sites active (τ = {})",
        mm.l1, mm.n_params, mm.active_sites, mm.n_sites, mm.tau
    );
    Ok(())
}
