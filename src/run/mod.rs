//! One run, from script file to exit code: read and decode the script, build the sandboxed
//! engine, start the deadline and signal watchers, evaluate (on the main thread when its stack
//! is large enough, else on a thread with a large stack), then decide the outcome, stop the
//! children, run the hooks (`on_failure`, `finally`: `hooks.rs`) and write the report.
//!
//! This folder owns a run's life and its shared state (`context`, `stop`, `deadline`), which
//! `api/`, `exec/` and `http/` take. It reaches `api/` only to build the engine's host module
//! (`engine.rs`), never a script function directly.

pub(crate) mod backstop;
pub(crate) mod clock;
mod config;
pub(crate) mod context;
pub(crate) mod crash;
pub(crate) mod deadline;
pub(crate) mod effects;
pub(crate) mod engine;
pub(crate) mod hooks;
pub(crate) mod imports;
pub(crate) mod memory;
pub(crate) mod not_found;
pub(crate) mod outcome;
pub(crate) mod preflight;
pub(crate) mod report;
pub(crate) mod resolver;
pub mod script_file;
pub(crate) mod signals;
pub(crate) mod stack;
pub(crate) mod stop;
pub(crate) mod task;
pub(crate) mod wait_io;

pub use config::RunConfig;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::exit_code::Exit;
use crate::output::{Level, Output, PrepareError};
use crate::policy::Policy;
use crate::run::context::{Context, Ctx};
use crate::run::deadline::{Deadline, TimeoutSource};
use crate::run::hooks::{HookSettings, Registry};
use crate::run::outcome::{from_runtime, locate, Outcome, ScriptEnd};
use crate::run::stop::{Stop, StopReason};
use crate::run::task::TaskLog;

/// Stack of the script thread: deep enough for the call-depth and nesting limits.
pub const SCRIPT_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs a script to its end and returns how the process should exit.
pub fn run(config: RunConfig, out: Arc<Output>) -> Exit {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let source = match crate::run::script_file::read(&config.script) {
        Ok(source) => source,
        Err(err) => {
            let (exit, msg) = (err.exit(), err.to_string());
            out.diag(Level::Error, &msg);
            let outcome = Outcome::new(exit, err.outcome_kind(), Some(msg));
            crate::run::report::write(&config, None, &out, started, &outcome);
            return exit;
        }
    };
    let stop = Arc::new(Stop::default());
    let deadline = Deadline::new(config.timeout, config.timeout_source.clone());
    if let Err(e) = crate::run::signals::install() {
        out.diag(Level::Warn, &format!("cannot handle signals: {e}"));
    }
    crate::run::signals::start_run();
    crate::exec::reaper::become_subreaper();
    if let Some(exit) = prepare_masking(&out) {
        return exit;
    }
    let settings = HookSettings {
        budget: config.hook_timeout,
        source: config.hook_timeout_source.clone(),
        started: clock,
        max_memory: config.max_memory,
        check: config.check,
    };
    let script_dir = config
        .script
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let ctx = context(
        config.script.clone(),
        std::fs::canonicalize(&script_dir).unwrap_or(script_dir),
        config.args.clone(),
        config.dry_run,
        config.policy.clone(),
        stop,
        deadline,
        out.clone(),
        Default::default(),
    );
    backstop::prepare(&ctx, config.max_memory);
    out.on_queue(Box::new(backstop::ensure));
    crate::run::crash::install();
    let outcome = match crate::run::stack::main_thread_budget() {
        Some(budget) => evaluate_here(&ctx, &source, &settings, budget),
        None => std::thread::scope(|scope| evaluate_on_thread(scope, &ctx, &source, &settings)),
    };

    crate::api::exec::stop_children(&ctx);
    crate::exec::reaper::stop_descendants(&out, crate::exec::process_group::GRACE);
    crate::api::task::summary(&ctx, &outcome);
    if let Some(msg) = &outcome.error {
        if outcome.kind == "timeout" {
            out.event(
                Level::Error,
                "timeout",
                msg,
                serde_json::json!({ "timeout_ms": ctx.deadline.limit.as_millis() as u64 }),
            );
        } else if outcome.exit != Exit::Success {
            out.diag(Level::Error, msg);
        }
    }
    // What is still queued for a stalled reader gets a bounded time (shorter when the run was
    // stopped), within the kill grace; the rest is counted in the report.
    let flush = match ctx.stop.reason() {
        Some(StopReason::Deadline | StopReason::Signal(_)) => backstop::BOUND,
        _ => crate::exec::process_group::GRACE,
    };
    backstop::arm(
        flush + backstop::BOUND,
        outcome.exit,
        "the end of the run (writing its output)",
    );
    out.flush(flush);
    crate::run::report::write(&config, Some(&ctx), &out, started, &outcome);
    out.flush(backstop::BOUND);
    backstop::finish();
    outcome.exit
}

