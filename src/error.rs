//! rhrel's own failures — the ones that are not the script's doing (a bad flag, a script file
//! that cannot be read or compiled, a broken import, a bug) — as one type that knows its exit
//! code. What a host function raises inside the script is a [`crate::script_error`] instead.

use std::path::PathBuf;

use crate::exit_code::Exit;
use crate::run::script_file::{NotText, MAX_SCRIPT_BYTES};

/// A failure of rhrel itself, with the message the user sees and the exit code it ends with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or variable with a bad value; `origin` names where it came from
    /// (`--timeout`, `RHREL_TIMEOUT=abc`).
    #[error("{origin}: {problem}")]
    Usage { origin: String, problem: String },
    /// The script file is missing or unreadable.
    #[error("cannot read script `{}`: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    /// The script path names a directory.
    #[error("cannot read script `{}`: it is a directory", path.display())]
    Directory { path: PathBuf },
    /// The script file is larger than rhrel reads.
    #[error("script `{}` is {size} bytes; rhrel reads scripts up to {MAX_SCRIPT_BYTES} bytes (10 MiB)", path.display())]
    TooLarge { path: PathBuf, size: u64 },
    /// The script file is not text.
    #[error("script `{}` {problem}", path.display())]
    NotText { path: PathBuf, problem: NotText },
    /// The script (or a module it imports) does not compile or does not resolve.
    #[error("{0}")]
    Compile(String),
    /// A bug in rhrel.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The exit code this failure ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage { .. } => Exit::Usage,
            Error::Unreadable { .. } | Error::Directory { .. } => Exit::NoInput,
            Error::TooLarge { .. } | Error::NotText { .. } | Error::Compile(_) => Exit::Compile,
            Error::Internal(_) => Exit::Internal,
        }
    }

    /// The report's `outcome` for a run that ended with this failure.
    pub(crate) fn outcome_kind(&self) -> &'static str {
        match self.exit() {
            Exit::Compile => "compile_error",
            Exit::Internal => "internal_error",
            _ => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_knows_its_exit_code() {
        let path = PathBuf::from("s.rhai");
        let cases = [
            (
                Error::Usage {
                    origin: "--timeout".into(),
                    problem: "invalid duration".into(),
                },
                2,
            ),
            (
                Error::Unreadable {
                    path: path.clone(),
                    reason: "no such file".into(),
                },
                66,
            ),
            (Error::Directory { path: path.clone() }, 66),
            (
                Error::TooLarge {
                    path: path.clone(),
                    size: 1 << 30,
                },
                65,
            ),
            (
                Error::NotText {
                    path,
                    problem: NotText::Nul,
                },
                65,
            ),
            (Error::Compile("x".into()), 65),
            (Error::Internal("x".into()), 70),
        ];
        for (err, code) in cases {
            assert_eq!(err.exit().code(), code, "{err}");
        }
    }
}
