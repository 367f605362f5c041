//! `simulate(script, fixture)`: set up the scratch directory and the simulated clock, run the
//! script through the same path a real run takes (`run::simulate`), and hand back the result
//! map `r`: exit code and outcome, the masked output, the recorded calls, the tasks, the
//! report, the simulated duration and the files the script wrote.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rhai::{Array, Dynamic, Map, FLOAT, INT};

use super::fixture::Fixture;
use super::world::{ExecRecord, HttpRecord, World};
use crate::output::capture::Captured;
use crate::output::Output;
use crate::run::clock::Clock;
use crate::run::deadline::{Deadline, TimeoutSource};
use crate::run::effects::Effects;

/// What one simulated run produced: plain data (it comes back from the script's thread).
#[derive(Debug)]
pub(crate) struct SimResult {
    /// The script as shown (`scripts/release.rhai`).
    pub script: String,
    pub exit_code: u8,
    pub outcome: &'static str,
    pub error: Option<String>,
    pub captured: Captured,
    pub execs: Vec<ExecRecord>,
    pub http: Vec<HttpRecord>,
    pub report: serde_json::Value,
    pub duration: f64,
    pub files: BTreeMap<String, String>,
    /// The script's path (for `--coverage`) and the lines that ran, by source.
    pub path: PathBuf,
    pub reached: HashMap<String, BTreeSet<usize>>,
}

/// Runs `script` (relative to `base`, the test file's directory) against `fixture`. `Err` is
/// a mistake of the test itself (a bad fixture, a missing script): the test fails with it.
/// `backstop` is the real instant the test's time runs out.
pub(crate) fn simulate(
    base: &Path,
    script: &str,
    fixture: &Map,
    backstop: Instant,
    coverage: bool,
) -> Result<SimResult, String> {
    let fixture = Fixture::parse(fixture).map_err(|e| format!("simulate(\"{script}\"): {e}"))?;
    let path = base.join(script);
    let shown_path = crate::check::files::shown(&path);
    let source =
        crate::run::script_file::read(&path).map_err(|e| format!("simulate(\"{script}\"): {e}"))?;
    let scratch = tempfile::Builder::new()
        .prefix("rhrel-test-")
        .tempdir()
        .map_err(|e| format!("simulate(): cannot make a scratch directory: {e}"))?;
    let dir = scratch
        .path()
        .canonicalize()
        .unwrap_or_else(|_| scratch.path().to_path_buf());
    for (name, text) in &fixture.files {
        let target = inside(&dir, name).map_err(|e| format!("simulate(): files: {e}"))?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("simulate(): files: `{name}`: {e}"))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("simulate(): files: `{name}`: {e}"))?;
    }

    let clock = Clock::simulated();
    let started = clock.wall();
    let (limit, limit_source) = match fixture.timeout {
        Some(t) => (t, TimeoutSource::Flag),
        None => {
            let (d, what) = Deadline::default_limit(|k| {
                fixture
                    .env
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
            });
            (d, TimeoutSource::Default(what))
        }
    };
    let mut deadline = Deadline::on(&clock, limit, limit_source.clone());
    deadline.at = backstop;
    let out = Arc::new(Output::capturing(fixture.env.clone()));
    let initial = fixture.files.clone();
    let args = fixture.args.clone();
    let dry_run = fixture.dry_run;
    let world = Arc::new(World::new(fixture, dir.clone(), coverage));
    let (outcome, ctx) = crate::run::simulate(crate::run::Simulated {
        script: PathBuf::from(&shown_path),
        source,
        args: args.clone(),
        dry_run,
        deadline,
        out: out.clone(),
        effects: Effects::Simulated(world.clone()),
    });
    let finished = clock.wall();
    let config = crate::run::RunConfig {
        script: PathBuf::from(&shown_path),
        args,
        timeout: limit,
        timeout_source: limit_source,
        dry_run,
        check: true,
        policy: Default::default(),
        report: None,
        max_memory: 0,
        hook_timeout: crate::run::deadline::DEFAULT_HOOK_BUDGET,
        hook_timeout_source: TimeoutSource::Default("default"),
    };
    let report = crate::run::report::build(&config, Some(&ctx), started, finished, &outcome);
    let report = serde_json::from_str(&out.mask(&report.to_string())).unwrap_or(report);
    let (execs, http) = world.records();
    Ok(SimResult {
        script: shown_path,
        exit_code: outcome.exit.code(),
        outcome: outcome.kind,
        error: outcome.error.as_deref().map(|e| out.mask(e)),
        captured: out.captured(),
        execs,
        http,
        report,
        duration: clock.now().as_secs_f64(),
        files: written(&dir, &initial),
        path,
        reached: world.reached_lines(),
    })
}

