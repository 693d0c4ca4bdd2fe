//! Benchmark workloads (docs/BENCHMARKS.md), shared by the CLI `bench` command and the Python baseline
//! (which reads the same token ids from [`Workloads::to_json`]):
//!
//! - W1: one forward pass of 32 CCC prompts (right-padded) with last-position logits;
//! - W2: one ActivScalar fit step on 16 equal-length CCC prompts — both β, forward + backward
//!   + Adam + proximal L1, with the step's metrics read back (what the page shows live);
//! - W4: the evaluation of a fitted ActivScalar result on W2's prompts, taken as both the
//!   training and the test split — both β on each split (the training split's base outputs
//!   prepared as a fit has them), and the effects of the
//!   [`EFFECT_CELLS`](crate::metrics::EFFECT_CELLS) largest cells (what a fit costs after its last step).

use serde::{Deserialize, Serialize};

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
use crate::fit::{FitOptions, Fitter, LengthGroup};
use crate::interventions::{Dims, Intervention, Method};
use crate::loaders::model_files::LoadedModel;
use crate::models::TokenBatch;
use crate::result::{Evaluation, evaluate_fit};
use crate::tasks::{Example, PreparedTask, TaskSpec, answer_ids, prepare};

/// Prompts in W1.
pub const W1_PROMPTS: usize = 32;
/// Prompts in W2.
pub const W2_PROMPTS: usize = 16;
/// W4's name as printed.
pub const W4_LABEL: &str = "W4 evaluation, 16 + 16 prompts";

/// The token ids of both workloads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workloads {
    /// W1 prompts (mixed lengths).
    pub w1: Vec<Vec<u32>>,
    /// W2 prompts (one length), with (correct, wrong) answer ids.
    pub w2: Vec<(Vec<u32>, u32, u32)>,
    /// ActivScalar options of W2.
    pub w2_options: FitOptions,
    /// Names of W1 and W2 as printed (the baseline prints the same).
    #[serde(default = "ccc_labels")]
    pub labels: [String; 2],
}

/// W1 and W2's names on CCC prompts.
fn ccc_labels() -> [String; 2] {
    [
        "W1 forward, 32 CCC prompts".into(),
        "W2 ActivScalar step, 16 prompts".into(),
    ]
}

impl Workloads {
    /// Builds both workloads from the CCC task and the model's tokenizer.
    pub fn ccc(m: &LoadedModel) -> Result<Workloads> {
        let spec = TaskSpec::ccc(0);
        let any = prepare(&spec, &m.tokenizer, false)?;
        let w1: Vec<Vec<u32>> = any
            .train
            .iter()
            .chain(&any.test)
            .take(W1_PROMPTS)
            .map(|e| e.ids.clone())
            .collect();
        // W2: the largest equal-length group of all usable rows (ties: the shorter length, as
        // `max_by_key` keeps the last maximum of the longest-first order),
        // repeated if it has fewer than 16 prompts. One length, so the step is one forward
        // pass, as in the baseline.
        let all = prepare(&spec, &m.tokenizer, true)?;
        let len = (all.length_groups.iter().rev())
            .max_by_key(|&(_, &n)| n)
            .map(|(&len, _)| len);
        let group: Vec<&Example> = all.all().filter(|e| Some(e.ids.len()) == len).collect();
        if group.is_empty() || w1.len() < W1_PROMPTS {
            return Err(CoreError::Input(
                "too few CCC prompts for the benchmark".into(),
            ));
        }
        let w2 = (0..W2_PROMPTS)
            .map(|i| {
                let e = group[i % group.len()];
                (e.ids.clone(), e.pos, e.neg)
            })
            .collect();
        Ok(Workloads {
            w1,
            w2,
            w2_options: FitOptions::new(Method::ActivScalar),
            labels: ccc_labels(),
        })
    }

    /// The same shapes from random token ids, for models whose tokenizer cannot spell the
    /// CCC prompts (tiny test models) or for random-weight models: W1 32 prompts of 8–16
    /// tokens, W2 16 prompts of 12 tokens.
    pub fn synthetic(vocab: usize, seed: u64) -> Workloads {
        let mut rng = crate::rng::Rng::new(seed);
        let vocab = vocab.max(3);
        let mut prompt = |len: usize| -> Vec<u32> {
            (0..len).map(|_| 1 + rng.below(vocab - 1) as u32).collect()
        };
        let w1 = (0..W1_PROMPTS).map(|i| prompt(8 + i % 9)).collect();
        let w2 = (0..W2_PROMPTS).map(|_| (prompt(12), 1, 2)).collect();
        Workloads {
            w1,
            w2,
            w2_options: FitOptions::new(Method::ActivScalar),
            labels: [
                "W1 forward, 32 random prompts".into(),
                "W2 ActivScalar step, 16 random prompts".into(),
            ],
        }
    }

