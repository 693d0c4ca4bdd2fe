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

/// Default share of the training units held out for validation.
pub const DEFAULT_VALIDATION: f64 = 0.2;

/// Groups the IOI names are split into: both names of a row come from one group, and groups are
/// the split's units, so no name of a test prompt occurs in training.
pub const IOI_NAME_GROUPS: usize = 10;

/// Default number of conflicting countries per capital in CCC.
pub const CCC_CONFLICTS: usize = 3;

/// How a built-in row was made: its template, and the prompt cut into the template's fixed-text
/// pieces and the words filled into its slots (each slot's text with its leading space), whose
/// texts concatenate to the prompt. A position's role in the template — (piece, offset) or (slot
/// occurrence, offset from the slot's last token) — is what ActivScalar and SteerVec tie θ to
/// (docs/METHOD.md, "Interventions").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Template id.
    pub template: String,
    /// The prompt's pieces in order.
    pub parts: Vec<Part>,
    /// Rows with the same unit (CCC: the capital; IOI: the group of names) stay on the same
    /// side of the train/validation/test split.
    pub unit: String,
    /// What the prompt is about (CCC: its capital; IOI: its two names): evaluating on another
    /// task leaves out rows about an entity the fit was trained on.
    pub entities: Vec<String>,
}

/// One piece of a templated prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The text as it appears in the prompt.
    pub text: String,
    /// The slot it fills (`capital`, `A`, …), or `None` for the template's fixed text.
    pub slot: Option<String>,
}

impl Layout {
    /// The words filled into the slots, in prompt order.
    pub fn fillers(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter(|p| p.slot.is_some())
            .map(|p| p.text.as_str())
            .collect()
    }
}

/// Fills `template`'s `{slot}` placeholders from `values`, cutting the prompt into its parts. A
/// space before a slot belongs to the slot (tokenizers attach it to the word that follows).
pub fn fill(template: &str, values: &[(&str, &str)]) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let name = &rest[open + 1..close];
        let Some(&(_, value)) = values.iter().find(|(k, _)| *k == name) else {
            break;
        };
        let mut fixed = &rest[..open];
        let space = fixed.ends_with(' ');
        if space {
            fixed = &fixed[..fixed.len() - 1];
        }
        if !fixed.is_empty() {
            parts.push(Part {
                text: fixed.to_string(),
                slot: None,
            });
        }
        parts.push(Part {
            text: format!("{}{value}", if space { " " } else { "" }),
            slot: Some(name.to_string()),
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part {
            text: rest.to_string(),
            slot: None,
        });
    }
    parts
}

/// A task definition: its source, the split seed and the train share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Rows.
    pub source: TaskSource,
    /// Seed of the sampling and of the train/test shuffle.
    pub seed: u64,
    /// Share of rows used for training (default 0.5); the rest is the test split.
    pub train_fraction: f64,
    /// Share of the training units set aside as the validation split, on which
    /// hyper-parameters are chosen (default 0.2; 0 in results older than this field).
    #[serde(default)]
    pub validation_fraction: f64,
    /// How prompts are grouped for position-tied methods (results older than this field
    /// grouped by length only).
    #[serde(default)]
    pub align: Align,
    /// Keep only the largest aligned group for every method, not just the position-tied
    /// ones (e.g. to train DynScalar on one prompt length and evaluate it on others).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aligned_only: bool,
}

/// How the position-tied methods (ActivScalar, SteerVec) match positions across prompts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// By absolute position; only the largest group of equally long prompts is used (the
    /// oldest results).
    #[default]
    Length,
    /// By absolute position; only the largest group of prompts with the same length, template
    /// and filler token counts is used (older results).
    Layout,
    /// By each position's role in its template, so every templated row is used; rows without
    /// a template (custom rows) by absolute position, in the largest group of one length.
    Role,
}

