//! GGUF v2/v3 reader (llama.cpp's single-file format): metadata, tensor table and tensor data.
//!
//! Spec: magic `GGUF`, version, tensor count, metadata count, metadata key/values, tensor infos
//! (name, dims innermost-first, type, offset), padding to `general.alignment`, then data.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bytes::Reader;
use crate::dequant::{self, DType};
use crate::error::{CoreError, Result};
use crate::{HostTensor, WeightSource};

/// Most dimensions a GGUF tensor may have.
const MAX_DIMS: u32 = 4;
/// Deepest nesting of metadata arrays we accept.
const MAX_ARRAY_DEPTH: usize = 2;

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// Any integer type, widened.
    Int(i64),
    /// Unsigned 64-bit values that do not fit `i64`.
    UInt(u64),
    /// `f32` or `f64`, widened.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// UTF-8 string (invalid bytes replaced).
    Str(String),
    /// Array of values.
    Array(Vec<MetaValue>),
}

impl MetaValue {
    /// As a non-negative integer.
    pub fn as_usize(&self) -> Option<usize> {
        match *self {
            MetaValue::Int(i) => usize::try_from(i).ok(),
            MetaValue::UInt(u) => usize::try_from(u).ok(),
            _ => None,
        }
    }
    /// As a float (integers convert).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            MetaValue::Float(f) => Some(f),
            MetaValue::Int(i) => Some(i as f64),
            MetaValue::UInt(u) => Some(u as f64),
            _ => None,
        }
    }
    /// As a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetaValue::Str(s) => Some(s),
            _ => None,
        }
    }
    /// As a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            MetaValue::Bool(b) => Some(b),
            _ => None,
        }
    }
    /// As an array.
    pub fn as_array(&self) -> Option<&[MetaValue]> {
        match self {
            MetaValue::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// Where one tensor lives in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    /// Tensor name (`blk.0.attn_q.weight`, …).
    pub name: String,
    /// Shape outermost first (PyTorch order; GGUF stores it innermost first).
    pub shape: Vec<usize>,
    /// Element encoding.
    pub dtype: DType,
    /// Absolute byte range in the file.
    pub start: usize,
    /// Byte length.
    pub len: usize,
}

/// A parsed GGUF file that holds (a share of) its bytes.
pub struct GgufFile {
    name: String,
    bytes: Arc<Vec<u8>>,
    /// Metadata key → value.
    pub meta: BTreeMap<String, MetaValue>,
    /// Tensor table in file order.
    pub tensors: Vec<TensorInfo>,
}

fn ggml_type(id: u32) -> std::result::Result<DType, String> {
    Ok(match id {
        0 => DType::F32,
        1 => DType::F16,
        2 => DType::Q4_0,
        3 => DType::Q4_1,
        8 => DType::Q8_0,
        30 => DType::BF16,
        other => {
            let name = match other {
                6 => "Q5_0",
                7 => "Q5_1",
                9 => "Q8_1",
                10 => "Q2_K",
                11 => "Q3_K",
                12 => "Q4_K",
                13 => "Q5_K",
                14 => "Q6_K",
                15 => "Q8_K",
                16..=23 | 29 => "IQ (importance-matrix) quantisation",
                24 => "I8",
                25 => "I16",
                26 => "I32",
                27 => "I64",
                28 => "F64",
                _ => "unknown",
            };
            return Err(format!("{name} (type id {other})"));
        }
    })
}

fn read_string(r: &mut Reader) -> Result<String> {
    let n = r.count(1)?;
    Ok(String::from_utf8_lossy(r.take(n)?).into_owned())
}

fn read_value(r: &mut Reader, ty: u32, depth: usize) -> Result<MetaValue> {
    Ok(match ty {
        0 => MetaValue::Int(r.u8()? as i64),
        1 => MetaValue::Int(r.u8()? as i8 as i64),
        2 => MetaValue::Int(r.u16()? as i64),
        3 => MetaValue::Int(r.u16()? as i16 as i64),
        4 => MetaValue::Int(r.u32()? as i64),
        5 => MetaValue::Int(r.u32()? as i32 as i64),
        6 => MetaValue::Float(r.f32()? as f64),
        7 => MetaValue::Bool(r.u8()? != 0),
        8 => MetaValue::Str(read_string(r)?),
        9 => {
            if depth >= MAX_ARRAY_DEPTH {
                return Err(r.error("metadata arrays nested too deeply"));
            }
            let item_ty = r.u32()?;
            let n = r.count(1)?;
            let mut items = Vec::with_capacity(n.min(1 << 20));
            for _ in 0..n {
                items.push(read_value(r, item_ty, depth + 1)?);
            }
            MetaValue::Array(items)
        }
        10 => {
            let u = r.u64()?;
            i64::try_from(u).map_or(MetaValue::UInt(u), MetaValue::Int)
        }
        11 => MetaValue::Int(r.u64()? as i64),
        12 => MetaValue::Float(r.f64()?),
        other => return Err(r.error(format!("unknown metadata value type {other}"))),
    })
}

impl GgufFile {
    /// Parses the header and tensor table of `bytes` (file name `name` is used in messages).
    /// Checks that every tensor lies inside the file and has a supported type.
    /// Takes the bytes by value or shared (`Arc`), so a caller that keeps them needs no copy.
    pub fn parse(name: &str, bytes: impl Into<Arc<Vec<u8>>>) -> Result<GgufFile> {
        let bytes = bytes.into();
        let mut r = Reader::new(&bytes, name);
        if r.take(4).ok() != Some(b"GGUF".as_slice()) {
            return Err(CoreError::bad_file(
                name,
                "not a GGUF file (missing the `GGUF` magic)",
            ));
        }
        let version = r.u32()?;
        if !(2..=3).contains(&version) {
            return Err(CoreError::bad_file(
                name,
                format!("GGUF version {version} is not supported (we read versions 2 and 3)"),
            ));
        }
        let n_tensors = r.count(8 + 4 + 4 + 8)?;
        let n_meta = r.count(8 + 4)?;
        let mut meta = BTreeMap::new();
        for _ in 0..n_meta {
            let key = read_string(&mut r)?;
            let ty = r.u32()?;
            let value = read_value(&mut r, ty, 0)?;
            meta.insert(key, value);
        }
        let mut raw_infos = Vec::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let tname = read_string(&mut r)?;
            let n_dims = r.u32()?;
            if n_dims == 0 || n_dims > MAX_DIMS {
                return Err(r.error(format!("tensor `{tname}` has {n_dims} dimensions")));
            }
            let mut dims = Vec::with_capacity(n_dims as usize);
            for _ in 0..n_dims {
                dims.push(r.u64()?);
            }
            let ty = r.u32()?;
            let offset = r.u64()?;
            raw_infos.push((tname, dims, ty, offset));
        }
        let alignment = meta
            .get("general.alignment")
            .and_then(MetaValue::as_usize)
            .unwrap_or(32);
        if alignment == 0 || !alignment.is_power_of_two() || alignment > 1 << 16 {
            return Err(CoreError::bad_file(
                name,
                format!("invalid alignment {alignment}"),
            ));
        }
        let data_start = r.pos().div_ceil(alignment) * alignment;
        let mut tensors = Vec::with_capacity(raw_infos.len());
        for (tname, dims, ty, offset) in raw_infos {
            let dtype = ggml_type(ty).map_err(|t| {
                CoreError::Unsupported(format!(
                    "{name}: tensor `{tname}` has type {t}; supported types are F32, F16, BF16, Q8_0, Q4_0 and Q4_1"
                ))
            })?;
            let numel = dims
                .iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(d))
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    CoreError::bad_file(name, format!("tensor `{tname}` is impossibly large"))
                })?;
            let len = dtype.byte_len(numel).ok_or_else(|| {
                CoreError::bad_file(name, format!("tensor `{tname}` ({numel} values) is not a whole number of {dtype:?} blocks"))
            })?;
            let start = usize::try_from(offset)
                .ok()
                .and_then(|o| o.checked_add(data_start))
                .filter(|&s| s.checked_add(len).is_some_and(|end| end <= bytes.len()))
                .ok_or_else(|| {
                    CoreError::bad_file(
                        name,
                        format!(
                            "file is truncated: tensor `{tname}` lies beyond its end ({} bytes)",
                            bytes.len()
                        ),
                    )
                })?;
            tensors.push(TensorInfo {
                name: tname,
                shape: dims.iter().rev().map(|&d| d as usize).collect(),
                dtype,
                start,
                len,
            });
        }
        Ok(GgufFile {
            name: name.to_string(),
            bytes,
            meta,
            tensors,
        })
    }

    /// A metadata value.
    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.meta.get(key)
    }

    /// A required integer metadata value.
    pub fn usize(&self, key: &str) -> Result<usize> {
        self.get(key).and_then(MetaValue::as_usize).ok_or_else(|| {
            CoreError::bad_file(
                &self.name,
                format!("metadata `{key}` is missing or not an integer"),
            )
        })
    }

    /// A required string metadata value.
    pub fn str(&self, key: &str) -> Result<&str> {
        self.get(key).and_then(MetaValue::as_str).ok_or_else(|| {
            CoreError::bad_file(
                &self.name,
                format!("metadata `{key}` is missing or not a string"),
            )
        })
    }

    /// The file name given at parse time.
    pub fn file_name(&self) -> &str {
        &self.name
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn info(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

impl WeightSource for GgufFile {
    fn tensor(&self, name: &str) -> Result<HostTensor> {
        let info = self
            .info(name)
            .ok_or_else(|| CoreError::MissingWeight(name.to_string()))?;
        let numel = info.shape.iter().product();
        let data = dequant::decode(
            info.dtype,
            &self.bytes[info.start..info.start + info.len],
            numel,
        );
        Ok(HostTensor {
            shape: info.shape.clone(),
            data,
        })
    }

    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.info(name).map(|t| t.shape.clone())
    }

    fn names(&self) -> Vec<String> {
        self.tensors.iter().map(|t| t.name.clone()).collect()
    }
}
