//! `rhrel test`: finds the test files, checks and loads each, runs its tests (each within its
//! real-time limit) and prints one line per test and the closing `N passed, N failed`.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::Dynamic;

use super::api::{self, FileState};
use super::result::SimResult;
use crate::cli::{TestArgs, TestFormat};
use crate::exit_code::Exit;
use crate::output::Output;
use crate::run::clock::Clock;
use crate::run::deadline::{Deadline, TimeoutSource};
use crate::run::effects::Effects;
use crate::run::outcome::ScriptEnd;

/// One test's end.
pub(crate) struct TestEnd {
    pub file: String,
    pub name: String,
    /// `None`: passed; else the failure's message.
    pub failure: Option<String>,
    pub seconds: f64,
    /// What its simulations printed (for `--verbose`).
    pub outputs: Vec<(String, String)>,
}

/// What the whole command found.
#[derive(Default)]
pub(crate) struct Summary {
    pub tests: Vec<TestEnd>,
    /// A test file that did not compile or failed the static checks.
    pub compile_error: bool,
    /// Every simulated script's lines reached, for `--coverage`.
    pub coverage: super::coverage::Coverage,
}

/// Runs `rhrel test` and returns its exit code.
pub(crate) fn command(args: &TestArgs) -> Exit {
    let limit = match crate::duration::parse(args.test_timeout.trim()) {
        Ok(d) if !d.is_zero() => d,
        _ => {
            eprintln!(
                "rhrel: --test-timeout `{}`: invalid duration (examples: 10s, 1m)",
                args.test_timeout
            );
            return Exit::Usage;
        }
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scripts")]
    } else {
        args.paths.clone()
    };
    let files = match discover(&paths) {
        Ok(files) => files,
        Err(missing) => {
            for path in missing {
                eprintln!("rhrel: `{}` does not exist", path.display());
            }
            return Exit::NoInput;
        }
    };
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "rhrel: no test files (*.test.rhai) under {}",
            shown.join(", ")
        );
        return Exit::NoInput;
    }
    let human = args.format == TestFormat::Human;
    let mut summary = Summary::default();
    for file in &files {
        run_file(file, args, limit, human, &mut summary);
    }
    let passed = summary.tests.iter().filter(|t| t.failure.is_none()).count();
    let failed = summary.tests.len() - passed;
    let closing = format!("{passed} passed, {failed} failed");
    if human {
        if args.coverage {
            print!("{}", summary.coverage.report());
        }
        println!("\n{closing}");
    } else {
        print!("{}", super::junit::render(&summary.tests));
        if args.coverage {
            eprint!("{}", summary.coverage.report());
        }
        eprintln!("{closing}");
    }
    if summary.compile_error {
        Exit::Compile
    } else if failed > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// The test files under `paths` (a file is taken as given), sorted; `Err` lists the missing.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<PathBuf>> {
    let missing: Vec<PathBuf> = paths.iter().filter(|p| !p.exists()).cloned().collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found);
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && !hidden {
            walk(&path, found);
        } else if kind.is_file() && super::is_test_file(&path) {
            found.push(path);
        }
    }
}

