//! `--report FILE`: a JSON summary of the run, written whatever the outcome.

use std::sync::Arc;

use crate::context::Context;
use crate::outcome::Outcome;
use crate::output::Output;
use crate::run::RunConfig;

/// Writes the report when `--report` was given (arrives with the stdlib/task issue).
pub fn write(
    _config: &RunConfig,
    _ctx: Option<&Context>,
    _out: &Arc<Output>,
    _started: chrono::DateTime<chrono::Utc>,
    _outcome: &Outcome,
) {
}
