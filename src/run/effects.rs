//! The seam between the host functions and the world: a run's side effects (starting a
//! program, sending a request, connecting to a port, sleeping, reading the environment, the
//! working directory) go either to the real machinery or to a simulation (`rhrel test`,
//! implemented in `src/test/`). Host functions ask [`Effects`]; the real path is the code
//! that was always there, so a normal run pays one branch per call.
//!
//! Adding a capability with a side effect (locks, parallel children, …) means adding a
//! method to [`Simulation`] and one `if let Some(sim)` at the point where it happens.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::exec::supervise::Finished;
use crate::http::client::{Failure, Reply, Request};
use crate::run::context::Context;

/// Where a run's side effects go.
#[derive(Clone, Default)]
pub(crate) enum Effects {
    /// The real world: processes, sockets, the environment, the working directory.
    #[default]
    Real,
    /// Stand-ins: nothing starts, nothing connects, files stay in a scratch directory.
    Simulated(Arc<dyn Simulation>),
}

/// One `exec`/`shell` call, as the simulation sees it.
pub(crate) struct ExecCall<'a> {
    pub program: &'a str,
    pub args: &'a [String],
    /// The command as shown in messages.
    pub shown: &'a str,
    pub cwd: Option<&'a Path>,
    pub env: &'a [(String, Option<String>)],
    pub stdin: Option<&'a str>,
    pub timeout: Option<Duration>,
    pub quiet: bool,
}

/// A simulated world. Every method that lets time pass advances the run's simulated clock
/// (`ctx.deadline.clock`) and requests the stop the deadline or a signal would.
pub(crate) trait Simulation: Send + Sync {
    /// A variable of the simulated environment (exactly the fixture's).
    fn env(&self, name: &str) -> Option<String>;
    /// What `platform()` says.
    fn platform(&self) -> String;
    /// `which(program)`.
    fn which(&self, program: &str) -> Option<String>;
    /// The scratch directory: the run's working directory and temp dir.
    fn dir(&self) -> &Path;
    /// Runs a stand-in; `Err` is an error raised in the script (no stand-in matches).
    fn exec(&self, ctx: &Context, call: &ExecCall) -> Result<Finished, String>;
    /// One HTTP attempt against the stand-ins, bounded by `limit`.
    fn http(&self, ctx: &Context, request: &Request, limit: Duration) -> Result<Reply, Failure>;
    /// One connect attempt (`wait_for_port`).
    fn connect(&self, host: &str, port: u16) -> Result<(), String>;
    /// `with_lock(name, …)`: taken at once, unless the fixture's `locks` says another release
    /// holds it for a while (then waited for on the simulated clock, at most `wait`).
    fn lock(
        &self,
        ctx: &Context,
        name: &str,
        wait: Option<Duration>,
    ) -> Result<(), crate::lock::session::Failure>;
    /// Lets `wanted` pass on the simulated clock; true when a stop came first.
    fn sleep(&self, ctx: &Context, wanted: Duration) -> bool;
    /// Whether statements reached are recorded (`rhrel test --coverage`).
    fn covers(&self) -> bool;
    /// A statement at `line` of `source` (a script's path as shown, or a module's) ran.
    fn reached(&self, source: &str, line: usize);
}

impl Effects {
    pub(crate) fn simulation(&self) -> Option<&dyn Simulation> {
        match self {
            Effects::Real => None,
            Effects::Simulated(sim) => Some(sim.as_ref()),
        }
    }

    /// An environment variable.
    pub(crate) fn env(&self, name: &str) -> Option<String> {
        match self {
            Effects::Real => std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
            Effects::Simulated(sim) => sim.env(name),
        }
    }

    /// `platform()`.
    pub(crate) fn platform(&self) -> String {
        match self {
            Effects::Real => crate::api::env::platform(|k| std::env::var_os(k).is_some()).into(),
            Effects::Simulated(sim) => sim.platform(),
        }
    }

    /// The working directory file paths are relative to.
    pub(crate) fn cwd(&self) -> std::io::Result<PathBuf> {
        match self {
            Effects::Real => std::env::current_dir(),
            Effects::Simulated(sim) => Ok(sim.dir().to_path_buf()),
        }
    }

    /// The temp dir (`temp_file()`).
    pub(crate) fn temp_dir(&self) -> PathBuf {
        match self {
            Effects::Real => std::env::temp_dir(),
            Effects::Simulated(sim) => sim.dir().to_path_buf(),
        }
    }
}
