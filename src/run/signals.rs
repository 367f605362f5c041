//! SIGINT and SIGTERM: the handlers (signal-hook) only record the signal in an atomic. The
//! progress callback turns it into a stop between two operations, and the watchdog thread
//! (running while a host call blocks) within one of its slices, so a looping, sleeping or
//! waiting script ends promptly and rhrel still cleans up and reports. No thread is spent on
//! signals, which keeps a short run's start-up cheap.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};

/// The last signal received (0: none).
static PENDING: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();

/// Installs the handlers. Errors mean signals keep their default action.
pub(crate) fn install() -> std::io::Result<()> {
    let pending = PENDING.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_usize(signal, pending.clone(), signal as usize)?;
    }
    Ok(())
}

/// The signal received since `install`, if any (one atomic load).
#[inline]
pub(crate) fn pending() -> Option<i32> {
    let signal = PENDING.get()?.load(Ordering::Relaxed);
    (signal != 0).then_some(signal as i32)
}
