//! How a run ended, decided in one place: the sticky stop first, then the script's result.

use rhai::{EvalAltResult, Position};

use crate::exit_code::Exit;
use crate::run::context::Context;
use crate::run::stop::StopReason;
use crate::script_error::{display, ScriptError};

/// The end of the script thread, in a form that can cross threads.
#[derive(Debug)]
pub(crate) enum ScriptEnd {
    Finished,
    /// Did not compile: the message (with position).
    Compile(String),
    /// An uncaught error: the message (with position) and the exit code it asks for.
    Error(String, Exit),
    /// Evaluation was terminated: the stop's reason decides.
    Stopped,
}

/// The outcome of a run, as the exit code, the report and the summary see it.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub exit: Exit,
    /// `success`, `failed`, `exit`, `timeout`, `interrupted`, `compile_error` or
    /// `internal_error`.
    pub kind: &'static str,
    pub error: Option<String>,
}

impl Outcome {
    /// Who chose the exit code: `script` for `exit(n)` and `fail(msg, n)` with `n` ≥ 1, else
    /// `rhrel` (whose own codes mean what the README's table says).
    pub(crate) fn code_chosen_by(&self) -> &'static str {
        match self.exit {
            Exit::Custom(_) => "script",
            _ => "rhrel",
        }
    }

    pub(crate) fn new(exit: Exit, kind: &'static str, error: Option<String>) -> Self {
        Outcome { exit, kind, error }
    }

    /// Decides: a requested stop wins over whatever the script thread reported.
    pub(crate) fn decide(ctx: &Context, end: ScriptEnd) -> Self {
        if let Some(reason) = ctx.stop.reason() {
            return match reason {
                StopReason::Exit(0) => Outcome::new(Exit::Success, "success", None),
                // The script chose this code: nothing to report as an error.
                StopReason::Exit(n) => Outcome::new(Exit::Custom(n), "exit", None),
                StopReason::Deadline => {
                    Outcome::new(Exit::Timeout, "timeout", Some(ctx.deadline.message()))
                }
                StopReason::Signal(sig) => {
                    let name = crate::run::signals::name(sig);
                    Outcome::new(
                        Exit::for_signal(sig),
                        "interrupted",
                        Some(format!("interrupted by {name}")),
                    )
                }
                StopReason::Stack(used, budget) => Outcome::new(
                    Exit::Failure,
                    "failed",
                    Some(format!(
                        "stack limit exceeded: the script used {} KiB of stack, over its {} KiB",
                        used >> 10,
                        budget >> 10
                    )),
                ),
                StopReason::Memory(used, limit) => Outcome::new(
                    Exit::Failure,
                    "failed",
                    Some(format!(
                        "memory limit exceeded: {} MiB in use, over --max-memory {} MiB",
                        used >> 20,
                        limit >> 20
                    )),
                ),
            };
        }
        match end {
            ScriptEnd::Finished => Outcome::new(Exit::Success, "success", None),
            ScriptEnd::Compile(msg) => Outcome::new(Exit::Compile, "compile_error", Some(msg)),
            ScriptEnd::Error(msg, exit) => Outcome::new(exit, "failed", Some(msg)),
            ScriptEnd::Stopped => Outcome::new(
                Exit::Internal,
                "internal_error",
                Some("evaluation stopped without a reason (a bug in rhrel)".into()),
            ),
        }
    }
}

/// Turns Rhai's runtime error into `ScriptEnd`, naming the innermost cause and its position;
/// a cause inside an imported module is reported at the script's line that called into it,
/// with the module's own place after it.
pub(crate) fn from_runtime(err: &EvalAltResult, script: &str) -> ScriptEnd {
    let chain = Chain::of(err);
    let place = match &chain.entry {
        Some((call_site, name)) => format!(
            "{}in {name} ({}): ",
            locate(script, *call_site),
            locate(chain.file.unwrap_or(script), chain.pos).trim_end_matches(": ")
        ),
        None => locate(chain.file.unwrap_or(script), chain.pos),
    };
    match chain.inner {
        EvalAltResult::ErrorTerminated(..) => ScriptEnd::Stopped,
        EvalAltResult::ErrorRuntime(value, _) => {
            let err = value.read_lock::<ScriptError>();
            let exit = err.as_ref().map_or(1, |e| e.exit);
            // A re-thrown error: reported where it first happened, not at the `throw`.
            let place = match err.as_ref().and_then(|e| e.origin.as_ref()) {
                Some(origin) => locate(origin.source.as_deref().unwrap_or(script), origin.pos),
                None => place,
            };
            drop(err);
            ScriptEnd::Error(
                format!("{place}{}", display(value)),
                // 1 is rhrel's own "failed", whoever raised it.
                match exit {
                    1 => Exit::Failure,
                    n => Exit::custom(n.into()).unwrap_or(Exit::Failure),
                },
            )
        }
        other => ScriptEnd::Error(format!("{place}{}", limit_hint(other)), Exit::Failure),
    }
}

/// `file:line:col: ` for a position, or nothing when there is none.
pub(crate) fn locate(script: &str, pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(line), Some(col)) => format!("{script}:{line}:{col}: "),
        (Some(line), None) => format!("{script}:{line}: "),
        _ => String::new(),
    }
}

