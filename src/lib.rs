//! rhrel runs a deploy's release phase as a sandboxed Rhai script: one deadline, child
//! processes owned by the host, masked secrets, documented exit codes, and a lint.

pub mod api;
pub mod check;
pub mod cli;
pub mod context;
pub mod deadline;
pub mod duration;
pub mod engine;
pub mod exec_options;
pub mod exit_code;
pub mod http_client;
pub mod http_options;
pub mod http_url;
pub mod imports;
pub mod mask;
pub mod memory;
pub mod outcome;
pub mod output;
pub mod policy;
pub mod process_group;
pub mod reference;
pub mod relay;
pub mod report;
pub mod resolver;
pub mod retry_policy;
pub mod run;
pub mod script_error;
pub mod script_file;
pub mod signals;
pub mod stack;
pub mod startup;
pub mod stdlib;
pub mod stop;
pub mod supervise;
pub mod task;

use std::ffi::OsString;

/// Counts heap bytes for `--max-memory` (see memory.rs).
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator = memory::CountingAllocator;

use std::sync::{Arc, OnceLock};

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, Command, RunArgs};
use deadline::{Deadline, TimeoutSource};
use exit_code::Exit;
use output::{Level, Output, Verbosity};
use policy::{AllowList, Policy};

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
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
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
            run_command(args, sub.value_source("timeout"))
        }
        None => run_command(cli.run, matches.value_source("timeout")),
        Some(Command::Check(args)) => check::command(args),
        Some(Command::Api(args)) => reference::command(args),
    };
    exit.code()
}

fn run_command(args: RunArgs, timeout_source: Option<ValueSource>) -> Exit {
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let out = Arc::new(Output::new(args.log_format, verbosity));
    let _ = PANIC_OUTPUT.set(out.clone());
    let usage = |msg: String| {
        out.diag(Level::Error, &msg);
        Exit::Usage
    };
    let Some(script) = args.script.clone() else {
        let _ = Cli::command().print_help();
        return usage("no script given (usage: rhrel SCRIPT [-- ARGS…])".into());
    };
    let (timeout, source) = match &args.timeout {
        Some(text) => match duration::parse(text) {
            Ok(d) => {
                let source = match timeout_source {
                    Some(ValueSource::EnvVariable) => TimeoutSource::EnvVar,
                    _ => TimeoutSource::Flag,
                };
                (d, source)
            }
            Err(msg) => return usage(format!("--timeout: {msg}")),
        },
        None => {
            let (d, what) = Deadline::default_limit(|k| std::env::var(k).ok());
            (d, TimeoutSource::Default(what))
        }
    };
    let max_memory = match memory::parse_size(&args.max_memory) {
        Ok(bytes) => bytes,
        Err(msg) => return usage(format!("--max-memory: {msg}")),
    };
    let policy = Policy {
        exec: AllowList::parse(args.allow_exec.as_deref()),
        net: AllowList::parse(args.allow_net.as_deref()),
        env: AllowList::parse(args.allow_env.as_deref()),
    };
    let config = run::RunConfig {
        script,
        args: args.args,
        timeout,
        timeout_source: source,
        dry_run: args.dry_run,
        policy,
        report: args.report,
        max_memory,
    };
    run::run(config, out)
}

/// The run's output, so a panic message (which may quote a value) is masked too.
static PANIC_OUTPUT: OnceLock<Arc<Output>> = OnceLock::new();

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
        let msg = match PANIC_OUTPUT.get() {
            None => msg,
            Some(out) => out
                .try_mask(&msg)
                .unwrap_or_else(|| "(message withheld: it could not be masked)".into()),
        };
        // Not through Output::diag: the panicking thread may hold the output's lock.
        eprintln!("rhrel: internal error: {msg}{at}; this is a bug in rhrel, please report it");
    }));
}
