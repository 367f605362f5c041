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
    /// `success`, `failed`, `timeout`, `interrupted` or `compile_error`.
    pub kind: &'static str,
    pub error: Option<String>,
}

impl Outcome {
    pub(crate) fn new(exit: Exit, kind: &'static str, error: Option<String>) -> Self {
        Outcome { exit, kind, error }
    }

    /// Decides: a requested stop wins over whatever the script thread reported.
    pub(crate) fn decide(ctx: &Context, end: ScriptEnd) -> Self {
        if let Some(reason) = ctx.stop.reason() {
            return match reason {
                StopReason::Exit(0) => Outcome::new(Exit::Success, "success", None),
                // The script chose this code: nothing to report as an error.
                StopReason::Exit(n) => Outcome::new(Exit::Custom(n), "failed", None),
                StopReason::Deadline => {
                    Outcome::new(Exit::Timeout, "timeout", Some(ctx.deadline.message()))
                }
                StopReason::Signal(sig) => {
                    let name = if sig == libc::SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
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
                "failed",
                Some("evaluation stopped without a reason (a bug in rhrel)".into()),
            ),
        }
    }
}

/// Turns Rhai's runtime error into `ScriptEnd`, naming the innermost cause and its position.
pub(crate) fn from_runtime(err: &EvalAltResult, script: &str) -> ScriptEnd {
    let (inner, pos, file) = innermost(err, err.position(), None);
    let place = locate(file.unwrap_or(script), pos);
    match inner {
        EvalAltResult::ErrorTerminated(..) => ScriptEnd::Stopped,
        EvalAltResult::ErrorRuntime(value, _) => {
            let exit = value.read_lock::<ScriptError>().map_or(1, |e| e.exit);
            ScriptEnd::Error(
                format!("{place}{}", display(value)),
                Exit::custom(exit.into()).unwrap_or(Exit::Failure),
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

/// The innermost error, its position, and the file that position is in: inside an
/// imported module's function the position is the module's (`source`), not the script's.
fn innermost<'a>(
    err: &'a EvalAltResult,
    outer: Position,
    file: Option<&'a str>,
) -> (&'a EvalAltResult, Position, Option<&'a str>) {
    let here = if err.position().is_none() {
        outer
    } else {
        err.position()
    };
    match err {
        EvalAltResult::ErrorInFunctionCall(_, source, inner, _) => {
            let file = if source.is_empty() {
                None
            } else {
                Some(source.as_str())
            };
            innermost(inner, here, file)
        }
        EvalAltResult::ErrorInModule(_, inner, _) => innermost(inner, here, file),
        _ => (err, here, file),
    }
}

/// Rhai's message for an error, with the limit it hit spelled out.
fn limit_hint(err: &EvalAltResult) -> String {
    use crate::limits::*;
    let full = err.to_string();
    // Rhai appends " (line L, position C)"; the position is already in front.
    let msg = match full.rfind(" (line ") {
        Some(i) if full.ends_with(')') => &full[..i],
        _ => &full,
    };
    match err {
        EvalAltResult::ErrorStackOverflow(..) => {
            format!("{msg}: more than {MAX_CALL_LEVELS} nested function calls (call depth limit)")
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let limit = match what.as_str() {
                w if w.contains("string") => format!("{MAX_STRING_SIZE} bytes (string size limit)"),
                w if w.contains("array") || w.contains("Array") => {
                    format!("{MAX_ARRAY_SIZE} elements (array size limit)")
                }
                w if w.contains("map") || w.contains("Map") => {
                    format!("{MAX_MAP_SIZE} entries (map size limit)")
                }
                _ => "a sandbox size limit".into(),
            };
            format!("{msg}: the limit is {limit}")
        }
        EvalAltResult::ErrorTooManyModules(..) => {
            format!("{msg}: the limit is {MAX_MODULES} modules")
        }
        _ => msg.to_string(),
    }
}
