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
    /// Write scripts/release.rhai for the app in DIR and hook it into its platform.
    Init(InitArgs),
    /// Print a shell completion script (e.g. `rhrel completions bash > /etc/bash_completion.d/rhrel`).
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout (e.g. `rhrel man > rhrel.1`).
    Man,
    /// Run the tests in *.test.rhai files: scripts simulated against stand-ins, time simulated.
    Test(TestArgs),
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
    #[arg(long, env = "RHREL_DRY_RUN", value_parser = boolish)]
    pub dry_run: bool,

    /// Skip the static checks a run makes before it starts (for a false positive of `check`).
    #[arg(long, env = "RHREL_NO_CHECK", value_parser = boolish)]
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
pub(crate) struct TestArgs {
    /// Test files (*.test.rhai) or directories to search for them [default: scripts/].
    pub paths: Vec<PathBuf>,

    /// Run only the tests whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    /// Output format: a line per test, or JUnit XML on stdout for CI test reports.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,

    /// Print each simulated run's output.
    #[arg(long, short)]
    pub verbose: bool,

    /// List the statements of each simulated script that no test reached.
    #[arg(long)]
    pub coverage: bool,

    /// Real time one test may take before it counts as failed (it may loop forever).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub test_timeout: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    Human,
    Junit,
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

#[derive(Debug, Args, Clone)]
pub(crate) struct InitArgs {
    /// The app's directory [default: the current directory].
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// The platform to hook into [default: detected from the files present].
    #[arg(long, value_enum)]
    pub platform: Option<InitPlatform>,

    /// The framework (migration tool) to write the script for [default: detected].
    #[arg(long, value_name = "NAME")]
    pub framework: Option<String>,

    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,

    /// Print the unified diff of every change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The platforms `rhrel init` can hook into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InitPlatform {
    Heroku,
    Fly,
    Render,
    Railway,
    Dokku,
    Kubernetes,
}

#[derive(Debug, Args, Clone)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

/// A boolean flag's value from the environment: `1/0`, `true/false`, `yes/no`, `on/off`
/// (any case); empty means off.
pub(crate) fn boolish(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => Ok(false),
        "1" | "true" | "yes" | "on" => Ok(true),
        _ => Err("expected 1/0, true/false, yes/no or on/off (empty means off)".into()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
}

/// Where a value came from, for an error about it: `RHREL_TIMEOUT=abc` or `--timeout abc`.
pub(crate) fn value_origin(matches: &clap::ArgMatches, id: &str, var: &str, value: &str) -> String {
    match matches.value_source(id) {
        Some(clap::parser::ValueSource::EnvVariable) => format!("{var}={value}"),
        Some(clap::parser::ValueSource::DefaultValue) => format!("the default {value}"),
        _ => format!("--{} {value}", id.replace('_', "-")),
    }
}

/// clap's error for an invalid value, restated as `RHREL_X=v: …` when the value came from
/// the environment (the flag itself is not on the command line); `None` otherwise.
pub(crate) fn from_env_error(error: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    let text = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg)?;
    let value = text(ContextKind::InvalidValue)?;
    let long = arg
        .split([' ', '='])
        .next()?
        .strip_prefix("--")?
        .to_string();
    let on_command_line = args.iter().any(|a| {
        a.to_str()
            .is_some_and(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")))
    });
    if on_command_line {
        return None;
    }
    let command = <Cli as clap::CommandFactory>::command();
    let var = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long.as_str()))?
        .get_env()?
        .to_str()?
        .to_string();
    if std::env::var(&var).ok()? != value {
        return None;
    }
    let why = match error.kind() {
        ErrorKind::InvalidValue => match error.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(valid)) => {
                format!("invalid value (possible values: {})", valid.join(", "))
            }
            _ => "invalid value".to_string(),
        },
        _ => std::error::Error::source(error)
            .map_or_else(|| "invalid value".to_string(), |e| e.to_string()),
    };
    Some(format!("{var}={value}: {why}"))
}

/// The subcommand a missing script's name is close to (`chek` → `check`), if any.
pub(crate) fn did_you_mean(script: &std::path::Path) -> Option<String> {
    if script.exists() || script.components().count() != 1 {
        return None;
    }
    let name = script.to_str()?;
    let command = <Cli as clap::CommandFactory>::command();
    command
        .get_subcommands()
        .map(|c| c.get_name())
        .filter(|sub| *sub != "help")
        .map(|sub| (strsim::damerau_levenshtein(name, sub), sub))
        .filter(|(d, sub)| *d > 0 && *d <= 2 && *d < sub.len())
        .min()
        .map(|(_, sub)| sub.to_string())
}

/// `rhrel completions SHELL`: the completion script on stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> crate::exit_code::Exit {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "rhrel", &mut out);
    write_stdout(&out)
}

/// `rhrel man`: the man page (roff) on stdout.
pub(crate) fn man() -> crate::exit_code::Exit {
    let command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    if clap_mangen::Man::new(command).render(&mut out).is_err() {
        return crate::exit_code::Exit::Internal;
    }
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> crate::exit_code::Exit {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => crate::exit_code::Exit::Success,
        Err(_) => crate::exit_code::Exit::Failure,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn boolish_values() {
        for yes in ["1", "true", "YES", "on", " True "] {
            assert_eq!(super::boolish(yes), Ok(true), "{yes}");
        }
        for no in ["", "0", "false", "no", "OFF"] {
            assert_eq!(super::boolish(no), Ok(false), "{no}");
        }
        assert!(super::boolish("maybe").is_err());
    }

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
