//! The error value host functions raise: catchable by the script (`catch (e)` sees it,
//! `e.message`, `e.code`), and when uncaught it decides the exit code.

use rhai::{Dynamic, EvalAltResult, Map, Module, Position};

/// An error raised by a host function.
#[derive(Clone, Debug)]
pub(crate) struct ScriptError {
    /// What went wrong, for humans.
    pub message: String,
    /// The exit code of the run when nobody catches it (1, or `fail(msg, n)`'s n).
    pub exit: u8,
    /// Extra fields the script can read (`code`, `stdout`, `status`, …).
    pub details: Map,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result type of a fallible host function.
pub(crate) type HostResult<T> = Result<T, Box<EvalAltResult>>;

/// A catchable error with `message`; uncaught it exits 1.
pub(crate) fn raise(message: impl Into<String>) -> Box<EvalAltResult> {
    raise_with(message, 1, Map::new())
}

/// A catchable error with an exit code and extra fields.
pub(crate) fn raise_with(message: impl Into<String>, exit: u8, details: Map) -> Box<EvalAltResult> {
    let err = ScriptError {
        message: message.into(),
        exit,
        details,
    };
    EvalAltResult::ErrorRuntime(Dynamic::from(err), Position::NONE).into()
}

/// The uncatchable error that ends evaluation once the run's stop is set.
pub(crate) fn terminated() -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(Dynamic::UNIT, Position::NONE).into()
}

/// The text of any thrown value: a `ScriptError`'s message, a string as is, else its display.
pub(crate) fn display(value: &Dynamic) -> String {
    if let Some(err) = value.read_lock::<ScriptError>() {
        return err.message.clone();
    }
    value.to_string()
}

/// Registers the type so scripts can read `e.message`, `e.code`, … and print it.
pub(crate) fn register(module: &mut Module) {
    module.set_custom_type::<ScriptError>("Error");
    module.set_getter_fn("message", |e: &mut ScriptError| Ok(e.message.clone()));
    for field in [
        "code",
        "stdout",
        "stderr",
        "status",
        "body",
        "url",
        "timed_out",
    ] {
        module.set_getter_fn(field, move |e: &mut ScriptError| {
            Ok(e.details.get(field).cloned().unwrap_or(Dynamic::UNIT))
        });
    }
    module.set_native_fn("to_string", |e: &mut ScriptError| Ok(e.message.clone()));
    module.set_native_fn("to_debug", |e: &mut ScriptError| {
        Ok(format!("Error({:?})", e.message))
    });
}
