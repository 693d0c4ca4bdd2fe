//! The files a user gives us for one model, and turning them into a [`LoadedModel`].

use std::sync::Arc;

use burn::tensor::Device;
use sha2::{Digest, Sha256};

use super::gguf::GgufFile;
use super::safetensors::{SafetensorsFile, SafetensorsSet};
use crate::engine::Engine;
use crate::error::{CoreError, Result};
use crate::models::config::weights::check_weights;
use crate::models::gpt2::Gpt2;
use crate::models::layers::Placement;
use crate::models::llama::{Llama, Naming};
use crate::models::neox::NeoX;
use crate::models::{Arch, Architecture, Model, ModelConfig, WeightPrecision};

use crate::tokenizer::TextTokenizer;
pub use activscalar_types::model::{ModelInfo, ModelOrigin};

/// A file's name and contents (the browser has no file system). Cloning shares the contents:
/// the page keeps a model's files to reload it after a lost GPU device without a second copy.
#[derive(Clone)]
pub struct NamedBytes {
    /// File name as the user gave it.
    pub name: String,
    /// Contents.
    pub bytes: Arc<Vec<u8>>,
}

impl NamedBytes {
    /// A file from its name and contents.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> NamedBytes {
        NamedBytes {
            name: name.into(),
            bytes: Arc::new(bytes),
        }
    }
}

/// Model files: one GGUF, or a Hugging Face folder's files.
pub enum ModelFiles {
    /// A single `.gguf`; `tokenizer` optionally overrides the one in its metadata.
    Gguf {
        /// The GGUF file.
        file: NamedBytes,
        /// Optional `tokenizer.json`.
        tokenizer: Option<Vec<u8>>,
    },
    /// `config.json` + `tokenizer.json` + one or more `*.safetensors` shards.
    HuggingFace {
        /// Contents of `config.json`.
        config: String,
        /// Contents of `tokenizer.json`.
        tokenizer: Vec<u8>,
        /// The safetensors shards.
        shards: Vec<NamedBytes>,
    },
}

impl ModelFiles {
    /// Sorts a set of dropped files into a model: one `.gguf` (plus an optional
    /// `tokenizer.json`), or `config.json` + `tokenizer.json` + `*.safetensors`.
    pub fn from_named(files: Vec<NamedBytes>) -> Result<ModelFiles> {
        let mut gguf = None;
        let (mut config, mut tokenizer, mut shards, mut other) =
            (None, None, Vec::new(), Vec::new());
        for f in files {
            let lower = f.name.to_lowercase();
            if lower.ends_with(".gguf") {
                gguf = Some(f);
            } else if lower.ends_with("config.json")
                && !lower.contains("tokenizer")
                && !lower.contains("generation")
            {
                config = Some(f);
            } else if lower.ends_with("tokenizer.json") {
                tokenizer = Some(Arc::unwrap_or_clone(f.bytes));
            } else if lower.ends_with(".safetensors") {
                shards.push(f);
            } else if !lower.ends_with(".json")
                && !lower.ends_with(".md")
                && !lower.ends_with(".txt")
            {
                other.push(f.name);
            }
        }
        if let Some(file) = gguf {
            return Ok(ModelFiles::Gguf { file, tokenizer });
        }
        let missing: Vec<&str> = [
            (config.is_none(), "config.json"),
            (tokenizer.is_none(), "tokenizer.json"),
            (shards.is_empty(), "model.safetensors"),
        ]
        .iter()
        .filter(|(m, _)| *m)
        .map(|(_, n)| *n)
        .collect();
        if !missing.is_empty() {
            let extra = if other.is_empty() {
                String::new()
            } else {
                format!(" (not model files: {})", other.join(", "))
            };
            return Err(CoreError::Input(format!(
                "expected a .gguf file, or config.json + tokenizer.json + *.safetensors; missing {}{extra}",
                missing.join(", ")
            )));
        }
        let config = String::from_utf8(Arc::unwrap_or_clone(config.expect("checked").bytes))
            .map_err(|_| CoreError::bad_file("config.json", "not UTF-8 text"))?;
        Ok(ModelFiles::HuggingFace {
            config,
            tokenizer: tokenizer.expect("checked"),
            shards,
        })
    }

    /// Reads a `.gguf` file or a Hugging Face folder from disk (native only).
    #[cfg(not(target_family = "wasm"))]
    pub fn from_path(path: &std::path::Path) -> Result<ModelFiles> {
        let read = |p: &std::path::Path| {
            std::fs::read(p).map(|bytes| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                NamedBytes::new(name.unwrap_or_default(), bytes)
            })
        };
        let io = |p: &std::path::Path, e: std::io::Error| {
            CoreError::Input(format!("{}: {e}", p.display()))
        };
        if path.is_dir() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(path).map_err(|e| io(path, e))? {
                let p = entry.map_err(|e| io(path, e))?.path();
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                if name.ends_with(".safetensors")
                    || name == "config.json"
                    || name == "tokenizer.json"
                    || name.ends_with(".gguf")
                {
                    files.push(read(&p).map_err(|e| io(&p, e))?);
                }
            }
            files.sort_by(|a, b| a.name.cmp(&b.name));
            Self::from_named(files)
        } else {
            let f = read(path).map_err(|e| io(path, e))?;
            Self::from_named(vec![f])
        }
    }
}

/// A model ready to run, with its tokenizer.
pub struct LoadedModel {
    /// The network on its device.
    pub model: Model,
    /// Its tokenizer.
    pub tokenizer: TextTokenizer,
    /// Facts about it.
    pub info: ModelInfo,
}

