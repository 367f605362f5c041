//! The static checks of `rhrel check`, run on the script and every module it imports before
//! the first statement executes: a typo after a migration must end the run with 65 before
//! the migration, not after it. Warnings are shown and do not stop the run. The checks use
//! the run's own engine and its one compile of the script: they cost a walk of the syntax tree
//! and a second compile of each imported module.

use std::path::Path;

use rhai::{Engine, AST};

use crate::check::finding::Code;
use crate::check::render::{self, FileReport};
use crate::check::script::Linter;
use crate::output::{Output, Stream};

/// Compiles and lints `source` (the text of `path`) with `engine`, which it hands back with
/// the compiled script. Writes the findings to stderr as `check` prints them; `Err` holds the
/// first error as the run's one-line message. A script that does not compile comes back as
/// `Ok(None)`: the run's own compile reports it.
pub(crate) fn check(
    path: &Path,
    source: &str,
    out: &Output,
    engine: Engine,
) -> (Engine, Result<Option<AST>, String>) {
    let shown = crate::check::files::shown(path);
    let mut linter = Linter::for_run(engine);
    let Ok(ast) = linter.compile(source) else {
        return (linter.into_engine(AST::empty()).0, Ok(None));
    };
    let mut findings = linter.lint_ast(&shown, path, source, &ast);
    let (engine, ast) = linter.into_engine(ast);
    // Unresolved imports: the run's own import step reports those next, with exit 65,
    // before anything runs.
    findings.retain(|f| !matches!(f.code, Code::Syntax | Code::Import));
    if findings.is_empty() {
        return (engine, Ok(Some(ast)));
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
    match first {
        Some(msg) => (engine, Err(msg)),
        None => (engine, Ok(Some(ast))),
    }
}
