//! The sandboxed Rhai engine: raw engine + lazily loaded standard package, rhrel's host
//! module on top, `eval` disabled, limits set, print/debug routed, the stop checked.

use std::cell::Cell;

use rhai::packages::{Package, StandardPackage};
use rhai::{Dynamic, Engine};

use crate::limits::{
    MAX_ARRAY_SIZE, MAX_CALL_LEVELS, MAX_EXPR_DEPTH, MAX_MAP_SIZE, MAX_MODULES, MAX_STRING_SIZE,
};
use crate::output::Level;
use crate::run::context::Ctx;
use crate::run::stack::StackGuard;
use crate::run::stop::StopReason;

/// Operations between two backstop checks of the deadline clock.
const DEADLINE_CHECK_OPS: u32 = 1 << 12;

/// An engine with the host API and the sandbox's limits, but no run attached (check, api).
pub(crate) fn sandboxed(ctx: &Ctx) -> Engine {
    let mut engine = Engine::new_raw();
    engine.set_max_strings_interned(256);
    engine.register_global_module(StandardPackage::new_lazy().as_shared_module());
    // Registered after the standard package, so it is searched first: our sleep/exit win.
    engine.register_global_module(crate::api::host_module(ctx).into());
    engine.disable_symbol("eval");
    engine.on_catch(crate::script_error::caught);
    engine
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(MAX_EXPR_DEPTH.0, MAX_EXPR_DEPTH.1)
        .set_max_string_size(MAX_STRING_SIZE)
        .set_max_array_size(MAX_ARRAY_SIZE)
        .set_max_map_size(MAX_MAP_SIZE)
        .set_max_modules(MAX_MODULES)
        // `body.warmed` on a map without `warmed` raises, naming the keys it has.
        .set_fail_on_invalid_map_property(true);
    engine
}

/// The engine of a live run: print/debug go to the logger, and between operations the
/// sticky stop, signals, the stack and memory budgets and (every so often) the deadline clock
/// are checked.
pub(crate) fn for_run(ctx: &Ctx, max_memory: u64, stack: StackGuard) -> Engine {
    let mut engine = sandboxed(ctx);

    let out = ctx.out.clone();
    engine.on_print(move |s| out.log(Level::Info, s));
    let out = ctx.out.clone();
    // Rhai hands debug() the value's debug form: show a string without its quotes.
    engine.on_debug(move |s, _, _| {
        let text = serde_json::from_str::<String>(s).unwrap_or_else(|_| s.to_string());
        out.log(Level::Debug, &text)
    });

    if ctx.deadline.clock.is_simulated() {
        simulated_timestamps(&mut engine, ctx);
    }
    if let crate::run::effects::Effects::Simulated(sim) = &ctx.effects {
        if sim.covers() {
            record_coverage(&mut engine, sim.clone(), ctx.script.display().to_string());
        }
    }

    let stop = ctx.stop.clone();
    let deadline = ctx.deadline.clone();
    let counter = Cell::new(0u32);
    engine.on_progress(move |_| {
        if stop.is_set() {
            return Some(Dynamic::UNIT);
        }
        if let Some(signal) = crate::run::signals::pending() {
            stop.request(StopReason::Signal(signal));
            return Some(Dynamic::UNIT);
        }
        if let Some((used, budget)) = stack.over() {
            stop.request(StopReason::Stack(used, budget));
            return Some(Dynamic::UNIT);
        }
        let in_use = crate::run::memory::heap_bytes();
        if in_use > max_memory {
            stop.request(StopReason::Memory(in_use, max_memory));
            return Some(Dynamic::UNIT);
        }
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        // The deadline, for script code: the watchdog thread only runs once a host call blocks.
        if n.is_multiple_of(DEADLINE_CHECK_OPS) && deadline.passed() {
            stop.request(StopReason::Deadline);
            return Some(Dynamic::UNIT);
        }
        None
    });
    engine
}

/// A simulated run (`rhrel test`): `timestamp()` and `.elapsed` read the simulated clock, so
/// `std/retry`'s `within` and scripts' own timing see simulated time. Registered on the
/// engine itself, which is searched before every package; a real run keeps Rhai's own.
fn simulated_timestamps(engine: &mut Engine, ctx: &Ctx) {
    let clock = ctx.deadline.clock.clone();
    engine.register_fn("timestamp", move || clock.instant());
    let clock = ctx.deadline.clock.clone();
    engine.register_get(
        "elapsed",
        move |ts: &mut std::time::Instant| -> rhai::FLOAT {
            clock.instant().saturating_duration_since(*ts).as_secs_f64()
        },
    );
}

/// `rhrel test --coverage`: Rhai's debugger interface, stepping into every node, tells the
/// simulation each line that ran, under its source (the script's own lines have none:
/// `main`). A closure runs with its caller's source (a closure of the script called from
/// `std/retry` reports `std/retry`), so its lines go under its own name (`anon$…`), which the
/// report maps back to the file that defines it.
#[allow(deprecated)] // register_debugger is marked "volatile", not deprecated.
fn record_coverage(
    engine: &mut Engine,
    sim: std::sync::Arc<dyn crate::run::effects::Simulation>,
    main: String,
) {
    use rhai::debugger::DebuggerCommand;
    engine.register_debugger(
        |_, debugger| debugger,
        move |context, _, node, source, pos| {
            if let Some(line) = pos.line() {
                if !matches!(node, rhai::ASTNode::Stmt(rhai::Stmt::Block(..))) {
                    let closure = context
                        .debugger()
                        .and_then(|d| d.call_stack().last())
                        .map(|f| f.fn_name.as_str())
                        .filter(|f| f.starts_with(crate::check::walk::ANON_PREFIX));
                    sim.reached(closure.or(source).unwrap_or(&main), line);
                }
            }
            Ok(DebuggerCommand::StepInto)
        },
    );
}
