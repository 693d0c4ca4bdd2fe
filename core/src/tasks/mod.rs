//! Tasks for a model (docs/METHOD.md, "Tasks"): a task's rows tokenised, filtered to
//! single-token answers, grouped by token layout and split into train/test by a seeded
//! shuffle. The task definitions themselves are `activscalar_types::tasks`.

pub use activscalar_types::tasks::{
    Align, CAPITALS, CCC_CONFLICTS, IOI_TEMPLATES, Layout, NAMES, Row, TaskSource, TaskSpec,
    ccc_rows, custom, ioi_rows,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::rng::Rng;
use crate::tokenizer::TextTokenizer;

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
