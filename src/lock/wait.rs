//! Taking the lock: `pg_try_advisory_lock` in a loop with short pauses that wake at once for
//! the deadline and signals, bounded by the caller's `wait`; it logs who holds the lock when
//! the wait starts and every 10 s after. And giving it back.

use std::time::{Duration, Instant};

use postgres::Client;

use crate::lock::advisory::{self, Holder};
use crate::lock::session::{self, Failure};
use crate::lock::target::Target;
use crate::output::Level;
use crate::run::context::Context;

/// Pause between two attempts.
const PAUSE: Duration = Duration::from_millis(250);
/// How often the wait is logged again.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// A lock this run holds, on its own connection.
pub(crate) struct Held {
    client: Client,
    key: i64,
    name: String,
}

/// Connects and takes the lock `name`, waiting at most `wait` (`None`: until the run stops).
pub(crate) fn acquire(
    ctx: &Context,
    target: &Target,
    name: &str,
    wait: Option<Duration>,
) -> Result<Held, Failure> {
    let mut client = session::connect(ctx, target, name)?;
    let key = advisory::key(name);
    let failed = |e: postgres::Error| {
        Failure::Message(format!(
            "lock `{name}` on {}: {}",
            target.shown,
            session::cause(&e, target)
        ))
    };
    let started = Instant::now();
    let mut next_log = started;
    loop {
        if ctx.stop.is_set() {
            return Err(Failure::Stopped);
        }
        if advisory::try_lock(&mut client, key).map_err(failed)? {
            if started.elapsed() >= PAUSE {
                ctx.out.log(
                    Level::Info,
                    &format!("took lock `{name}` after {}", seconds(started.elapsed())),
                );
            }
            return Ok(Held {
                client,
                key,
                name: name.to_string(),
            });
        }
        let now = Instant::now();
        let until = wait.map(|w| started + w);
        if let (Some(until), Some(w)) = (until, wait) {
            if now >= until {
                return Err(Failure::Message(format!(
                    "could not take lock `{name}` within {}",
                    spelled(w)
                )));
            }
        }
        if now >= next_log {
            // Who holds it is only for the log: a failed look-up does not end the wait.
            let holder = advisory::holder(&mut client, key).ok().flatten();
            ctx.out.log(
                Level::Info,
                &format!("waiting for lock `{name}` ({})", held_by(holder.as_ref())),
            );
            next_log = now + LOG_EVERY;
        }
        let pause = until.map_or(PAUSE, |u| PAUSE.min(u.saturating_duration_since(now)));
        if ctx.stop.sleep(pause) {
            return Err(Failure::Stopped);
        }
    }
}

impl Held {
    /// Releases the lock and closes the connection. A warning when the lock was lost while
    /// held (its session ended: PostgreSQL had already released it) or could not be released
    /// (the connection is closed anyway, which releases it).
    pub(crate) fn release(mut self) -> Option<String> {
        let warning = match advisory::unlock(&mut self.client, self.key) {
            Ok(true) => None,
            Ok(false) => Some(format!(
                "lock `{}` was no longer held when released: its session had ended, so \
                 another run may have taken it meanwhile",
                self.name
            )),
            Err(e) => Some(format!(
                "could not release lock `{}` ({}); closing its connection releases it",
                self.name,
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            )),
        };
        drop(self.client);
        warning
    }
}

/// `held by pid 4242, rhrel migrate, for 12s`.
fn held_by(holder: Option<&Holder>) -> String {
    let Some(h) = holder else {
        return "held by another session".into();
    };
    let mut text = format!("held by pid {}", h.pid);
    if let Some(app) = &h.application {
        text.push_str(&format!(", {app}"));
    }
    if let Some(secs) = h.connected_for.filter(|s| s.is_finite() && *s >= 0.0) {
        text.push_str(&format!(", for {}", seconds(Duration::from_secs_f64(secs))));
    }
    text
}

/// Whole seconds as a user writes them: `12s`, `2m5s`.
fn seconds(d: Duration) -> String {
    spelled(Duration::from_secs(d.as_secs()))
}

/// A duration as a user writes it, `0s` included.
fn spelled(d: Duration) -> String {
    if d.is_zero() {
        "0s".into()
    } else {
        crate::duration::format(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_line() {
        let h = Holder {
            pid: 4242,
            application: Some("rhrel migrate".into()),
            connected_for: Some(12.7),
        };
        assert_eq!(
            held_by(Some(&h)),
            "held by pid 4242, rhrel migrate, for 12s"
        );
        let h = Holder {
            pid: 7,
            application: None,
            connected_for: None,
        };
        assert_eq!(held_by(Some(&h)), "held by pid 7");
        assert_eq!(held_by(None), "held by another session");
        assert_eq!(spelled(Duration::from_secs(120)), "2m");
    }
}
