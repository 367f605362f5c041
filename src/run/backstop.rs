//! The run's last line of defence, the way coreutils' `timeout -k` is: a thread that runs from
//! the first thing that may block (a blocking host call, output queued for a slow reader) to
//! the run's end and
//! - turns a signal, the deadline and `--max-memory` into a stop, also while the script is
//!   blocked in a call that watches nothing (a `read_file` on a FIFO, a write to a stalled
//!   stdout);
//! - once the deadline or a signal has stopped the script, gives the run [`BOUND`] to act on it
//!   (more while it is stopping children: [`allow`]), and past that kills every child group
//!   and descendant and ends the process itself with the run's code (124, 143, 130 …);
//! - on a second signal kills the groups at once and gives the run [`BOUND`] to end;
//! - reaps the zombies of orphans rhrel adopted (as a subreaper, or as PID 1).
//!
//! The hard limit is process-wide state (one run per process), like the signal counters.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::exit_code::Exit;
use crate::output::Level;
use crate::run::context::{Context, Ctx};
use crate::run::stop::{Stop, StopReason};

/// How long the run has to act on a stop before the hard stop.
pub(crate) const BOUND: Duration = Duration::from_secs(1);
/// How often the thread looks.
const SLICE: Duration = Duration::from_millis(20);
/// How often adopted zombies are reaped.
const REAP_EVERY: Duration = Duration::from_secs(1);

/// When the hard stop fires, in milliseconds since [`base`]; `u64::MAX`: not armed.
static HARD_AT: AtomicU64 = AtomicU64::new(u64::MAX);
/// Until when a wait that acts on the stop may last (milliseconds since [`base`]): the hard
/// stop waits for it too, unless a second signal came.
static ALLOWED: AtomicU64 = AtomicU64::new(0);
/// The exit code of the hard stop.
static CODE: AtomicU8 = AtomicU8::new(0);
/// Set by a second signal: the limit can no longer be extended.
static FINAL: AtomicBool = AtomicBool::new(false);
/// The script is running (the deadline and memory apply); cleared when it ends.
static SCRIPT: AtomicBool = AtomicBool::new(false);
/// What the hard stop was waiting for, for its message.
static WHY: Mutex<String> = Mutex::new(String::new());

fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

fn millis(at: Instant) -> u64 {
    at.saturating_duration_since(base()).as_millis() as u64
}

/// Arms (or re-arms) the hard stop: unless the run has ended within `within`, it ends with
/// `exit`. `why` completes "the run did not end within …s of …".
pub(crate) fn arm(within: Duration, exit: Exit, why: &str) {
    if FINAL.load(Ordering::SeqCst) {
        return;
    }
    *WHY.lock().unwrap_or_else(|p| p.into_inner()) = why.to_string();
    CODE.store(exit.code(), Ordering::SeqCst);
    HARD_AT.store(millis(Instant::now() + within), Ordering::SeqCst);
}

/// A bounded wait that acts on the stop is starting (a child's TERM → grace → KILL): the hard
/// stop, if armed, comes no sooner than `wait` (plus [`BOUND`]) from now.
pub(crate) fn allow(wait: Duration) {
    ALLOWED.fetch_max(millis(Instant::now() + wait + BOUND), Ordering::SeqCst);
}

/// The script has ended (the hooks and the clean-up follow): the deadline no longer applies.
pub(crate) fn script_ended() {
    SCRIPT.store(false, Ordering::SeqCst);
}

/// The run to watch once something may block, and its `--max-memory`.
static RUN: Mutex<Option<(Weak<Context>, u64)>> = Mutex::new(None);
/// The thread, once started.
static RUNNING: Mutex<Option<Backstop>> = Mutex::new(None);

/// The run begins: the thread starts only when something may block ([`ensure`]), so a short
/// script that never blocks pays nothing for it.
pub(crate) fn prepare(ctx: &Ctx, max_memory: u64) {
    HARD_AT.store(u64::MAX, Ordering::SeqCst);
    ALLOWED.store(0, Ordering::SeqCst);
    FINAL.store(false, Ordering::SeqCst);
    SCRIPT.store(true, Ordering::SeqCst);
    base();
    *RUN.lock().unwrap_or_else(|p| p.into_inner()) = Some((Arc::downgrade(ctx), max_memory));
}

/// Starts the thread if a run was prepared and it is not running yet: called by every host
/// call that may block ([`Context::blocking`]) and by the output's writer when it starts
/// queueing (a reader that may stall).
pub(crate) fn ensure() {
    let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    if running.is_some() {
        return;
    }
    let run = RUN.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some((ctx, max_memory)) = run.and_then(|(w, m)| Some((w.upgrade()?, m))) {
        *running = Backstop::start(&ctx, max_memory);
    }
}

