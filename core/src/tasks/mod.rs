//! Tasks: lists of (prompt, correct, wrong) rows — built-in CCC and IOI, or custom text, CSV
//! or JSONL — tokenised, filtered to single-token answers, grouped by prompt length and split
//! into train/test by a seeded shuffle (METHOD.md "Tasks").

mod builtin_lists;
pub mod custom;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use builtin_lists::{CAPITALS, IOI_TEMPLATES, NAMES};

use crate::error::{CoreError, Result};
use crate::rng::Rng;
use crate::tokenizer::TextTokenizer;

/// One example: the model should prefer `correct` over `wrong` after `prompt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The prompt text.
    pub prompt: String,
    /// Correct answer (y⁺), usually with a leading space.
    pub correct: String,
    /// Wrong answer (y⁻).
    pub wrong: String,
}

/// Where a task's rows come from; recorded in results so a run can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskSource {
    /// Country–capital conflict.
    Ccc {
        /// Use the context-free prompt `"{capital} is in"`.
        #[serde(default)]
        context_free: bool,
    },
    /// Indirect object identification.
    Ioi {
        /// Number of rows to sample.
        n: usize,
    },
    /// Rows given by the user.
    Custom {
        /// The rows themselves.
        rows: Vec<Row>,
    },
}

/// A task definition: its source, the split seed and the train share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Rows.
    pub source: TaskSource,
    /// Seed of the sampling and of the train/test shuffle.
    pub seed: u64,
    /// Share of rows used for training (default 0.5).
    pub train_fraction: f64,
}

impl TaskSpec {
    /// Built-in CCC with the default split.
    pub fn ccc(seed: u64) -> Self {
        TaskSpec {
            source: TaskSource::Ccc {
                context_free: false,
            },
            seed,
            train_fraction: 0.5,
        }
    }

    /// Built-in IOI with `n` rows and the default split.
    pub fn ioi(n: usize, seed: u64) -> Self {
        TaskSpec {
            source: TaskSource::Ioi { n },
            seed,
            train_fraction: 0.5,
        }
    }

    /// A short name: `ccc`, `ccc-context-free`, `ioi`, `custom`.
    pub fn name(&self) -> &'static str {
        match self.source {
            TaskSource::Ccc {
                context_free: false,
            } => "ccc",
            TaskSource::Ccc { context_free: true } => "ccc-context-free",
            TaskSource::Ioi { .. } => "ioi",
            TaskSource::Custom { .. } => "custom",
        }
    }

    /// The rows, before tokenisation.
    pub fn rows(&self) -> Vec<Row> {
        match &self.source {
            TaskSource::Ccc { context_free } => ccc_rows(*context_free, self.seed),
            TaskSource::Ioi { n } => ioi_rows(*n, self.seed),
            TaskSource::Custom { rows } => rows.clone(),
        }
    }
}

/// CCC rows: each capital paired with another pair's country as the conflicting context.
pub fn ccc_rows(context_free: bool, seed: u64) -> Vec<Row> {
    let n = CAPITALS.len();
    let mut rng = Rng::new(seed);
    CAPITALS
        .iter()
        .map(|&(capital, country)| {
            let other = loop {
                let (_, c) = CAPITALS[rng.below(n)];
                if c != country {
                    break c;
                }
            };
            let prompt = if context_free {
                format!("{capital} is in")
            } else {
                format!("{capital} is the capital of {other}. {capital} is in")
            };
            Row {
                prompt,
                correct: format!(" {country}"),
                wrong: format!(" {other}"),
            }
        })
        .collect()
}

/// IOI rows: a random template and two distinct names; answer = the indirect object.
pub fn ioi_rows(n: usize, seed: u64) -> Vec<Row> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let t = IOI_TEMPLATES[rng.below(IOI_TEMPLATES.len())];
            let a = NAMES[rng.below(NAMES.len())];
            let b = loop {
                let b = NAMES[rng.below(NAMES.len())];
                if b != a {
                    break b;
                }
            };
            Row {
                prompt: t.replace("{A}", a).replace("{B}", b),
                correct: format!(" {a}"),
                wrong: format!(" {b}"),
            }
        })
        .collect()
}

/// A row ready for the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The source row.
    pub row: Row,
    /// Prompt token ids.
    pub ids: Vec<u32>,
    /// Token id of the correct answer (y⁺).
    pub pos: u32,
    /// Token id of the wrong answer (y⁻).
    pub neg: u32,
}

/// A tokenised, filtered and split task, with an account of what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedTask {
    /// Training examples.
    pub train: Vec<Example>,
    /// Held-out examples.
    pub test: Vec<Example>,
    /// Rows dropped, each with the reason (multi-token or empty answer, same answers…).
    pub dropped: Vec<(Row, String)>,
    /// Rows set aside because their prompt length differs from the chosen one
    /// (position-tied methods only).
    pub other_lengths: usize,
    /// Prompt token length → number of usable rows, before choosing a length.
    pub length_groups: BTreeMap<usize, usize>,
}

