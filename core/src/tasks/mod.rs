//! Tasks for a model (docs/METHOD.md, "Tasks"): a task's rows tokenised, filtered to
//! single-token answers, their positions keyed by role in the template, and split into
//! train/validation/test by units, with a seeded shuffle. The task definitions themselves are `activscalar_types::tasks`.

pub use activscalar_types::tasks::{
    Align, CAPITALS, CCC_CONFLICTS, DEFAULT_VALIDATION, IOI_TEMPLATES, Layout, NAMES, Part, Row,
    TaskSource, TaskSpec, ccc_rows, custom, fill, ioi_rows,
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
    /// For each prompt position, the index of its key in [`PreparedTask::keys`] (position-tied
    /// methods); empty otherwise.
    #[serde(default)]
    pub keys: Vec<u32>,
    /// What the prompt is about (a CCC capital, IOI's names; a custom row: its prompt).
    #[serde(default)]
    pub entities: Vec<String>,
}

impl Example {
    /// A row keyed by absolute position (key p = position p), about its own prompt.
    pub fn positional(row: Row, ids: Vec<u32>, pos: u32, neg: u32) -> Example {
        let keys = (0..ids.len() as u32).collect();
        let entities = vec![row.prompt.clone()];
        Example {
            row,
            ids,
            pos,
            neg,
            keys,
            entities,
        }
    }
}

/// A tokenised, filtered and split task, with an account of what was left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreparedTask {
    /// Training examples.
    pub train: Vec<Example>,
    /// Validation examples (units carved from the training share), on which hyper-parameters
    /// are chosen.
    #[serde(default)]
    pub validation: Vec<Example>,
    /// Held-out examples.
    pub test: Vec<Example>,
    /// Rows dropped, each with the reason (multi-token or empty answer, same answers…).
    pub dropped: Vec<(Row, String)>,
    /// Rows set aside because their prompt length differs from the chosen one
    /// (position-tied methods on rows without a template, and older results).
    pub other_lengths: usize,
    /// Prompt token length → number of usable rows, before choosing a length.
    pub length_groups: BTreeMap<usize, usize>,
    /// Which aligned group was kept, e.g. "12 tokens, template ccc, filler token counts
    /// [1, 1, 1]"; empty when all rows are used.
    #[serde(default)]
    pub aligned_on: String,
    /// The position keys θ is tied to (position-tied methods), as the heatmap's x-axis labels
    /// them: template roles such as `{capital}⁻¹`, ` is`, or, for rows without a template, the
    /// tokens of the first prompt.
    #[serde(default)]
    pub keys: Vec<String>,
    /// How many rows (of all splits) have each key.
    #[serde(default)]
    pub key_rows: Vec<usize>,
    /// Whether keys are template roles (`false`: absolute positions).
    #[serde(default)]
    pub role_keyed: bool,
}

impl PreparedTask {
    /// A task keyed by absolute position whose examples all have `positions` tokens (tests,
    /// benchmarks).
    pub fn positional(train: Vec<Example>, test: Vec<Example>) -> PreparedTask {
        let positions = train.first().map_or(0, |e| e.ids.len());
        let n = train.len() + test.len();
        PreparedTask {
            length_groups: [(positions, n)].into(),
            keys: (0..positions).map(|p| p.to_string()).collect(),
            key_rows: vec![n; positions],
            train,
            test,
            ..PreparedTask::default()
        }
    }

    /// One-line account for the user, e.g. "100 train, 24 validation, 110 test; …".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} train, {} validation, {} test",
            self.train.len(),
            self.validation.len(),
            self.test.len()
        );
        if !self.dropped.is_empty() {
            s += &format!(
                "; {} rows dropped (answers must be single, different tokens)",
                self.dropped.len()
            );
        }
        if self.role_keyed {
            let (lo, hi) = (
                self.key_rows.iter().min().copied().unwrap_or(0),
                self.key_rows.iter().max().copied().unwrap_or(0),
            );
            s += &format!(
                "; every row used: positions keyed by their role in the template ({} keys, each in {lo}–{hi} rows; prompt lengths {:?})",
                self.keys.len(),
                self.length_groups.keys().collect::<Vec<_>>()
            );
        }
        if self.other_lengths > 0 {
            s += &format!(
                "; {} rows set aside: rows without a template are matched by absolute position, so only one prompt length is used (lengths {:?}); the largest group is used ({})",
                self.other_lengths,
                self.length_groups.keys().collect::<Vec<_>>(),
                self.aligned_on
            );
        }
        s
    }

    /// Prompt length when all examples share it.
    pub fn common_length(&self) -> Option<usize> {
        let mut lens = self.all().map(|e| e.ids.len());
        let first = lens.next()?;
        lens.all(|l| l == first).then_some(first)
    }

    /// Every example: train, validation, test.
    pub fn all(&self) -> impl Iterator<Item = &Example> {
        self.train.iter().chain(&self.validation).chain(&self.test)
    }

    /// Every example of `self` about none of the entities of `fit`'s training and validation
    /// splits: the rows of `self` that are held out from a fit on `fit`.
    pub fn held_out_from(&self, fit: &PreparedTask) -> Vec<Example> {
        let seen: std::collections::HashSet<&str> = fit
            .train
            .iter()
            .chain(&fit.validation)
            .flat_map(|e| e.entities.iter().map(String::as_str))
            .collect();
        self.all()
            .filter(|e| !e.entities.iter().any(|x| seen.contains(x.as_str())))
            .cloned()
            .collect()
    }

    /// The examples of the named split.
    pub fn split(&self, split: Split) -> &[Example] {
        match split {
            Split::Train => &self.train,
            Split::Validation => &self.validation,
            Split::Test => &self.test,
        }
    }
}

