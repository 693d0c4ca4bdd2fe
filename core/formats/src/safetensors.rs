//! Hugging Face safetensors: an 8-byte header length, a JSON header mapping names to
//! `{dtype, shape, data_offsets}`, then the raw data. Sharded checkpoints are several such
//! files plus `model.safetensors.index.json`; [`SafetensorsSet`] reads them as one source.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::bytes::Reader;
use crate::dequant::{self, DType};
use crate::error::{CoreError, Result};
use crate::{HostTensor, WeightSource};

/// Largest JSON header we accept (the format's own limit is 100 MB).
pub const MAX_HEADER_BYTES: usize = 100 << 20;

#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

struct Slot {
    shape: Vec<usize>,
    dtype: DType,
    start: usize,
    end: usize,
}

/// One parsed safetensors file that holds (a share of) its bytes.
pub struct SafetensorsFile {
    bytes: Arc<Vec<u8>>,
    entries: Vec<(String, Slot)>,
}

impl SafetensorsFile {
    /// Parses and validates the header of `bytes` (file `name` for messages).
    /// Takes the bytes by value or shared (`Arc`), so a caller that keeps them needs no copy.
    pub fn parse(name: &str, bytes: impl Into<Arc<Vec<u8>>>) -> Result<SafetensorsFile> {
        let bytes = bytes.into();
        let mut r = Reader::new(&bytes, name);
        let header_len = r
            .u64()
            .map_err(|_| CoreError::bad_file(name, "not a safetensors file (too short)"))?;
        let header_len = usize::try_from(header_len)
            .ok()
            .filter(|&n| n <= MAX_HEADER_BYTES)
            .ok_or_else(|| {
                CoreError::bad_file(
                    name,
                    format!("not a safetensors file (header length {header_len})"),
                )
            })?;
        let header = r.take(header_len).map_err(|_| {
            CoreError::bad_file(
                name,
                "not a safetensors file, or truncated (header runs past the end)",
            )
        })?;
        let data_start = 8 + header_len;
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(header).map_err(|e| {
                CoreError::bad_file(
                    name,
                    format!("not a safetensors file (header is not JSON: {e})"),
                )
            })?;
        let data_len = bytes.len() - data_start;
        let mut entries = Vec::new();
        for (tname, value) in map {
            if tname == "__metadata__" {
                continue;
            }
            let e: Entry = serde_json::from_value(value).map_err(|err| {
                CoreError::bad_file(name, format!("bad header entry `{tname}`: {err}"))
            })?;
            let dtype = match e.dtype.as_str() {
                "F32" => DType::F32,
                "F16" => DType::F16,
                "BF16" => DType::BF16,
                other => {
                    return Err(CoreError::Unsupported(format!(
                        "{name}: tensor `{tname}` has dtype {other}; supported are F32, F16 and BF16"
                    )));
                }
            };
            let [start, end] = e.data_offsets;
            let numel = e
                .shape
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .ok_or_else(|| {
                    CoreError::bad_file(name, format!("tensor `{tname}` is impossibly large"))
                })?;
            if end > data_len || start > end {
                return Err(CoreError::bad_file(
                    name,
                    format!("file is truncated: tensor `{tname}` lies beyond its end"),
                ));
            }
            if dtype.byte_len(numel) != Some(end - start) {
                return Err(CoreError::bad_file(
                    name,
                    format!(
                        "tensor `{tname}`: shape {:?} does not match its {} bytes",
                        e.shape,
                        end - start
                    ),
                ));
            }
            entries.push((
                tname,
                Slot {
                    shape: e.shape,
                    dtype,
                    start: data_start + start,
                    end: data_start + end,
                },
            ));
        }
        Ok(SafetensorsFile { bytes, entries })
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }
}

/// One or more safetensors files (shards) read as one weight source.
#[derive(Default)]
pub struct SafetensorsSet {
    files: Vec<SafetensorsFile>,
}

impl SafetensorsSet {
    /// Adds a parsed shard.
    pub fn push(&mut self, file: SafetensorsFile) {
        self.files.push(file);
    }

    /// Whether no shard was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl WeightSource for SafetensorsSet {
    fn tensor(&self, name: &str) -> Result<HostTensor> {
        let slot = self
            .files
            .iter()
            .find_map(|f| f.slot(name).map(|s| (f, s)))
            .ok_or_else(|| CoreError::MissingWeight(name.to_string()));
        let (file, slot) = slot?;
        let numel = slot.shape.iter().product();
        Ok(HostTensor {
            shape: slot.shape.clone(),
            data: dequant::decode(slot.dtype, &file.bytes[slot.start..slot.end], numel),
        })
    }

    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.files
            .iter()
            .find_map(|f| f.slot(name).map(|s| s.shape.clone()))
    }

    fn names(&self) -> Vec<String> {
        self.files
            .iter()
            .flat_map(|f| f.entries.iter().map(|(n, _)| n.clone()))
            .collect()
    }
}