/// A runtime error's chain of function calls, read down to its cause.
struct Chain<'a> {
    /// The innermost error.
    inner: &'a EvalAltResult,
    /// Its position, in `file`.
    pos: Position,
    /// The module the position is in (`None`: the script itself).
    file: Option<&'a str>,
    /// Where the script called into the first module on the way, and the function's name.
    entry: Option<(Position, String)>,
}

impl<'a> Chain<'a> {
    fn of(err: &'a EvalAltResult) -> Self {
        let mut chain = Chain {
            inner: err,
            pos: err.position(),
            file: None,
            entry: None,
        };
        loop {
            if !chain.inner.position().is_none() {
                chain.pos = chain.inner.position();
            }
            match chain.inner {
                EvalAltResult::ErrorInFunctionCall(name, source, inner, _) => {
                    if !source.is_empty() {
                        if chain.file.is_none() && chain.entry.is_none() {
                            chain.entry = Some((chain.pos, name.to_string()));
                        }
                        chain.file = Some(source.as_str());
                    }
                    chain.inner = inner;
                }
                EvalAltResult::ErrorInModule(_, inner, _) => chain.inner = inner,
                _ => return chain,
            }
        }
    }
}

/// Rhai's message for an error without the ` (line L, position C)` it appends: the place is
/// printed in front instead. Cut by the error's own position, not by searching the text.
pub(crate) fn without_position(err: &EvalAltResult) -> String {
    let full = err.to_string();
    let pos = err.position();
    if pos.is_none() {
        return full;
    }
    match full.strip_suffix(&format!(" ({pos})")) {
        Some(msg) => msg.to_string(),
        None => full,
    }
}

/// Which sandbox size limit an `ErrorDataTooLarge` names. Rhai gives only a phrase, so these
/// are its exact phrases (`eval/data_check.rs`, `packages/*`); the unit test below hits each
/// limit through a real engine, so a rhai upgrade that rewords one fails it.
fn size_limit(what: &str) -> Option<String> {
    use crate::limits::*;
    match what {
        "Length of string" => Some(format!("{MAX_STRING_SIZE} bytes (string size limit)")),
        "Size of array/BLOB" | "Size of BLOB" => {
            Some(format!("{MAX_ARRAY_SIZE} elements (array size limit)"))
        }
        "Size of object map" | "Number of properties in object map literal" => {
            Some(format!("{MAX_MAP_SIZE} entries (map size limit)"))
        }
        _ => None,
    }
}

/// Rhai's message for an error, with the limit it hit spelled out.
fn limit_hint(err: &EvalAltResult) -> String {
    use crate::limits::*;
    let msg = without_position(err);
    let msg = msg.as_str();
    match err {
        EvalAltResult::ErrorStackOverflow(..) => {
            format!("{msg}: more than {MAX_CALL_LEVELS} nested function calls (call depth limit)")
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            if what.starts_with("Nesting of arrays and maps") {
                return "a value nested deeper than 128 levels of arrays and maps (nesting \
                        limit: printing or dropping it could overflow the stack)"
                    .into();
            }
            let limit = size_limit(what).unwrap_or_else(|| "a sandbox size limit".into());
            format!("{msg}: the limit is {limit}")
        }
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            match super::not_found::hint(signature) {
                Some(hint) => hint,
                None => msg.to_string(),
            }
        }
        EvalAltResult::ErrorTooManyModules(..) => {
            format!("{msg}: the limit is {MAX_MODULES} modules")
        }
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The innermost error of running `script` on the sandboxed engine.
    fn innermost(script: &str) -> Box<EvalAltResult> {
        let mut engine = crate::run::engine::sandboxed(&crate::run::context::Context::inert());
        // Small limits, so each is hit at once: the phrases do not depend on the numbers.
        engine
            .set_max_string_size(64)
            .set_max_array_size(8)
            .set_max_map_size(8);
        let mut err = match engine.run(script) {
            Ok(()) => panic!("{script} ran to its end"),
            Err(err) => err,
        };
        while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = *err {
            err = inner;
        }
        err
    }

    #[test]
    fn every_size_limit_is_known_by_rhai_s_own_phrase() {
        let cases = [
            (r#"let s = "x"; loop { s += s; }"#, "string size limit"),
            ("let a = [1]; loop { a += a; }", "array size limit"),
            (
                "let m = #{}; let i = 0; loop { let n = #{}; n[`k${i}`] = i; m.mixin(n); i += 1; }",
                "map size limit",
            ),
        ];
        for (script, limit) in cases {
            let err = innermost(script);
            let EvalAltResult::ErrorDataTooLarge(what, _) = &*err else {
                panic!("{script}: {err}");
            };
            let named = size_limit(what).unwrap_or_else(|| panic!("unknown phrase {what:?}"));
            assert!(named.contains(limit), "{what:?} -> {named}");
        }
    }

    #[test]
    fn without_position_cuts_the_position_only() {
        let err = innermost("let x = 1;\nx.no_such_method_here(\"(line 9)\");");
        assert!(!err.position().is_none());
        let msg = without_position(&err);
        assert!(msg.contains("no_such_method_here"), "{msg}");
        assert!(!msg.ends_with(&format!("({})", err.position())), "{msg}");
    }
}
