//! The weight list a configuration implies (`ModelConfig::weights`, checked against a file
//! before anything is decoded or uploaded, and fuzzed) is exactly what each model's loader
//! reads: same names, same shapes, for every architecture and file layout of the fixtures.

use std::cell::RefCell;
use std::collections::BTreeMap;

use activscalar_core::engine::Engine;
use activscalar_core::loaders::gguf::GgufFile;
use activscalar_core::loaders::safetensors::{SafetensorsFile, SafetensorsSet};
use activscalar_core::loaders::{HostTensor, WeightSource};
use activscalar_core::models::config::weights::{Naming, check_weights};
use activscalar_core::models::gpt2::Gpt2;
use activscalar_core::models::layers::Placement;
use activscalar_core::models::llama::Llama;
use activscalar_core::models::neox::NeoX;
use activscalar_core::models::{Arch, ModelConfig};
use activscalar_core::{ModelFiles, NamedBytes, Result, WeightPrecision, load_model_on};
use activscalar_formats::seeds;
use burn::module::Module;

fn fixture(path: &str) -> Vec<u8> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures");
    std::fs::read(root.join(path)).unwrap()
}

/// A weight source that records the name and decoded shape of every weight read from it.
struct Recording<'a> {
    inner: &'a dyn WeightSource,
    read: RefCell<BTreeMap<String, Vec<usize>>>,
}

impl WeightSource for Recording<'_> {
    fn tensor(&self, name: &str) -> Result<HostTensor> {
        let t = self.inner.tensor(name)?;
        self.read
            .borrow_mut()
            .insert(name.to_string(), t.shape.clone());
        Ok(t)
    }
    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.inner.shape(name)
    }
    fn names(&self) -> Vec<String> {
        self.inner.names()
    }
}

/// Loads `src` with the architecture's loader and compares what it read with the list, and
/// the loaded module's parameters (burn's count, tied matrices once) with the list's sizes.
fn loader_reads_the_list(cfg: ModelConfig, naming: Naming, src: &dyn WeightSource) {
    let listed: BTreeMap<String, Vec<usize>> = cfg
        .weights(naming, src)
        .into_iter()
        .map(|w| (w.name, w.shape))
        .collect();
    check_weights(&cfg.weights(naming, src), src).unwrap();
    let rec = Recording {
        inner: src,
        read: RefCell::default(),
    };
    let at = Placement {
        device: Engine::cpu().device.clone(),
        precision: WeightPrecision::F32,
    };
    let n_params = match cfg.arch {
        Arch::Gpt2 => Gpt2::load(cfg, &rec, &at).unwrap().num_params(),
        Arch::NeoX => NeoX::load(cfg, &rec, &at).unwrap().num_params(),
        Arch::Llama => Llama::load(cfg, &rec, naming, &at).unwrap().num_params(),
    };
    let listed_params: usize = listed.values().map(|s| s.iter().product::<usize>()).sum();
    assert_eq!(rec.read.into_inner(), listed);
    assert_eq!(n_params, listed_params);
}

fn safetensors_fixture(dir: &str) -> (ModelConfig, SafetensorsSet) {
    let text = String::from_utf8(fixture(&format!("{dir}/config.json"))).unwrap();
    let mut set = SafetensorsSet::default();
    set.push(
        SafetensorsFile::parse(
            "model.safetensors",
            fixture(&format!("{dir}/model.safetensors")),
        )
        .unwrap(),
    );
    (ModelConfig::from_hf_json(&text).unwrap(), set)
}

#[test]
fn every_loader_reads_exactly_the_weights_its_configuration_lists() {
    for dir in ["tiny-gpt2", "tiny-neox", "tiny-llama"] {
        let (cfg, set) = safetensors_fixture(dir);
        loader_reads_the_list(cfg, Naming::HuggingFace, &set);
    }
    let gguf = GgufFile::parse("tiny-llama.gguf", fixture("tiny-llama.gguf")).unwrap();
    loader_reads_the_list(ModelConfig::from_gguf(&gguf).unwrap(), Naming::Gguf, &gguf);
    // The fuzzers' model seed: a complete model the real loader accepts.
    let seed = GgufFile::parse("seed.gguf", seeds::gguf_llama_model()).unwrap();
    loader_reads_the_list(ModelConfig::from_gguf(&seed).unwrap(), Naming::Gguf, &seed);
}

#[test]
fn the_fuzzers_model_seed_loads_and_runs() {
    let files = ModelFiles::from_named(vec![NamedBytes::new(
        "seed.gguf",
        seeds::gguf_llama_model(),
    )])
    .unwrap();
    let m = load_model_on(files, &Engine::cpu(), WeightPrecision::F32).unwrap();
    assert_eq!(m.info.config.n_layers, 1);
    assert_eq!(
        m.info.n_params,
        8 * 4 + 4 * 4 + 2 * 2 * 4 + 4 * 4 + 3 * 4 * 8
    );
}

#[test]
fn a_file_that_does_not_match_its_configuration_is_refused_before_upload() {
    // The seed model with its final norm one element too wide, then without the gate.
    let widen = |bytes: &mut Vec<u8>, name: &str| {
        let at = bytes
            .windows(name.len())
            .position(|w| w == name.as_bytes())
            .unwrap()
            + name.len();
        assert_eq!(&bytes[at..at + 4], &1u32.to_le_bytes(), "one dimension");
        bytes[at + 4] += 1;
    };
    let mut bytes = seeds::gguf_llama_model();
    widen(&mut bytes, "output_norm.weight");
    let err = match load_model_on(
        ModelFiles::from_named(vec![NamedBytes::new("m.gguf", bytes)]).unwrap(),
        &Engine::cpu(),
        WeightPrecision::F32,
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    // (The table then lies about the last tensor's size, which the parser may notice first.)
    assert!(
        err.contains("output_norm.weight") && (err.contains("[5]") || err.contains("truncated")),
        "{err}"
    );
    let mut bytes = seeds::gguf_llama_model();
    let name = b"blk.0.ffn_gate.weight";
    let at = bytes.windows(name.len()).position(|w| w == name).unwrap();
    bytes[at..at + name.len()].copy_from_slice(b"blk.0.ffn_gXte.weight");
    let file = GgufFile::parse("m.gguf", bytes).unwrap();
    let cfg = ModelConfig::from_gguf(&file).unwrap();
    let err = check_weights(&cfg.weights(Naming::Gguf, &file), &file).unwrap_err();
    assert_eq!(err.to_string(), "missing weight `blk.0.ffn_gate.weight`");
}
