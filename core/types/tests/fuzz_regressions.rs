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
