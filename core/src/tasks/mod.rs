//! Tasks: lists of (prompt, correct, wrong) rows — built-in CCC and IOI, or custom text, CSV
//! or JSONL — tokenised, filtered to single-token answers, grouped by prompt length and split
//! into train/test by a seeded shuffle (docs/METHOD.md, "Tasks").

mod builtin_lists;

pub use activscalar_formats::custom;
pub use activscalar_formats::rows::Row;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use builtin_lists::{CAPITALS, IOI_TEMPLATES, NAMES};

use crate::error::{CoreError, Result};
use crate::rng::Rng;
use crate::tokenizer::TextTokenizer;

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
    /// Which aligned group was kept (position-tied methods), e.g. "12 tokens, template ccc,
    /// filler token counts [1, 1, 1]"; empty when all rows are used.
    #[serde(default)]
    pub aligned_on: String,
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
                "; {} rows set aside: this method needs prompts aligned token by token (lengths {:?}); the largest aligned group is used ({})",
                self.other_lengths,
                self.length_groups.keys().collect::<Vec<_>>(),
                self.aligned_on
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

/// A row's (correct, wrong) answer ids: two different single tokens, or why not.
pub fn answer_ids(tok: &TextTokenizer, row: &Row) -> std::result::Result<(u32, u32), String> {
    let (p, n) = (
        single_token(tok, &row.correct)?,
        single_token(tok, &row.wrong)?,
    );
    if p == n {
        return Err("both answers are the same token".into());
    }
    Ok((p, n))
}

/// `answer`'s single token id, or why it is not one token.
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

/// A usable row with what it is aligned by and which split unit it belongs to.
struct Candidate {
    example: Example,
    /// Prompt length, template and filler token counts: equal keys mean aligned positions.
    key: (usize, String, Vec<usize>),
    unit: String,
}

/// Tokenises, filters and splits `spec`. With `equal_lengths` (ActivScalar, SteerVec) only the
/// largest group of *aligned* prompts is kept: equally long and, for built-in tasks, made from
/// the same template with fillers of the same token counts, so position p is the same word in
/// every prompt. Rows that share a unit (a CCC capital) stay on one side of the split.
pub fn prepare(spec: &TaskSpec, tok: &TextTokenizer, equal_lengths: bool) -> Result<PreparedTask> {
    let mut dropped = Vec::new();
    let mut usable: Vec<Candidate> = Vec::new();
    for (i, (row, layout)) in spec.rows_with_layout().into_iter().enumerate() {
        let layout = layout.filter(|_| spec.align == Align::Layout);
        match (answer_ids(tok, &row), tok.encode(&row.prompt)) {
            (Ok((pos, neg)), Ok(ids)) if !ids.is_empty() => {
                let (template, counts, unit) = match layout {
                    Some(l) => {
                        let counts = l
                            .fillers
                            .iter()
                            .map(|f| tok.encode_plain(f).map(|ids| ids.len()))
                            .collect::<Result<Vec<_>>>()?;
                        (l.template, counts, l.unit)
                    }
                    None => (String::new(), Vec::new(), format!("row {i}")),
                };
                usable.push(Candidate {
                    key: (ids.len(), template, counts),
                    example: Example { row, ids, pos, neg },
                    unit,
                })
            }
            (Ok(_), Ok(_)) => dropped.push((row, "empty prompt".to_string())),
            (Err(why), _) => dropped.push((row, why)),
            (_, Err(e)) => dropped.push((row, e.to_string())),
        }
    }
    let mut length_groups = BTreeMap::new();
    for c in &usable {
        *length_groups.entry(c.key.0).or_insert(0) += 1;
    }
    let mut other_lengths = 0;
    let mut aligned_on = String::new();
    if equal_lengths || spec.aligned_only {
        let mut groups: BTreeMap<&(usize, String, Vec<usize>), usize> = BTreeMap::new();
        for c in &usable {
            *groups.entry(&c.key).or_insert(0) += 1;
        }
        // Largest group; ties go to the longer prompts, then the first key.
        if let Some((key, _)) = groups
            .iter()
            .max_by_key(|&(k, n)| (*n, k.0, std::cmp::Reverse(*k)))
        {
            let key = (*key).clone();
            aligned_on = describe_key(&key);
            let before = usable.len();
            usable.retain(|c| c.key == key);
            other_lengths = before - usable.len();
        }
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
    let (train, test) = split_by_unit(usable, spec.seed.wrapping_add(1), spec.train_fraction);
    Ok(PreparedTask {
        train,
        test,
        dropped,
        other_lengths,
        length_groups,
        aligned_on,
    })
}

fn describe_key((len, template, counts): &(usize, String, Vec<usize>)) -> String {
    if template.is_empty() {
        format!("{len} tokens")
    } else {
        format!("{len} tokens, template {template}, filler token counts {counts:?}")
    }
}

/// Seeded shuffle of the units, then whole units go to train until it holds its share of rows.
/// Both sides get at least one row.
fn split_by_unit(
    mut rows: Vec<Candidate>,
    seed: u64,
    train_fraction: f64,
) -> (Vec<Example>, Vec<Example>) {
    let mut rng = Rng::new(seed);
    rng.shuffle(&mut rows);
    // Units in order of first appearance, with their row counts (linear: custom tasks have up
    // to 10,000 rows, each its own unit).
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut units: Vec<&str> = Vec::new();
    for c in &rows {
        let n = counts.entry(c.unit.as_str()).or_insert(0);
        if *n == 0 {
            units.push(&c.unit);
        }
        *n += 1;
    }
    let n = rows.len();
    let want = ((n as f64 * train_fraction).round() as usize).clamp(1, n - 1);
    let mut train_units: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut taken = 0;
    for u in &units {
        if taken >= want || train_units.len() + 1 == units.len() {
            break;
        }
        taken += counts[u];
        train_units.insert(u.to_string());
    }
    let (train, test): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|c| train_units.contains(&c.unit));
    let strip = |v: Vec<Candidate>| v.into_iter().map(|c| c.example).collect();
    if test.is_empty() || train.is_empty() {
        // A single unit: split its rows.
        let mut all: Vec<Example> = strip(train);
        all.extend(test.into_iter().map(|c| c.example));
        let t = all.split_off(want);
        return (all, t);
    }
    (strip(train), strip(test))
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
