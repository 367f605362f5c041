//! task: `task(name, || { … })` runs a named step, notes its start and end with its
//! duration on stderr (rhrel's progress notes, hidden by `--quiet`), records it for the
//! end-of-run summary and the report, and re-throws its error unchanged.

use rhai::{Dynamic, EvalAltResult, FnPtr, Module, NativeCallContext};
use serde_json::json;

use super::func;
use crate::output::Level;
use crate::run::context::{Context, Ctx};
use crate::run::outcome::Outcome;
use crate::run::stop::StopReason;
use crate::run::task::{TaskRecord, TaskStatus};
use crate::script_error::{display, terminated, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "task",
        &["name: &str", "f: FnPtr", "?"],
        "Runs the closure `f` as a named step: notes `▶ name`, then `✔ name (1.23s)` or \
         `✘ name (0.40s): cause`, records it for the summary and `--report`, re-throws its \
         error, and returns its value.\n\
         ```rhai\ntask(\"migrate\", || exec(\"bundle\", [\"exec\", \"rails\", \"db:migrate\"]));\n```",
    )
    .set_into_module(
        module,
        move |nc: NativeCallContext, name: &str, f: FnPtr| -> HostResult<Dynamic> {
            c.check_stop()?;
            run_task(&c, &nc, name, &f)
        },
    );
}

fn run_task(ctx: &Context, nc: &NativeCallContext, name: &str, f: &FnPtr) -> HostResult<Dynamic> {
    ctx.out.event(
        Level::Info,
        "task_start",
        &format!("▶ {name}"),
        json!({ "task": name }),
    );
    let index = {
        let mut log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
        // Recorded as interrupted until it ends: a task cut short by a crash stays so.
        log.tasks.push(TaskRecord {
            name: name.to_string(),
            status: TaskStatus::Interrupted,
            started_at: ctx.deadline.clock.wall(),
            duration_ms: 0,
            error: None,
            children: Vec::new(),
        });
        log.tasks.len() - 1
    };
    let clock = &ctx.deadline.clock;
    let start = clock.now();
    let result = f.call_within_context::<Dynamic>(nc, ());
    let elapsed = clock.now().saturating_sub(start);
    let secs = format!("{:.2}s", elapsed.as_secs_f64());

    let (status, error, returned) = match result {
        Ok(value) => (TaskStatus::Ok, None, Ok(value)),
        Err(_) if ctx.stop.is_set() => match ctx.stop.reason() {
            // exit() inside a task ends the run on purpose: a clean exit completes it.
            Some(StopReason::Exit(0)) => (TaskStatus::Ok, None, Err(terminated())),
            Some(StopReason::Exit(n)) => (
                TaskStatus::Failed,
                Some(format!("exit({n})")),
                Err(terminated()),
            ),
            _ => (
                TaskStatus::Interrupted,
                Some("interrupted".to_string()),
                Err(terminated()),
            ),
        },
        Err(err) => (TaskStatus::Failed, Some(cause(&err)), Err(err)),
    };
    let text = match &error {
        None => format!("✔ {name} ({secs})"),
        Some(why) => format!("✘ {name} ({secs}): {why}"),
    };
    ctx.out.event(
        Level::Info,
        "task_end",
        &text,
        json!({
            "task": name, "status": status.name(),
            "duration_ms": elapsed.as_millis() as u64, "error": error,
        }),
    );
    let mut log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(record) = log.tasks.get_mut(index) {
        record.status = status;
        record.duration_ms = elapsed.as_millis() as u64;
        record.error = error;
    }
    returned
}

/// The innermost message of an error, without Rhai's wrapping and positions.
pub(crate) fn cause(err: &EvalAltResult) -> String {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => cause(inner),
        EvalAltResult::ErrorRuntime(value, _) => display(value),
        other => crate::run::outcome::without_position(other),
    }
}

/// Prints the summary of every task when the run had any, however the run ended.
pub(crate) fn summary(ctx: &Ctx, outcome: &Outcome) {
    let log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
    if log.tasks.is_empty() && log.hooks.is_empty() {
        return;
    }
    let now = ctx.deadline.clock.wall();
    let width = log
        .tasks
        .iter()
        .map(|t| t.name.chars().count())
        .chain(log.hooks.iter().map(|h| h.kind.chars().count()))
        .max()
        .unwrap_or(0);
    let mut text = format!("Tasks ({}):", outcome.kind);
    for t in &log.tasks {
        let (mark, ms) = match t.status {
            TaskStatus::Ok => ("✔", t.duration_ms),
            TaskStatus::Failed => ("✘", t.duration_ms),
            // Still open when the run ended: count until now.
            TaskStatus::Interrupted if t.duration_ms == 0 && t.error.is_none() => {
                ("⏹", (now - t.started_at).num_milliseconds().max(0) as u64)
            }
            TaskStatus::Interrupted => ("⏹", t.duration_ms),
        };
        let pad = width - t.name.chars().count();
        text.push_str(&format!(
            "\n  {mark} {}{} {:>8.2}s",
            t.name,
            " ".repeat(pad),
            ms as f64 / 1000.0
        ));
        if let Some(err) = &t.error {
            text.push_str("  ");
            text.push_str(err.lines().next().unwrap_or(""));
        }
        for c in &t.children {
            text.push_str(&format!(
                "\n      · {} {:.2}s {}",
                c.name,
                c.duration_ms as f64 / 1000.0,
                c.status
            ));
        }
    }
    text.push_str(&log.hook_lines(width));
    let tasks: Vec<_> = log
        .tasks
        .iter()
        .map(|t| json!({ "task": t.name, "status": t.status.name(), "duration_ms": t.duration_ms, "error": t.error }))
        .collect();
    let hooks: Vec<_> = log
        .hooks
        .iter()
        .map(|h| json!({ "hook": h.kind, "status": h.status.name(), "duration_ms": h.duration_ms, "error": h.error }))
        .collect();
    ctx.out.event(
        Level::Info,
        "summary",
        &text,
        json!({
            "outcome": outcome.kind, "exit_code": outcome.exit.code(),
            "tasks": tasks, "hooks": hooks,
        }),
    );
}
