//! hooks: `on_failure(f)` and `finally(f)` register handlers that run after the script has
//! ended and its children have been stopped (src/run/hooks.rs runs them).

use rhai::{FnPtr, Module, NativeCallContext};

use super::func;
use crate::run::context::Ctx;
use crate::run::hooks::{add, HookKind};
use crate::script_error::HostResult;

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let docs = [
        (
            HookKind::OnFailure,
            "Registers `f` to run when the run ends with any outcome but success: an error or \
             `fail` (failed), the deadline (`timeout`), SIGTERM/SIGINT (`interrupted`) or a \
             non-zero `exit(n)`. Handlers run in registration order after the script and its \
             children have stopped, share the `--hook-timeout` budget (default 20s), and get \
             `run = #{outcome, exit_code, error, task, duration, platform}` (`error` masked, \
             `task` the running task or `()`). A handler's own failure is a warning only.\n\
             ```rhai\non_failure(|run| log(`release failed in ${run.task}: ${run.error}`));\n```",
        ),
        (
            HookKind::Finally,
            "Registers `f` to run after every outcome, success included (see `on_failure`); \
             `exit()` inside it ends that handler only.\n\
             ```rhai\nfinally(|run| exec(\"bin/rails\", [\"maintenance:off\"]));\n```",
        ),
    ];
    for (kind, doc) in docs {
        let c = ctx.clone();
        func(ctx, kind.name(), &["f: FnPtr", "()"], doc).set_into_module(
            module,
            move |nc: NativeCallContext, f: FnPtr| -> HostResult<()> {
                c.check_stop()?;
                add(&nc, kind, f)
            },
        );
    }
}
