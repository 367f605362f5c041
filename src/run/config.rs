//! What one run was asked to do: the parsed command line, handed to the run and to its report.

use std::path::PathBuf;
use std::time::Duration;

use crate::policy::Policy;
use crate::run::deadline::TimeoutSource;

/// Everything `rhrel run` was asked to do.
pub struct RunConfig {
    pub script: PathBuf,
    pub args: Vec<String>,
    pub timeout: Duration,
    pub timeout_source: TimeoutSource,
    pub dry_run: bool,
    /// Run the static checks before the first statement (off with `--no-check`).
    pub check: bool,
    pub policy: Policy,
    pub report: Option<PathBuf>,
    pub max_memory: u64,
    /// The hooks' shared budget (`--hook-timeout`).
    pub hook_timeout: Duration,
    pub hook_timeout_source: TimeoutSource,
}
