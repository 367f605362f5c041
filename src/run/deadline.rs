//! A phase's deadline: how long it is, where that number came from, and the watchdog thread
//! that turns its expiry into a stop request. The script has the run's deadline (`--timeout`);
//! the hooks that run after it share a budget of their own (`--hook-timeout`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::duration;
use crate::run::clock::Clock;
use crate::run::stop::{Stop, StopReason};

/// Where the timeout came from, for the message printed when it fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeoutSource {
    Flag,
    EnvVar,
    Default(&'static str),
}

/// Which limit a deadline enforces, for its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Budget {
    /// The script's: `--timeout`.
    Run,
    /// The hooks' shared budget: `--hook-timeout`.
    Hooks,
}

/// The hooks' budget when neither `--hook-timeout` nor `RHREL_HOOK_TIMEOUT` sets it.
pub(crate) const DEFAULT_HOOK_BUDGET: Duration = Duration::from_secs(20);

/// The deadline of a run (or of its hooks).
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    /// On the real clock. A simulated run sets it to its real-time backstop (`rhrel test`'s
    /// per-test limit), so a script looping forever still ends.
    pub at: Instant,
    pub limit: Duration,
    pub source: TimeoutSource,
    pub budget: Budget,
    /// The clock it fires on, and when on that clock (see `run/clock.rs`).
    pub clock: Clock,
    pub ends: Duration,
}

impl Deadline {
    pub(crate) fn new(limit: Duration, source: TimeoutSource) -> Self {
        Deadline::on(&Clock::default(), limit, source)
    }

    /// A deadline `limit` from now on `clock`.
    pub(crate) fn on(clock: &Clock, limit: Duration, source: TimeoutSource) -> Self {
        Deadline {
            at: Instant::now() + limit,
            limit,
            source,
            budget: Budget::Run,
            clock: clock.clone(),
            ends: clock.now() + limit,
        }
    }

    /// The hooks' budget, starting now on the run's clock; a simulated run's real-time
    /// backstop still holds.
    pub(crate) fn for_hooks_after(run: &Deadline, limit: Duration, source: TimeoutSource) -> Self {
        let mut hooks = Deadline {
            budget: Budget::Hooks,
            ..Deadline::on(&run.clock, limit, source)
        };
        if run.clock.is_simulated() {
            hooks.at = hooks.at.min(run.at);
        }
        hooks
    }

    /// Whether it has passed (on its clock, or a simulated run's backstop).
    pub(crate) fn passed(&self) -> bool {
        (self.clock.is_simulated() && self.clock.now() >= self.ends) || Instant::now() >= self.at
    }

    /// The platform-aware default: below the platform's own kill, so rhrel reports it.
    pub(crate) fn default_limit(get: impl Fn(&str) -> Option<String>) -> (Duration, &'static str) {
        crate::platform::default_limit(get)
    }

    /// Time left, zero once passed.
    pub(crate) fn remaining(&self) -> Duration {
        if self.clock.is_simulated() {
            return self.ends.saturating_sub(self.clock.now());
        }
        self.at.saturating_duration_since(Instant::now())
    }

    /// `timed out after 10m (set by --timeout)`.
    /// `the hooks' budget of 20s ran out (default; change it with --hook-timeout)`.
    pub(crate) fn message(&self) -> String {
        let (flag, var) = match self.budget {
            Budget::Run => ("--timeout", "RHREL_TIMEOUT"),
            Budget::Hooks => ("--hook-timeout", "RHREL_HOOK_TIMEOUT"),
        };
        let by = match &self.source {
            TimeoutSource::Flag => format!("set by {flag}"),
            TimeoutSource::EnvVar => format!("set by {var}"),
            TimeoutSource::Default(what) => format!("{what}; change it with {flag}"),
        };
        let limit = duration::format(self.limit);
        match self.budget {
            Budget::Run => format!("timed out after {limit} ({by})"),
            Budget::Hooks => format!("the hooks' budget of {limit} ran out ({by})"),
        }
    }

    /// Starts the watchdog: it requests a stop at the deadline, or as soon as a signal has
    /// arrived (checked every [`WATCH_SLICE`]), and ends when any stop is requested.
    /// `None` when no thread could be started (the progress callback still checks both).
    pub(crate) fn watch(&self, stop: Arc<Stop>) -> Option<std::thread::JoinHandle<()>> {
        self.watch_then(stop, |_| {})
    }

    /// [`Deadline::watch`], then `fired` with the reason when it was the watchdog that
    /// requested the stop (the deadline or a signal; not a stop requested elsewhere).
    pub(crate) fn watch_then(
        &self,
        stop: Arc<Stop>,
        fired: impl FnOnce(&StopReason) + Send + 'static,
    ) -> Option<std::thread::JoinHandle<()>> {
        let at = self.at;
        std::thread::Builder::new()
            .name("rhrel-watchdog".into())
            .spawn(move || {
                let reason = loop {
                    if let Some(signal) = crate::run::signals::pending() {
                        break StopReason::Signal(signal);
                    }
                    let now = Instant::now();
                    if now >= at {
                        break StopReason::Deadline;
                    }
                    if stop.sleep((at - now).min(WATCH_SLICE)) {
                        return;
                    }
                };
                if stop.request(reason.clone()) == reason {
                    fired(&reason);
                }
            })
            .ok()
    }
}

/// How often the watchdog looks for a signal while a host call blocks.
pub(crate) const WATCH_SLICE: Duration = Duration::from_millis(20);

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn platform_defaults() {
        assert_eq!(
            Deadline::default_limit(env(&[("DYNO", "release.3")]))
                .0
                .as_secs(),
            3300
        );
        assert_eq!(
            Deadline::default_limit(env(&[("DYNO", "web.1")]))
                .0
                .as_secs(),
            600
        );
        assert_eq!(
            Deadline::default_limit(env(&[("RELEASE_COMMAND", "1")]))
                .0
                .as_secs(),
            270
        );
        assert_eq!(Deadline::default_limit(env(&[])).0.as_secs(), 600);
    }

    #[test]
    fn message_names_the_source() {
        let d = Deadline::new(Duration::from_secs(600), TimeoutSource::Flag);
        assert_eq!(d.message(), "timed out after 10m (set by --timeout)");
    }

    #[test]
    fn defaults_leave_room_for_the_grace_and_the_hooks() {
        // Each platform's own limit: Heroku's release phase 1h, Fly's release_command 5m.
        let limits = [
            (&[("DYNO", "release.1")][..], 60 * 60),
            (&[("RELEASE_COMMAND", "1")][..], 5 * 60),
        ];
        for (vars, platform_limit) in limits {
            let (timeout, _) = Deadline::default_limit(env(vars));
            let worst = timeout + crate::exec::process_group::GRACE + DEFAULT_HOOK_BUDGET;
            assert!(
                worst < Duration::from_secs(platform_limit),
                "{vars:?}: {worst:?}"
            );
        }
        // After a SIGTERM, Heroku waits 30 s before SIGKILL; rhrel promises 26 s.
        assert!(crate::exec::process_group::GRACE + DEFAULT_HOOK_BUDGET < Duration::from_secs(26));
    }

    #[test]
    fn hook_budget_message() {
        let run = Deadline::new(Duration::from_secs(600), TimeoutSource::Flag);
        let d =
            Deadline::for_hooks_after(&run, DEFAULT_HOOK_BUDGET, TimeoutSource::Default("default"));
        assert_eq!(
            d.message(),
            "the hooks' budget of 20s ran out (default; change it with --hook-timeout)"
        );
    }
}
