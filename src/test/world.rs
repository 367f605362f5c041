//! The simulated world a script runs against under `rhrel test`: the fixture's environment,
//! its stand-ins for programs, HTTP endpoints and ports, the scratch directory and the
//! simulated timeline. It records every call, so a test can assert what the script did.

use std::collections::{BTreeSet, HashMap};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::clock::{Passed, Timeline};
use super::fixture::{Body, Fixture};
use super::stand_in::{self, Served};
use crate::exec::supervise::{End, Finished};
use crate::http::client::{Failure, Reply, Request};
use crate::output::{Level, Stream};
use crate::run::context::Context;
use crate::run::effects::{ExecCall, Simulation};
use crate::run::stop::StopReason;

/// One `exec`/`shell` call the script made.
#[derive(Clone, Debug)]
pub(crate) struct ExecRecord {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, Option<String>)>,
    pub cwd: Option<String>,
    pub stdin: Option<String>,
}

/// One HTTP request (each attempt of a retried one) the script sent.
#[derive(Clone, Debug)]
pub(crate) struct HttpRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Default)]
struct Calls {
    exec_served: Served,
    http_served: Served,
    execs: Vec<ExecRecord>,
    http: Vec<HttpRecord>,
}

pub(crate) struct World {
    fixture: Fixture,
    dir: PathBuf,
    timeline: Timeline,
    calls: Mutex<Calls>,
    /// `--coverage`: the (source, line) pairs that ran.
    coverage: Option<Mutex<HashMap<String, BTreeSet<usize>>>>,
}

impl World {
    pub(crate) fn new(fixture: Fixture, dir: PathBuf, coverage: bool) -> Self {
        let calls = Calls {
            exec_served: Served::new(fixture.exec.len()),
            http_served: Served::new(fixture.http.len()),
            ..Calls::default()
        };
        World {
            timeline: Timeline::new(fixture.signal),
            fixture,
            dir,
            calls: Mutex::new(calls),
            coverage: coverage.then(Default::default),
        }
    }

