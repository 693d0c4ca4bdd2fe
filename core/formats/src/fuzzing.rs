//! Fuzz target bodies: each takes arbitrary bytes and must return without panicking, hanging
//! or allocating beyond what the input can justify. `core/fuzz` runs them under libFuzzer
//! (scripts/fuzz.sh); `tests/fuzz_smoke.rs` replays seeds, regressions and seeded mutations
//! on stable Rust in the normal test suite.

use crate::WeightSource;
use crate::gguf::GgufFile;
use crate::safetensors::SafetensorsFile;
use crate::tokenizer::TextTokenizer;

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// All targets by name, for the smoke test and the replay of regressions.
pub const TARGETS: &[(&str, Target)] = &[
    ("gguf", gguf),
    ("safetensors", safetensors),
    ("tokenizer_json", tokenizer_json),
    ("task_rows", task_rows),
    ("permalink", permalink),
];

/// Decodes every tensor: each is bounded by the file's bytes, so this is cheap.
fn decode_all(source: &dyn WeightSource) {
    for name in source.names() {
        let t = source.tensor(&name).expect("a listed tensor decodes");
        assert_eq!(t.data.len(), t.numel());
    }
}

fn exercise(tok: &TextTokenizer) {
    for text in [
        "Rome is the capital of France. Rome is in",
        " Italy",
        "",
        "12 345",
    ] {
        if let Ok(ids) = tok.encode(text) {
            let _ = tok.decode(&ids);
        }
    }
    let _ = tok.token_text(0);
}

/// GGUF: header, metadata, tensor table, dequantisation, and the tokenizer rebuilt from it.
pub fn gguf(data: &[u8]) {
    let Ok(file) = GgufFile::parse("fuzz.gguf", data.to_vec()) else {
        return;
    };
    decode_all(&file);
    if let Ok(tok) = TextTokenizer::from_gguf(&file) {
        exercise(&tok);
    }
}

/// safetensors: header JSON, tensor table, decoding.
pub fn safetensors(data: &[u8]) {
    let Ok(file) = SafetensorsFile::parse("fuzz.safetensors", data.to_vec()) else {
        return;
    };
    let mut set = crate::safetensors::SafetensorsSet::default();
    set.push(file);
    decode_all(&set);
}

/// `tokenizer.json`, then encoding and decoding a few strings.
pub fn tokenizer_json(data: &[u8]) {
    if let Ok(tok) = TextTokenizer::from_json_bytes(data) {
        exercise(&tok);
    }
}

/// Custom task text: CSV, JSONL or `prompt | correct | wrong` lines.
pub fn task_rows(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::custom::parse(text);
    }
}

/// The permalink container; the header's `leaves` (a list of sizes), if any, is the shape.
pub fn permalink(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::link::unpack(text, 1, |header| {
        let sizes = header
            .get("leaves")
            .and_then(|l| l.as_array())
            .map(|a| a.iter().map(|v| v.as_u64().unwrap_or(0) as usize).collect())
            .unwrap_or_default();
        Ok(((), sizes))
    });
}