impl TaskSpec {
    /// A task with the current alignment rule.
    pub fn new(source: TaskSource, seed: u64, train_fraction: f64) -> Self {
        TaskSpec {
            source,
            seed,
            train_fraction,
            validation_fraction: DEFAULT_VALIDATION,
            align: Align::Role,
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
            let (template, text) = if context_free {
                ("ccc-context-free", "{capital} is in")
            } else {
                (
                    "ccc",
                    "{capital} is the capital of {other}. {capital} is in",
                )
            };
            let parts = fill(text, &[("capital", capital), ("other", other)]);
            let row = Row {
                prompt: parts.iter().map(|p| p.text.as_str()).collect(),
                correct: format!(" {country}"),
                wrong: format!(" {other}"),
            };
            let layout = Layout {
                template: template.into(),
                parts,
                unit: capital.into(),
                entities: vec![capital.into()],
            };
            rows.push((row, Some(layout)));
        }
    }
    rows
}

/// IOI rows: a random template and two distinct names from one name group; answer = the
/// indirect object. The names are dealt into [`IOI_NAME_GROUPS`] groups by a seeded shuffle, and
/// a row's group is its split unit.
pub fn ioi_rows(n: usize, seed: u64) -> Vec<(Row, Option<Layout>)> {
    let mut rng = Rng::new(seed);
    let mut names: Vec<&str> = NAMES.to_vec();
    rng.shuffle(&mut names);
    let groups: Vec<&[&str]> = names.chunks(NAMES.len() / IOI_NAME_GROUPS).collect();
    (0..n)
        .map(|_| {
            let t = rng.below(IOI_TEMPLATES.len());
            let g = rng.below(IOI_NAME_GROUPS);
            let group = groups[g];
            let a = group[rng.below(group.len())];
            let b = loop {
                let b = group[rng.below(group.len())];
                if b != a {
                    break b;
                }
            };
            let parts = fill(IOI_TEMPLATES[t], &[("A", a), ("B", b)]);
            let row = Row {
                prompt: parts.iter().map(|p| p.text.as_str()).collect(),
                correct: format!(" {a}"),
                wrong: format!(" {b}"),
            };
            let layout = Layout {
                template: format!("ioi-{t}"),
                parts,
                unit: format!("names {g}"),
                entities: vec![a.into(), b.into()],
            };
            (row, Some(layout))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_cuts_a_prompt_into_fixed_text_and_slots_with_their_spaces() {
        let parts = fill(
            "{capital} is the capital of {other}. {capital} is in",
            &[("capital", "Rome"), ("other", "France")],
        );
        let texts: Vec<(&str, Option<&str>)> = parts
            .iter()
            .map(|p| (p.text.as_str(), p.slot.as_deref()))
            .collect();
        assert_eq!(
            texts,
            [
                ("Rome", Some("capital")),
                (" is the capital of", None),
                (" France", Some("other")),
                (".", None),
                (" Rome", Some("capital")),
                (" is in", None),
            ]
        );
    }

    #[test]
    fn builtin_tasks_have_enough_rows_and_no_self_conflicts() {
        assert!(CAPITALS.len() >= 60 && NAMES.len() >= 40 && IOI_TEMPLATES.len() >= 10);
        let ccc = ccc_rows(false, 3, 3);
        assert_eq!(ccc.len(), 3 * CAPITALS.len());
        for (r, l) in &ccc {
            assert_ne!(r.correct, r.wrong);
            assert!(r.prompt.ends_with(" is in"));
            let l = l.as_ref().expect("built-in rows have a layout");
            let prompt: String = l.parts.iter().map(|p| p.text.as_str()).collect();
            assert_eq!(prompt, r.prompt);
            let cap = r.prompt.split(" is the capital").next().unwrap();
            assert_eq!(
                l.fillers(),
                [cap.to_string(), r.wrong.clone(), format!(" {cap}")]
            );
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
        // IOI: both names of a row from one group, and each name in one group only.
        let mut group_of = std::collections::HashMap::new();
        for (r, l) in &ioi {
            let unit = &l.as_ref().unwrap().unit;
            for name in [&r.correct, &r.wrong] {
                assert_eq!(group_of.entry(name.clone()).or_insert(unit.clone()), unit);
            }
            assert_eq!(
                l.as_ref()
                    .unwrap()
                    .parts
                    .iter()
                    .map(|p| p.text.as_str())
                    .collect::<String>(),
                r.prompt
            );
        }
        assert_eq!(ccc_rows(false, 3, 3), ccc_rows(false, 3, 3));
        assert_ne!(ioi_rows(20, 1), ioi_rows(20, 2));
    }
}
