//! The one door to the terminal: every byte rhrel writes — script log lines, relayed child
//! output, rhrel's own diagnostics — passes through `Output`, which masks secrets first.
//!
//! It imports nothing above it: `run/`, `api/`, `exec/` and `http/` hand it bytes, and it
//! never calls back into them.

use std::io::Write;
use std::sync::{Mutex, MutexGuard};

pub(crate) mod capture;
pub(crate) mod mask;

use mask::Masker;

/// How lines are written: plain text, or one JSON object per line (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Level::Debug => "debug: ",
            Level::Info => "",
            Level::Warn => "warning: ",
            Level::Error => "error: ",
        }
    }
}

/// Which of rhrel's streams a write goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Which levels are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

/// The masking writer shared by the script thread and the child-output relays.
pub struct Output {
    format: LogFormat,
    verbosity: Verbosity,
    /// When false every write is dropped (in-process evaluation for fuzzing).
    enabled: bool,
    /// Built on first use from the environment: a script that prints nothing pays nothing.
    masker: Mutex<Option<Masker>>,
    mask_vars: Vec<String>,
    /// A simulated run (`rhrel test`): its environment (masking reads it instead of the
    /// process's) and what it wrote, kept instead of written.
    simulated: Option<capture::Simulated>,
}

impl Output {
    pub fn new(format: LogFormat, verbosity: Verbosity) -> Self {
        let mask_vars = std::env::var("RHREL_MASK_VARS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Output {
            format,
            verbosity,
            enabled: true,
            masker: Mutex::new(None),
            mask_vars,
            simulated: None,
        }
    }

