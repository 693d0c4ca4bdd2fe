//! A saved result given to `--result` is validated before anything uses it: a file whose θ does
//! not match its declared shape or its model is refused with the field named, and no model work
//! starts.

mod common;
use common::{activscalar, fit_tiny};

/// A change to a result's JSON.
type Edit = fn(&mut serde_json::Value);

#[test]
fn a_result_that_does_not_validate_is_refused_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("activscalar-bad-result-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    fit_tiny(&good, &["--steps", "2"]);
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    let edits: [(&str, Edit, &str); 2] = [
        (
            "short.json",
            |r| r["theta"]["values"] = serde_json::json!([[0.5]]),
            "short.json: this result is not valid: theta.values has leaves of sizes [1]",
        ),
        (
            "layers.json",
            |r| r["theta"]["dims"]["layers"] = serde_json::json!(1),
            "layers.json: this result is not valid: theta.dims.layers is 1 but its model has 2 layers",
        ),
    ];
    for (name, edit, message) in edits {
        let mut bad = result.clone();
        edit(&mut bad);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(&bad).unwrap()).unwrap();
        for command in [
            vec![
                "eval",
                "--result",
                path.to_str().unwrap(),
                "--model",
                "models/fixtures/tiny-llama",
            ],
            vec![
                "export",
                "--result",
                path.to_str().unwrap(),
                "--format",
                "link",
            ],
        ] {
            let o = activscalar(&command);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!o.status.success(), "{command:?} accepted {name}");
            assert!(err.contains(message), "{command:?}: {err}");
        }
    }
}
