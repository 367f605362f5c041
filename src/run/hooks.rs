//! The hook phase: `on_failure` and `finally` handlers, run after the script has stopped and
//! its children have been stopped. Each handler is a small run of its own: a fresh stop (so
//! `exit()` ends that handler only), a fresh engine, the phase's shared deadline (the hooks'
//! budget, `--hook-timeout`) and the environment (imports, script functions) it was
//! registered in. A second signal or the budget's end stops it at once, its children killed.
//! A handler's failure is a warning: it never changes the run's exit code.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, FnPtr, Map, NativeCallContext, FLOAT, INT};

use crate::exit_code::Exit;
use crate::output::Level;
use crate::run::context::Ctx;
use crate::run::deadline::{Deadline, TimeoutSource};
use crate::run::outcome::{from_runtime, Outcome, ScriptEnd};
use crate::run::stop::{Stop, StopReason};
use crate::run::task::{HookRecord, HookStatus};
use crate::script_error::{raise, HostResult};

/// Which outcomes a handler runs after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookKind {
    /// Any outcome but success.
    OnFailure,
    /// Every outcome.
    Finally,
}

impl HookKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            HookKind::OnFailure => "on_failure",
            HookKind::Finally => "finally",
        }
    }
}

/// A registered handler and the call environment it was registered in.
#[allow(deprecated)] // NativeCallContextStore is marked "volatile", not deprecated.
pub(crate) struct Handler {
    kind: HookKind,
    f: FnPtr,
    env: rhai::NativeCallContextStore,
}

/// The handlers a run's script registered, reachable from host calls through the engine's tag.
#[derive(Clone, Default)]
pub(crate) struct Registry(Rc<RefCell<Vec<Handler>>>);

impl Registry {
    /// Makes `on_failure`/`finally` called by `engine`'s scripts register here.
    pub(crate) fn attach(&self, engine: &mut Engine) {
        engine.set_default_tag(Dynamic::from(self.clone()));
    }

    /// The handlers, in registration order.
    pub(crate) fn take(&self) -> Vec<Handler> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// `on_failure(f)` / `finally(f)`: records `f` with the caller's environment.
pub(crate) fn add(nc: &NativeCallContext, kind: HookKind, f: FnPtr) -> HostResult<()> {
    let registry = nc
        .tag()
        .and_then(|t| t.read_lock::<Registry>().map(|r| r.clone()));
    let Some(registry) = registry else {
        return Err(raise(format!(
            "{}(): handlers can only be registered by the script, not from a handler",
            kind.name()
        )));
    };
    #[allow(deprecated)]
    let env = nc.store_data();
    registry.0.borrow_mut().push(Handler { kind, f, env });
    Ok(())
}

/// What the hook phase needs from the run's configuration.
#[derive(Clone, Debug)]
pub(crate) struct HookSettings {
    pub budget: Duration,
    pub source: TimeoutSource,
    /// When the run started (for `run.duration`).
    pub started: Instant,
    pub max_memory: u64,
    /// Whether the script gets `check`'s static checks before it starts (`--no-check`).
    pub check: bool,
}

/// Runs the handlers due after `outcome`, in registration order, within the hooks' budget,
/// and records each in the task log. None runs after a compile error.
pub(crate) fn run(
    ctx: &Ctx,
    outcome: &Outcome,
    handlers: Vec<Handler>,
    settings: &HookSettings,
    stack_budget: usize,
) {
    if outcome.exit == Exit::Compile {
        return;
    }
    let due: Vec<Handler> = handlers
        .into_iter()
        .filter(|h| h.kind == HookKind::Finally || outcome.exit != Exit::Success)
        .collect();
    if due.is_empty() {
        return;
    }
    crate::run::signals::start_hooks();
    let deadline =
        Deadline::for_hooks_after(&ctx.deadline, settings.budget, settings.source.clone());
    let info = run_map(ctx, outcome, settings);
    for handler in &due {
        let name = handler.kind.name();
        let skipped = if crate::run::signals::pending().is_some() {
            Some("a second signal stopped the hooks")
        } else if deadline.remaining().is_zero() {
            Some("the hooks' budget was spent")
        } else {
            None
        };
        if let Some(why) = skipped {
            ctx.out
                .diag(Level::Warn, &format!("{name} handler skipped: {why}"));
            record(ctx, name, HookStatus::Skipped, 0, Some(why.to_string()));
            continue;
        }
        ctx.out.event(
            Level::Info,
            "hook_start",
            &format!("▶ {name}"),
            serde_json::json!({ "hook": name }),
        );
        let clock = &ctx.deadline.clock;
        let start = clock.now();
        let (status, error) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            call(ctx, handler, &deadline, &info, settings, stack_budget)
        }))
        .unwrap_or_else(|_| {
            (
                HookStatus::Failed,
                Some("the handler crashed (a bug in rhrel)".into()),
            )
        });
        let elapsed = clock.now().saturating_sub(start);
        let secs = format!("{:.2}s", elapsed.as_secs_f64());
        let text = match &error {
            None => format!("✔ {name} ({secs})"),
            Some(why) => format!("✘ {name} ({secs}): {why}"),
        };
        ctx.out.event(
            Level::Info,
            "hook_end",
            &text,
            serde_json::json!({
                "hook": name, "status": status.name(),
                "duration_ms": elapsed.as_millis() as u64, "error": error,
            }),
        );
        if let Some(why) = &error {
            ctx.out
                .diag(Level::Warn, &format!("{name} handler failed: {why}"));
        }
        record(ctx, name, status, elapsed.as_millis() as u64, error);
    }
}

