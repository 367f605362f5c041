//! rhrel runs a deploy's release phase as a sandboxed Rhai script: one deadline, child
//! processes owned by the host, masked secrets, documented exit codes, and a lint.
//!
//! Items are `pub` only when the binary, the tests or the fuzz targets use them.
#![warn(unreachable_pub)]

pub(crate) mod api;
pub mod check;
pub(crate) mod cli;
pub(crate) mod duration;
pub mod error;
pub(crate) mod exec;
pub mod exit_code;
pub(crate) mod http;
pub(crate) mod init;
pub(crate) mod json_value;
pub(crate) mod limits;
pub(crate) mod lock;
pub(crate) mod output;
pub(crate) mod parallel;
pub(crate) mod platform;
pub mod policy;
pub mod reference;
pub mod run;
pub(crate) mod script_error;
pub mod startup;
pub mod stdlib;
pub(crate) mod test;

use std::ffi::OsString;

/// The allocator that counts heap bytes for `--max-memory`; the binary installs it as its
/// `#[global_allocator]` (a library does not choose its users' allocator).
pub use run::memory::CountingAllocator;

use std::sync::{Arc, Mutex};

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, Command, RunArgs};
use error::Error;
use exit_code::Exit;
use output::{Level, Output, Verbosity};
use policy::{AllowList, PathList, Policy};
use run::deadline::{Deadline, TimeoutSource};

/// The whole program: parses `args` (program name first) and returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    install_panic_hook();
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // A panic anywhere (a bug) still ends with the documented code 70, not Rust's 101.
    std::panic::catch_unwind(move || dispatch(args)).unwrap_or(Exit::Internal.code())
}

fn dispatch(args: Vec<OsString>) -> u8 {
    // Debug builds only: lets the tests reach the internal-error path (`exec`: while a child
    // runs, see supervise.rs).
    #[cfg(debug_assertions)]
    if std::env::var_os("RHREL_DEBUG_PANIC").is_some_and(|v| v != "exec") {
        panic!("RHREL_DEBUG_PANIC is set");
    }
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            if let Some(msg) = cli::from_env_error(&e, &args) {
                eprintln!("rhrel: {msg}");
                return Exit::Usage.code();
            }
            let _ = e.print();
            return e.exit_code().clamp(0, 255) as u8;
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Exit::Usage.code();
        }
    };
    let exit = match cli.command {
        Some(Command::Run(args)) => {
            let sub = matches.subcommand_matches("run").unwrap_or(&matches);
            run_command(args, sub)
        }
        None => run_command(cli.run, &matches),
        Some(Command::Check(args)) => check::command(args),
        Some(Command::Api(args)) => reference::command(args),
        Some(Command::Init(args)) => init::command(args),
        Some(Command::Completions(args)) => cli::completions(args.shell),
        Some(Command::Man) => cli::man(),
        Some(Command::Test(args)) => test::command(args),
    };
    exit.code()
}

fn run_command(args: RunArgs, matches: &clap::ArgMatches) -> Exit {
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let out = Arc::new(Output::new(args.log_format, verbosity));
    let _masking_panics = PanicOutput::set(&out);
    if args.script.is_none() {
        let _ = Cli::command().print_help();
    }
    match run_config(args, matches) {
        Ok(config) => run::run(config, out),
        Err(err) => {
            out.diag(Level::Error, &err.to_string());
            err.exit()
        }
    }
}

/// The run's settings from the flags and their variables; a bad value names where it came from.
fn run_config(args: RunArgs, matches: &clap::ArgMatches) -> Result<run::RunConfig, Error> {
    let usage = |origin: String, problem: &str| Error::Usage {
        origin,
        problem: problem.to_string(),
    };
    let Some(script) = args.script.clone() else {
        return Err(usage(
            "no script given".into(),
            "usage: rhrel SCRIPT [-- ARGS…]",
        ));
    };
    let source_of = |id: &str| match matches.value_source(id) {
        Some(ValueSource::EnvVariable) => TimeoutSource::EnvVar,
        _ => TimeoutSource::Flag,
    };
    let (timeout, source) = match &args.timeout {
        Some(text) => match duration::parse(text) {
            Ok(d) => (d, source_of("timeout")),
            Err(_) => {
                let what = cli::value_origin(matches, "timeout", "RHREL_TIMEOUT", text);
                return Err(usage(what, "invalid duration (examples: 90s, 10m, 1m30s)"));
            }
        },
        None => {
            let (d, what) = Deadline::default_limit(|k| std::env::var(k).ok());
            (d, TimeoutSource::Default(what))
        }
    };
    let (hook_timeout, hook_timeout_source) = match &args.hook_timeout {
        Some(text) => match duration::parse(text) {
            Ok(d) => (d, source_of("hook_timeout")),
            Err(msg) => return Err(usage("--hook-timeout".into(), &msg)),
        },
        None => (
            run::deadline::DEFAULT_HOOK_BUDGET,
            TimeoutSource::Default("default"),
        ),
    };
    let max_memory = run::memory::parse_size(&args.max_memory).map_err(|msg| {
        let what = cli::value_origin(matches, "max_memory", "RHREL_MAX_MEMORY", &args.max_memory);
        usage(what, &msg)
    })?;
    let policy = Policy {
        exec: AllowList::parse(args.allow_exec.as_deref()),
        net: AllowList::parse(args.allow_net.as_deref()),
        env: AllowList::parse(args.allow_env.as_deref()),
        read: PathList::parse(args.allow_read.as_deref()),
        write: PathList::parse(args.allow_write.as_deref()),
    };
    if let Some(hint) = cli::did_you_mean(&script) {
        return Err(Error::Unreadable {
            path: script,
            reason: format!("no such file; did you mean `rhrel {hint}`?"),
        });
    }
    Ok(run::RunConfig {
        script,
        args: args.args,
        timeout,
        timeout_source: source,
        dry_run: args.dry_run,
        check: !args.no_check,
        policy,
        report: args.report,
        max_memory,
        hook_timeout,
        hook_timeout_source,
    })
}

/// The current run's output, so a panic message (which may quote a value) is masked with
/// that run's secrets. A panic hook is process-wide by nature; this is the one piece of
/// per-run state it can reach, replaced by each run and cleared when the run ends.
static PANIC_OUTPUT: Mutex<Option<Arc<Output>>> = Mutex::new(None);

/// Holds [`PANIC_OUTPUT`] for one run.
struct PanicOutput;

impl PanicOutput {
    fn set(out: &Arc<Output>) -> PanicOutput {
        *PANIC_OUTPUT.lock().unwrap_or_else(|p| p.into_inner()) = Some(out.clone());
        PanicOutput
    }
}

impl Drop for PanicOutput {
    fn drop(&mut self) {
        *PANIC_OUTPUT.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// A bug in rhrel must still end with a clear line and exit 70, not a Rust backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let at = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        // try_lock: the panic may have happened while this very lock was held.
        let current = PANIC_OUTPUT.try_lock().ok().and_then(|o| o.clone());
        let msg = match current {
            None => msg,
            Some(out) => out
                .try_mask(&msg)
                .unwrap_or_else(|| "(message withheld: it could not be masked)".into()),
        };
        // Not through Output::diag: the panicking thread may hold the output's lock.
        eprintln!("rhrel: internal error: {msg}{at}; this is a bug in rhrel, please report it");
    }));
}
