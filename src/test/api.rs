//! The functions only test files (`*.test.rhai`) have: `test`, `simulate` and the
//! assertions, registered with their docs (`rhrel api` lists them, `rhrel check` knows them
//! in test files only).

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rhai::{Dynamic, FnPtr, Map, Module, NativeCallContext};

use super::assert;
use super::result::SimResult;
use crate::api::func;
use crate::run::context::Context;
use crate::script_error::{raise, HostResult};

/// A test as `test(name, || …)` registered it.
pub(crate) struct Registered {
    pub name: String,
    pub f: FnPtr,
    pub line: usize,
}

/// One test file's state, shared by its functions and the runner.
pub(crate) struct FileState {
    /// The test file's directory: `simulate`'s script paths are relative to it.
    pub dir: PathBuf,
    pub tests: Vec<Registered>,
    /// Whether a test is running (`test()` registers only at the top level).
    pub running: bool,
    /// The simulations of the running test.
    pub simulations: Vec<SimResult>,
    /// When the running test's real time is up.
    pub backstop: Instant,
    pub limit: Duration,
    /// `--coverage`: simulations record the lines they run.
    pub coverage: bool,
}

pub(crate) type Shared = Rc<RefCell<FileState>>;

impl FileState {
    pub(crate) fn new(dir: PathBuf, limit: Duration) -> Shared {
        Rc::new(RefCell::new(FileState {
            dir,
            tests: Vec::new(),
            running: false,
            simulations: Vec::new(),
            backstop: Instant::now() + limit,
            limit,
            coverage: false,
        }))
    }
}

/// Lines of simulated output a failure shows.
const TAIL: usize = 12;

