//! Building blocks shared by the architectures: linear layers, norms, RoPE and causal
//! multi-head attention with grouped key/value heads. Layers are burn [`Module`]s whose
//! weights are [`Param`]s, loaded from a checkpoint (never trained: a fit trains θ only).

use burn::module::{Module, Param};
use burn::tensor::{Bool, DType, Device, Int, Tensor, TensorData, activation};

use super::WeightPrecision;
use super::config::{Activation, ModelConfig};
use super::names::Scope;
use crate::error::{CoreError, Result};
use crate::loaders::{HostTensor, WeightSource};

/// Where a model's weights go: the device, and the precision of its weight matrices.
#[derive(Clone)]
pub struct Placement {
    /// The device every weight is uploaded to.
    pub device: Device,
    /// How the matrices (linear layers, token embedding, unembedding) are stored.
    pub precision: WeightPrecision,
}

/// Uploads a host tensor after checking its shape, as f32.
pub fn upload<const D: usize>(
    name: &str,
    t: HostTensor,
    expected: [usize; D],
    device: &Device,
) -> Result<Tensor<D>> {
    upload_as(name, t, expected, device, DType::F32)
}

/// Uploads a weight matrix in the placement's precision. An f16 matrix is converted on the
/// host, so only half the bytes are uploaded and no f32 copy exists on the device.
pub fn upload_matrix(
    name: &str,
    t: HostTensor,
    expected: [usize; 2],
    at: &Placement,
) -> Result<Tensor<2>> {
    upload_as(name, t, expected, &at.device, super::dtype(at.precision))
}

fn upload_as<const D: usize>(
    name: &str,
    t: HostTensor,
    expected: [usize; D],
    device: &Device,
    dtype: DType,
) -> Result<Tensor<D>> {
    if t.shape != expected {
        return Err(CoreError::WrongShape {
            name: name.to_string(),
            found: t.shape,
            expected: expected.to_vec(),
        });
    }
    Ok(Tensor::from_data(
        TensorData::new(t.data, expected),
        (device, dtype),
    ))
}

/// Reads and uploads `name` with the given shape, as f32.
pub fn load<const D: usize>(
    src: &dyn WeightSource,
    name: &str,
    shape: [usize; D],
    device: &Device,
) -> Result<Tensor<D>> {
    upload(name, src.tensor(name)?, shape, device)
}

/// Reads and uploads the weight matrix `name` in the placement's precision.
pub fn load_matrix(
    src: &dyn WeightSource,
    name: &str,
    shape: [usize; 2],
    at: &Placement,
) -> Result<Tensor<2>> {
    upload_matrix(name, src.tensor(name)?, shape, at)
}

/// How a checkpoint stores a linear layer's weight matrix.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `[out, in]` (PyTorch `nn.Linear`, GGUF).
    OutIn,
    /// `[in, out]` (GPT-2's `Conv1D`).
    InOut,
}

/// y = x·W + b with W stored `[in, out]`. Not burn-nn's `Linear`: the weight may be f16 while
/// activations stay f32 (see [`matmul_rows`]), and `[batch, seq, in]` inputs run as one GEMM.
#[derive(Module, Debug)]
pub struct Linear {
    /// `[in, out]`.
    pub weight: Param<Tensor<2>>,
    /// `[out]`.
    pub bias: Option<Param<Tensor<1>>>,
}

impl Linear {
    /// Loads `{scope}.weight` in the placement's precision (and `{scope}.bias` as f32 when
    /// `bias`).
    pub fn load(
        src: &dyn WeightSource,
        scope: &Scope,
        d_in: usize,
        d_out: usize,
        layout: Layout,
        bias: bool,
        at: &Placement,
    ) -> Result<Linear> {
        let name = scope.weight();
        let w = match layout {
            Layout::OutIn => load_matrix(src, &name, [d_out, d_in], at)?.transpose(),
            Layout::InOut => load_matrix(src, &name, [d_in, d_out], at)?,
        };
        let b = match bias {
            true => Some(load(src, &scope.bias(), [d_out], &at.device)?),
            false => None,
        };
        Ok(Linear::new(w, b))
    }

