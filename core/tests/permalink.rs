//! Permalinks and safetensors export of real (tiny-model) fit results: bit-exact round trips,
//! and clear refusals of damaged, truncated, foreign and too-new links.

use std::path::PathBuf;

use activscalar_core::fit::FitOptions;
use activscalar_core::interventions::Method;
use activscalar_core::loaders::WeightSource;
use activscalar_core::loaders::safetensors::{SafetensorsFile, SafetensorsSet};
use activscalar_core::result::{FitResult, intervention_for, run_fit};
use activscalar_core::tasks::{Row, TaskSource, TaskSpec};
use activscalar_core::{Device, LoadedModel, ModelFiles, load_model, permalink};

fn tiny() -> LoadedModel {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
    load_model(ModelFiles::from_path(&dir).unwrap(), &Device::flex()).unwrap()
}

/// Custom rows with these prompts, answers "a" and "b".
fn letters(prompts: &[&str]) -> TaskSpec {
    let rows = prompts
        .iter()
        .map(|p| Row {
            prompt: p.to_string(),
            correct: "a".into(),
            wrong: "b".into(),
        })
        .collect();
    TaskSpec::new(TaskSource::Custom { rows }, 1, 0.5)
}

/// A short fit of `method` on a small letters task.
fn fit(m: &LoadedModel, method: Method) -> FitResult {
    let spec = letters(&[
        "kfjd", "qpwo", "zmxn", "tyru", "hgla", "vbce", "wqkj", "plmo",
    ]);
    let mut o = FitOptions::new(method);
    o.steps = 4;
    pollster::block_on(run_fit(m, &spec, o, "cpu", async |_| false))
        .unwrap()
        .0
}

#[test]
fn permalinks_round_trip_bit_exactly_and_refuse_damage() {
    let m = tiny();
    for method in [Method::ActivScalar, Method::DynScalar] {
        let r = fit(&m, method);
        assert!(
            r.theta.values[0].iter().any(|&a| a != 0.0),
            "the fit learned nothing"
        );
        let link = permalink::encode(&r).unwrap();
        let back = permalink::decode(&link).unwrap();
        let mut want = r.clone();
        want.history.clear();
        assert_eq!(back, want);
        for (a, b) in back
            .theta
            .values
            .iter()
            .flatten()
            .zip(r.theta.values.iter().flatten())
        {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        intervention_for(&back, &m).unwrap();

        // Damage: truncated, one character changed, another prefix, garbage.
        let truncated = &link[..link.len() * 2 / 3];
        let msg = permalink::decode(truncated).unwrap_err().to_string();
        assert!(msg.contains("damaged or incomplete"), "{msg}");
        let mut chars: Vec<char> = link.chars().collect();
        let k = chars.len() / 2;
        chars[k] = if chars[k] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        let msg = permalink::decode(&tampered).unwrap_err().to_string();
        assert!(msg.contains("damaged or incomplete"), "{msg}");
        assert!(permalink::decode("xx1.AAAA").is_err());
        assert!(permalink::decode("as1.<script>").is_err());
        let long = "A".repeat(permalink::MAX_CHARS + 1);
        assert!(
            permalink::decode(&long)
                .unwrap_err()
                .to_string()
                .contains("too long")
        );
    }
}

#[test]
fn permalinks_from_newer_versions_or_other_models_are_refused() {
    let m = tiny();
    let r = fit(&m, Method::ActivScalar);
    let mut newer = r.clone();
    newer.format_version = 99;
    let msg = permalink::decode(&permalink::encode(&newer).unwrap())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("newer version"), "{msg}");

    let gpt2_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-gpt2");
    let other = load_model(ModelFiles::from_path(&gpt2_dir).unwrap(), &Device::flex()).unwrap();
    let back = permalink::decode(&permalink::encode(&r).unwrap()).unwrap();
    let msg = intervention_for(&back, &other).unwrap_err().to_string();
    assert!(msg.contains("another model"), "{msg}");
}

