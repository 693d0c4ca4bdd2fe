//! Terminal output: progress bars and result tables.

use activscalar_core::fit::StepReport;
use activscalar_core::result::FitResult;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

/// Reads a result JSON written by `fit` (or exported by the page).
pub fn read_result(path: &std::path::Path) -> anyhow::Result<FitResult> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(FitResult::from_json(&text, &path.display().to_string())?)
}

/// A step progress bar.
pub fn bar(len: usize, prefix: String) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix} {bar:30.cyan/blue} {pos}/{len} steps {elapsed_precise} {msg}",
        )
        .expect("valid template")
        .progress_chars("█▉▊▋▌▍▎▏ "),
    );
    pb.set_prefix(prefix);
    pb
}

/// Updates `pb` after a step.
pub fn on_step(pb: &ProgressBar, r: &StepReport) {
    pb.set_position(r.step as u64);
    let minus = r
        .flip_minus
        .map(|f| format!(" flip−{:.0}%", 100.0 * f))
        .unwrap_or_default();
    pb.set_message(format!(
        "loss {:.4} flip+{:.0}%{minus} L1 {:.3}",
        r.loss,
        100.0 * r.flip_plus,
        r.l1
    ));
}

/// Prints the result table (train and test).
pub fn print_result(r: &FitResult) {
    println!(
        "\n{} on {} ({} steps, {:?}, θ of step {}, {:.1} s on {}, {} weights)",
        r.options.method.as_str(),
        r.task.name(),
        r.steps_run,
        r.stop_reason,
        r.best_step,
        r.seconds,
        r.backend,
        r.weights
    );
    println!(
        "{:<6} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "split",
        "n",
        "base acc",
        "base LD",
        "flip β=+1",
        "LD β=+1",
        "flip β=−1",
        "LD β=−1",
        "KL +/−"
    );
    for (name, m) in [("train", &r.train), ("test", &r.test)] {
        println!(
            "{:<6} {:>5} {:>8.1}% {:>9.3} {:>8.1}% {:>9.3} {:>8.1}% {:>9.3} {:>4.3}/{:.3}",
            name,
            m.n,
            100.0 * m.base_accuracy,
            m.base_mean_ld,
            100.0 * m.plus.flip_accuracy,
            m.plus.mean_ld,
            100.0 * m.minus.flip_accuracy,
            m.minus.mean_ld,
            m.plus.kl,
            m.minus.kl
        );
    }
    let mm = &r.minimality;
    println!(
        "minimality: L1 {:.3}, {} parameters, {} of {} sites active (τ = {})",
        mm.l1, mm.n_params, mm.active_sites, mm.n_sites, mm.tau
    );
    if !r.site_effects.is_empty() {
        let mut effects = r.site_effects.clone();
        effects.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
        println!("largest site effects (test mean LD lost when the α is zeroed):");
        for e in effects.iter().take(8) {
            let token = r
                .position_tokens
                .get(e.position)
                .map(String::as_str)
                .unwrap_or("?");
            println!(
                "  {:<24} pos {:>2} {:<12} α {:>7.3}  effect {:>7.3}",
                e.hook,
                e.position,
                format!("{token:?}"),
                e.alpha,
                e.effect
            );
        }
    }
}