pub(crate) fn module(ctx: &Context, state: &Shared) -> Module {
    let mut module = Module::new();

    let s = state.clone();
    func(
        ctx,
        "test",
        &["name: &str", "f: FnPtr", "()"],
        "Registers a test (in a `*.test.rhai` file): `rhrel test` runs `f` and reports \
         `name ... ok` or `FAILED` with the assertion that failed. Names are unique within a file.\n\
         ```rhai\ntest(\"migrates\", || {\n    let r = simulate(\"release.rhai\", #{ exec: [#{ program: \"bundle\", args: [\"*\"] }] });\n    assert_eq(r.exit_code, 0);\n});\n```",
    )
    .set_into_module(
        &mut module,
        move |nc: NativeCallContext, name: &str, f: FnPtr| -> HostResult<()> {
            let mut st = s.borrow_mut();
            if st.running {
                return Err(raise(format!(
                    "test(\"{name}\"): tests are registered at the top level of the file, not inside another test"
                )));
            }
            if name.trim().is_empty() {
                return Err(raise("test(): the name is empty"));
            }
            if let Some(other) = st.tests.iter().find(|t| t.name == name) {
                return Err(raise(format!(
                    "test(\"{name}\"): a test with this name is already registered at line {}; names are unique within a file",
                    other.line
                )));
            }
            let line = nc.call_position().line().unwrap_or(0);
            st.tests.push(Registered {
                name: name.to_string(),
                f,
                line,
            });
            Ok(())
        },
    );

    let s = state.clone();
    func(
        ctx,
        "simulate",
        &["script: &str", "fixture: Map", "Map"],
        "Runs a script (a path relative to the test file) in-process with the real engine and \
         host API against stand-ins: `env` (exactly the environment), `args`, `files` (a scratch \
         app directory), `exec` (`#{program, args, code, stdout, stderr, takes, times}`), \
         `http` (`#{method, url, status, body, headers, takes, times, error}`), `which`, \
         `ports`, `timeout`, `signal: #{name, at}`, `dry_run`, `platform`. Time is simulated. \
         Returns `#{exit_code, outcome, output, stdout, stderr, error, execs, http, tasks, \
         duration, report, files}`.\n\
         ```rhai\nlet r = simulate(\"release.rhai\", #{ timeout: \"5m\",\n    exec: [#{ program: \"bundle\", args: [\"exec\", \"rails\", \"db:migrate\"], takes: \"10m\" }] });\nassert_eq(r.exit_code, 124);\n```",
    )
    .set_into_module(
        &mut module,
        move |script: &str, fixture: Map| -> HostResult<Map> {
            let (dir, backstop, limit, coverage) = {
                let st = s.borrow();
                (st.dir.clone(), st.backstop, st.limit, st.coverage)
            };
            let result = super::result::simulate(&dir, script, &fixture, backstop, coverage)
                .map_err(raise)?;
            if Instant::now() >= backstop {
                return Err(raise(over_limit(limit)));
            }
            let map = result.to_map();
            s.borrow_mut().simulations.push(result);
            Ok(map)
        },
    );

    let s = state.clone();
    func(
        ctx,
        "assert",
        &["condition: bool", "()"],
        "Fails the test unless `condition` is true.\n```rhai\nassert(r.duration < 310.0);\n```",
    )
    .set_into_module(&mut module, move |cond: Dynamic| -> HostResult<()> {
        check(&s, truth(&cond)?, || {
            "assert failed: the condition is false".into()
        })
    });

    let s = state.clone();
    func(
        ctx,
        "assert",
        &["condition: bool", "message: &str", "()"],
        "Fails the test with `message` unless `condition` is true.\n\
         ```rhai\nassert(r.execs.len() == 2, \"node runs twice\");\n```",
    )
    .set_into_module(
        &mut module,
        move |cond: Dynamic, msg: &str| -> HostResult<()> {
            check(&s, truth(&cond)?, || format!("assert failed: {msg}"))
        },
    );

    let s = state.clone();
    func(
        ctx,
        "assert_eq",
        &["actual: ?", "expected: ?", "()"],
        "Fails the test unless `actual == expected` (arrays and maps compare element by \
         element), showing both.\n```rhai\nassert_eq(r.exit_code, 0);\n```",
    )
    .set_into_module(
        &mut module,
        move |nc: NativeCallContext, actual: Dynamic, expected: Dynamic| -> HostResult<()> {
            check(&s, assert::equal(&nc, &actual, &expected), || {
                assert::mismatch("assert_eq", &expected, &actual)
            })
        },
    );

    let s = state.clone();
    func(
        ctx,
        "assert_ne",
        &["actual: ?", "unexpected: ?", "()"],
        "Fails the test when `actual == unexpected`.\n```rhai\nassert_ne(r.exit_code, 0);\n```",
    )
    .set_into_module(
        &mut module,
        move |nc: NativeCallContext, actual: Dynamic, other: Dynamic| -> HostResult<()> {
            check(&s, !assert::equal(&nc, &actual, &other), || {
                format!("assert_ne failed: both are {}", assert::shown(&actual))
            })
        },
    );

    let s = state.clone();
    func(
        ctx,
        "assert_contains",
        &["text: ?", "part: ?", "()"],
        "Fails the test unless the string `text` contains `part` (or the array `text` holds \
         the element `part`).\n```rhai\nassert_contains(r.output, \"migrated\");\n```",
    )
    .set_into_module(
        &mut module,
        move |nc: NativeCallContext, text: Dynamic, part: Dynamic| -> HostResult<()> {
            let result = assert::contains(&nc, &text, &part);
            check(&s, result.is_ok(), || result.unwrap_err())
        },
    );

    let s = state.clone();
    func(
        ctx,
        "assert_match",
        &["text: &str", "regex: &str", "()"],
        "Fails the test unless `text` matches the regular expression `regex` (anywhere; anchor \
         it with `^…$`).\n```rhai\nassert_match(r.output, \"migrated in [0-9.]+s\");\n```",
    )
    .set_into_module(
        &mut module,
        move |text: &str, pattern: &str| -> HostResult<()> {
            let result = assert::matches(text, pattern);
            check(&s, result.is_ok(), || result.unwrap_err())
        },
    );

    module.build_index();
    module
}

/// The message of a test that ran past its real-time limit.
pub(crate) fn over_limit(limit: Duration) -> String {
    format!(
        "the test ran past its real-time limit of {} (does it loop forever? `rhrel test --test-timeout` sets the limit)",
        crate::duration::format(limit)
    )
}

fn truth(cond: &Dynamic) -> HostResult<bool> {
    cond.as_bool().map_err(|_| {
        raise(format!(
            "assert(): the condition must be true or false, got {} {}",
            assert::type_of(cond),
            assert::shown(cond)
        ))
    })
}

/// Ok when `passed`; else the failure, with the end of the last simulated run's output.
fn check(state: &Shared, passed: bool, message: impl FnOnce() -> String) -> HostResult<()> {
    if passed {
        return Ok(());
    }
    let mut msg = message();
    if let Some(last) = state.borrow().simulations.last() {
        let tail = last.tail(TAIL);
        if !tail.is_empty() {
            msg.push_str("\n  end of the simulated output:");
            for line in tail.lines() {
                msg.push_str("\n    | ");
                msg.push_str(line);
            }
        }
    }
    Err(raise(msg))
}
