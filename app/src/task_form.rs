//! The task as the page edits it, and its translation to and from a [`TaskSpec`].

use activscalar_types::tasks::{CCC_CONFLICTS, DEFAULT_VALIDATION, TaskSource, TaskSpec, custom};

/// Which task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskKind {
    /// Country–capital conflict.
    #[default]
    Ccc,
    /// Indirect object identification.
    Ioi,
    /// Rows given by the user.
    Custom,
}

impl TaskKind {
    /// The `<select>` value.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Ccc => "ccc",
            TaskKind::Ioi => "ioi",
            TaskKind::Custom => "custom",
        }
    }

    /// Reads a `<select>` value.
    pub fn parse(s: &str) -> TaskKind {
        match s {
            "ioi" => TaskKind::Ioi,
            "custom" => TaskKind::Custom,
            _ => TaskKind::Ccc,
        }
    }
}

/// An example of custom rows shown in a fresh page.
const CUSTOM_EXAMPLE: &str = "prompt,correct,wrong\n\"Paris is the capital of Japan. Paris is in\", France, Japan\n\"Tokyo is the capital of Spain. Tokyo is in\", Japan, Spain";

/// The task controls' values.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskForm {
    /// Which task.
    pub kind: TaskKind,
    /// CCC: the context-free prompt.
    pub context_free: bool,
    /// CCC: conflicting countries per capital.
    pub conflicts: f64,
    /// IOI: rows.
    pub ioi_rows: f64,
    /// Split seed.
    pub seed: f64,
    /// Training share, percent.
    pub train_pct: f64,
    /// Share of the training units held out for validation, percent.
    pub validation_pct: f64,
    /// Custom rows as typed.
    pub custom_text: String,
}

impl Default for TaskForm {
    fn default() -> Self {
        TaskForm {
            kind: TaskKind::Ccc,
            context_free: false,
            conflicts: CCC_CONFLICTS as f64,
            ioi_rows: 120.0,
            seed: 0.0,
            train_pct: 50.0,
            validation_pct: 100.0 * DEFAULT_VALIDATION,
            custom_text: CUSTOM_EXAMPLE.into(),
        }
    }
}

impl TaskForm {
    /// The task these values define (custom text is parsed here), with every number clamped to
    /// what the page allows.
    pub fn spec(&self) -> Result<TaskSpec, String> {
        let source = match self.kind {
            TaskKind::Ioi => TaskSource::Ioi {
                n: self.ioi_rows.clamp(2.0, 2000.0) as usize,
            },
            TaskKind::Custom => TaskSource::Custom {
                rows: custom::parse(&self.custom_text).map_err(|e| e.to_string())?,
            },
            TaskKind::Ccc => TaskSource::Ccc {
                context_free: self.context_free,
                conflicts: self.conflicts.clamp(1.0, 20.0) as usize,
            },
        };
        let mut spec = TaskSpec::new(
            source,
            self.seed.max(0.0) as u64,
            (self.train_pct / 100.0).clamp(0.05, 0.95),
        );
        spec.validation_fraction = (self.validation_pct / 100.0).clamp(0.0, 0.9);
        Ok(spec)
    }

    /// The values that show `spec` (custom rows as JSON lines).
    pub fn of(spec: &TaskSpec) -> TaskForm {
        let mut f = TaskForm {
            seed: spec.seed as f64,
            train_pct: (spec.train_fraction * 100.0).round(),
            validation_pct: (spec.validation_fraction * 100.0).round(),
            ..TaskForm::default()
        };
        match &spec.source {
            TaskSource::Ccc {
                context_free,
                conflicts,
            } => {
                f.kind = TaskKind::Ccc;
                f.context_free = *context_free;
                f.conflicts = *conflicts as f64;
            }
            TaskSource::Ioi { n } => {
                f.kind = TaskKind::Ioi;
                f.ioi_rows = *n as f64;
            }
            TaskSource::Custom { rows } => {
                f.kind = TaskKind::Custom;
                f.custom_text = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({"prompt": r.prompt, "correct": r.correct, "wrong": r.wrong})
                            .to_string()
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
            }
        }
        f
    }
}
