//! log: the script's output lines (`log`/`info`, `warn`, `error`, `debug`) and `mask()`.
//! Rhai's own `print` and `debug` keywords are routed to the same logger in engine.rs
//! (`debug(x)` shows a `debug:` line only with `--verbose`).

use rhai::{Dynamic, ImmutableString, Module, FLOAT, INT};

use super::func;
use crate::output::Level;
use crate::run::context::Ctx;
use crate::script_error::{display, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let levels = [
        ("log", Level::Info, "Writes a line to the release log (stdout), flushed at once."),
        ("info", Level::Info, "Same as `log`."),
        ("warn", Level::Warn, "Writes a `warning:` line to the release log."),
        ("error", Level::Error, "Writes an `error:` line to the release log (it does not stop the script; use `fail` for that)."),
    ];
    for (name, level, doc) in levels {
        let c = ctx.clone();
        let doc = format!("{doc}\n```rhai\n{name}(\"migrations applied\");\n```");
        func(ctx, name, &["message: ?", "()"], &doc).set_into_module(
            module,
            move |msg: Dynamic| {
                c.out.log(level, &shown(&msg));
            },
        );
        // The common case, a string, matches exactly: without this overload the first call
        // also searched (and hashed) the whole lazy standard package for `name(string)`.
        let c = ctx.clone();
        func(ctx, name, &["message: &str", "()"], &doc)
            .set_into_module(module, move |msg: &str| c.out.log(level, msg));
        // Exact overloads: an exact type match anywhere beats a `Dynamic` parameter, so
        // without these the math package's `log(FLOAT)` (a logarithm) would win and
        // `log(1.25)` would print nothing.
        let c = ctx.clone();
        func(ctx, name, &["message: FLOAT", "()"], &doc)
            .set_into_module(module, move |x: FLOAT| {
                c.out.log(level, &Dynamic::from(x).to_string())
            });
        let c = ctx.clone();
        func(ctx, name, &["message: INT", "()"], &doc)
            .set_into_module(module, move |x: INT| c.out.log(level, &x.to_string()));
    }

    // Rhai's `print(())` gives an empty line: show the `()`, as `log` does.
    func(
        ctx,
        "print",
        &["value: ()", "String"],
        "Writes a value to the release log, as `log` does; `print(())` shows `()`.\n\
         ```rhai\nprint(env(\"RELEASE_CHANNEL\"));\n```",
    )
    .set_into_module(module, |_: ()| -> ImmutableString { "()".into() });

    let c = ctx.clone();
    func(
        ctx,
        "mask",
        &["value: &str", "()"],
        "Treats a value as secret from now on: it is printed as `***` everywhere.\n\
         ```rhai\nlet token = exec(\"vault\", [\"read\", \"token\"], #{quiet: true}).stdout;\nmask(token);\n```",
    )
    .set_into_module(module, move |value: &str| -> HostResult<()> {
        c.out
            .mask_secret(value)
            .map_err(|e| crate::script_error::raise(format!("mask(): {e}")))
    });
}

/// A value as a log line shows it: `()` as `()` rather than an empty line.
fn shown(value: &Dynamic) -> String {
    if value.is_unit() {
        "()".into()
    } else {
        display(value)
    }
}
