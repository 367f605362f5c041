//! The lock's own connection: opened with the native client (TLS per `sslmode`), named
//! `rhrel <name>` in `pg_stat_activity`, used for nothing but the lock. The connect runs on
//! a helper thread so that the deadline and signals end the wait for it at once; a connect
//! given up on is dropped when it finishes, which closes it.

use std::sync::mpsc;
use std::time::Duration;

use tokio_postgres_rustls::MakeRustlsConnect;

use crate::lock::target::Target;
use crate::lock::tls;
use crate::run::context::Context;

/// Why the lock could not be had (or kept).
pub(crate) enum Failure {
    /// The run was asked to stop (deadline, signal, exit): the caller raises the stop.
    Stopped,
    /// A message for the script's error (never holding the password).
    Message(String),
}

/// How often the stop is checked while the connect runs.
const SLICE: Duration = Duration::from_millis(50);

/// Connects to `target` for the lock `name`.
pub(crate) fn connect(
    ctx: &Context,
    target: &Target,
    name: &str,
) -> Result<postgres::Client, Failure> {
    let fail = |cause: String| {
        Failure::Message(format!(
            "lock `{name}`: cannot connect to PostgreSQL at {}: {cause}",
            target.shown
        ))
    };
    let tls = tls::config(target.sslmode, target.roots.as_ref()).map_err(fail)?;
    let mut config = target.config.clone();
    config.application_name(&format!("rhrel {name}"));
    let remaining = ctx.deadline.remaining().max(Duration::from_millis(100));
    let bound = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(remaining)
        .min(remaining);
    config.connect_timeout(bound);

    let (tx, rx) = mpsc::channel();
    let connector = MakeRustlsConnect::new(tls);
    std::thread::Builder::new()
        .name("rhrel-lock-connect".into())
        .spawn(move || {
            // The receiver may be gone (the run stopped): the client is then dropped, closed.
            let _ = tx.send(config.connect(connector));
        })
        .map_err(|e| fail(format!("cannot start the connection: {e}")))?;
    loop {
        if ctx.stop.is_set() {
            return Err(Failure::Stopped);
        }
        match rx.recv_timeout(SLICE) {
            Ok(Ok(client)) => return Ok(client),
            Ok(Err(e)) => return Err(fail(cause(&e, target))),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(fail(
                    "the connection attempt ended without an answer".into(),
                ))
            }
        }
    }
}

/// The client's error as a reader wants it: `password authentication failed for user "app"`,
/// `connection refused`, `the server does not support TLS, and sslmode=require needs it`.
pub(crate) fn cause(e: &postgres::Error, target: &Target) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    // The client's own text, then its causes (`error performing TLS handshake: …`).
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    if text.contains("server does not support TLS") {
        return format!(
            "the server does not support TLS, and sslmode={} needs it",
            target.sslmode.name()
        );
    }
    let text = text
        .strip_prefix("error connecting to server: ")
        .unwrap_or(&text);
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out: String = match text.chars().next() {
        Some(first) => first.to_lowercase().chain(text.chars().skip(1)).collect(),
        None => "unknown error".into(),
    };
    if out.contains("TLS") {
        out.push_str(&format!(" (sslmode={})", target.sslmode.name()));
    }
    out
}
