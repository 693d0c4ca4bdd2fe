//! `activscalar predict`: top-K next tokens after a prompt.

use activscalar_core::hooks::Hooks;
use activscalar_core::interventions::position_map;
use activscalar_core::predict::predict_with;
use activscalar_core::result::intervention_for;
use activscalar_core::tasks::prepare;
use anyhow::Result;

use crate::model_arg::ModelArgs;
use crate::report;

/// Arguments of `predict`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// The prompt.
    #[arg(long)]
    prompt: String,
    /// How many candidates to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Steer with a result written by `fit` (checked against the model's fingerprint).
    #[arg(long)]
    result: Option<std::path::PathBuf>,
    /// Steering strength β for --result.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    beta: f64,
}

/// Runs `predict`.
pub fn run(args: Args) -> Result<()> {
    let (engine, m) = args.model.load()?;
    let steering = match &args.result {
        Some(path) => {
            let r = report::read_result(path)?;
            let iv = intervention_for(&r, &m)?;
            let tied = r.theta.method.is_position_tied();
            let task = prepare(&r.task, &m.tokenizer, tied)?;
            let row = task.all().find(|e| e.row.prompt == args.prompt);
            let map = match row {
                Some(e) => position_map(&[e], iv.dims.positions, m.model.device()),
                None if tied && task.role_keyed => anyhow::bail!(
                    "θ is tied to the roles of its task's template; --prompt must be one of the task's prompts, e.g. {:?}",
                    task.test
                        .first()
                        .map(|e| e.row.prompt.as_str())
                        .unwrap_or_default()
                ),
                None => {
                    let n = m.tokenizer.encode(&args.prompt)?.len();
                    if tied && n != r.theta.dims.positions {
                        eprintln!(
                            "note: θ covers {} positions, the prompt has {n} tokens; positions are matched from the start",
                            r.theta.dims.positions
                        );
                    }
                    None
                }
            };
            Some(iv.hooks(args.beta).at_positions(map))
        }
        None => None,
    };
    let hooks = steering.as_ref().map(|s| s as &dyn Hooks);
    let p = pollster::block_on(predict_with(&m, &args.prompt, args.top, hooks))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(());
    }
    println!(
        "{} ({} layers, d={}) on {}, {} weights — prompt: {} tokens",
        m.info.source,
        m.info.config.n_layers,
        m.info.config.d_model,
        engine.kind.as_str(),
        m.model.precision().as_str(),
        p.prompt_ids.len()
    );
    println!(
        "{:>4}  {:<20} {:>10} {:>8}",
        "rank", "token", "logit", "prob"
    );
    for (i, t) in p.top.iter().enumerate() {
        println!(
            "{:>4}  {:<20} {:>10.4} {:>7.2}%",
            i + 1,
            format!("{:?}", t.text),
            t.logit,
            100.0 * t.prob
        );
    }
    Ok(())
}
