//! The state every host function shares: the options of the run, the sticky stop and the
//! deadline, the masking output, the permission policy and the record of tasks.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::output::Output;
use crate::policy::Policy;
use crate::run::deadline::Deadline;
use crate::run::effects::Effects;
use crate::run::stop::Stop;
use crate::run::task::TaskLog;

/// Everything a run's host functions can reach. Shared (`Arc`) with helper threads.
pub(crate) struct Context {
    /// The script's path as given on the command line.
    pub script: PathBuf,
    /// The directory holding the script (imports resolve from here).
    pub script_dir: PathBuf,
    /// What followed `--`.
    pub args: Vec<String>,
    pub dry_run: bool,
    /// Whether host functions are registered with their docs (`check`, `api`) or with names
    /// and arity only (a run, which never reads them).
    pub docs: bool,
    pub policy: Policy,
    pub stop: Arc<Stop>,
    pub deadline: Deadline,
    pub out: Arc<Output>,
    pub tasks: Mutex<TaskLog>,
    /// Process groups of running children, killed when the run ends however it ends.
    pub children: Mutex<Vec<i32>>,
    /// The deadline/signal watchdog thread, started by the first blocking host call
    /// ([`Context::blocking`]); pure script code is watched by the progress callback alone.
    pub watchdog: std::sync::OnceLock<Mutex<Option<std::thread::JoinHandle<()>>>>,
    /// Where side effects go: the real world, or `rhrel test`'s stand-ins.
    pub effects: Effects,
}

pub(crate) type Ctx = Arc<Context>;

impl Context {
    /// A context that never runs anything: for `rhrel check` and `rhrel api`, which need
    /// the registry but no live run.
    pub(crate) fn inert() -> Ctx {
        use crate::cli::LogFormat;
        use crate::output::Verbosity;
        use crate::run::deadline::TimeoutSource;
        Arc::new(Context {
            script: PathBuf::new(),
            script_dir: PathBuf::new(),
            args: Vec::new(),
            dry_run: true,
            docs: true,
            policy: Policy::deny_all(),
            stop: Arc::new(Stop::default()),
            deadline: Deadline::new(std::time::Duration::from_secs(1), TimeoutSource::Flag),
            out: Arc::new(Output::new(LogFormat::Text, Verbosity::Quiet)),
            tasks: Mutex::new(TaskLog::default()),
            children: Mutex::new(Vec::new()),
            watchdog: std::sync::OnceLock::new(),
            effects: Effects::Real,
        })
    }
}

impl Context {
    /// Fails with the uncatchable stop error once a stop was requested; every host
    /// call runs this so no `catch` can outlive an exit, the deadline or a signal.
    /// Call before a host call that may block (sleep, exec, http): starts the watchdog thread
    /// that turns the deadline and signals into a stop while nothing runs script code, then
    /// checks the stop like [`Context::check_stop`].
    pub(crate) fn blocking(&self) -> crate::script_error::HostResult<()> {
        if self.effects.simulation().is_some() {
            // Simulated time passes only inside the stand-ins, which fire the deadline.
            return self.check_stop();
        }
        self.watchdog
            .get_or_init(|| Mutex::new(self.deadline.watch(self.stop.clone())));
        crate::run::backstop::ensure();
        self.check_stop()
    }

    /// Waits `duration` (on the simulated clock in a simulation); true when a stop came first.
    pub(crate) fn pause(&self, duration: std::time::Duration) -> bool {
        match self.effects.simulation() {
            Some(sim) => sim.sleep(self, duration),
            None => self.stop.sleep(duration),
        }
    }

    pub(crate) fn check_stop(&self) -> crate::script_error::HostResult<()> {
        if self.stop.is_set() {
            Err(crate::script_error::terminated())
        } else {
            Ok(())
        }
    }
}
