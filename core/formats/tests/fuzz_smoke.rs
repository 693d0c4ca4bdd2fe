//! The fuzz targets on stable Rust, as part of the normal test suite: every seed, every saved
//! crash (`core/fuzz/regressions/<target>/`), and seeded mutations of the seeds (bit flips,
//! truncations, splices, byte runs), so a regression in a parser's bounds checks fails here
//! even where cargo-fuzz (nightly) is not installed. The long runs are `scripts/fuzz.sh`.

use std::path::PathBuf;

use activscalar_formats::{fuzzing, seeds};

/// Mutated inputs per target per seed.
const MUTATIONS: usize = 3000;

/// xorshift64*: a tiny deterministic generator, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random edit of `seed`.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(at),
            2 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] = [0, 0xff, 0x7f, 0x80, b'"', b'{', b'9'][rng.below(7)];
            }
            3 => {
                let run = vec![[0u8, 0xff][rng.below(2)]; 1 + rng.below(16)];
                v.splice(at..at, run);
            }
            4 if !v.is_empty() => {
                let from = rng.below(v.len());
                let len = rng.below(v.len() - from + 1).min(64);
                let chunk = v[from..from + len].to_vec();
                v.splice(at..at, chunk);
            }
            _ => {
                // Overwrite 8 bytes with a large little-endian count.
                let big = [u64::MAX, u32::MAX as u64, 1 << 40, 0][rng.below(4)];
                for (k, b) in big.to_le_bytes().iter().enumerate() {
                    if let Some(x) = v.get_mut(at + k) {
                        *x = *b;
                    }
                }
            }
        }
    }
    v
}

fn target(name: &str) -> fn(&[u8]) {
    fuzzing::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .expect("known target")
}

#[test]
fn seeds_are_accepted_by_their_parsers() {
    use activscalar_formats::WeightSource;
    let g = activscalar_formats::gguf::GgufFile::parse("seed", seeds::gguf()).unwrap();
    assert_eq!(g.names().len(), 6);
    let tok = activscalar_formats::tokenizer::TextTokenizer::from_gguf(&g).unwrap();
    assert_eq!(tok.encode("ab").unwrap(), vec![0, 5]);
    let s = activscalar_formats::safetensors::SafetensorsFile::parse("seed", seeds::safetensors());
    assert!(s.is_ok());
    assert!(
        activscalar_formats::tokenizer::TextTokenizer::from_json_bytes(&seeds::tokenizer_json())
            .is_ok()
    );
    for t in seeds::task_rows() {
        assert_eq!(
            activscalar_formats::custom::parse(std::str::from_utf8(&t).unwrap())
                .unwrap()
                .len(),
            2
        );
    }
}

#[test]
fn mutated_seeds_never_panic() {
    for (name, seeds) in seeds::all() {
        let run = target(name);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
        for seed in &seeds {
            run(seed);
            for i in 0..MUTATIONS {
                let input = mutate(seed, &mut rng);
                let caught = std::panic::catch_unwind(|| run(&input));
                assert!(
                    caught.is_ok(),
                    "{name}: mutation {i} panicked; input (hex): {}",
                    input.iter().map(|b| format!("{b:02x}")).collect::<String>()
                );
            }
        }
    }
}

#[test]
fn saved_crashes_stay_fixed() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut n = 0;
    for (name, run) in fuzzing::TARGETS {
        // Every target keeps a folder (its seeds and every crash ever found): a missing one
        // means the replay silently lost its inputs.
        let dir = std::fs::read_dir(root.join(name))
            .unwrap_or_else(|e| panic!("core/fuzz/regressions/{name} is missing: {e}"));
        let mut kept = 0;
        for f in dir {
            let path = f.unwrap().path();
            run(&std::fs::read(&path).unwrap());
            kept += 1;
        }
        assert!(kept > 0, "core/fuzz/regressions/{name} is empty");
        n += kept;
    }
    eprintln!("replayed {n} saved crash inputs");
}

/// JSON that a skimming check would pass but a decoding parser refuses, inside the component
/// (the decoder) whose error the tokenizers crate turns into a panic: refused by our check
/// first, with its message.
#[test]
fn tokenizer_json_that_only_decoding_refuses_is_refused_with_a_message() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/tokenizer_json");
    for (file, why) in [
        ("decoder-lone-surrogate-panics.json", "hex escape"),
        (
            "decoder-number-out-of-range-panics.json",
            "number out of range",
        ),
    ] {
        let bytes = std::fs::read(root.join(file)).unwrap();
        let err = activscalar_formats::tokenizer::TextTokenizer::from_json_bytes(&bytes)
            .err()
            .unwrap_or_else(|| panic!("{file} was accepted"))
            .to_string();
        assert!(
            err.contains("tokenizer.json is not valid JSON") && err.contains(why),
            "{file}: {err}"
        );
    }
}