/// One side of a task's split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// What θ is trained on.
    Train,
    /// What hyper-parameters are chosen on.
    Validation,
    /// Reported once, held out.
    Test,
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
    /// The row's position roles (role keying), one per token.
    roles: Option<Vec<Role>>,
    unit: String,
}

/// A position's role in its template: (template, piece, offset) with its label. Pieces count
/// from 1 (0: tokens the tokenizer adds before the text); fixed text counts offsets from its
/// first token, slots from their last (0, −1, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Role {
    template: usize,
    part: usize,
    offset: i64,
    label: String,
}

/// `n` in superscript digits, e.g. `⁻¹²`.
fn superscript(n: i64) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let sign = if n < 0 { "⁻" } else { "" };
    let digits: String = n
        .unsigned_abs()
        .to_string()
        .chars()
        .map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize])
        .collect();
    format!("{sign}{digits}")
}

/// `n` in subscript digits, e.g. `₂`.
fn subscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    n.to_string()
        .chars()
        .map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize])
        .collect()
}

/// The role of each token of `ids`, a prompt made as `layout` says (template number
/// `template`), or why its tokens do not follow the template's pieces.
fn roles(
    tok: &TextTokenizer,
    layout: &Layout,
    template: usize,
    ids: &[u32],
) -> std::result::Result<Vec<Role>, String> {
    let mut pieces = Vec::with_capacity(layout.parts.len());
    for p in &layout.parts {
        pieces.push(tok.encode_plain(&p.text).map_err(|e| e.to_string())?);
    }
    let text: Vec<u32> = pieces.concat();
    let start = (0..=ids.len().saturating_sub(text.len()))
        .find(|&s| ids[s..].starts_with(&text))
        .ok_or("its tokens do not follow the template's pieces (a token spans two pieces)")?;
    let label = |id: u32| tok.token_text(id);
    let mut out: Vec<Role> = (0..start)
        .map(|i| Role {
            template,
            part: 0,
            offset: i as i64,
            label: label(ids[i]),
        })
        .collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, (part, piece)) in layout.parts.iter().zip(&pieces).enumerate() {
        let occurrence = part.slot.as_deref().map(|name| {
            let n = seen.entry(name).or_insert(0);
            *n += 1;
            (name, *n)
        });
        for (j, &id) in piece.iter().enumerate() {
            let (offset, label) = match occurrence {
                Some((name, n)) => {
                    let back = j as i64 - (piece.len() as i64 - 1);
                    let n = if n > 1 { subscript(n) } else { String::new() };
                    let d = if back < 0 {
                        superscript(back)
                    } else {
                        String::new()
                    };
                    (back, format!("{{{name}}}{n}{d}"))
                }
                None => (j as i64, label(id)),
            };
            out.push(Role {
                template,
                part: k + 1,
                offset,
                label,
            });
        }
    }
    let end = layout.parts.len() + 1;
    for (i, &id) in ids[start + text.len()..].iter().enumerate() {
        out.push(Role {
            template,
            part: end,
            offset: i as i64,
            label: label(id),
        });
    }
    Ok(out)
}