/// Builds the masker before the script's first line. `Some(exit)` ends the run: masking
/// cannot be set up (fail closed: nothing is written unmasked), or a signal came meanwhile.
fn prepare_masking(out: &Output) -> Option<Exit> {
    match out.prepare(&|| crate::run::signals::pending().is_some()) {
        Ok(()) => None,
        Err(PrepareError::Failed(_)) => Some(Exit::Internal),
        Err(PrepareError::Interrupted) => {
            let signal = crate::run::signals::pending().unwrap_or(libc::SIGTERM);
            out.withhold_after(if signal == libc::SIGINT {
                "interrupted by SIGINT while preparing secret masking"
            } else {
                "interrupted by SIGTERM while preparing secret masking"
            });
            Some(Exit::for_signal(signal))
        }
    }
}

/// What `evaluate_source` needs: the limits of an in-process run.
pub struct InProcess {
    pub timeout: Duration,
    pub max_memory: u64,
    pub policy: Policy,
}

/// Evaluates a script's text in this process, as `rhrel run` would but without signal
/// handlers, children left behind, or any output (every write is discarded): the entry the
/// fuzzers use. The watchdog (if a host call started it) and the script thread are joined before
/// returning, so nothing outlives the call. Returns the exit code the run would have.
pub fn evaluate_source(source: &str, limits: InProcess) -> Exit {
    let stop = Arc::new(Stop::default());
    let deadline = Deadline::new(limits.timeout, TimeoutSource::Flag);
    let ctx = context(
        PathBuf::from("fuzz.rhai"),
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        Vec::new(),
        false,
        limits.policy,
        stop.clone(),
        deadline,
        Arc::new(Output::discard()),
        Default::default(),
    );
    let settings = HookSettings {
        budget: limits.timeout,
        source: TimeoutSource::Flag,
        started: Instant::now(),
        max_memory: limits.max_memory,
        // Fuzzing exercises the evaluation itself; most generated scripts would stop here.
        check: false,
    };
    let outcome = std::thread::scope(|scope| evaluate_on_thread(scope, &ctx, source, &settings));
    crate::api::exec::stop_children(&ctx);
    // Wakes the watchdog if the deadline has not passed yet; the first stop reason stays.
    stop.request(StopReason::Exit(0));
    let watchdog = ctx.watchdog.get().and_then(|w| w.lock().ok()?.take());
    if let Some(watchdog) = watchdog {
        let _ = watchdog.join();
    }
    outcome.exit
}

/// A run in a simulated world (`rhrel test`): the script, its arguments, the deadline on
/// the simulated clock, the capturing output and the stand-ins.
pub(crate) struct Simulated {
    pub script: PathBuf,
    pub source: String,
    pub args: Vec<String>,
    pub dry_run: bool,
    pub deadline: Deadline,
    pub out: Arc<Output>,
    pub effects: crate::run::effects::Effects,
}

/// Runs a script as [`run`] does (same engine, pre-flight checks, outcome, hooks, summary),
/// on a thread of its own, against a simulation. Returns the outcome and the run's context
/// (its tasks, for the result).
pub(crate) fn simulate(sim: Simulated) -> (Outcome, Ctx) {
    let script_dir = sim
        .script
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), |p| p.to_path_buf());
    let settings = HookSettings {
        budget: crate::run::deadline::DEFAULT_HOOK_BUDGET,
        source: TimeoutSource::Default("default"),
        started: Instant::now(),
        max_memory: crate::run::memory::parse_size("512M").unwrap_or(u64::MAX),
        check: true,
    };
    let ctx = context(
        sim.script.clone(),
        std::fs::canonicalize(&script_dir).unwrap_or(script_dir),
        sim.args,
        sim.dry_run,
        Policy::default(),
        Arc::new(Stop::default()),
        sim.deadline,
        sim.out.clone(),
        sim.effects,
    );
    let outcome =
        std::thread::scope(|scope| evaluate_on_thread(scope, &ctx, &sim.source, &settings));
    crate::api::task::summary(&ctx, &outcome);
    if let Some(msg) = &outcome.error {
        if outcome.exit != Exit::Success {
            sim.out.diag(Level::Error, msg);
        }
    }
    (outcome, ctx)
}

/// A context with the default policy and a fresh stop, for a test file's own evaluation.
pub(crate) fn bare_context(
    script: PathBuf,
    script_dir: PathBuf,
    deadline: Deadline,
    out: Arc<Output>,
    effects: crate::run::effects::Effects,
) -> Ctx {
    context(
        script,
        script_dir,
        Vec::new(),
        false,
        Policy::default(),
        Arc::new(Stop::default()),
        deadline,
        out,
        effects,
    )
}

