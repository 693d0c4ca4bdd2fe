//! Replays every saved input of the result and model-configuration fuzz targets
//! (`core/fuzz/regressions/<target>/`: their seeds and every crash found, kept once fixed).
//! A missing or empty folder fails: the replay must not silently lose its inputs.

use std::path::PathBuf;

use activscalar_types::fuzzing;

#[test]
fn saved_inputs_of_every_target_stay_fixed() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    for (name, run) in fuzzing::TARGETS {
        let dir = std::fs::read_dir(root.join(name))
            .unwrap_or_else(|e| panic!("core/fuzz/regressions/{name} is missing: {e}"));
        let mut n = 0;
        for f in dir {
            let path = f.unwrap().path();
            run(&std::fs::read(&path).unwrap());
            n += 1;
        }
        assert!(n > 0, "core/fuzz/regressions/{name} holds no input");
        eprintln!("{name}: replayed {n} saved inputs");
    }
}

/// The model seed in `gguf_model/` is the file `seeds::gguf_llama_model` builds (which
/// `core/tests/weight_list.rs` loads with the real loader). Rewrite it with
/// `ACTIVSCALAR_WRITE_SEEDS=1 cargo test`.
#[test]
fn the_model_seed_on_disk_is_the_one_built_in_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions/gguf_model/seed-llama-model.gguf");
    let built = activscalar_formats::seeds::gguf_llama_model();
    if std::env::var_os("ACTIVSCALAR_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &built).unwrap();
    }
    let saved = std::fs::read(&path).unwrap_or_default();
    assert!(
        saved == built,
        "{} differs from seeds::gguf_llama_model()",
        path.display()
    );
}
