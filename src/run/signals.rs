//! SIGINT, SIGTERM, SIGHUP and SIGQUIT (the last two are handled like SIGTERM): the handlers only count the signal and remember which one it was, in
//! atomics. The progress callback turns a pending signal into a stop between two operations,
//! and the watchdog thread (running while a host call blocks) within one of its slices, so a
//! looping, sleeping or waiting script ends promptly and rhrel still cleans up and reports. No
//! thread is spent on signals, which keeps a short run's start-up cheap.
//!
//! A run has two phases that answer signals: the script, which the first signal ends, and the
//! hooks (`on_failure`, `finally`), which keep their budget after that first signal and end at
//! the second. [`start_run`] and [`start_hooks`] mark which signals each phase has already
//! answered; [`pending`] reports only the ones after that mark.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

/// The last signal received (0: none).
static LAST: AtomicUsize = AtomicUsize::new(0);
/// How many signals have arrived since the process started.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);
/// Signals already answered by an earlier phase: [`pending`] ignores the first `ANSWERED`.
static ANSWERED: AtomicUsize = AtomicUsize::new(0);
/// [`RECEIVED`] when the current run started.
static RUN_START: AtomicUsize = AtomicUsize::new(0);

/// The signals rhrel answers by ending the run (as PID 1, the kernel ignores every signal
/// without a handler, so these are the ones a container's `docker stop` can use).
pub(crate) const HANDLED: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// Installs the handlers (once per process). Errors mean signals keep their default action.
pub(crate) fn install() -> std::io::Result<()> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            for signal in HANDLED {
                // SAFETY: the handler only stores to and increments atomics, which is
                // async-signal-safe; it allocates nothing and takes no lock.
                unsafe {
                    signal_hook::low_level::register(signal, move || {
                        LAST.store(signal as usize, Ordering::SeqCst);
                        RECEIVED.fetch_add(1, Ordering::SeqCst);
                    })
                }
                .map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(std::io::Error::other)
}

/// The script's phase begins: signals from before it (an earlier run in this process) are
/// not its business.
pub(crate) fn start_run() {
    let now = RECEIVED.load(Ordering::SeqCst);
    RUN_START.store(now, Ordering::SeqCst);
    ANSWERED.store(now, Ordering::SeqCst);
}

/// The hooks' phase begins: the run's first signal (the one that ended the script, or one that
/// came after the script had already ended) leaves them running; a second one stops them.
pub(crate) fn start_hooks() {
    ANSWERED.store(RUN_START.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
}

/// The signal received since the current phase's mark, if any (one atomic load when none).
#[inline]
pub(crate) fn pending() -> Option<i32> {
    let last = LAST.load(Ordering::Relaxed);
    if last == 0 || RECEIVED.load(Ordering::SeqCst) <= ANSWERED.load(Ordering::SeqCst) {
        return None;
    }
    Some(last as i32)
}

/// How many signals arrived since the current run started, and the last one.
pub(crate) fn received_in_run() -> (usize, i32) {
    let n = RECEIVED
        .load(Ordering::SeqCst)
        .saturating_sub(RUN_START.load(Ordering::SeqCst));
    (n, LAST.load(Ordering::SeqCst) as i32)
}

/// `SIGTERM`, for messages.
pub(crate) fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        _ => "SIGTERM",
    }
}
