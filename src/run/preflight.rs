//! The static checks of `rhrel check`, run on the script and every module it imports before
//! the first statement executes: a typo after a migration must end the run with 65 before
//! the migration, not after it. Warnings are shown and do not stop the run.

use std::path::Path;

use crate::check::finding::{Code, Finding};
use crate::check::render::{self, FileReport};
use crate::check::script::Linter;
use crate::output::{Level, Output};

/// Lints `source` (the text of `path`); writes the findings to stderr as `check` prints
/// them, and returns whether any of them is an error.
pub(crate) fn refuses(path: &Path, source: &str, out: &Output) -> bool {
    let shown = crate::check::files::shown(path);
    let mut findings = Linter::for_run().lint(&shown, path, source);
    // Syntax errors and unresolved imports: the run's own compile reports those next, with
    // exit 65, before anything runs.
    findings.retain(|f| !matches!(f.code, Code::Syntax | Code::Import));
    if findings.is_empty() {
        return false;
    }
    let refused = findings.iter().any(Finding::is_error);
    // The first error also as the one-line form every other failed run ends with.
    let first = findings.iter().find(|f| f.is_error()).map(|f| {
        let at = if f.line == 0 {
            String::new()
        } else {
            format!("{}:{}:{}: ", f.file, f.line, f.column)
        };
        format!("{at}{}", f.message)
    });
    let report = FileReport {
        shown,
        source: source.to_string(),
        findings,
    };
    let text = render::human(&[report], false);
    out.relay(crate::output::Stream::Stderr, text.as_bytes());
    if let Some(first) = first {
        out.diag(
            Level::Error,
            &format!(
                "{first} (the static checks found this before anything ran; --no-check skips them)"
            ),
        );
    }
    refused
}