    /// The layer of weight `[in, out]` and optional bias `[out]`.
    pub fn new(weight: Tensor<2>, bias: Option<Tensor<1>>) -> Linear {
        Linear {
            weight: Param::from_tensor(weight),
            bias: bias.map(Param::from_tensor),
        }
    }

    /// `x` in the dtype of this layer's weight. When several layers read the same input
    /// (q/k/v, gate/up), casting it once up front makes their own casts no-ops. (With f16
    /// weights the branches' input gradients then add up in f16 before the one cast back.)
    pub fn cast_input(&self, x: Tensor<3>) -> Tensor<3> {
        x.cast(self.weight.dtype())
    }

    /// Applies the layer to `[batch, seq, in]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let y = matmul_rows(x, self.weight.val());
        match &self.bias {
            Some(b) => y + b.val().unsqueeze::<3>(),
            None => y,
        }
    }
}

/// `[batch, seq, in] × [in, out]` as one `[batch·seq, in]` product. A batched product against
/// a broadcast weight runs one small GEMM per prompt on burn's CPU backend, reading the whole
/// weight each time (for the unembedding, 113 MB per prompt); see docs/BENCHMARKS.md.
/// With a half-precision `w` the product is computed in f16 and returned as f32.
pub fn matmul_rows(x: Tensor<3>, w: Tensor<2>) -> Tensor<3> {
    let [b, s, d] = x.dims();
    let out = w.dims()[1];
    x.reshape([b * s, d])
        .cast(w.dtype())
        .matmul(w)
        .cast(DType::F32)
        .reshape([b, s, out])
}

/// LayerNorm (with bias) or RMSNorm (scale only). One type for both, unlike burn-nn's two,
/// because checkpoints of one architecture name and load them alike.
#[derive(Module, Debug)]
pub struct Norm {
    /// Scale γ.
    pub weight: Param<Tensor<1>>,
    /// Shift β; `None` means RMSNorm.
    pub bias: Option<Param<Tensor<1>>>,
    /// ε inside the square root.
    #[module(skip)]
    pub eps: f64,
}

impl Norm {
    /// LayerNorm from `{scope}.weight` and `{scope}.bias`.
    pub fn layer_norm(
        src: &dyn WeightSource,
        scope: &Scope,
        d: usize,
        eps: f64,
        device: &Device,
    ) -> Result<Norm> {
        Ok(Norm {
            weight: Param::from_tensor(load(src, &scope.weight(), [d], device)?),
            bias: Some(Param::from_tensor(load(src, &scope.bias(), [d], device)?)),
            eps,
        })
    }

    /// RMSNorm from `{scope}.weight`.
    pub fn rms_norm(
        src: &dyn WeightSource,
        scope: &Scope,
        d: usize,
        eps: f64,
        device: &Device,
    ) -> Result<Norm> {
        Ok(Norm {
            weight: Param::from_tensor(load(src, &scope.weight(), [d], device)?),
            bias: None,
            eps,
        })
    }

    /// Normalises the last axis of `[batch, seq, d]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let g = self.weight.val().unsqueeze::<3>();
        match &self.bias {
            Some(b) => {
                let (var, mean) = x.clone().var_mean_bias(2);
                (x - mean) / (var + self.eps).sqrt() * g + b.val().unsqueeze::<3>()
            }
            None => {
                let ms = x.clone().square().mean_dim(2);
                x / (ms + self.eps).sqrt() * g
            }
        }
    }
}

