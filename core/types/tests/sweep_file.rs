//! Reading sweep files: what `activscalar sweep` and the page write is read back with its
//! drop-out order recomputed, and every inconsistency a hand-edited or foreign file can have
//! is refused with a message that names it.

use activscalar_types::sweep::Sweep;
use serde_json::{Value, json};

fn seed(name: &str) -> Value {
    let path = format!(
        "{}/../fuzz/regressions/sweep_json/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn read(v: &Value) -> Result<Vec<Sweep>, String> {
    Sweep::from_json(&serde_json::to_vec(v).unwrap(), "s.json").map_err(|e| e.to_string())
}

#[test]
fn a_sweep_is_read_with_its_drop_out_order_recomputed() {
    let v = seed("seed-sweep.json");
    assert!(Sweep::looks_like_sweep(&serde_json::to_vec(&v).unwrap()));
    let sweeps = read(&v).unwrap();
    assert_eq!(sweeps.len(), 1);
    let s = &sweeps[0];
    assert_eq!(s.grid, vec![0.01, 0.1]);
    // The file's (empty) component list is not trusted: 2 sites × 2 layers, from θ.
    assert_eq!(s.components.len(), 4);
    let again = Sweep::new(s.grid.clone(), s.points.clone());
    assert_eq!(s.components, again.components);
    assert_eq!(s.label(), "activscalar · custom · split seed 0");
}

#[test]
fn a_file_of_repeats_gives_one_sweep_per_split_seed() {
    let sweeps = read(&seed("seed-repeats.json")).unwrap();
    let labels: Vec<String> = sweeps.iter().map(Sweep::label).collect();
    assert_eq!(
        labels,
        [
            "dynscalar · custom · split seed 0",
            "dynscalar · custom · split seed 1"
        ]
    );
}

#[test]
fn a_result_file_is_not_taken_for_a_sweep() {
    let r = seed("seed-sweep.json")["points"][0].clone();
    assert!(!Sweep::looks_like_sweep(&serde_json::to_vec(&r).unwrap()));
    assert!(!Sweep::looks_like_sweep(b"not json"));
    assert!(read(&r).unwrap_err().contains("needs either"));
}

/// A change to a valid sweep file.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn inconsistent_sweeps_are_refused_by_name() {
    let base = seed("seed-sweep.json");
    let cases: Vec<(&str, Edit)> = vec![
        (
            "2 λ_M values for 1 points",
            Box::new(|v| {
                v["points"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "not positive, finite and ascending",
            Box::new(|v| v["grid"] = json!([0.1, 0.01])),
        ),
        (
            "not positive, finite and ascending",
            Box::new(|v| v["grid"] = json!([-1.0, 0.1])),
        ),
        (
            "not at its grid value",
            Box::new(|v| v["grid"] = json!([0.01, 0.2])),
        ),
        (
            "holds 0 points",
            Box::new(|v| {
                v["grid"] = json!([]);
                v["points"] = json!([]);
            }),
        ),
        (
            "point 2 differs from point 1",
            Box::new(|v| {
                v["points"][1]["model"]["weights_sha256"] = json!("0".repeat(64));
            }),
        ),
        (
            "point 2: this result is not valid",
            Box::new(|v| {
                v["points"][1]["theta"]["values"][0] = json!([1.0]);
            }),
        ),
        ("holds 0 sweeps", Box::new(|v| *v = json!({ "sweeps": [] }))),
        (
            "not an ActivScalar sweep file",
            Box::new(|v| v["grid"] = json!("x")),
        ),
    ];
    for (want, edit) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let e = read(&v).expect_err(want);
        assert!(e.contains(want) && e.starts_with("s.json"), "{want}: {e}");
    }
}