/// `name` under `dir`, refusing absolute paths and `..`.
fn inside(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = Path::new(name);
    if name.is_empty()
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "`{name}` must be a relative path inside the app directory (no `..`, not absolute)"
        ));
    }
    Ok(dir.join(path))
}

/// Every file under `dir` that is new or differs from what the fixture put there.
fn written(dir: &Path, initial: &[(String, String)]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = std::fs::read(&path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let unchanged = initial
                .iter()
                .any(|(n, t)| Path::new(n) == Path::new(&rel) && *t == text);
            if !unchanged {
                found.insert(rel, text);
            }
        }
    }
    found
}

impl SimResult {
    /// The script's view: the map `r`.
    pub(crate) fn to_map(&self) -> Map {
        let mut r = Map::new();
        r.insert("exit_code".into(), (self.exit_code as INT).into());
        r.insert("outcome".into(), self.outcome.into());
        r.insert("output".into(), self.captured.output.clone().into());
        r.insert("stdout".into(), self.captured.stdout.clone().into());
        r.insert("stderr".into(), self.captured.stderr.clone().into());
        r.insert(
            "error".into(),
            self.error.clone().map_or(Dynamic::UNIT, Into::into),
        );
        let execs: Array = self.execs.iter().map(|e| exec_map(e).into()).collect();
        r.insert("execs".into(), execs.into());
        let http: Array = self.http.iter().map(|h| http_map(h).into()).collect();
        r.insert("http".into(), http.into());
        r.insert(
            "tasks".into(),
            crate::json_value::to_dynamic(self.report["tasks"].clone()),
        );
        r.insert(
            "report".into(),
            crate::json_value::to_dynamic(self.report.clone()),
        );
        r.insert("duration".into(), (self.duration as FLOAT).into());
        let files: Map = self
            .files
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.clone().into()))
            .collect();
        r.insert("files".into(), files.into());
        r
    }

    /// The last lines of the simulated output, for a failure message.
    pub(crate) fn tail(&self, lines: usize) -> String {
        let all: Vec<&str> = self.captured.output.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

fn exec_map(e: &ExecRecord) -> Map {
    let mut m = Map::new();
    m.insert("program".into(), e.program.clone().into());
    let args: Array = e.args.iter().map(|a| a.clone().into()).collect();
    m.insert("args".into(), args.into());
    let env: Map = e
        .env
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().into(),
                v.clone().map_or(Dynamic::UNIT, Into::into),
            )
        })
        .collect();
    m.insert("env".into(), env.into());
    m.insert(
        "cwd".into(),
        e.cwd.clone().map_or(Dynamic::UNIT, Into::into),
    );
    m.insert(
        "stdin".into(),
        e.stdin.clone().map_or(Dynamic::UNIT, Into::into),
    );
    m
}

fn http_map(h: &HttpRecord) -> Map {
    let mut m = Map::new();
    m.insert("method".into(), h.method.clone().into());
    m.insert("url".into(), h.url.clone().into());
    let headers: Map = h
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().into(), v.clone().into()))
        .collect();
    m.insert("headers".into(), headers.into());
    m.insert("body".into(), h.body.clone().into());
    let json = crate::json_value::parse(&h.body).unwrap_or(Dynamic::UNIT);
    m.insert("json".into(), json);
    m
}