/// Rows of an embedding table `[vocab, d]` for `[batch, seq]` ids → `[batch, seq, d]`.
pub fn embed_tokens(table: &Param<Tensor<2>>, ids: Tensor<2, Int>) -> Tensor<3> {
    let [b, s] = ids.dims();
    let d = table.dims()[1];
    table
        .val()
        .select(0, ids.reshape([b * s]))
        .cast(DType::F32)
        .reshape([b, s, d])
}

/// Applies an MLP non-linearity.
pub fn activate(act: Activation, x: Tensor<3>) -> Tensor<3> {
    match act {
        Activation::GeluTanh => gelu_tanh(x),
        Activation::Gelu => activation::gelu(x),
        Activation::Silu => activation::silu(x),
        Activation::Relu => activation::relu(x),
    }
}

/// GELU's tanh approximation written as `x·σ(2u)`, `u = √(2/π)(x + 0.044715x³)` (equal, since
/// `(1 + tanh u)/2 = σ(2u)`). burn's `gelu_approximate` spends a third of a GPT-2 forward on
/// the CPU in scalar `powf` and `tanh`; products and one sigmoid vectorise.
fn gelu_tanh(x: Tensor<3>) -> Tensor<3> {
    const TWO_SQRT_2_OVER_PI: f64 = 2.0 * 0.797_884_560_802_865_4;
    let cube = x.clone() * x.clone() * x.clone();
    let u2 = (x.clone() + cube * 0.044715) * TWO_SQRT_2_OVER_PI;
    x * activation::sigmoid(u2)
}

/// Rotary position embedding tables for a list of positions (HF "rotate_half" convention on
/// the first `rotary_dim` dimensions of each head).
pub struct Rope {
    cos: Tensor<4>,
    sin: Tensor<4>,
    rotary_dim: usize,
}

impl Rope {
    /// Tables for `positions` (in the order of the rows they rotate).
    pub fn new(cfg: &ModelConfig, positions: &[usize], device: &Device) -> Rope {
        let (rd, seq) = (cfg.rotary_dim, positions.len());
        let half = rd / 2;
        let mut cos = Vec::with_capacity(seq * rd);
        let mut sin = Vec::with_capacity(seq * rd);
        for &pos in positions {
            let angles: Vec<f32> = (0..half)
                .map(|i| {
                    let inv = 1.0 / (cfg.rope_theta as f32).powf((2 * i) as f32 / rd as f32);
                    pos as f32 * inv
                })
                .collect();
            for _ in 0..2 {
                cos.extend(angles.iter().map(|a| a.cos()));
                sin.extend(angles.iter().map(|a| a.sin()));
            }
        }
        let shape = [1, 1, seq, rd];
        Rope {
            cos: Tensor::from_data(TensorData::new(cos, shape), device),
            sin: Tensor::from_data(TensorData::new(sin, shape), device),
            rotary_dim: rd,
        }
    }

    /// Rotates `[batch, heads, seq, head_dim]`.
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let hd = x.dims()[3];
        let rd = self.rotary_dim;
        let rot = if rd == hd {
            x.clone()
        } else {
            x.clone().narrow(3, 0, rd)
        };
        let half = rd / 2;
        let x1 = rot.clone().narrow(3, 0, half);
        let x2 = rot.clone().narrow(3, half, half);
        let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
        let out = rot * self.cos.clone() + rotated * self.sin.clone();
        if rd == hd {
            out
        } else {
            Tensor::cat(vec![out, x.narrow(3, rd, hd - rd)], 3)
        }
    }
}

/// Keys and values of one attention layer, after RoPE and before the heads are repeated:
/// `[b, n_kv_heads, s, head_dim]` each.
#[derive(Clone, Debug)]
pub struct KeyValues {
    /// Keys.
    pub k: Tensor<4>,
    /// Values.
    pub v: Tensor<4>,
}

impl KeyValues {
    /// Rows `start..start + n`.
    pub fn rows(&self, start: usize, n: usize) -> KeyValues {
        self.map(|t| t.narrow(0, start, n))
    }

