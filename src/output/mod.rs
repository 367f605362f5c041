//! The one door to the terminal: every byte rhrel writes — script log lines, relayed child
//! output, rhrel's own diagnostics — passes through `Output`, which masks secrets first.
//!
//! It imports nothing above it: `run/`, `api/`, `exec/` and `http/` hand it bytes, and it
//! never calls back into them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

pub(crate) mod capture;
pub(crate) mod forms;
pub(crate) mod mask;
pub(crate) mod sources;
pub(crate) mod writer;

use mask::{BuildError, Masker};

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
    /// The bounded queue to stdout and stderr and its thread (`writer.rs`).
    writer: writer::Writer,
    /// The masker could not be built or grown: nothing more is written (fail closed).
    withheld: AtomicBool,
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
            writer: writer::Writer::default(),
            withheld: AtomicBool::new(false),
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

    /// Every write goes here: to the writer's queue, or kept by a simulated run.
    fn write(&self, stream: Stream, bytes: Vec<u8>) {
        match &self.simulated {
            Some(sim) => sim
                .kept
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(stream, &bytes),
            None => self.writer.write(stream, bytes),
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

    /// One of rhrel's own events (a task's start and end, the summary, a stop): `text` as a
    /// note (or, at `warn` and above, a diagnostic) in text format; in JSON, one object whose
    /// `event` names it, with `fields` beside `msg`. Every string in it is masked.
    pub fn event(&self, level: Level, event: &str, text: &str, fields: serde_json::Value) {
        if !self.enabled || !(level >= Level::Warn || self.shows(level)) {
            return;
        }
        match self.format {
            LogFormat::Text if level >= Level::Warn => self.diag(level, text),
            LogFormat::Text => self.emit(Stream::Stderr, level, text, None),
            LogFormat::Json => {
                let mut obj = serde_json::json!({
                    "ts": now(), "level": level.name(), "source": "rhrel", "event": event,
                });
                if let (serde_json::Value::Object(extra), Some(o)) = (fields, obj.as_object_mut()) {
                    o.extend(extra);
                }
                obj["msg"] = text.into();
                self.mask_strings(&mut obj);
                self.write(Stream::Stderr, format!("{obj}\n").into_bytes());
            }
        }
    }

    /// Complete lines of a child's output, relayed in one write (lines end with `\n`).
    pub fn relay(&self, stream: Stream, lines: &[u8]) {
        if !self.enabled || self.is_withheld() {
            return;
        }
        // Masked, then the masker is free again before the write (which may wait for room).
        let masked = {
            let masker = self.masker();
            if self.is_withheld() {
                return;
            }
            match masker.as_ref() {
                Some(m) => m.mask_bytes(lines).into_owned(),
                None => lines.to_vec(),
            }
        };
        match self.format {
            LogFormat::Text => self.write(stream, masked),
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
                self.write(stream, buf);
            }
        }
    }

    /// How much of a partial line too long to hold can be relayed now without splitting a
    /// secret between two pieces (see [`mask::Masker::safe_cut`]).
    pub fn relay_cut(&self, partial: &[u8]) -> usize {
        match self.masker().as_ref() {
            Some(m) => m.safe_cut(partial),
            None => partial.len(),
        }
    }

    /// Masks a text that rhrel writes elsewhere (the report file).
    pub fn mask(&self, text: &str) -> String {
        let masker = self.masker();
        match masker.as_ref() {
            Some(m) => m.mask_str(text).into_owned(),
            None if self.is_withheld() => mask::REPLACEMENT.to_string(),
            None => text.to_string(),
        }
    }

    /// Masks every string inside a JSON value, in place.
    fn mask_strings(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) => *text = self.mask(text),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.mask_strings(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.mask_strings(v)),
            _ => {}
        }
    }

    /// Builds the masker from the environment before anything is written, so a run can end
    /// before its first line when it cannot mask; `interrupted` is asked between batches of a
    /// large build (a signal during start-up).
    pub fn prepare(&self, interrupted: &dyn Fn() -> bool) -> Result<(), PrepareError> {
        let mut guard = self.masker.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_some() || self.is_withheld() {
            return Ok(());
        }
        match Masker::build(self.env_secrets(), interrupted) {
            Ok(m) => {
                *guard = Some(m);
                Ok(())
            }
            Err(BuildError::Interrupted) => Err(PrepareError::Interrupted),
            Err(BuildError::Failed(why)) => {
                let msg = format!("cannot mask secrets: {why}");
                self.withhold(&format!("{msg}; the run stops before its first line"));
                Err(PrepareError::Failed(msg))
            }
        }
    }

    /// Whether output is withheld because masking failed.
    pub fn is_withheld(&self) -> bool {
        self.withheld.load(Ordering::Relaxed)
    }

    /// `mask` for the panic hook: never waits for the masker (the panicking thread may hold
    /// it); `None` when it is busy, so the caller can drop the text rather than leak it.
    pub fn try_mask(&self, text: &str) -> Option<String> {
        let guard = match self.masker.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        if self.is_withheld() {
            return None;
        }
        Some(match guard.as_ref() {
            Some(m) => m.mask_str(text).into_owned(),
            None => Masker::build(self.env_secrets(), &|| false)
                .ok()?
                .mask_str(text)
                .into_owned(),
        })
    }

    fn env_secrets(&self) -> Vec<String> {
        let names: Vec<&str> = self.mask_vars.iter().map(String::as_str).collect();
        match &self.simulated {
            Some(sim) => sources::from_env(
                sim.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &names,
            ),
            None => sources::from_env(env_pairs(), &names),
        }
    }

    /// A variable the script hands to a child (`exec(…, #{env: …})`): secret by the same rules
    /// as rhrel's own environment (its name, `RHREL_MASK_VARS`, a URL password).
    pub fn add_env_secret(&self, name: &str, value: &str) {
        let named = sources::is_secret_name(name)
            || self.mask_vars.iter().any(|n| n.eq_ignore_ascii_case(name));
        if named {
            self.add_secret(value);
        }
        if let Some(credential) = sources::url_secrets(value, named) {
            self.add_secret(&credential);
        }
    }

    /// Registers a secret found at run time (an `Authorization` header, a URL password); when
    /// it cannot be masked, output is withheld from then on.
    pub fn add_secret(&self, secret: &str) {
        let _ = self.mask_secret(secret);
    }

    /// `mask(value)`: registers a secret, or says why it cannot be masked (output is then
    /// withheld, as for [`Output::add_secret`]).
    pub fn mask_secret(&self, secret: &str) -> Result<(), String> {
        let mut guard = self.built_masker();
        let Some(m) = guard.as_mut() else {
            return Err("cannot mask secrets: output is withheld".to_string());
        };
        match m.add(secret) {
            Ok(()) => Ok(()),
            Err(BuildError::Interrupted) => Ok(()),
            Err(BuildError::Failed(why)) => {
                let msg = format!("cannot mask secrets: {why}");
                self.withhold(&format!("{msg}; all further output is withheld"));
                *guard = None;
                Err(msg)
            }
        }
    }

    /// Ends all output with a last line that holds no secret (a constant): for a run that
    /// stops before its masker is built.
    pub fn withhold_after(&self, last_line: &'static str) {
        self.withhold(last_line);
    }

    /// Fails closed: writes `line` (which must hold no secret) once, on stderr, and nothing
    /// more after it.
    fn withhold(&self, line: &str) {
        if !self.withheld.swap(true, Ordering::SeqCst) && self.enabled {
            self.write(
                Stream::Stderr,
                format!("rhrel: error: {line}\n").into_bytes(),
            );
        }
    }

    /// The masker, settled: ready to mask output.
    fn masker(&self) -> MutexGuard<'_, Option<Masker>> {
        let mut guard = self.built_masker();
        // The secrets of a burst of `mask()` calls, built in one go before they are needed.
        if let Some(Err(BuildError::Failed(why))) = guard.as_mut().map(Masker::settle) {
            self.withhold(&format!(
                "cannot mask secrets: {why}; all further output is withheld"
            ));
            *guard = None;
        }
        guard
    }

    /// The masker, built from the environment if it was not yet; its backlog not settled.
    fn built_masker(&self) -> MutexGuard<'_, Option<Masker>> {
        let mut guard = self.masker.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() && !self.is_withheld() {
            match Masker::build(self.env_secrets(), &|| false) {
                Ok(m) => *guard = Some(m),
                Err(BuildError::Interrupted) => {}
                Err(BuildError::Failed(why)) => self.withhold(&format!(
                    "cannot mask secrets: {why}; all further output is withheld"
                )),
            }
        }
        guard
    }

    fn emit(&self, stream: Stream, level: Level, msg: &str, source: Option<&str>) {
        if !self.enabled || self.is_withheld() {
            return;
        }
        let masked = self.mask(msg);
        if self.is_withheld() {
            return;
        }
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
        self.write(stream, line.into_bytes());
    }

    /// The run is stopping (deadline, signal): a stalled reader may hold a write only briefly
    /// from now on; what does not fit is dropped and counted.
    pub fn stopping(&self) {
        self.writer.stopping();
    }

    /// Waits until what was written has reached the streams, at most `within` (less when the
    /// reader takes nothing for a while); the rest is counted as dropped.
    pub fn flush(&self, within: std::time::Duration) -> bool {
        self.writer
            .flush(within, within.min(std::time::Duration::from_secs(1)))
    }

    /// `hook` runs once, when output first has to be queued for a reader that may stall (the
    /// run starts its backstop then).
    pub fn on_queue(&self, hook: Box<dyn Fn() + Send + Sync>) {
        let _ = self.writer.on_start.set(hook);
    }

    /// Bytes that could not be written (`output_dropped_bytes` in the report).
    pub fn dropped_bytes(&self) -> u64 {
        self.writer.dropped()
    }
}

/// Why [`Output::prepare`] did not build the masker.
#[derive(Debug)]
pub enum PrepareError {
    /// A signal arrived during the build.
    Interrupted,
    /// The masker cannot be built: the run must end before writing anything.
    Failed(String),
}

/// The environment as strings (non-UTF-8 entries are skipped: they cannot reach a script).
fn env_pairs() -> std::env::VarsOs {
    std::env::vars_os()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
