//! `--report FILE`: a JSON summary of the run, written whatever the outcome (also when the
//! script never started), masked like every other byte rhrel writes.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::output::{Level, Output};
use crate::run::config::RunConfig;
use crate::run::context::Context;
use crate::run::outcome::Outcome;

/// Writes the report when `--report` was given; a failure to write is a warning only.
pub(crate) fn write(
    config: &RunConfig,
    ctx: Option<&Context>,
    out: &Arc<Output>,
    started: chrono::DateTime<chrono::Utc>,
    outcome: &Outcome,
) {
    let Some(path) = &config.report else { return };
    let finished = chrono::Utc::now();
    let mut report = build(config, ctx, started, finished, outcome);
    // Lines a stalled reader never took (output/writer.rs).
    report["output_dropped_bytes"] = out.dropped_bytes().into();
    let text = out.mask(&format!("{report:#}\n"));
    if let Err(e) = std::fs::write(path, text) {
        out.diag(
            Level::Warn,
            &format!("cannot write the report {}: {e}", path.display()),
        );
    }
}

pub(crate) fn build(
    config: &RunConfig,
    ctx: Option<&Context>,
    started: chrono::DateTime<chrono::Utc>,
    finished: chrono::DateTime<chrono::Utc>,
    outcome: &Outcome,
) -> Value {
    let tasks: Vec<Value> = ctx
        .map(|ctx| {
            let log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
            log.tasks
                .iter()
                .map(|t| {
                    json!({
                        "name": t.name,
                        "status": t.status.name(),
                        "started_at": stamp(t.started_at),
                        "duration_ms": t.duration_ms,
                        "error": t.error,
                        "children": t.children.iter().map(|c| json!({
                            "name": c.name,
                            "duration_ms": c.duration_ms,
                            "status": c.status,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let hooks: Vec<Value> = ctx
        .map(|ctx| {
            let log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
            log.hooks
                .iter()
                .map(|h| {
                    json!({
                        "kind": h.kind,
                        "status": h.status.name(),
                        "duration_ms": h.duration_ms,
                        "error": h.error,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "rhrel": env!("CARGO_PKG_VERSION"),
        "script": config.script.display().to_string(),
        "args": config.args,
        "platform": ctx.map_or_else(
            || crate::api::env::platform(|k| std::env::var_os(k).is_some()).into(),
            |c| c.effects.platform(),
        ),
        "started_at": stamp(started),
        "finished_at": stamp(finished),
        "duration_ms": (finished - started).num_milliseconds().max(0),
        "exit_code": outcome.exit.code(),
        "outcome": outcome.kind,
        "exit_code_by": outcome.code_chosen_by(),
        "error": outcome.error,
        "tasks": tasks,
        "hooks": hooks,
    })
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
