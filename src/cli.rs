//! The command line, declared with clap's derive API; the `///` docs are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) use crate::output::LogFormat;

/// Run a deploy's release phase as a sandboxed Rhai script.
///
/// `rhrel SCRIPT` is the same as `rhrel run SCRIPT` (the Procfile form).
#[derive(Debug, Parser)]
#[command(
    name = "rhrel",
    version = env!("RHREL_LONG_VERSION"),
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
// Parsed once per process: the size of the `Run` variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
    /// Run a release script (the default command).
    Run(RunArgs),
    /// Lint scripts without running them.
    Check(CheckArgs),
    /// Print the reference of every host function and stdlib module.
    Api(ApiArgs),
}

/// Options of a run; every one can also come from an `RHREL_*` variable.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct RunArgs {
    /// The Rhai script to run.
    pub script: Option<PathBuf>,

    /// Arguments for the script (read with `args()`), after `--`.
    #[arg(last = true)]
    pub args: Vec<String>,

    /// Deadline for the whole run: `90s`, `10m`, `1h` or seconds
    /// [default: 55m on a Heroku release dyno, 4m30s on Fly, else 10m].
    #[arg(long, env = "RHREL_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Budget shared by the on_failure/finally handlers, after the run's end [default: 20s].
    #[arg(long, env = "RHREL_HOOK_TIMEOUT", value_name = "DURATION")]
    pub hook_timeout: Option<String>,

    /// Show what would run: exec/shell start nothing, unsafe HTTP methods are not sent, sleep returns at once.
    #[arg(long, env = "RHREL_DRY_RUN")]
    pub dry_run: bool,

    /// Skip the static checks a run makes before it starts (for a false positive of `check`).
    #[arg(long, env = "RHREL_NO_CHECK", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_check: bool,

    /// Programs exec may run, comma-separated (`--allow-exec=` denies all) [default: all].
    #[arg(long, env = "RHREL_ALLOW_EXEC", value_name = "LIST")]
    pub allow_exec: Option<String>,

    /// Hosts http may reach, comma-separated (`host`, `host:port`) [default: all].
    #[arg(long, env = "RHREL_ALLOW_NET", value_name = "LIST")]
    pub allow_net: Option<String>,

    /// Variables env() may read, comma-separated (`NAME`, `PREFIX_*`) [default: all].
    #[arg(long, env = "RHREL_ALLOW_ENV", value_name = "LIST")]
    pub allow_env: Option<String>,

    /// Directories the file functions may also read, comma-separated (beyond the working directory and temp dir).
    #[arg(long, env = "RHREL_ALLOW_READ", value_name = "PATHS")]
    pub allow_read: Option<String>,

    /// Directories the file functions may also write and read, comma-separated.
    #[arg(long, env = "RHREL_ALLOW_WRITE", value_name = "PATHS")]
    pub allow_write: Option<String>,

    /// Format of log lines.
    #[arg(long, env = "RHREL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Write a JSON summary of the run to FILE, whatever the outcome.
    #[arg(long, env = "RHREL_REPORT", value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Cap on the memory rhrel itself uses (heap in use: `512M`, `1G`, or MiB).
    #[arg(
        long,
        env = "RHREL_MAX_MEMORY",
        value_name = "SIZE",
        default_value = "512M"
    )]
    pub max_memory: String,

    /// Also show debug() lines.
    #[arg(long, short, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Show only warnings, errors and child output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// Files or directories to lint [default: the Procfile's release script and scripts/].
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
}

#[derive(Debug, Args, Clone)]
pub struct ApiArgs {
    /// Print JSON for tools instead of text.
    #[arg(long)]
    pub json: bool,

    /// Write `.d.rhai` definition files for editors into DIR instead of printing.
    #[arg(long, value_name = "DIR")]
    pub definitions: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
