//! Decoding of stored element types to `f32`: IEEE half floats, bfloat16 and GGML's block
//! quantisations Q8_0, Q4_0 and Q4_1 (block of 32 values with an `f16` scale).

use half::{bf16, f16};

/// Element encodings we can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// 32-bit float.
    F32,
    /// IEEE half.
    F16,
    /// bfloat16.
    BF16,
    /// GGML Q8_0: per 32 values an `f16` scale `d` and 32 `i8`; x = d·q.
    Q8_0,
    /// GGML Q4_0: per 32 values `d` and 16 bytes of nibbles; x = d·(q − 8).
    Q4_0,
    /// GGML Q4_1: per 32 values `d`, min `m` and 16 bytes of nibbles; x = d·q + m.
    Q4_1,
}

/// Values per quantisation block.
pub const QK: usize = 32;

impl DType {
    /// (values per block, bytes per block).
    pub fn block(self) -> (usize, usize) {
        match self {
            DType::F32 => (1, 4),
            DType::F16 | DType::BF16 => (1, 2),
            DType::Q8_0 => (QK, 2 + QK),
            DType::Q4_0 => (QK, 2 + QK / 2),
            DType::Q4_1 => (QK, 4 + QK / 2),
        }
    }

    /// Bytes needed for `numel` values, or `None` when `numel` is not a whole number of blocks
    /// or the size overflows.
    pub fn byte_len(self, numel: usize) -> Option<usize> {
        let (per, bytes) = self.block();
        numel.is_multiple_of(per).then_some(())?;
        (numel / per).checked_mul(bytes)
    }
}

/// Decodes `numel` values of type `dtype` from `raw` (which must be exactly
/// [`DType::byte_len`] long; callers check that first).
pub fn decode(dtype: DType, raw: &[u8], numel: usize) -> Vec<f32> {
    debug_assert_eq!(Some(raw.len()), dtype.byte_len(numel));
    let mut out = Vec::with_capacity(numel);
    match dtype {
        DType::F32 => out.extend(
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        ),
        DType::F16 => out.extend(
            raw.chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()),
        ),
        DType::BF16 => out.extend(
            raw.chunks_exact(2)
                .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32()),
        ),
        DType::Q8_0 => {
            for block in raw.chunks_exact(2 + QK) {
                let d = f16::from_le_bytes([block[0], block[1]]).to_f32();
                out.extend(block[2..].iter().map(|&q| d * (q as i8) as f32));
            }
        }
        DType::Q4_0 => {
            for block in raw.chunks_exact(2 + QK / 2) {
                let d = f16::from_le_bytes([block[0], block[1]]).to_f32();
                nibbles(&block[2..], &mut out, |q| d * (q as f32 - 8.0));
            }
        }
        DType::Q4_1 => {
            for block in raw.chunks_exact(4 + QK / 2) {
                let d = f16::from_le_bytes([block[0], block[1]]).to_f32();
                let m = f16::from_le_bytes([block[2], block[3]]).to_f32();
                nibbles(&block[4..], &mut out, |q| d * q as f32 + m);
            }
        }
    }
    out
}

/// GGML's nibble order: the 16 low nibbles are values 0..16, the 16 high nibbles 16..32.
fn nibbles(qs: &[u8], out: &mut Vec<f32>, f: impl Fn(u8) -> f32) {
    out.extend(qs.iter().map(|&b| f(b & 0x0F)));
    out.extend(qs.iter().map(|&b| f(b >> 4)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_1_block_decodes_low_then_high_nibbles() {
        let mut block = Vec::new();
        block.extend(f16::from_f32(0.5).to_le_bytes());
        block.extend(f16::from_f32(-1.0).to_le_bytes());
        block.extend((0..16u8).map(|i| i | ((15 - i) << 4)));
        let v = decode(DType::Q4_1, &block, 32);
        assert_eq!(v[0], -1.0);
        assert_eq!(v[15], 0.5 * 15.0 - 1.0);
        assert_eq!(v[16], 0.5 * 15.0 - 1.0);
        assert_eq!(v[31], -1.0);
    }

    #[test]
    fn q8_0_and_q4_0_scale_signed_values() {
        let mut q8 = f16::from_f32(0.25).to_le_bytes().to_vec();
        q8.extend((0..32).map(|i| (i as i8 - 16) as u8));
        let v = decode(DType::Q8_0, &q8, 32);
        assert_eq!((v[0], v[16], v[31]), (-4.0, 0.0, 3.75));
        let mut q4 = f16::from_f32(2.0).to_le_bytes().to_vec();
        q4.extend([0x0Fu8; 16]);
        let v = decode(DType::Q4_0, &q4, 32);
        assert_eq!((v[0], v[16]), (14.0, -16.0));
    }

    #[test]
    fn byte_len_refuses_partial_blocks() {
        assert_eq!(DType::Q4_1.byte_len(64), Some(40));
        assert_eq!(DType::Q4_1.byte_len(33), None);
        assert_eq!(DType::F16.byte_len(3), Some(6));
    }
}
