//! log: the script's output lines (`log`/`info`, `warn`, `error`, `debug`) and `mask()`.
//! Rhai's own `print` and `debug` keywords are routed to the same logger in engine.rs
//! (`debug(x)` shows a `debug:` line only with `--verbose`).

use rhai::{Dynamic, Module};

use super::func;
use crate::output::Level;
use crate::run::context::Ctx;
use crate::script_error::display;

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
                c.out.log(level, &display(&msg));
            },
        );
        // The common case, a string, matches exactly: without this overload the first call
        // also searched (and hashed) the whole lazy standard package for `name(string)`.
        let c = ctx.clone();
        func(ctx, name, &["message: &str", "()"], &doc)
            .set_into_module(module, move |msg: &str| c.out.log(level, msg));
    }

    let c = ctx.clone();
    func(
        ctx,
        "mask",
        &["value: &str", "()"],
        "Treats a value as secret from now on: it is printed as `***` everywhere.\n\
         ```rhai\nlet token = exec(\"vault\", [\"read\", \"token\"], #{quiet: true}).stdout;\nmask(token);\n```",
    )
    .set_into_module(module, move |value: &str| c.out.add_secret(value));
}
