//! Text ↔ token ids: Hugging Face `tokenizer.json`, or a byte-level BPE rebuilt from GGUF
//! metadata (`tokenizer.ggml.*`) so that ids equal llama.cpp's.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, Result};
use crate::gguf::{GgufFile, MetaValue};

/// A tokenizer plus what the model expects around the text.
pub struct TextTokenizer {
    inner: tokenizers::Tokenizer,
    /// Prepended to every prompt when the model wants a BOS token.
    bos: Option<u32>,
    hash: String,
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl TextTokenizer {
    /// From the bytes of a Hugging Face `tokenizer.json`. Special tokens (such as a BOS)
    /// are added the way the file's post-processor says.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<TextTokenizer> {
        // The tokenizers crate panics (`expect("Helper")`) on a syntax error inside some
        // components, and a panic ends the page: read the whole JSON first (found by fuzzing;
        // core/fuzz/regressions/tokenizer_json). Into a `Value`, not `IgnoredAny`, which skips
        // strings and numbers without decoding them, so a lone surrogate (`"\ud800"`) or a
        // number out of range (`1e999`) would reach the tokenizers crate's own parser.
        let text = std::str::from_utf8(bytes)
            .map_err(|e| CoreError::Tokenizer(format!("tokenizer.json is not UTF-8 text: {e}")))?;
        serde_json::from_str::<Value>(text)
            .map_err(|e| CoreError::Tokenizer(format!("tokenizer.json is not valid JSON: {e}")))?;
        let inner = tokenizers::Tokenizer::from_bytes(bytes)
            .map_err(|e| CoreError::Tokenizer(format!("tokenizer.json could not be read: {e}")))?;
        Ok(TextTokenizer {
            inner,
            bos: None,
            hash: hex_sha256(bytes),
        })
    }

    /// Rebuilds the tokenizer stored in a GGUF file. Supports llama.cpp's `gpt2` (byte-level
    /// BPE) model with the `default`/`gpt2`, `smollm`-style (digits split) and `llama-bpe`
    /// pre-tokenisers.
    pub fn from_gguf(file: &GgufFile) -> Result<TextTokenizer> {
        let model = file.str("tokenizer.ggml.model")?;
        if model != "gpt2" {
            return Err(CoreError::Unsupported(format!(
                "GGUF tokenizer model `{model}`; only byte-level BPE (`gpt2`) is rebuilt from GGUF — load the model's tokenizer.json alongside the GGUF"
            )));
        }
        let pre = file
            .get("tokenizer.ggml.pre")
            .and_then(MetaValue::as_str)
            .unwrap_or("default");
        let strings = |key: &str| -> Result<Vec<&str>> {
            file.get(key)
                .and_then(MetaValue::as_array)
                .ok_or_else(|| CoreError::Tokenizer(format!("GGUF metadata `{key}` is missing")))?
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| CoreError::Tokenizer(format!("`{key}` holds a non-string")))
                })
                .collect()
        };
        let tokens = strings("tokenizer.ggml.tokens")?;
        let merges = strings("tokenizer.ggml.merges")?;
        let types: Vec<i64> = file
            .get("tokenizer.ggml.token_type")
            .and_then(MetaValue::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| if let MetaValue::Int(i) = v { *i } else { 1 })
                    .collect()
            })
            .unwrap_or_default();
        let vocab: serde_json::Map<String, Value> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), json!(i)))
            .collect();
        // Control (3) and user-defined (4) tokens are matched whole before BPE, as in llama.cpp.
        let added: Vec<Value> = types
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == 3 || **t == 4)
            // A hostile file may list more token types than tokens: ignore the extra ones.
            .filter_map(|(i, t)| tokens.get(i).map(|content| (i, t, content)))
            .map(|(i, t, content)| json!({"id": i, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": *t == 3}))
            .collect();
        let byte_level = |use_regex: bool| json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": use_regex});
        let pre_tokenizer = match pre {
            "default" | "gpt2" | "gpt-2" => byte_level(true),
            "smollm" | "starcoder" | "refact" | "codeshell" | "command-r" | "exaone"
            | "minerva-7b" => json!({
                "type": "Sequence",
                "pretokenizers": [{"type": "Digits", "individual_digits": true}, byte_level(true)]
            }),
            "llama-bpe" | "llama3" => json!({
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": false},
                    byte_level(false)
                ]
            }),
            other => {
                return Err(CoreError::Unsupported(format!(
                    "GGUF pre-tokenizer `{other}`; load the model's tokenizer.json alongside the GGUF"
                )));
            }
        };
        let spec = json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": added,
            "normalizer": null,
            "pre_tokenizer": pre_tokenizer,
            "post_processor": null,
            "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
            "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                      "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocab, "merges": merges}
        });
        let bytes = serde_json::to_vec(&spec).expect("JSON value serialises");
        let mut tok = Self::from_json_bytes(&bytes)?;
        let add_bos = file
            .get("tokenizer.ggml.add_bos_token")
            .and_then(MetaValue::as_bool)
            .unwrap_or(false);
        if add_bos {
            tok.bos = file
                .get("tokenizer.ggml.bos_token_id")
                .and_then(MetaValue::as_usize)
                .map(|b| b as u32);
        }
        Ok(tok)
    }

    /// Token ids of `text` as the model sees it (BOS included when the model wants one).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode(text, true)
            .map_err(|e| CoreError::Tokenizer(format!("could not tokenise {text:?}: {e}")))?;
        Ok(self
            .bos
            .into_iter()
            .chain(enc.get_ids().iter().copied())
            .collect())
    }

    /// Token ids of `text` with no special tokens added (for answers such as " Italy").
    pub fn encode_plain(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| CoreError::Tokenizer(format!("could not tokenise {text:?}: {e}")))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Text of a sequence of ids.
    pub fn decode(&self, ids: &[u32]) -> String {
        self.inner.decode(ids, false).unwrap_or_default()
    }

    /// Text of one token (as it would print), e.g. `" Italy"`.
    pub fn token_text(&self, id: u32) -> String {
        self.decode(&[id])
    }

    /// The first id, among those both tokenizers know, spelled differently by the two, with
    /// both spellings; `None` when they agree (one may have extra ids: converters pad).
    pub fn first_difference(&self, other: &TextTokenizer) -> Option<(u32, String, String)> {
        let n = self.vocab_size().min(other.vocab_size()) as u32;
        let spell = |t: &TextTokenizer, id| t.inner.id_to_token(id).unwrap_or_default();
        (0..n)
            .map(|id| (id, spell(self, id), spell(other, id)))
            .find(|(_, a, b)| a != b)
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The largest token id the tokenizer can produce (vocabulary, added tokens and BOS), or
    /// `None` for an empty vocabulary: every id must index the model's embedding.
    pub fn max_id(&self) -> Option<u32> {
        self.inner
            .get_vocab(true)
            .into_values()
            .chain(self.bos)
            .max()
    }

    /// SHA-256 of the tokenizer definition (recorded in results).
    pub fn hash(&self) -> &str {
        &self.hash
    }
}
