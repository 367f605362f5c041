//! The run's one deadline: how long it is, where that number came from, and the watchdog
//! thread that turns its expiry into a stop request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::duration;
use crate::run::stop::{Stop, StopReason};

/// Where the timeout came from, for the message printed when it fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeoutSource {
    Flag,
    EnvVar,
    Default(&'static str),
}

/// The deadline of a run.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    pub at: Instant,
    pub limit: Duration,
    pub source: TimeoutSource,
}

impl Deadline {
    pub(crate) fn new(limit: Duration, source: TimeoutSource) -> Self {
        Deadline {
            at: Instant::now() + limit,
            limit,
            source,
        }
    }

    /// The platform-aware default: below the platform's own kill, so rhrel reports it.
    pub(crate) fn default_limit(get: impl Fn(&str) -> Option<String>) -> (Duration, &'static str) {
        crate::platform::default_limit(get)
    }

    /// Time left, zero once passed.
    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// `timed out after 10m (set by --timeout)`.
    pub(crate) fn message(&self) -> String {
        let by = match &self.source {
            TimeoutSource::Flag => "set by --timeout".to_string(),
            TimeoutSource::EnvVar => "set by RHREL_TIMEOUT".to_string(),
            TimeoutSource::Default(what) => format!("{what}; change it with --timeout"),
        };
        format!("timed out after {} ({by})", duration::format(self.limit))
    }

    /// Starts the watchdog: it requests a stop at the deadline, or as soon as a signal has
    /// arrived (checked every [`WATCH_SLICE`]), and ends when any stop is requested.
    /// `None` when no thread could be started (the progress callback still checks both).
    pub(crate) fn watch(&self, stop: Arc<Stop>) -> Option<std::thread::JoinHandle<()>> {
        let at = self.at;
        std::thread::Builder::new()
            .name("rhrel-watchdog".into())
            .spawn(move || loop {
                if let Some(signal) = crate::run::signals::pending() {
                    stop.request(StopReason::Signal(signal));
                    return;
                }
                let now = Instant::now();
                if now >= at {
                    stop.request(StopReason::Deadline);
                    return;
                }
                if stop.sleep((at - now).min(WATCH_SLICE)) {
                    return;
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
}