    /// The lines that ran (empty without `--coverage`).
    pub(crate) fn reached_lines(&self) -> HashMap<String, BTreeSet<usize>> {
        self.coverage
            .as_ref()
            .map(|c| c.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }

    /// The calls made so far: every exec, every HTTP attempt.
    pub(crate) fn records(&self) -> (Vec<ExecRecord>, Vec<HttpRecord>) {
        let calls = self.calls();
        (calls.execs.clone(), calls.http.clone())
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Simulation for World {
    fn env(&self, name: &str) -> Option<String> {
        self.fixture
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn platform(&self) -> String {
        match &self.fixture.platform {
            Some(p) => p.clone(),
            None => crate::api::env::platform(|k| self.env(k).is_some()).into(),
        }
    }

    fn which(&self, program: &str) -> Option<String> {
        let base = Path::new(program).file_name()?.to_str()?;
        let known = self.fixture.which.iter().any(|w| w == program || w == base)
            || self
                .fixture
                .exec
                .iter()
                .any(|e| e.program == program || e.program == base);
        if !known {
            return None;
        }
        Some(if program.contains('/') {
            program.to_string()
        } else {
            format!("/usr/bin/{program}")
        })
    }

    fn dir(&self) -> &Path {
        &self.dir
    }

    fn exec(&self, ctx: &Context, call: &ExecCall) -> Result<Finished, String> {
        let entry = {
            let mut calls = self.calls();
            calls.execs.push(ExecRecord {
                program: call.program.to_string(),
                args: call.args.to_vec(),
                env: call.env.to_vec(),
                cwd: call.cwd.map(|c| c.display().to_string()),
                stdin: call.stdin.map(str::to_string),
            });
            let calls = &mut *calls;
            stand_in::exec(
                &self.fixture.exec,
                &mut calls.exec_served,
                call.program,
                call.args,
                call.shown,
            )?
            .clone()
        };
        if !call.quiet {
            relay(ctx, Stream::Stdout, &entry.stdout);
            relay(ctx, Stream::Stderr, &entry.stderr);
        }
        let clock = &ctx.deadline.clock;
        let started = clock.now();
        let end = match call.timeout {
            Some(limit) if limit < entry.takes => match self.timeline.pass(ctx, limit) {
                Passed::Whole => {
                    let why = format!("its timeout of {} passed", crate::duration::format(limit));
                    stopping(ctx, call.shown, &why);
                    End::TimedOut
                }
                Passed::Stopped => End::Stopped,
            },
            _ => match self.timeline.pass(ctx, entry.takes) {
                Passed::Whole => End::Exited(std::process::ExitStatus::from_raw(
                    ((entry.code & 0xff) << 8) as i32,
                )),
                Passed::Stopped => End::Stopped,
            },
        };
        if matches!(end, End::Stopped) {
            let why = match ctx.stop.reason() {
                Some(StopReason::Deadline) => "the run's deadline passed",
                Some(StopReason::Signal(s)) if s == libc::SIGINT => {
                    "rhrel was interrupted (SIGINT)"
                }
                Some(StopReason::Signal(_)) => "rhrel was terminated (SIGTERM)",
                _ => "the run is ending",
            };
            stopping(ctx, call.shown, why);
        }
        Ok(Finished {
            end,
            stdout: entry.stdout,
            stderr: entry.stderr,
            duration: clock.now().saturating_sub(started),
        })
    }

    fn http(&self, ctx: &Context, request: &Request, limit: Duration) -> Result<Reply, Failure> {
        let method = request.method.as_str().to_string();
        let url = request.target.shown.clone();
        let entry = {
            let mut calls = self.calls();
            calls.http.push(HttpRecord {
                method: method.clone(),
                url: url.clone(),
                headers: request
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: request
                    .body
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            });
            let calls = &mut *calls;
            stand_in::http(&self.fixture.http, &mut calls.http_served, &method, &url)
                .map_err(Failure::Invalid)?
                .clone()
        };
        if entry.takes > limit {
            self.timeline.pass(ctx, limit);
            return Err(Failure::TimedOut);
        }
        if self.timeline.pass(ctx, entry.takes) == Passed::Stopped {
            return Err(Failure::TimedOut);
        }
        if let Some(error) = entry.error {
            return Err(Failure::Transport(error));
        }
        let mut headers = entry.headers;
        let body = match entry.body {
            Body::Text(text) => text,
            Body::Json(text) => {
                if !headers.iter().any(|(n, _)| n == "content-type") {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                text
            }
        };
        if body.len() as u64 > request.max_body {
            return Err(Failure::TooLarge(request.max_body));
        }
        Ok(Reply {
            status: entry.status,
            headers,
            body: body.into_bytes(),
        })
    }

    fn connect(&self, host: &str, port: u16) -> Result<(), String> {
        let place = format!("{host}:{port}");
        if self.fixture.ports.contains(&place) {
            Ok(())
        } else {
            Err(format!(
                "connection refused (simulated: the fixture's `ports` does not list \"{place}\")"
            ))
        }
    }

    fn lock(
        &self,
        ctx: &Context,
        name: &str,
        wait: Option<Duration>,
    ) -> Result<(), crate::lock::session::Failure> {
        use crate::lock::session::Failure;
        let Some(held) = self
            .fixture
            .locks
            .iter()
            .find(|(n, _)| n == name)
            .map(|l| l.1)
        else {
            return Ok(());
        };
        ctx.out.log(
            Level::Info,
            &format!(
                "waiting for lock `{name}` (held by another release for {}, simulated)",
                crate::duration::format(held)
            ),
        );
        let limit = wait.map_or(held, |w| w.min(held));
        if self.timeline.pass(ctx, limit) == Passed::Stopped {
            return Err(Failure::Stopped);
        }
        if limit < held {
            return Err(Failure::Message(format!(
                "could not take lock `{name}` within {}",
                crate::duration::format(limit)
            )));
        }
        Ok(())
    }

    fn sleep(&self, ctx: &Context, wanted: Duration) -> bool {
        self.timeline.pass(ctx, wanted) == Passed::Stopped
    }

    fn covers(&self) -> bool {
        self.coverage.is_some()
    }

    fn reached(&self, source: &str, line: usize) {
        if let Some(lines) = &self.coverage {
            let mut lines = lines.lock().unwrap_or_else(|p| p.into_inner());
            match lines.get_mut(source) {
                Some(seen) => {
                    seen.insert(line);
                }
                None => {
                    lines.insert(source.to_string(), BTreeSet::from([line]));
                }
            }
        }
    }
}

/// A stand-in's output, relayed as a child's would be (whole lines).
fn relay(ctx: &Context, stream: Stream, text: &str) {
    if text.is_empty() {
        return;
    }
    let mut bytes = text.as_bytes().to_vec();
    if !text.ends_with('\n') {
        bytes.push(b'\n');
    }
    ctx.out.relay(stream, &bytes);
}

fn stopping(ctx: &Context, shown: &str, why: &str) {
    ctx.out.diag(
        Level::Info,
        &format!("stopping `{shown}` (a stand-in): {why}"),
    );
}