    /// The first `n` positions.
    pub fn first(&self, n: usize) -> KeyValues {
        self.map(|t| t.narrow(2, 0, n))
    }

    /// Several row blocks as one (in order).
    pub fn cat(parts: Vec<KeyValues>) -> KeyValues {
        let (k, v) = parts.into_iter().map(|kv| (kv.k, kv.v)).unzip();
        KeyValues {
            k: Tensor::cat(k, 0),
            v: Tensor::cat(v, 0),
        }
    }

    fn map(&self, f: impl Fn(Tensor<4>) -> Tensor<4>) -> KeyValues {
        KeyValues {
            k: f(self.k.clone()),
            v: f(self.v.clone()),
        }
    }
}

/// Where the positions a block computes sit in their sequences: their rotary tables, the keys
/// and values of earlier positions they read, and which keys each may attend to.
#[derive(Clone, Copy, Default)]
pub struct Span<'a> {
    /// Rotary tables of the positions computed.
    pub rope: Option<&'a Rope>,
    /// Keys and values of `p` earlier positions (the same layer), read before the computed ones.
    pub past: Option<&'a KeyValues>,
    /// `[s, p + s]`, true where a computed position may not attend (over the `p` earlier
    /// positions, then the `s` computed ones). `None`: position p + i attends to 0..=p + i.
    pub mask: Option<&'a Tensor<2, Bool>>,
}

/// Causal scaled-dot-product attention. `q`: `[b, s, n_heads·hd]`, `k`/`v`: `[b, s, n_kv·hd]`
/// for the `s` positions computed; `span.past` holds the keys and values of `p` earlier
/// positions, and `span.mask` may replace the causal mask. Returns `[b, s, n_heads·hd]` (before
/// the output projection) and the `s` positions' keys and values.
pub fn causal_attention(
    q: Tensor<3>,
    k: Tensor<3>,
    v: Tensor<3>,
    cfg: &ModelConfig,
    span: Span<'_>,
) -> (Tensor<3>, KeyValues) {
    let [b, s, _] = q.dims();
    let (h, kvh, hd) = (cfg.n_heads, cfg.n_kv_heads, cfg.head_dim);
    let heads = |t: Tensor<3>, n: usize| t.reshape([b, s, n, hd]).swap_dims(1, 2);
    let (mut q, mut k, v) = (heads(q, h), heads(k, kvh), heads(v, kvh));
    if let Some(r) = span.rope {
        q = r.apply(q);
        k = r.apply(k);
    }
    let own = KeyValues { k, v };
    let (k, v, p) = match span.past {
        Some(past) => (
            Tensor::cat(vec![past.k.clone(), own.k.clone()], 2),
            Tensor::cat(vec![past.v.clone(), own.v.clone()], 2),
            past.k.dims()[2],
        ),
        None => (own.k.clone(), own.v.clone(), 0),
    };
    let (k, v) = (repeat_kv(k, h / kvh), repeat_kv(v, h / kvh));
    let scores = q.matmul(k.swap_dims(2, 3)) / (hd as f64).sqrt();
    let mask = match span.mask {
        Some(m) => m.clone(),
        None => Tensor::<2, Bool>::tril_mask([s, p + s], p as i64, &scores.device()),
    };
    let mask = mask.unsqueeze::<4>();
    let probs = activation::softmax(scores.mask_fill(mask, f32::NEG_INFINITY), 3);
    let out = probs.matmul(v).swap_dims(1, 2).reshape([b, s, h * hd]);
    (out, own)
}

/// Repeats each key/value head `n` times (head i of the queries reads kv head i / n).
fn repeat_kv(x: Tensor<4>, n: usize) -> Tensor<4> {
    if n == 1 {
        return x;
    }
    let [b, kvh, s, hd] = x.dims();
    x.unsqueeze_dim::<5>(2)
        .expand([b, kvh, n, s, hd])
        .reshape([b, kvh * n, s, hd])
}