    /// An output for a simulated run: masks with `env`'s secrets, keeps every line.
    pub(crate) fn capturing(env: Vec<(String, String)>) -> Self {
        let mask_vars = env
            .iter()
            .find(|(k, _)| k == "RHREL_MASK_VARS")
            .map(|(_, v)| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Output {
            mask_vars,
            simulated: Some(capture::Simulated {
                env,
                kept: Mutex::new(capture::Captured::default()),
            }),
            ..Output::new(LogFormat::Text, Verbosity::Normal)
        }
    }

    /// What a capturing output kept (empty for any other).
    pub(crate) fn captured(&self) -> capture::Captured {
        match &self.simulated {
            Some(sim) => sim.kept.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            None => capture::Captured::default(),
        }
    }

    fn write(&self, stream: Stream, bytes: &[u8]) {
        match &self.simulated {
            Some(sim) => sim
                .kept
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(stream, bytes),
            None => write_raw(stream, bytes),
        }
    }

    fn masker_from_env(&self) -> Masker {
        match &self.simulated {
            Some(sim) => Masker::from_env(
                sim.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &self.mask_names(),
            ),
            None => Masker::from_env(env_pairs(), &self.mask_names()),
        }
    }

    /// An output that masks but writes nothing: for evaluating scripts in-process (fuzzing).
    pub fn discard() -> Self {
        Output {
            enabled: false,
            ..Output::new(LogFormat::Text, Verbosity::Quiet)
        }
    }

    /// Whether a level is shown at this verbosity.
    pub fn shows(&self, level: Level) -> bool {
        match self.verbosity {
            Verbosity::Quiet => level >= Level::Warn,
            Verbosity::Normal => level >= Level::Info,
            Verbosity::Verbose => true,
        }
    }

    /// A line of the script's own output (log/info/warn/error/debug/print), to stdout.
    pub fn log(&self, level: Level, msg: &str) {
        if self.shows(level) {
            self.emit(Stream::Stdout, level, msg, None);
        }
    }

    /// rhrel's own diagnostic (`rhrel: …`), to stderr, always shown.
    pub fn diag(&self, level: Level, msg: &str) {
        self.emit(Stream::Stderr, level, msg, Some("rhrel"));
    }

    /// A note from rhrel about its work (task progress, dry-run), to stderr, hidden by --quiet.
    pub fn note(&self, msg: &str) {
        if self.shows(Level::Info) {
            self.emit(Stream::Stderr, Level::Info, msg, None);
        }
    }

    /// Complete lines of a child's output, relayed in one write (lines end with `\n`).
    pub fn relay(&self, stream: Stream, lines: &[u8]) {
        if !self.enabled {
            return;
        }
        let masker = self.masker();
        let masked = match masker.as_ref() {
            Some(m) => m.mask_bytes(lines),
            None => std::borrow::Cow::Borrowed(lines),
        };
        match self.format {
            LogFormat::Text => self.write(stream, &masked),
            LogFormat::Json => {
                let mut buf = Vec::with_capacity(masked.len() + 64);
                let name = if stream == Stream::Stdout {
                    "stdout"
                } else {
                    "stderr"
                };
                for line in masked.split_inclusive(|b| *b == b'\n') {
                    let text = String::from_utf8_lossy(line);
                    let obj = serde_json::json!({
                        "ts": now(), "level": "info", "stream": name,
                        "msg": text.trim_end_matches(['\n', '\r']),
                    });
                    buf.extend_from_slice(obj.to_string().as_bytes());
                    buf.push(b'\n');
                }
                self.write(stream, &buf);
            }
        }
    }

    /// Masks a text that rhrel writes elsewhere (the report file).
    pub fn mask(&self, text: &str) -> String {
        match self.masker().as_ref() {
            Some(m) => m.mask_str(text).into_owned(),
            None => text.to_string(),
        }
    }

    /// `mask` for the panic hook: never waits for the masker (the panicking thread may hold
    /// it); `None` when it is busy, so the caller can drop the text rather than leak it.
    pub fn try_mask(&self, text: &str) -> Option<String> {
        let guard = match self.masker.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(match guard.as_ref() {
            Some(m) => m.mask_str(text).into_owned(),
            None => self.masker_from_env().mask_str(text).into_owned(),
        })
    }

    fn mask_names(&self) -> Vec<&str> {
        self.mask_vars.iter().map(String::as_str).collect()
    }

    /// A variable the script hands to a child (`exec(…, #{env: …})`): secret by the same rules
    /// as rhrel's own environment (its name, `RHREL_MASK_VARS`, a URL password).
    pub fn add_env_secret(&self, name: &str, value: &str) {
        if mask::is_secret_name(name) || self.mask_vars.iter().any(|n| n.eq_ignore_ascii_case(name))
        {
            self.add_secret(value);
        }
        if let Some(password) = mask::url_password(value) {
            self.add_secret(&password);
        }
    }

    /// Registers a secret found at run time (`mask(value)`).
    pub fn add_secret(&self, secret: &str) {
        if let Some(m) = self.masker().as_mut() {
            m.add(secret);
        }
    }

    fn masker(&self) -> MutexGuard<'_, Option<Masker>> {
        let mut guard = self.masker.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.masker_from_env());
        }
        guard
    }

    fn emit(&self, stream: Stream, level: Level, msg: &str, source: Option<&str>) {
        if !self.enabled {
            return;
        }
        let masked = self.mask(msg);
        let line = match self.format {
            LogFormat::Text => {
                let mut line = String::with_capacity(masked.len() + 16);
                if let Some(source) = source {
                    line.push_str(source);
                    line.push_str(": ");
                }
                if source.is_some() || level != Level::Info {
                    line.push_str(level.prefix());
                }
                line.push_str(&masked);
                line.push('\n');
                line
            }
            LogFormat::Json => {
                let mut obj =
                    serde_json::json!({ "ts": now(), "level": level.name(), "msg": masked });
                if let Some(source) = source {
                    obj["source"] = source.into();
                }
                format!("{obj}\n")
            }
        };
        self.write(stream, line.as_bytes());
    }
}

/// The environment as strings (non-UTF-8 entries are skipped: they cannot reach a script).
fn env_pairs() -> std::env::VarsOs {
    std::env::vars_os()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One write and a flush: the platform streams our output line by line.
fn write_raw(stream: Stream, bytes: &[u8]) {
    // A closed pipe must not panic or abort the run: output errors are ignored.
    let _ = match stream {
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|_| out.flush())
        }
        Stream::Stderr => {
            let mut err = std::io::stderr().lock();
            err.write_all(bytes).and_then(|_| err.flush())
        }
    };
}