    /// CCC workloads when the model's tokenizer spells the CCC answers as single tokens, else
    /// [`Workloads::synthetic`]; the flag says which. Any other failure is an error.
    pub fn for_model(m: &LoadedModel) -> Result<(Workloads, bool)> {
        if spells_ccc(m) {
            Ok((Workloads::ccc(m)?, true))
        } else {
            Ok((Workloads::synthetic(m.model.config().vocab_size, 0), false))
        }
    }

    /// W2 as a prepared task (all prompts in the training split).
    pub fn w2_task(&self) -> PreparedTask {
        let train: Vec<Example> = self
            .w2
            .iter()
            .map(|(ids, pos, neg)| {
                let row = crate::tasks::Row {
                    prompt: String::new(),
                    correct: String::new(),
                    wrong: String::new(),
                };
                Example::positional(row, ids.clone(), *pos, *neg)
            })
            .collect();
        PreparedTask::positional(train, Vec::new())
    }
}

impl Workloads {
    /// W4's task: W2's prompts as the training and as the test split.
    pub fn w4_task(&self) -> PreparedTask {
        let mut task = self.w2_task();
        task.test = task.train.clone();
        task.length_groups = [(task.train[0].ids.len(), 2 * task.train.len())].into();
        task
    }
}

/// What W4 evaluates, prepared outside the timing as a fit would have it after its last step:
/// the task, θ and its host copy, and the training split with the base model's outputs.
pub struct W4 {
    task: PreparedTask,
    iv: Intervention,
    host: Vec<Vec<f32>>,
    train: Vec<LengthGroup>,
}

impl W4 {
    /// Prepares W4 on `w`'s prompts.
    pub fn prepare(m: &LoadedModel, w: &Workloads) -> Result<W4> {
        let task = w.w4_task();
        let (iv, host) = w4_theta(m, &task)?;
        let refs: Vec<&Example> = task.train.iter().collect();
        let train = LengthGroup::prepare(&m.model, &refs, iv.dims.positions)?;
        Ok(W4 {
            task,
            iv,
            host,
            train,
        })
    }

    /// Runs W4 once; returns the evaluation (its effects: [`EFFECT_CELLS`](crate::metrics::EFFECT_CELLS) cells).
    pub async fn run(&self, m: &LoadedModel) -> Result<Evaluation> {
        let train: Vec<&LengthGroup> = self.train.iter().collect();
        evaluate_fit(
            &m.model,
            &self.iv,
            &self.host,
            &self.task,
            0.0,
            Some(&train),
        )
        .await
    }
}

/// W4's θ: a fixed ActivScalar α on `task`'s positions with every cell non-zero (so exactly
/// [`EFFECT_CELLS`](crate::metrics::EFFECT_CELLS) effects are measured), and its host copy.
fn w4_theta(m: &LoadedModel, task: &PreparedTask) -> Result<(Intervention, Vec<Vec<f32>>)> {
    let c = m.model.config();
    let dims = Dims {
        sites: 2,
        layers: c.n_layers,
        positions: task.train[0].ids.len(),
        d_model: c.d_model,
    };
    let n = dims.n_cells(Method::ActivScalar);
    let alpha: Vec<f32> = (0..n)
        .map(|k| 0.1 * (((k * 7919) % 13) as f32 / 13.0 - 0.45))
        .collect();
    let host = vec![alpha];
    let iv = Intervention::from_host(Method::ActivScalar, dims, &host, m.model.device())?;
    Ok((iv, host))
}

/// Whether enough CCC rows have answers [`prepare`] accepts in `m`'s tokenizer for W1.
fn spells_ccc(m: &LoadedModel) -> bool {
    let spelled = TaskSpec::ccc(0)
        .rows()
        .iter()
        .filter(|r| answer_ids(&m.tokenizer, r).is_ok())
        .count();
    spelled >= W1_PROMPTS
}

/// Runs W1 once (until the logits are on the host).
pub async fn run_w1(m: &LoadedModel, w: &Workloads) -> Result<()> {
    let batch = TokenBatch::new(&w.w1, m.model.device())?;
    let logits = m.model.logits_last(&batch, None)?;
    read_vec(logits).await.map_err(CoreError::Backend)?;
    Ok(())
}

/// A W2 fitter: its set-up (base logits) is not part of the timed step.
pub fn w2_fitter<'m>(m: &'m LoadedModel, w: &Workloads, task: &PreparedTask) -> Result<Fitter<'m>> {
    let mut o = w.w2_options.clone();
    o.steps = usize::MAX;
    o.patience = usize::MAX;
    Fitter::new(&m.model, task, o, None)
}
