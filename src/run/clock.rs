//! The run's clock: the real one, or a simulated one (`rhrel test`) that only moves when a
//! stand-in says time passes (`sleep`, `takes`, retry back-offs), so a ten-minute migration
//! takes no time at all. Deadlines, task durations and `timestamp()` read it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The real clock (`Clock::default()`) or a simulated one shared by a simulated run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Clock(Option<Arc<Simulated>>);

/// Simulated nanoseconds since the simulation began, and the real instant it stands for.
#[derive(Debug)]
pub(crate) struct Simulated {
    nanos: AtomicU64,
    origin: Instant,
    wall_origin: chrono::DateTime<chrono::Utc>,
}

impl Clock {
    /// A simulated clock at zero.
    pub(crate) fn simulated() -> Self {
        Clock(Some(Arc::new(Simulated {
            nanos: AtomicU64::new(0),
            origin: Instant::now(),
            wall_origin: chrono::Utc::now(),
        })))
    }

    pub(crate) fn is_simulated(&self) -> bool {
        self.0.is_some()
    }

    /// Time since the clock's origin (the process's first look at the real clock, or the
    /// simulation's start).
    pub(crate) fn now(&self) -> Duration {
        match &self.0 {
            Some(sim) => Duration::from_nanos(sim.nanos.load(Ordering::SeqCst)),
            None => real_origin().elapsed(),
        }
    }

    /// The instant the clock reads: the real one, or the simulation's origin plus its time
    /// (so Rhai's timestamps subtract and compare as usual).
    pub(crate) fn instant(&self) -> Instant {
        match &self.0 {
            Some(sim) => sim.origin + self.now(),
            None => Instant::now(),
        }
    }

    /// The wall-clock time (`now()`, task start times): the simulation's start plus its time.
    pub(crate) fn wall(&self) -> chrono::DateTime<chrono::Utc> {
        match &self.0 {
            Some(sim) => {
                let since = chrono::Duration::from_std(self.now()).unwrap_or_default();
                sim.wall_origin + since
            }
            None => chrono::Utc::now(),
        }
    }

    /// Moves a simulated clock to `to` (never backwards); the real clock ignores it.
    pub(crate) fn set(&self, to: Duration) {
        if let Some(sim) = &self.0 {
            let nanos = u64::try_from(to.as_nanos()).unwrap_or(u64::MAX);
            sim.nanos.fetch_max(nanos, Ordering::SeqCst);
        }
    }
}

fn real_origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_time_moves_only_when_set() {
        let clock = Clock::simulated();
        assert_eq!(clock.now(), Duration::ZERO);
        clock.set(Duration::from_secs(600));
        clock.set(Duration::from_secs(5));
        assert_eq!(clock.now(), Duration::from_secs(600));
        assert!(!Clock::default().is_simulated());
    }
}
