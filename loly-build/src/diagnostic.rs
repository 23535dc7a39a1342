//! A problem found in `app/wss`, located by file and line.

use std::{fmt, path::PathBuf};

/// A problem in an app's routes: where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file or folder at fault, relative to the crate root when possible.
    pub file: PathBuf,
    /// The 1-based line, when the problem is inside a file.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic about `file` (at `line`, if known).
    pub fn new(file: PathBuf, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            file,
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}