/// The run is over: the thread is told to end (not waited for: the process is ending).
pub(crate) fn finish() {
    RUN.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(b) = RUNNING.lock().unwrap_or_else(|p| p.into_inner()).take() {
        b.done.request(StopReason::Exit(0));
    }
}

/// The running thread.
struct Backstop {
    done: Arc<Stop>,
    _thread: std::thread::JoinHandle<()>,
}

impl Backstop {
    /// Starts watching `ctx`'s run; `None` when no thread could be started (the progress
    /// callback and the watchdog still check the deadline and signals).
    fn start(ctx: &Ctx, max_memory: u64) -> Option<Backstop> {
        let done = Arc::new(Stop::default());
        let ctx = ctx.clone();
        let until = done.clone();
        let thread = std::thread::Builder::new()
            .name("rhrel-backstop".into())
            .stack_size(256 << 10)
            .spawn(move || watch(&ctx, max_memory, &until))
            .ok()?;
        Some(Backstop {
            done,
            _thread: thread,
        })
    }
}

fn watch(ctx: &Ctx, max_memory: u64, done: &Stop) {
    let mut signals_seen = 0;
    let mut stop_seen = false;
    let mut reaped = Instant::now();
    while !done.sleep(SLICE) {
        let now = Instant::now();
        let script = SCRIPT.load(Ordering::SeqCst);
        let (signals, last) = crate::run::signals::received_in_run();
        if signals > signals_seen {
            signals_seen = signals;
            ctx.out.stopping();
            if signals >= 2 {
                second_signal(ctx, last);
            } else if script {
                ctx.stop.request(StopReason::Signal(last));
            }
        }
        if script && !ctx.stop.is_set() {
            let in_use = crate::run::memory::heap_bytes();
            if now >= ctx.deadline.at {
                ctx.stop.request(StopReason::Deadline);
            } else if in_use > max_memory {
                ctx.stop.request(StopReason::Memory(in_use, max_memory));
            }
        }
        if script && !stop_seen {
            if let Some(reason) = ctx.stop.reason() {
                stop_seen = true;
                let armed = match reason {
                    StopReason::Deadline => Some((Exit::Timeout, "the deadline".to_string())),
                    StopReason::Signal(s) => Some((
                        Exit::for_signal(s),
                        crate::run::signals::name(s).to_string(),
                    )),
                    // The script acts on these itself, between two operations (one
                    // operation may be long: the hard stop would only cut it short).
                    StopReason::Memory(..) | StopReason::Exit(_) | StopReason::Stack(..) => None,
                };
                if let Some((exit, why)) = armed {
                    ctx.out.stopping();
                    arm(BOUND, exit, &why);
                }
            }
        }
        let (hard_at, allowed) = (
            HARD_AT.load(Ordering::SeqCst),
            ALLOWED.load(Ordering::SeqCst),
        );
        let waiting = !FINAL.load(Ordering::SeqCst) && millis(now) < allowed;
        if hard_at != u64::MAX && millis(now) >= hard_at && !waiting {
            hard_stop(ctx);
        }
        if now >= reaped + REAP_EVERY {
            reaped = now;
            crate::exec::reaper::reap_orphans(&crate::exec::process_group::registered());
        }
    }
}

/// A second signal: every child group is killed now, and the run has [`BOUND`] to end.
fn second_signal(ctx: &Ctx, signal: i32) {
    crate::exec::process_group::kill_registered();
    let why = format!("a second {}", crate::run::signals::name(signal));
    ctx.out.diag(
        Level::Warn,
        &format!("{why}: every child process group was killed; the run ends now"),
    );
    let exit = Exit::for_signal(signal);
    // The run's code stays the one it already has when it ends by itself.
    arm(BOUND, exit, &why);
    FINAL.store(true, Ordering::SeqCst);
}

/// Kills every child group and descendant, says so, and ends the process.
fn hard_stop(ctx: &Ctx) -> ! {
    crate::exec::process_group::kill_registered();
    crate::exec::reaper::kill_descendants();
    let code = CODE.load(Ordering::SeqCst);
    let why = WHY.lock().map(|w| w.clone()).unwrap_or_default();
    ctx.out.stopping();
    ctx.out.diag(
        Level::Error,
        &format!(
            "the run did not end within {}s of {why}; its processes were killed and rhrel \
             exits with {code}",
            BOUND.as_secs()
        ),
    );
    ctx.out.flush(Duration::from_millis(300));
    // SAFETY: _exit(2) ends the process without running destructors, which may be what
    // is blocked.
    unsafe { libc::_exit(code as i32) }
}

/// Debug builds only, for the hard stop's own test: with `RHREL_DEBUG_HANG=<call>` set, the
/// host call named `<call>` blocks forever without looking at the stop, as a call stuck in the
/// kernel would (every real blocking call observes the stop, so only this reaches the hard
/// stop).
pub(crate) fn debug_hang(call: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("RHREL_DEBUG_HANG").is_some_and(|v| v == call) {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = call;
}
