//! The release lock behind `with_lock`: a session-level PostgreSQL advisory lock, held by the
//! database all releases share. Here: reading the database URL as libpq does (`sslmode`,
//! `sslrootcert`), the TLS configuration of each `sslmode`, the connection (native client,
//! `application_name` `rhrel <name>`), the lock's key, and the wait loop that logs who holds
//! it and gives way at once to the deadline and signals.
//!
//! Takes the run's shared state (`run::context`, `run::stop`) and writes through `output/`.
//! It never imports `api/`: the script-facing `with_lock` lives in `api/lock.rs`.

pub(crate) mod advisory;
pub(crate) mod session;
pub(crate) mod target;
pub(crate) mod tls;
pub(crate) mod wait;
