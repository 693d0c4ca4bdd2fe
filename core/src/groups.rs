//! Prompts grouped by length, each group with the base model's outputs: a fit's loss and an
//! evaluation run one forward pass per group, with no padding to compute, and the base model
//! runs once per group however often θ is measured on it.

use burn::tensor::{Device, Tensor};

use crate::error::Result;
use crate::interventions::position_map;
use crate::models::{Model, TokenBatch};
use crate::objective::{Targets, logit_diff, other_mass};
use crate::tasks::Example;

/// `examples`' token ids as one right-padded batch.
pub fn tokens_of(examples: &[&Example], device: &Device) -> Result<TokenBatch> {
    let ids: Vec<Vec<u32>> = examples.iter().map(|e| e.ids.clone()).collect();
    TokenBatch::new(&ids, device)
}

/// Examples grouped into batches of equal prompt length (at most `max` each).
pub fn batches_by_length<'a>(
    examples: impl IntoIterator<Item = &'a Example>,
    max: usize,
) -> Vec<Vec<&'a Example>> {
    let mut by_len: std::collections::BTreeMap<usize, Vec<&Example>> = Default::default();
    for e in examples {
        by_len.entry(e.ids.len()).or_default().push(e);
    }
    by_len
        .into_values()
        .flat_map(|group| {
            group
                .chunks(max.max(1))
                .map(<[_]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Equal-length prompts and the base model's outputs on them.
pub struct LengthGroup {
    pub(crate) tokens: TokenBatch,
    pub(crate) targets: Targets,
    /// The base model's LD per prompt, `[N]`.
    pub(crate) base_ld: Tensor<1>,
    /// The base model's probability mass outside both answers per prompt, `[N]`.
    pub(crate) base_other: Tensor<1>,
    /// Position → key map ([`position_map`]) of a position-tied θ.
    pub(crate) positions: Option<Tensor<3>>,
}

impl LengthGroup {
    /// `examples` grouped by prompt length (one group per length), each with the base model's
    /// outputs; `n_keys` is the number of position keys of a position-tied θ (0 otherwise).
    pub fn prepare(model: &Model, examples: &[&Example], n_keys: usize) -> Result<Vec<Self>> {
        batches_by_length(examples.iter().copied(), usize::MAX)
            .iter()
            .map(|g| LengthGroup::of(model, g, n_keys))
            .collect()
    }

    /// One group of prompts that all have the same length (one forward pass of the base model).
    pub fn of(model: &Model, examples: &[&Example], n_keys: usize) -> Result<Self> {
        let device = model.device();
        let tokens = tokens_of(examples, device)?;
        let base = model.logits_last(&tokens, None)?;
        let targets = Targets::new(examples, base.clone(), device);
        Ok(LengthGroup {
            base_ld: logit_diff(base.clone(), &targets),
            base_other: other_mass(base, &targets),
            positions: position_map(examples, n_keys, device),
            targets,
            tokens,
        })
    }

    /// Number of prompts.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the group holds no prompt.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}
