//! `activscalar repeats` on results written by `fit` on the tiny fixture: the mean over split
//! seeds is printed, and results of different fits are refused.

use std::path::{Path, PathBuf};

mod common;
use common::{activscalar, fit_tiny};

fn fit(dir: &Path, method: &str, seeds: &str) -> PathBuf {
    let out = dir.join(format!("{method}.json"));
    fit_tiny(
        &out,
        &["--method", method, "--steps", "3", "--split-seeds", seeds],
    );
    out
}

#[test]
fn repeats_of_one_fit_are_summarised_and_other_fits_refused() {
    let dir = std::env::temp_dir().join(format!("activscalar-repeats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = fit(&dir, "activscalar", "0,1");
    let seed = |k: u64| out.with_extension(format!("seed{k}.json"));
    let (s0, s1) = (seed(0), seed(1));
    let o = activscalar(&["repeats", s0.to_str().unwrap(), s1.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("mean ± sd over 2 split seeds [0, 1]"),
        "{text}"
    );
    // The same seed twice, and a result of another method, are not repeats.
    let o = activscalar(&["repeats", s0.to_str().unwrap(), s0.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("repeat a seed"));
    let other = fit(&dir, "steervec", "1");
    let o = activscalar(&["repeats", s0.to_str().unwrap(), other.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a repeat of"));
    std::fs::remove_dir_all(&dir).ok();
}
