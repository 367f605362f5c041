//! The sticky stop: once an exit, the deadline, a signal or the memory cap asks the run to end,
//! every later check sees it, so no `try`/`catch` in the script can undo it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Why the run was asked to end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// `exit()` / `exit(n)` from the script.
    Exit(u8),
    /// The run's deadline passed.
    Deadline,
    /// SIGINT or SIGTERM arrived.
    Signal(i32),
    /// Resident memory went over `--max-memory` (bytes used, bytes allowed).
    Memory(u64, u64),
    /// The script's stack went over its budget (bytes used, bytes allowed).
    Stack(usize, usize),
}

/// A one-shot, thread-safe stop request with a condition variable, so that sleeping and
/// waiting host calls wake the moment a stop is requested.
#[derive(Default)]
pub(crate) struct Stop {
    flag: AtomicBool,
    reason: Mutex<Option<StopReason>>,
    changed: Condvar,
}

impl Stop {
    /// Requests a stop; the first request wins. Returns the reason in force.
    pub(crate) fn request(&self, reason: StopReason) -> StopReason {
        let mut current = self.lock();
        if current.is_none() {
            *current = Some(reason);
            self.flag.store(true, Ordering::SeqCst);
            self.changed.notify_all();
        }
        current.clone().expect("set above")
    }

    /// Cheap check for the hot path (one atomic load).
    #[inline]
    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// The reason, once a stop was requested.
    pub(crate) fn reason(&self) -> Option<StopReason> {
        if self.is_set() {
            self.lock().clone()
        } else {
            None
        }
    }

    /// Sleeps up to `duration`; returns `true` as soon as a stop is requested.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        self.sleep_until(Instant::now() + duration)
    }

    /// Sleeps until `until`; returns `true` as soon as a stop is requested.
    pub(crate) fn sleep_until(&self, until: Instant) -> bool {
        let mut reason = self.lock();
        loop {
            if reason.is_some() {
                return true;
            }
            let now = Instant::now();
            if now >= until {
                return false;
            }
            reason = match self.changed.wait_timeout(reason, until - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<StopReason>> {
        self.reason.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn first_request_wins() {
        let stop = Stop::default();
        assert_eq!(stop.reason(), None);
        stop.request(StopReason::Exit(3));
        assert_eq!(stop.request(StopReason::Deadline), StopReason::Exit(3));
        assert!(stop.is_set());
    }

    #[test]
    fn sleep_wakes_on_request() {
        let stop = Arc::new(Stop::default());
        let other = stop.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.request(StopReason::Signal(15));
        });
        let start = Instant::now();
        assert!(stop.sleep(Duration::from_secs(10)));
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
    }
}
