//! Task definitions (docs/METHOD.md, "Tasks"): lists of (prompt, correct, wrong) rows — built-in
//! CCC and IOI, or custom text, CSV or JSONL — with the seed of their split. Tokenising and
//! splitting a task for a model is the core's `tasks::prepare`.

mod builtin_lists;

pub use activscalar_formats::custom;
pub use activscalar_formats::rows::Row;

use serde::{Deserialize, Serialize};

pub use builtin_lists::{CAPITALS, IOI_TEMPLATES, NAMES};

use crate::rng::Rng;

/// Where a task's rows come from; recorded in results so a run can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskSource {
    /// Country–capital conflict.
    Ccc {
        /// Use the context-free prompt `"{capital} is in"`.
        #[serde(default)]
        context_free: bool,
        /// Conflicting countries per capital (one row each; results older than this field
        /// had one).
        #[serde(default = "one")]
        conflicts: usize,
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

fn one() -> usize {
    1
}

/// Default number of conflicting countries per capital in CCC.
pub const CCC_CONFLICTS: usize = 3;

/// How a built-in row was made: its template and the words filled into it, in prompt order
/// and spelled as they appear (with their leading spaces). Two prompts are aligned token by
/// token when they have the same template and each filler has the same token count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Template id.
    pub template: String,
    /// Filled-in words as they appear in the prompt.
    pub fillers: Vec<String>,
    /// Rows with the same unit (CCC: the capital) stay on the same side of the train/test split.
    pub unit: String,
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
    /// How prompts are grouped for position-tied methods (results older than this field
    /// grouped by length only).
    #[serde(default)]
    pub align: Align,
    /// Keep only the largest aligned group for every method, not just the position-tied
    /// ones (e.g. to train DynScalar on one prompt length and evaluate it on others).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aligned_only: bool,
}

/// How prompts are grouped for the position-tied methods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// By token length only (format 1 results).
    #[default]
    Length,
    /// By length, template and filler token counts; rows of one unit on one side of the split.
    Layout,
}

impl TaskSpec {
    /// A task with the current alignment rule.
    pub fn new(source: TaskSource, seed: u64, train_fraction: f64) -> Self {
        TaskSpec {
            source,
            seed,
            train_fraction,
            align: Align::Layout,
            aligned_only: false,
        }
    }

    /// Built-in CCC with the default split.
    pub fn ccc(seed: u64) -> Self {
        TaskSpec::new(
            TaskSource::Ccc {
                context_free: false,
                conflicts: CCC_CONFLICTS,
            },
            seed,
            0.5,
        )
    }

    /// Built-in IOI with `n` rows and the default split.
    pub fn ioi(n: usize, seed: u64) -> Self {
        TaskSpec::new(TaskSource::Ioi { n }, seed, 0.5)
    }

    /// A short name: `ccc`, `ccc-context-free`, `ioi`, `custom`.
    pub fn name(&self) -> &'static str {
        match self.source {
            TaskSource::Ccc {
                context_free: false,
                ..
            } => "ccc",
            TaskSource::Ccc {
                context_free: true, ..
            } => "ccc-context-free",
            TaskSource::Ioi { .. } => "ioi",
            TaskSource::Custom { .. } => "custom",
        }
    }

    /// The rows, before tokenisation.
    pub fn rows(&self) -> Vec<Row> {
        self.rows_with_layout()
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    /// The rows with how each was made (built-in tasks), for aligning prompts.
    pub fn rows_with_layout(&self) -> Vec<(Row, Option<Layout>)> {
        match &self.source {
            TaskSource::Ccc {
                context_free,
                conflicts,
            } => ccc_rows(*context_free, *conflicts, self.seed),
            TaskSource::Ioi { n } => ioi_rows(*n, self.seed),
            TaskSource::Custom { rows } => rows.iter().map(|r| (r.clone(), None)).collect(),
        }
    }
}

/// CCC rows: each capital paired with `conflicts` other pairs' countries as the conflicting
/// context, one row each (with the context-free prompt: one row per capital).
pub fn ccc_rows(context_free: bool, conflicts: usize, seed: u64) -> Vec<(Row, Option<Layout>)> {
    let n = CAPITALS.len();
    let mut rng = Rng::new(seed);
    let mut rows = Vec::new();
    for &(capital, country) in CAPITALS {
        let mut others: Vec<&str> = Vec::new();
        while others.len() < conflicts.clamp(1, n - 1) {
            let (_, c) = CAPITALS[rng.below(n)];
            if c != country && !others.contains(&c) {
                others.push(c);
            }
        }
        if context_free {
            others.truncate(1);
        }
        for other in others {
            let (prompt, template, fillers) = if context_free {
                (
                    format!("{capital} is in"),
                    "ccc-context-free",
                    vec![capital.to_string()],
                )
            } else {
                (
                    format!("{capital} is the capital of {other}. {capital} is in"),
                    "ccc",
                    vec![
                        capital.to_string(),
                        format!(" {other}"),
                        format!(" {capital}"),
                    ],
                )
            };
            let row = Row {
                prompt,
                correct: format!(" {country}"),
                wrong: format!(" {other}"),
            };
            let layout = Layout {
                template: template.into(),
                fillers,
                unit: capital.into(),
            };
            rows.push((row, Some(layout)));
        }
    }
    rows
}

/// IOI rows: a random template and two distinct names; answer = the indirect object.
pub fn ioi_rows(n: usize, seed: u64) -> Vec<(Row, Option<Layout>)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let t = rng.below(IOI_TEMPLATES.len());
            let a = NAMES[rng.below(NAMES.len())];
            let b = loop {
                let b = NAMES[rng.below(NAMES.len())];
                if b != a {
                    break b;
                }
            };
            let row = Row {
                prompt: IOI_TEMPLATES[t].replace("{A}", a).replace("{B}", b),
                correct: format!(" {a}"),
                wrong: format!(" {b}"),
            };
            let layout = Layout {
                template: format!("ioi-{t}"),
                fillers: vec![format!(" {a}"), format!(" {b}")],
                unit: i.to_string(),
            };
            (row, Some(layout))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tasks_have_enough_rows_and_no_self_conflicts() {
        assert!(CAPITALS.len() >= 60 && NAMES.len() >= 40 && IOI_TEMPLATES.len() >= 10);
        let ccc = ccc_rows(false, 3, 3);
        assert_eq!(ccc.len(), 3 * CAPITALS.len());
        for (r, l) in &ccc {
            assert_ne!(r.correct, r.wrong);
            assert!(r.prompt.ends_with(" is in"));
            let l = l.as_ref().expect("built-in rows have a layout");
            assert_eq!(l.fillers.concat().replace(' ', ""), {
                let cap = r.prompt.split(" is the capital").next().unwrap();
                format!("{cap}{}{cap}", r.wrong.trim()).replace(' ', "")
            });
        }
        // The three conflicts of a capital are different countries.
        for chunk in ccc.chunks(3) {
            assert!(chunk[0].0.wrong != chunk[1].0.wrong && chunk[1].0.wrong != chunk[2].0.wrong);
            assert!(chunk[0].0.wrong != chunk[2].0.wrong);
        }
        let ioi = ioi_rows(50, 3);
        assert_eq!(ioi.len(), 50);
        assert!(
            ioi.iter()
                .all(|(r, _)| r.correct != r.wrong && r.prompt.contains(r.wrong.trim()))
        );
        assert_eq!(ccc_rows(false, 3, 3), ccc_rows(false, 3, 3));
        assert_ne!(ioi_rows(20, 1), ioi_rows(20, 2));
    }
}
