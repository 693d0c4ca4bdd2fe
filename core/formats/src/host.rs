//! Decoded weights on the host, and the interface loaders hand them out through.

use crate::error::Result;

/// A dense `f32` tensor on the host, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    /// Dimensions, outermost first (PyTorch order).
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
}

impl HostTensor {
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Transposes a 2-D tensor: `[r, c]` → `[c, r]`.
    pub fn transposed(&self) -> HostTensor {
        assert_eq!(self.shape.len(), 2, "transposed() needs a 2-D tensor");
        let (r, c) = (self.shape[0], self.shape[1]);
        let mut out = vec![0.0; r * c];
        for i in 0..r {
            for j in 0..c {
                out[j * r + i] = self.data[i * c + j];
            }
        }
        HostTensor {
            shape: vec![c, r],
            data: out,
        }
    }
}

/// Named weights that can be decoded one at a time.
pub trait WeightSource {
    /// Decodes the weight `name` to `f32`.
    fn tensor(&self, name: &str) -> Result<HostTensor>;
    /// Whether the source holds `name`.
    fn contains(&self, name: &str) -> bool {
        self.shape(name).is_some()
    }
    /// The shape of `name` as its table of contents gives it (nothing is decoded), if held.
    fn shape(&self, name: &str) -> Option<Vec<usize>>;
    /// All weight names, in file order.
    fn names(&self) -> Vec<String>;
}