/// One handler, in a context of its own that shares the phase's deadline.
fn call(
    ctx: &Ctx,
    handler: &Handler,
    deadline: &Deadline,
    info: &Map,
    settings: &HookSettings,
    stack_budget: usize,
) -> (HookStatus, Option<String>) {
    let stop = Arc::new(Stop::default());
    let hctx = super::context(
        ctx.script.clone(),
        ctx.script_dir.clone(),
        ctx.args.clone(),
        ctx.dry_run,
        ctx.policy.clone(),
        stop.clone(),
        deadline.clone(),
        ctx.out.clone(),
        ctx.effects.clone(),
    );
    // The budget's end or a second signal: the handler's children die at once (the budget
    // was their grace). This watchdog is also the one blocking host calls would start.
    let killer = hctx.clone();
    let guard = deadline.watch_then(stop.clone(), move |_| {
        let groups = killer
            .children
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for g in groups {
            crate::exec::process_group::signal(g, libc::SIGKILL);
        }
    });
    let _ = hctx.watchdog.set(Mutex::new(guard));

    let guard = crate::run::stack::StackGuard::here(stack_budget);
    let engine = crate::run::engine::for_run(&hctx, settings.max_memory, guard);
    #[allow(deprecated)]
    let nc = NativeCallContext::from_stored_data(&engine, &handler.env);
    let result = handler
        .f
        .call_within_context::<Dynamic>(&nc, (Dynamic::from_map(info.clone()),));
    let shown = ctx.script.display().to_string();
    let end = match &result {
        Ok(_) => ScriptEnd::Finished,
        Err(err) => from_runtime(err, &shown),
    };
    let exited = match stop.reason() {
        Some(StopReason::Exit(n)) if n != 0 => Some(n),
        _ => None,
    };
    let ended = Outcome::decide(&hctx, end);

    // Ends the watchdog (the first stop reason stays), then what the handler left running.
    stop.request(StopReason::Exit(0));
    let watchdog = hctx.watchdog.get().and_then(|w| w.lock().ok()?.take());
    if let Some(watchdog) = watchdog {
        let _ = watchdog.join();
    }
    crate::api::exec::stop_children(&hctx);

    let status = match ended.kind {
        "success" => HookStatus::Ok,
        "timeout" => HookStatus::Timeout,
        "interrupted" => HookStatus::Interrupted,
        _ => HookStatus::Failed,
    };
    let error = match (status, exited) {
        (HookStatus::Ok, _) => None,
        (_, Some(n)) => Some(format!("exit({n})")),
        (HookStatus::Interrupted, _) => Some("stopped by a second signal".to_string()),
        _ => ended.error.or_else(|| Some("failed".into())),
    };
    (status, error)
}

/// `run`: what the handler is told about the run.
fn run_map(ctx: &Ctx, outcome: &Outcome, settings: &HookSettings) -> Map {
    let task = {
        let log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
        log.current().map(str::to_string)
    };
    let mut map = Map::new();
    map.insert("outcome".into(), outcome.kind.into());
    map.insert("exit_code".into(), (outcome.exit.code() as INT).into());
    map.insert(
        "error".into(),
        outcome
            .error
            .as_deref()
            .map_or(Dynamic::UNIT, |e| ctx.out.mask(e).into()),
    );
    map.insert("task".into(), task.map_or(Dynamic::UNIT, Into::into));
    map.insert(
        "duration".into(),
        (run_seconds(ctx, settings) as FLOAT).into(),
    );
    map.insert("platform".into(), ctx.effects.platform().into());
    map
}

/// Seconds since the run started: on the simulated clock (which starts with the run) in a
/// simulation.
fn run_seconds(ctx: &Ctx, settings: &HookSettings) -> f64 {
    if ctx.deadline.clock.is_simulated() {
        ctx.deadline.clock.now().as_secs_f64()
    } else {
        settings.started.elapsed().as_secs_f64()
    }
}

fn record(
    ctx: &Ctx,
    kind: &'static str,
    status: HookStatus,
    duration_ms: u64,
    error: Option<String>,
) {
    let mut log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
    log.hooks.push(HookRecord {
        kind,
        status,
        duration_ms,
        error,
    });
}