#[test]
fn oversized_results_ask_for_a_file() {
    let m = tiny();
    let mut r = fit(&m, Method::SteerVec);
    // A SteerVec θ of a real model: far beyond a link; make it incompressible.
    let n = 200_000;
    r.theta.values[0] = (0..n).map(|i| (i as f32 * 0.618).sin()).collect();
    r.theta.dims.positions = n / (r.theta.dims.sites * r.theta.dims.layers * r.theta.dims.d_model);
    let msg = permalink::encode(&r).unwrap_err().to_string();
    assert!(msg.contains("export it as a file"), "{msg}");
}

#[test]
fn safetensors_export_names_hooks_and_keeps_values() {
    let m = tiny();
    for method in [Method::ActivScalar, Method::SteerVec, Method::DynScalar] {
        let r = fit(&m, method);
        let bytes = activscalar_core::export::to_safetensors(&r).unwrap();
        let mut f = SafetensorsSet::default();
        f.push(SafetensorsFile::parse("theta.safetensors", bytes).unwrap());
        let d = r.theta.dims;
        let (suffix, width) = match method {
            Method::ActivScalar => ("alpha", d.positions),
            Method::SteerVec => ("v", d.positions * d.d_model),
            Method::DynScalar => ("w", d.d_model),
        };
        // The last layer's MLP site holds the last slice of leaf 0.
        let name = format!("blocks.{}.hook_mlp_out.{suffix}", d.layers - 1);
        let t = f
            .tensor(&name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .data;
        let leaf = &r.theta.values[0];
        assert_eq!(t, leaf[leaf.len() - width..].to_vec(), "{name}");
        let n_tensors = f.names().len();
        let per_site = if method == Method::DynScalar { 2 } else { 1 };
        assert_eq!(n_tensors, d.sites * d.layers * per_site);
    }
}

#[test]
fn results_with_a_non_finite_loss_curve_read_back_from_json() {
    let m = tiny();
    let mut r = fit(&m, Method::ActivScalar);
    r.history[0].loss = f64::INFINITY;
    r.history[0].faithfulness = f64::NAN;
    let json = serde_json::to_string(&r).unwrap();
    let back: FitResult = serde_json::from_str(&json).unwrap();
    assert!(back.history[0].loss.is_nan() && back.history[0].faithfulness.is_nan());
    assert_eq!(back.theta, r.theta);
}

/// `r` changed by `edit` is refused by the validator, by JSON import and by the permalink
/// decoder, with a message naming `field`.
fn refused(r: &FitResult, field: &str, edit: impl Fn(&mut FitResult)) {
    let mut bad = r.clone();
    edit(&mut bad);
    let msg = bad.validate().unwrap_err().to_string();
    assert!(msg.contains(field), "{field}: {msg}");
    let json = serde_json::to_vec(&bad).unwrap();
    let msg = FitResult::from_json(&json, "x.json")
        .unwrap_err()
        .to_string();
    // JSON has no NaN: serde_json writes it as null, which the parser refuses where a number
    // belongs (θ's values excepted: they are read as NaN and named by the validator).
    let null_refused = msg.starts_with("x.json is not an ActivScalar result file")
        && msg.contains("invalid type: null")
        && !field.starts_with("theta.values");
    assert!(
        (msg.starts_with("x.json: ") && msg.contains(field)) || null_refused,
        "{field}: {msg}"
    );
    // A link's θ is read in the sizes its header implies: other sizes are damage.
    if let Ok(link) = permalink::encode(&bad) {
        let msg = permalink::decode(&link).unwrap_err().to_string();
        let leaves = field == "theta.values" && msg.contains("damaged or incomplete (θ");
        let null = null_refused && msg.contains("invalid type: null");
        assert!(msg.contains(field) || leaves || null, "{field}: {msg}");
    }
}

#[test]
fn results_from_outside_are_validated_field_by_field() {
    let m = tiny();
    let r = fit(&m, Method::ActivScalar);
    r.validate().unwrap();
    // θ that does not match the shape it declares, or the model it names.
    refused(&r, "theta.dims.layers", |r| r.theta.dims.layers = 1);
    refused(&r, "theta.values", |r| {
        r.theta.values[0].pop();
    });
    refused(&r, "theta.values", |r| r.theta.values = vec![]);
    refused(&r, "theta.values[0][3]", |r| {
        r.theta.values[0][3] = f32::NAN
    });
    refused(&r, "theta.dims.sites", |r| r.theta.dims.sites = 3);
    refused(&r, "theta.method", |r| r.options.method = Method::SteerVec);
    refused(&r, "theta.dims.d_model", |r| r.theta.dims.d_model += 1);
    // A few-KB link that would inflate to hundreds of thousands of heatmap cells.
    refused(&r, "heatmap cells", |r| {
        (r.theta.dims.layers, r.model.n_layers) = (1000, 1000);
        r.theta.dims.positions = 100;
    });
    refused(&r, "site_effects[0]", |r| {
        r.site_effects = vec![r.site_effects.first().cloned().unwrap_or_else(|| {
            activscalar_core::result::SiteEffect {
                hook: "blocks.0.hook_mlp_out".into(),
                layer: 0,
                site: activscalar_core::hooks::Site::MlpOut,
                position: 0,
                alpha: 0.0,
                effect: 0.0,
            }
        })];
        r.site_effects[0].layer = 99;
    });
    // A forged model origin (what the page would load or tell the user to drop).
    refused(&r, "model.origin.hub", |r| {
        r.model.origin = activscalar_core::ModelOrigin::Hub(activscalar_types::hub::HubModel {
            repo: "a/../b".into(),
            revision: "main".into(),
            file: None,
        })
    });
    refused(&r, "model.origin.files", |r| {
        r.model.origin = activscalar_core::ModelOrigin::Files(vec!["../../etc/passwd".into()])
    });
    // Tasks too large to prepare.
    refused(&r, "task.source.n", |r| {
        r.task.source = TaskSource::Ioi {
            n: 1_000_000_000_000,
        }
    });
    refused(&r, "task.train_fraction", |r| {
        r.task.train_fraction = f64::NAN
    });
    refused(&r, "options.lr", |r| r.options.lr = f64::INFINITY);
}

#[test]
fn a_steervec_or_dynscalar_result_with_no_width_is_refused() {
    let m = tiny();
    for method in [Method::SteerVec, Method::DynScalar] {
        let r = fit(&m, method);
        r.validate().unwrap();
        refused(&r, "theta.dims", |r| {
            r.theta.dims.d_model = 0;
            r.model.d_model = 0;
            r.theta.values = r.theta.values.iter().map(|_| Vec::new()).collect();
        });
    }
}

/// A position-tied θ is refused, with a message, on prompts whose position keys are not its
/// own; DynScalar applies to any prompts.
#[test]
fn position_tied_theta_is_refused_on_prompts_with_other_keys() {
    let m = tiny();
    let r = fit(&m, Method::ActivScalar);
    let own = activscalar_core::tasks::prepare(&r.task, &m.tokenizer, true).unwrap();
    activscalar_core::result::check_positions(&r, &own).unwrap();
    let longer = letters(&[
        "kfjdqpwo", "zmxntyru", "hglavbce", "wqkjplmo", "kfjdzmxn", "tyruwqkj",
    ]);
    let other = activscalar_core::tasks::prepare(&longer, &m.tokenizer, true).unwrap();
    let e = activscalar_core::result::check_positions(&r, &other).unwrap_err();
    assert!(
        e.to_string().contains(&format!(
            "θ is tied to {} position keys",
            r.theta.dims.positions
        )) && e
            .to_string()
            .contains("applies only to prompts of the template it was learned on"),
        "{e}"
    );
    let d = fit(&m, Method::DynScalar);
    activscalar_core::result::check_positions(&d, &other).unwrap();
}
