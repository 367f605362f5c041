//! The error value host functions raise: catchable by the script (`catch (e)` sees it,
//! `e.message`, `e.code`), and when uncaught it decides the exit code.

use rhai::{Dynamic, EvalAltResult, FuncRegistration, ImmutableString, Map, Module, Position};

/// An error raised by a host function.
#[derive(Clone, Debug)]
pub(crate) struct ScriptError {
    /// What went wrong, for humans.
    pub message: String,
    /// The exit code of the run when nobody catches it (1, or `fail(msg, n)`'s n).
    pub exit: u8,
    /// Extra fields the script can read (`code`, `stdout`, `status`, …).
    pub details: Map,
    /// Where it was first caught: a re-thrown error (`catch (e) { …; throw e; }`) is still
    /// reported there, not at the `throw`.
    pub origin: Option<Origin>,
}

/// A place in the script (`source` `None`) or in an imported module.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub source: Option<String>,
    pub pos: Position,
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
        origin: None,
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

/// What a `catch (e)` block receives, whatever was raised: always an `Error` with `message`
/// (and `code`, `stdout`, … where they apply) that prints as its message. `throw "x"`, a
/// host error and Rhai's own runtime errors (given as a map with `message`) all become one;
/// a map or other value the script threw itself stays as it was.
pub(crate) fn caught(value: Dynamic, pos: Position, source: Option<&str>) -> Dynamic {
    let origin = Origin {
        source: source.map(str::to_string),
        pos,
    };
    if value.is::<ScriptError>() {
        let mut err = value.cast::<ScriptError>();
        err.origin.get_or_insert(origin);
        return Dynamic::from(err);
    }
    let (message, details) = if value.is_string() {
        (value.to_string(), Map::new())
    } else if value.is_map() {
        let mut details = value.clone().cast::<Map>();
        // Rhai's own errors arrive as `#{error, message, line, position, …}`.
        if !(details.contains_key("error") && details.contains_key("message")) {
            return value;
        }
        let message = details
            .remove("message")
            .map(|m| m.to_string())
            .unwrap_or_default();
        (message, details)
    } else {
        return value;
    };
    Dynamic::from(ScriptError {
        message,
        exit: 1,
        details,
        origin: Some(origin),
    })
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
        "attempts",
        "elapsed",
        "results",
    ] {
        module.set_getter_fn(field, move |e: &mut ScriptError| {
            Ok(e.details.get(field).cloned().unwrap_or(Dynamic::UNIT))
        });
    }
    module.set_native_fn("to_string", |e: &mut ScriptError| Ok(e.message.clone()));
    // `catch (e) { if e == "timeout" { … } }` kept working when a thrown string became an
    // Error: it compares by message.
    let documented = |name: &str, doc: &str| {
        FuncRegistration::new(name)
            .with_params_info(["error: Error", "text: &str", "bool"])
            .with_comments([doc
                .lines()
                .map(|l| format!("/// {l}"))
                .collect::<Vec<_>>()
                .join("\n")])
    };
    documented(
        "==",
        "Whether a caught error's message is `text`.\n```rhai\ntry { throw \"busy\"; } catch (e) { if e == \"busy\" { log(\"retry later\"); } }\n```",
    )
    .set_into_module(module, |e: &mut ScriptError, s: ImmutableString| e.message == s.as_str());
    documented(
        "!=",
        "Whether a caught error's message is not `text`.\n```rhai\ntry { throw \"busy\"; } catch (e) { if e != \"busy\" { throw e; } }\n```",
    )
    .set_into_module(module, |e: &mut ScriptError, s: ImmutableString| e.message != s.as_str());
    documented(
        "contains",
        "Whether a caught error's message contains `text`.\n```rhai\ntry { exec(\"false\", []); } catch (e) { if e.contains(\"exited\") { warn(e); } }\n```",
    )
    .set_into_module(module, |e: &mut ScriptError, s: ImmutableString| {
        e.message.contains(s.as_str())
    });
    FuncRegistration::new("annotate")
        .with_params_info(["error: ?", "fields: Map", "Error"])
        .with_comments(["/// A caught error with more fields (`e.attempts`, `e.elapsed`, …) for a re-throw; a\n/// value that is not an error becomes one with that text as its message.\n/// ```rhai\n/// try { step(); } catch (e) { throw annotate(e, #{attempts: 3}); }\n/// ```".to_string()])
        .set_into_module(module, |value: Dynamic, fields: Map| -> Dynamic {
            let mut err = match value.clone().try_cast::<ScriptError>() {
                Some(err) => err,
                None => ScriptError {
                    message: display(&value),
                    exit: 1,
                    details: Map::new(),
                    origin: None,
                },
            };
            err.details.extend(fields);
            Dynamic::from(err)
        });
    module.set_native_fn("to_debug", |e: &mut ScriptError| {
        Ok(format!("Error({:?})", e.message))
    });
}