fn sha256_hex<'a>(parts: impl Iterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses, checks and uploads a model to `device` with f32 weights.
pub fn load_model(files: ModelFiles, device: &Device) -> Result<LoadedModel> {
    let at = Placement {
        device: device.clone(),
        precision: WeightPrecision::F32,
    };
    load_checked(files, &at, |_| Ok(()))
}

/// Like [`load_model`], onto `engine`'s device with the weight matrices in `precision`
/// (converted on the host before the upload). First checks that the engine supports the
/// precision and, on a GPU, that the model's largest weight fits the device's buffer limits,
/// so nothing is uploaded that cannot run.
pub fn load_model_on(
    files: ModelFiles,
    engine: &Engine,
    precision: WeightPrecision,
) -> Result<LoadedModel> {
    let at = Placement {
        device: engine.device.clone(),
        precision,
    };
    load_checked(files, &at, |c| engine.check_fits(c, precision))
}

fn load_checked(
    files: ModelFiles,
    at: &Placement,
    fits: impl Fn(&ModelConfig) -> Result<()>,
) -> Result<LoadedModel> {
    match files {
        ModelFiles::Gguf { file, tokenizer } => {
            let weights_sha256 = sha256_hex(std::iter::once(file.bytes.as_slice()));
            let gguf = GgufFile::parse(&file.name, file.bytes)?;
            let config = ModelConfig::from_gguf(&gguf)?;
            let has_tokenizer = tokenizer.is_some();
            let tokenizer = match tokenizer {
                Some(json) => {
                    let given = TextTokenizer::from_json_bytes(&json)?;
                    check_same_tokenizer(&given, &gguf)?;
                    given
                }
                None => TextTokenizer::from_gguf(&gguf)?,
            };
            check_vocab(&config, &tokenizer)?;
            check_weights(&config.weights(Naming::Gguf, &gguf), &gguf)?;
            fits(&config)?;
            let arch = Llama::load(config.clone(), &gguf, Naming::Gguf, at)?;
            let mut names = vec![file.name.as_str()];
            if has_tokenizer {
                names.push("tokenizer.json");
            }
            let origin = ModelOrigin::files(names);
            Ok(finish(
                Box::new(arch),
                tokenizer,
                (file.name.clone(), origin),
                weights_sha256,
                at,
            ))
        }
        ModelFiles::HuggingFace {
            config,
            tokenizer,
            shards,
        } => {
            let config = ModelConfig::from_hf_json(&config)?;
            let tokenizer = TextTokenizer::from_json_bytes(&tokenizer)?;
            check_vocab(&config, &tokenizer)?;
            fits(&config)?;
            let weights_sha256 = sha256_hex(shards.iter().map(|s| s.bytes.as_slice()));
            let source = shards.first().map(|s| s.name.clone()).unwrap_or_default();
            let origin = ModelOrigin::files(
                ["config.json", "tokenizer.json"]
                    .into_iter()
                    .chain(shards.iter().map(|s| s.name.as_str())),
            );
            let mut set = SafetensorsSet::default();
            for s in shards {
                set.push(SafetensorsFile::parse(&s.name, s.bytes)?);
            }
            check_weights(&config.weights(Naming::HuggingFace, &set), &set)?;
            let arch: Box<dyn Architecture> = match config.arch {
                Arch::Gpt2 => Box::new(Gpt2::load(config, &set, at)?),
                Arch::NeoX => Box::new(NeoX::load(config, &set, at)?),
                Arch::Llama => Box::new(Llama::load(config, &set, Naming::HuggingFace, at)?),
            };
            Ok(finish(
                arch,
                tokenizer,
                (source, origin),
                weights_sha256,
                at,
            ))
        }
    }
}

/// A tokenizer.json given with a GGUF must spell every id as the GGUF's own tokenizer does
/// (when the GGUF has one).
fn check_same_tokenizer(given: &TextTokenizer, gguf: &GgufFile) -> Result<()> {
    let Ok(embedded) = TextTokenizer::from_gguf(gguf) else {
        return Ok(());
    };
    match embedded.first_difference(given) {
        None => Ok(()),
        Some((id, inside, given)) => Err(CoreError::Input(format!(
            "tokenizer.json does not match the tokenizer inside {}: token {id} is {inside:?} there and {given:?} in tokenizer.json; tokenizer and weights come from different models",
            gguf.file_name()
        ))),
    }
}

/// The tokenizer may know fewer ids than the embedding has rows (padding), never more.
fn check_vocab(config: &ModelConfig, tokenizer: &TextTokenizer) -> Result<()> {
    if tokenizer.vocab_size() > config.vocab_size {
        return Err(CoreError::Input(format!(
            "the tokenizer has {} tokens but the model only {}: tokenizer and weights come from different models",
            tokenizer.vocab_size(),
            config.vocab_size
        )));
    }
    // Ids index the embedding's rows: a sparse vocabulary (or a BOS id) past them would read
    // out of bounds later.
    match tokenizer.max_id() {
        Some(id) if id as usize >= config.vocab_size => Err(CoreError::Input(format!(
            "the tokenizer has a token id {id}, but the model's embedding has only {} rows: tokenizer and weights come from different models",
            config.vocab_size
        ))),
        _ => Ok(()),
    }
}

fn finish(
    arch: Box<dyn Architecture>,
    tokenizer: TextTokenizer,
    (source, origin): (String, ModelOrigin),
    weights_sha256: String,
    at: &Placement,
) -> LoadedModel {
    let config = arch.config().clone();
    let info = ModelInfo {
        source,
        n_params: usize::try_from(config.n_params()).unwrap_or(usize::MAX),
        config,
        weights_sha256,
        tokenizer_sha256: tokenizer.hash().to_string(),
        origin,
    };
    LoadedModel {
        model: Model::new(arch, at.device.clone(), at.precision),
        tokenizer,
        info,
    }
}
