//! The one error type of the core: every message is meant to be shown to a user as is.

use thiserror::Error;

/// What went wrong, in words a user can act on.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// A file is not in the format we expected, or is damaged.
    #[error("{file}: {message}")]
    BadFile {
        /// Which file (name as the user gave it).
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// The file is well-formed but describes something we do not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A weight the architecture needs is missing.
    #[error("missing weight `{0}`")]
    MissingWeight(String),
    /// A weight has the wrong shape.
    #[error("weight `{name}` has shape {found:?}, expected {expected:?}")]
    WrongShape {
        /// Weight name.
        name: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the config implies.
        expected: Vec<usize>,
    },
    /// Tokenizer problem.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// Invalid user input (task, options…).
    #[error("{0}")]
    Input(String),
    /// The compute backend failed (GPU read-back, device lost…).
    #[error("compute backend: {0}")]
    Backend(String),
}

impl CoreError {
    /// Shorthand for [`CoreError::BadFile`].
    pub fn bad_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::BadFile {
            file: file.into(),
            message: message.into(),
        }
    }
}

/// Result alias of the core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