impl PreparedTask {
    /// One-line account for the user, e.g. "84 rows: 40 train, 40 test; 4 dropped (…)".
    pub fn summary(&self) -> String {
        let mut s = format!("{} train, {} test", self.train.len(), self.test.len());
        if !self.dropped.is_empty() {
            s += &format!(
                "; {} rows dropped (answers must be single, different tokens)",
                self.dropped.len()
            );
        }
        if self.other_lengths > 0 {
            s += &format!(
                "; {} rows set aside: prompts have different token lengths {:?}, the largest group is used",
                self.other_lengths,
                self.length_groups.keys().collect::<Vec<_>>()
            );
        }
        s
    }

    /// Prompt length when all examples share it.
    pub fn common_length(&self) -> Option<usize> {
        let mut lens = self.train.iter().chain(&self.test).map(|e| e.ids.len());
        let first = lens.next()?;
        lens.all(|l| l == first).then_some(first)
    }
}

fn single_token(tok: &TextTokenizer, answer: &str) -> std::result::Result<u32, String> {
    if answer.is_empty() {
        return Err("empty answer".into());
    }
    match tok
        .encode_plain(answer)
        .map_err(|e| e.to_string())?
        .as_slice()
    {
        [id] => Ok(*id),
        ids => Err(format!("answer {answer:?} is {} tokens", ids.len())),
    }
}

/// Tokenises, filters and splits `spec`. With `equal_lengths` (ActivScalar, SteerVec) only the
/// largest group of equally long prompts is kept.
pub fn prepare(spec: &TaskSpec, tok: &TextTokenizer, equal_lengths: bool) -> Result<PreparedTask> {
    let mut dropped = Vec::new();
    let mut usable = Vec::new();
    for row in spec.rows() {
        let checked = single_token(tok, &row.correct)
            .and_then(|p| single_token(tok, &row.wrong).map(|n| (p, n)))
            .and_then(|(p, n)| {
                if p == n {
                    Err("both answers are the same token".into())
                } else {
                    Ok((p, n))
                }
            });
        match (checked, tok.encode(&row.prompt)) {
            (Ok((pos, neg)), Ok(ids)) if !ids.is_empty() => {
                usable.push(Example { row, ids, pos, neg })
            }
            (Ok(_), Ok(_)) => dropped.push((row, "empty prompt".to_string())),
            (Err(why), _) => dropped.push((row, why)),
            (_, Err(e)) => dropped.push((row, e.to_string())),
        }
    }
    let mut length_groups = BTreeMap::new();
    for e in &usable {
        *length_groups.entry(e.ids.len()).or_insert(0) += 1;
    }
    let mut other_lengths = 0;
    if equal_lengths && length_groups.len() > 1 {
        // Largest group; ties go to the longer prompts.
        let (&len, _) = length_groups
            .iter()
            .max_by_key(|&(l, n)| (*n, *l))
            .expect("non-empty");
        let before = usable.len();
        usable.retain(|e| e.ids.len() == len);
        other_lengths = before - usable.len();
    }
    if usable.len() < 2 {
        return Err(CoreError::Input(format!(
            "the task has {} usable rows ({} dropped{}); at least 2 are needed",
            usable.len(),
            dropped.len(),
            dropped
                .first()
                .map(|(_, why)| format!(", e.g. {why}"))
                .unwrap_or_default()
        )));
    }
    Rng::new(spec.seed.wrapping_add(1)).shuffle(&mut usable);
    let n_train =
        ((usable.len() as f64 * spec.train_fraction).round() as usize).clamp(1, usable.len() - 1);
    let test = usable.split_off(n_train);
    Ok(PreparedTask {
        train: usable,
        test,
        dropped,
        other_lengths,
        length_groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tasks_have_enough_rows_and_no_self_conflicts() {
        assert!(CAPITALS.len() >= 60 && NAMES.len() >= 40 && IOI_TEMPLATES.len() >= 10);
        for r in ccc_rows(false, 3) {
            assert_ne!(r.correct, r.wrong);
            assert!(r.prompt.ends_with(" is in"));
        }
        let ioi = ioi_rows(50, 3);
        assert_eq!(ioi.len(), 50);
        assert!(
            ioi.iter()
                .all(|r| r.correct != r.wrong && r.prompt.contains(r.wrong.trim()))
        );
        assert_eq!(ccc_rows(false, 3), ccc_rows(false, 3));
        assert_ne!(ioi_rows(20, 1), ioi_rows(20, 2));
    }
}