/// Tokenises, filters and splits `spec`. With `position_tied` (ActivScalar, SteerVec) every
/// position gets a key θ is tied to: for templated rows (built-in tasks, [`Align::Role`]) its
/// role in the template, so every row is used; for rows without a template (and older results)
/// its absolute position, keeping only the largest group of aligned prompts. Rows that share a
/// unit (a CCC capital, an IOI name group) stay on one side of the split; the validation split
/// is carved from the training units.
pub fn prepare(spec: &TaskSpec, tok: &TextTokenizer, position_tied: bool) -> Result<PreparedTask> {
    let mut dropped = Vec::new();
    let mut usable: Vec<Candidate> = Vec::new();
    let mut templates: Vec<String> = Vec::new();
    let by_role = position_tied && spec.align == Align::Role && !spec.aligned_only;
    for (i, (row, layout)) in spec.rows_with_layout().into_iter().enumerate() {
        let layout = layout.filter(|_| spec.align != Align::Length);
        match (answer_ids(tok, &row), tok.encode(&row.prompt)) {
            (Ok((pos, neg)), Ok(ids)) if !ids.is_empty() => {
                let entities = layout.as_ref().map(|l| l.entities.clone());
                let (template, counts, unit, roles) = match layout {
                    Some(l) => {
                        let counts = l
                            .fillers()
                            .iter()
                            .map(|f| tok.encode_plain(f).map(|ids| ids.len()))
                            .collect::<Result<Vec<_>>>()?;
                        let t = match templates.iter().position(|t| *t == l.template) {
                            Some(t) => t,
                            None => {
                                templates.push(l.template.clone());
                                templates.len() - 1
                            }
                        };
                        let r = if by_role {
                            match roles(tok, &l, t, &ids) {
                                Ok(r) => Some(r),
                                Err(why) => {
                                    dropped.push((row, why));
                                    continue;
                                }
                            }
                        } else {
                            None
                        };
                        (l.template, counts, l.unit, r)
                    }
                    None => (String::new(), Vec::new(), format!("row {i}"), None),
                };
                let len = ids.len();
                let mut example = Example::positional(row, ids, pos, neg);
                if let Some(e) = entities {
                    example.entities = e;
                }
                usable.push(Candidate {
                    key: (len, template, counts),
                    example,
                    roles,
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
    let role_keyed = by_role && !usable.is_empty() && usable.iter().all(|c| c.roles.is_some());
    let mut other_lengths = 0;
    let mut aligned_on = String::new();
    if (position_tied && !role_keyed) || spec.aligned_only {
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
    let (keys, key_rows) = if role_keyed {
        key_by_role(&mut usable)
    } else if position_tied {
        let first = &usable[0].example;
        (
            first.ids.iter().map(|&t| tok.token_text(t)).collect(),
            vec![usable.len(); first.ids.len()],
        )
    } else {
        for c in &mut usable {
            c.example.keys.clear();
        }
        (Vec::new(), Vec::new())
    };
    let (rest, test) = split_by_unit(usable, spec.seed.wrapping_add(1), spec.train_fraction);
    let (train, validation) = if spec.validation_fraction > 0.0 && rest.len() >= 2 {
        split_by_unit(
            rest,
            spec.seed.wrapping_add(2),
            1.0 - spec.validation_fraction,
        )
    } else {
        (rest, Vec::new())
    };
    let strip = |v: Vec<Candidate>| v.into_iter().map(|c| c.example).collect();
    Ok(PreparedTask {
        train: strip(train),
        validation: strip(validation),
        test: strip(test),
        dropped,
        other_lengths,
        length_groups,
        aligned_on,
        keys,
        key_rows,
        role_keyed,
    })
}

/// Numbers the roles of `rows` in prompt order and sets each example's keys; returns the keys'
/// labels and how many rows have each.
fn key_by_role(rows: &mut [Candidate]) -> (Vec<String>, Vec<usize>) {
    let mut index: BTreeMap<Role, usize> = BTreeMap::new();
    for c in rows.iter() {
        for r in c.roles.iter().flatten() {
            index.entry(r.clone()).or_insert(0);
        }
    }
    let labels: Vec<String> = index.keys().map(|r| r.label.clone()).collect();
    for (i, v) in index.values_mut().enumerate() {
        *v = i;
    }
    let mut counts = vec![0; labels.len()];
    for c in rows.iter_mut() {
        let roles = c.roles.take().unwrap_or_default();
        let mut seen = vec![false; labels.len()];
        c.example.keys = roles
            .iter()
            .map(|r| {
                let k = index[r];
                if !std::mem::replace(&mut seen[k], true) {
                    counts[k] += 1;
                }
                k as u32
            })
            .collect();
    }
    (labels, counts)
}

fn describe_key((len, template, counts): &(usize, String, Vec<usize>)) -> String {
    if template.is_empty() {
        format!("{len} tokens")
    } else {
        format!("{len} tokens, template {template}, filler token counts {counts:?}")
    }
}

/// Seeded shuffle of the units, then whole units go to the first side until it holds its share
/// of rows. Both sides get at least one row.
fn split_by_unit(
    mut rows: Vec<Candidate>,
    seed: u64,
    first_fraction: f64,
) -> (Vec<Candidate>, Vec<Candidate>) {
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
    let want = ((n as f64 * first_fraction).round() as usize).clamp(1, n - 1);
    let mut first_units: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut taken = 0;
    for u in &units {
        if taken >= want || first_units.len() + 1 == units.len() {
            break;
        }
        taken += counts[u];
        first_units.insert(u.to_string());
    }
    let (mut first, second): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|c| first_units.contains(&c.unit));
    if second.is_empty() || first.is_empty() {
        // A single unit: split its rows.
        first.extend(second);
        let rest = first.split_off(want);
        return (first, rest);
    }
    (first, second)
}
