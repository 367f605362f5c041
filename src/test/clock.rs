//! Simulated time passing: `sleep`, a stand-in's `takes` and retry back-offs move the run's
//! clock (`run/clock.rs`) at once, and whatever falls due on the way fires there, as it would
//! in real time: the deadline (a stop, exit 124) or the fixture's `signal` (143 for SIGTERM).

use std::sync::Mutex;
use std::time::Duration;

use super::fixture::Signal;
use crate::run::context::Context;
use crate::run::stop::StopReason;

/// The events still to come on a simulated run's clock.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    signal: Mutex<Option<Signal>>,
}

/// How a stretch of simulated time ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Passed {
    /// All of it passed.
    Whole,
    /// The deadline or a signal stopped the run first (the clock stands there).
    Stopped,
}

impl Timeline {
    pub(crate) fn new(signal: Option<Signal>) -> Self {
        Timeline {
            signal: Mutex::new(signal),
        }
    }

    /// Lets `wanted` pass on `ctx`'s clock, stopping at the deadline or the signal when one
    /// comes first.
    pub(crate) fn pass(&self, ctx: &Context, wanted: Duration) -> Passed {
        if ctx.stop.is_set() {
            return Passed::Stopped;
        }
        let clock = &ctx.deadline.clock;
        let now = clock.now();
        let target = now.saturating_add(wanted);
        let ends = ctx.deadline.ends;
        let mut signal = self.signal.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = *signal {
            if s.at <= target && s.at <= ends {
                clock.set(s.at.max(now));
                *signal = None;
                ctx.stop.request(StopReason::Signal(s.number));
                return Passed::Stopped;
            }
        }
        if ends <= target {
            clock.set(ends.max(now));
            ctx.stop.request(StopReason::Deadline);
            return Passed::Stopped;
        }
        clock.set(target);
        Passed::Whole
    }
}
