//! The static checks of `rhrel check`, run on the script and every module it imports before
//! the first statement executes: a typo after a migration must end the run with 65 before
//! the migration, not after it. Warnings are shown and do not stop the run. The checks use
//! the run's own engine, so they cost one more compile and a walk of the syntax tree.

use std::path::Path;

use rhai::Engine;

use crate::check::finding::Code;
use crate::check::render::{self, FileReport};
use crate::check::script::Linter;
use crate::output::{Output, Stream};

/// Lints `source` (the text of `path`) with `engine`, which it hands back. Writes the findings
/// to stderr as `check` prints them; returns the first error as the run's one-line message.
pub(crate) fn check(
    path: &Path,
    source: &str,
    out: &Output,
    engine: Engine,
) -> (Engine, Option<String>) {
    let shown = crate::check::files::shown(path);
    let mut linter = Linter::for_run(engine);
    let mut findings = linter.lint(&shown, path, source);
    let engine = linter.into_engine();
    // Syntax errors and unresolved imports: the run's own compile reports those next, with
    // exit 65, before anything runs.
    findings.retain(|f| !matches!(f.code, Code::Syntax | Code::Import));
    if findings.is_empty() {
        return (engine, None);
    }
    let first = findings.iter().find(|f| f.is_error()).map(|f| {
        let at = if f.line == 0 {
            String::new()
        } else {
            format!("{}:{}:{}: ", f.file, f.line, f.column)
        };
        format!(
            "{at}{} (the static checks found this before anything ran; --no-check skips them)",
            f.message
        )
    });
    let report = FileReport {
        shown,
        source: source.to_string(),
        findings,
    };
    out.relay(Stream::Stderr, render::human(&[report], false).as_bytes());
    (engine, first)
}