/// Checks, loads and runs one test file, adding its tests to `summary`.
fn run_file(path: &Path, args: &TestArgs, limit: Duration, human: bool, summary: &mut Summary) {
    let shown = crate::check::files::shown(path);
    let source = match crate::run::script_file::read(path) {
        Ok(source) => source,
        Err(msg) => {
            eprintln!("rhrel: error: {msg}");
            summary.compile_error = true;
            return;
        }
    };
    let findings = crate::check::script::Linter::for_tests().lint(&shown, path, &source);
    if !findings.is_empty() {
        let errors = findings.iter().any(|f| f.is_error());
        let report = crate::check::render::FileReport {
            shown: shown.clone(),
            source: source.clone(),
            findings,
        };
        eprint!("{}", crate::check::render::human(&[report], false));
        if errors {
            eprintln!(
                "rhrel: error: {shown} does not pass the static checks; its tests did not run"
            );
            summary.compile_error = true;
            return;
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let state = FileState::new(dir.clone(), limit);
    state.borrow_mut().coverage = args.coverage;
    let backstop = Rc::new(Cell::new(Instant::now() + limit));

    // The test file's own run: a simulation with no stand-ins, so a side effect written in
    // the test file itself (not in the simulated script) fails the test instead of happening.
    let Ok(scratch) = tempfile::Builder::new().prefix("rhrel-test-").tempdir() else {
        eprintln!("rhrel: error: cannot make a scratch directory for {shown}");
        summary.compile_error = true;
        return;
    };
    let world = super::world::World::new(Default::default(), scratch.path().to_path_buf(), false);
    let clock = Clock::simulated();
    let out = Arc::new(Output::capturing(Vec::new()));
    let ctx = crate::run::bare_context(
        path.to_path_buf(),
        std::fs::canonicalize(&dir).unwrap_or(dir),
        Deadline::on(&clock, Duration::from_secs(1 << 30), TimeoutSource::Flag),
        out.clone(),
        Effects::Simulated(Arc::new(world)),
    );
    let guard = crate::run::stack::StackGuard::here(crate::run::stack::thread_budget(
        crate::run::SCRIPT_STACK_BYTES,
    ));
    let mut engine = crate::run::engine::for_run(&ctx, u64::MAX, guard);
    engine.register_global_module(api::module(&ctx, &state).into());
    let until = backstop.clone();
    let counter = Cell::new(0u32);
    engine.on_progress(move |_| {
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        (n.is_multiple_of(256) && Instant::now() >= until.get()).then_some(Dynamic::UNIT)
    });

    let ast = match engine.compile(&source) {
        Ok(ast) => ast,
        Err(e) => {
            eprintln!(
                "rhrel: error: {}{}",
                crate::run::outcome::locate(&shown, e.1),
                e.0
            );
            summary.compile_error = true;
            return;
        }
    };
    if let Err(msg) = crate::run::imports::prepare(&mut engine, &ast, &ctx) {
        eprintln!("rhrel: error: {msg}");
        summary.compile_error = true;
        return;
    }
    if let Err(err) = engine.run_ast(&ast) {
        let msg = failure_text(&err, &shown, limit);
        report(
            human,
            TestEnd {
                file: shown.clone(),
                name: "(loading the file)".into(),
                failure: Some(msg),
                seconds: 0.0,
                outputs: Vec::new(),
            },
            args.verbose,
            summary,
        );
        return;
    }
    let tests = std::mem::take(&mut state.borrow_mut().tests);
    if tests.is_empty() && human {
        eprintln!("rhrel: warning: {shown} registers no tests (call test(name, || …))");
    }
    for test in tests {
        if args
            .filter
            .as_ref()
            .is_some_and(|f| !test.name.contains(f.as_str()))
        {
            continue;
        }
        let started = Instant::now();
        {
            let mut st = state.borrow_mut();
            st.running = true;
            st.simulations.clear();
            st.backstop = started + limit;
        }
        backstop.set(started + limit);
        let result = test.f.call::<Dynamic>(&engine, &ast, ());
        let (simulations, over) = {
            let mut st = state.borrow_mut();
            st.running = false;
            (
                std::mem::take(&mut st.simulations),
                Instant::now() >= st.backstop,
            )
        };
        let failure = match result {
            Err(err) => Some(failure_text(&err, &shown, limit)),
            Ok(_) if over => Some(api::over_limit(limit)),
            Ok(_) if simulations.is_empty() => Some(format!(
                "{shown}:{}: the test never calls simulate(): a test runs a script against stand-ins",
                test.line
            )),
            Ok(_) => None,
        };
        for sim in &simulations {
            summary.coverage.add(sim);
        }
        let end = TestEnd {
            file: shown.clone(),
            name: test.name,
            failure,
            seconds: started.elapsed().as_secs_f64(),
            outputs: simulations.iter().map(output_of).collect(),
        };
        report(human, end, args.verbose, summary);
    }
}

fn output_of(sim: &SimResult) -> (String, String) {
    (sim.script.clone(), sim.captured.output.clone())
}

/// The failure's message, at the test file's line.
fn failure_text(err: &rhai::EvalAltResult, shown: &str, limit: Duration) -> String {
    match crate::run::outcome::from_runtime(err, shown) {
        ScriptEnd::Error(msg, _) => msg,
        ScriptEnd::Stopped => api::over_limit(limit),
        ScriptEnd::Compile(msg) => msg,
        ScriptEnd::Finished => "failed".into(),
    }
}

/// Prints a test's line (and its failure, and under `--verbose` its simulated output).
fn report(human: bool, end: TestEnd, verbose: bool, summary: &mut Summary) {
    if human {
        let status = if end.failure.is_some() {
            "FAILED"
        } else {
            "ok"
        };
        let mut text = format!("test {}: {} ... {status}\n", end.file, end.name);
        if verbose {
            for (script, output) in &end.outputs {
                text.push_str(&format!("    ┌ simulated {script}\n"));
                for line in output.lines() {
                    text.push_str(&format!("    │ {line}\n"));
                }
                text.push_str("    └\n");
            }
        }
        if let Some(msg) = &end.failure {
            for line in msg.lines() {
                text.push_str("    ");
                text.push_str(line);
                text.push('\n');
            }
        }
        print!("{text}");
    }
    summary.tests.push(end);
}
