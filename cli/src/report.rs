//! Terminal output: progress bars and result tables.

use activscalar_core::fit::StepReport;
use activscalar_core::metrics::SplitMetrics;
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

/// Updates `pb` after a step; where no terminal shows the bar (a log file), a line every 10
/// steps instead.
pub fn on_step(pb: &ProgressBar, r: &StepReport) {
    pb.set_position(r.step as u64);
    let minus = r
        .flip_minus
        .map(|f| format!(" flip−{:.0}%", 100.0 * f))
        .unwrap_or_default();
    let msg = format!(
        "loss {:.4} flip+{:.0}%{minus} L1 {:.3}",
        r.loss,
        100.0 * r.flip_plus,
        r.l1
    );
    if pb.is_hidden() && (r.step == 1 || r.step.is_multiple_of(10)) {
        eprintln!(
            "{} step {} ({:.0} s): {msg}",
            pb.prefix(),
            r.step,
            pb.elapsed().as_secs_f64()
        );
    }
    pb.set_message(msg);
}

/// Prints one line per split: its size, the base model's accuracy and LD, and the flips, LD
/// and KL in each direction.
pub fn print_splits(splits: &[(&str, &SplitMetrics)]) {
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
    for (name, m) in splits {
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
}

/// Prints the result table (train, validation and test).
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
    let splits = [
        ("train", Some(&r.train)),
        ("val", r.validation.as_ref()),
        ("test", Some(&r.test)),
    ];
    let splits: Vec<(&str, &SplitMetrics)> = splits
        .into_iter()
        .filter_map(|(n, m)| Some((n, m?)))
        .collect();
    print_splits(&splits);
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
                "  {:<24} key {:>2} {:<12} α {:>7.3}  effect {:>7.3}",
                e.hook,
                e.position,
                format!("{token:?}"),
                e.alpha,
                e.effect
            );
        }
    }
}

pub use activscalar_core::metrics::mean_sd;

/// Prints the mean ± sd over repeats of a fit on different split seeds.
pub fn print_repeats(seeds: &[u64], rs: &[FitResult]) {
    let col = |f: &dyn Fn(&FitResult) -> f64| {
        let (m, sd) = mean_sd(&rs.iter().map(f).collect::<Vec<_>>());
        (m, sd)
    };
    let pct = |f: &dyn Fn(&FitResult) -> f64| {
        let (m, sd) = col(f);
        format!("{:.1} ± {:.1} %", 100.0 * m, 100.0 * sd)
    };
    println!("\nmean ± sd over {} split seeds {seeds:?}:", rs.len());
    println!("  test base accuracy    {}", pct(&|r| r.test.base_accuracy));
    println!(
        "  test flip β=+1        {}",
        pct(&|r| r.test.plus.flip_accuracy)
    );
    println!(
        "  test flip β=−1        {}",
        pct(&|r| r.test.minus.flip_accuracy)
    );
    if rs.iter().all(|r| r.validation.is_some()) {
        let v = |r: &FitResult| r.validation.clone().unwrap_or_else(|| r.test.clone());
        println!(
            "  val flip β=+1         {}",
            pct(&|r| v(r).plus.flip_accuracy)
        );
        println!(
            "  val flip β=−1         {}",
            pct(&|r| v(r).minus.flip_accuracy)
        );
    }
    let (kp, kps) = col(&|r| r.test.plus.kl);
    let (km, kms) = col(&|r| r.test.minus.kl);
    println!("  test KL β=+1 / β=−1   {kp:.4} ± {kps:.4} / {km:.4} ± {kms:.4}");
    let (a, asd) = col(&|r| r.minimality.active_sites as f64);
    let n = rs.first().map_or(0, |r| r.minimality.n_sites);
    println!(
        "  active sites          {a:.1} ± {asd:.1} of {n} ({:.1} %)",
        100.0 * a / n.max(1) as f64
    );
    println!(
        "  test prompts          {}",
        rs.iter()
            .map(|r| r.test.n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}
