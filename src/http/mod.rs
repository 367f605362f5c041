//! The HTTP machinery behind `http_get`/`http_post`/…: URLs checked against `--allow-net`,
//! request options read from a script's map, retries with back-off, and one client that
//! observes the run's deadline.
//!
//! Takes the run's shared state (`run::context`) and shared conversions (`json_value`). It
//! never imports `api/`: `api/http.rs` calls down into this folder, never the other way round.

pub(crate) mod client;
pub(crate) mod options;
pub(crate) mod retry_policy;
pub(crate) mod url;