/// The shared state of one run.
#[allow(clippy::too_many_arguments)]
fn context(
    script: PathBuf,
    script_dir: PathBuf,
    args: Vec<String>,
    dry_run: bool,
    policy: Policy,
    stop: Arc<Stop>,
    deadline: Deadline,
    out: Arc<Output>,
    effects: crate::run::effects::Effects,
) -> Ctx {
    Arc::new(Context {
        script,
        script_dir,
        args,
        dry_run,
        docs: false,
        policy,
        stop,
        deadline,
        out,
        tasks: Mutex::new(TaskLog::default()),
        children: Mutex::new(Vec::new()),
        watchdog: std::sync::OnceLock::new(),
        effects,
    })
}

/// Evaluates on this thread, decides the outcome, stops the children and runs the hooks; a
/// panic (a bug) still lets the run stop its children and report.
fn evaluate_here(ctx: &Ctx, source: &str, settings: &HookSettings, budget: usize) -> Outcome {
    let registry = Registry::default();
    let end = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        evaluate(ctx, source, settings, budget, &registry)
    }));
    let outcome = match end {
        Ok(end) => Outcome::decide(ctx, end),
        Err(_) => crashed(),
    };
    // The script has ended: the clean-up and the hooks have the kill grace and their budget.
    backstop::script_ended();
    backstop::arm(
        crate::exec::process_group::GRACE
            + settings.budget
            + crate::exec::process_group::GRACE
            + 2 * backstop::BOUND,
        outcome.exit,
        "the end of its script (the kill grace and the hooks' budget)",
    );
    crate::api::exec::stop_children(ctx);
    crate::run::hooks::run(ctx, &outcome, registry.take(), settings, budget);
    outcome
}

/// [`evaluate_here`] on a thread with a large stack (joined before returning): the script's
/// values and handlers never leave the thread they were made on.
fn evaluate_on_thread<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    ctx: &'s Ctx,
    source: &'s str,
    settings: &'s HookSettings,
) -> Outcome {
    let end = std::thread::Builder::new()
        .name("rhrel-script".into())
        .stack_size(SCRIPT_STACK_BYTES)
        .spawn_scoped(scope, move || {
            crate::run::crash::guard_this_thread();
            let budget = crate::run::stack::thread_budget(SCRIPT_STACK_BYTES);
            evaluate_here(ctx, source, settings, budget)
        });
    match end {
        Ok(handle) => handle.join().unwrap_or_else(|_| crashed()),
        Err(e) => Outcome::new(
            Exit::Internal,
            "failed",
            Some(format!("cannot start the script thread: {e}")),
        ),
    }
}

fn crashed() -> Outcome {
    let msg = "the script's evaluation crashed (a bug in rhrel)";
    Outcome::new(Exit::Internal, "internal_error", Some(msg.into()))
}

/// Compiles and evaluates the script on the current thread, within `stack_budget` bytes of
/// stack below this frame.
fn evaluate(
    ctx: &Ctx,
    source: &str,
    settings: &HookSettings,
    stack_budget: usize,
    registry: &Registry,
) -> ScriptEnd {
    // Debug builds only: lets the tests reach the stack limit with a small budget.
    #[cfg(debug_assertions)]
    let stack_budget = std::env::var("RHREL_DEBUG_STACK_BUDGET")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(stack_budget);
    let shown = ctx.script.display().to_string();
    let guard = crate::run::stack::StackGuard::here(stack_budget);
    let mut engine = crate::run::engine::for_run(ctx, settings.max_memory, guard);
    registry.attach(&mut engine);
    let mut checked = None;
    if settings.check {
        let (engine_back, result) =
            crate::run::preflight::check(&ctx.script, source, &ctx.out, engine);
        engine = engine_back;
        match result {
            Ok(ast) => checked = ast,
            Err(msg) => return ScriptEnd::Compile(msg),
        }
    }
    let ast = match checked {
        Some(ast) => ast,
        None => match engine.compile(source) {
            Ok(ast) => ast,
            Err(err) => return ScriptEnd::Compile(format!("{}{}", locate(&shown, err.1), err.0)),
        },
    };
    if let Err(err) = crate::run::imports::prepare(&mut engine, &ast, ctx) {
        return ScriptEnd::Compile(err.to_string());
    }
    match engine.run_ast(&ast) {
        Ok(()) => ScriptEnd::Finished,
        Err(err) => from_runtime(&err, &shown),
    }
}
