//! `rhrel test`: scripts simulated against stand-ins, through the real binary. The repo's
//! own test files pass; every bad input gets a clear message and a documented exit code.

use crate::support::{Outcome, Test};

/// `rhrel test ARGS…` in a temp dir holding `files`.
fn rhrel_test<const N: usize>(files: &[(&str, &str)], args: [&str; N]) -> Outcome {
    let mut t = Test::new().arg("test").args(args);
    for (path, text) in files {
        t = t.file(path, text);
    }
    t.run()
}

const SCRIPT: &str = r#"
let r = exec("bundle", ["exec", "rails", "db:migrate"]);
log(`migrated: ${r.stdout}`);
http_post(env("SLACK_WEBHOOK_URL"), #{ text: "deployed" });
"#;

#[test]
fn the_repositorys_own_tests_pass() {
    let out = Test::new()
        .arg("test")
        .arg(format!("{}/scripts", env!("CARGO_MANIFEST_DIR")))
        .run();
    out.status(0)
        .stdout_has("release.test.rhai: a slow migration hits the deadline and tells Slack ... ok")
        .stdout_has("examples/migrate.test.rhai: a Rails app runs db:migrate ... ok")
        .stdout_lacks("FAILED");
    let last = out.stdout.trim_end().lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed"),
        "closing line: {last:?}\n{}",
        out.dump()
    );
}

#[test]
fn the_issues_example_passes() {
    let test = r#"
test("migrates, then tells Slack", || {
    let r = simulate("release.rhai", #{
        env:  #{ DATABASE_URL: "postgres://app:pw@db/app", SLACK_WEBHOOK_URL: "https://hooks.example/T1" },
        args: [],
        files: #{ "package.json": `{"version": "1.2.3"}` },
        exec: [
            #{ program: "bundle", args: ["exec", "rails", "db:migrate"], code: 0, stdout: "== migrated ==\n" },
            #{ program: "node", args: ["--version"], stdout: "v20.1.0\n", times: 2 },
        ],
        http: [
            #{ method: "POST", url: "https://hooks.example/*", status: 200, body: "ok" },
        ],
    });
    assert_eq(r.exit_code, 0);
    assert_eq(r.execs[0].args, ["exec", "rails", "db:migrate"]);
    assert_contains(r.output, "migrated");
    assert_eq(r.http[0].json.text, "deployed");
});

test("a slow migration hits the deadline", || {
    let r = simulate("release.rhai", #{
        timeout: "5m",
        exec: [ #{ program: "bundle", args: ["exec", "rails", "db:migrate"], takes: "10m" } ],
    });
    assert_eq(r.exit_code, 124);
    assert(r.duration < 310.0);
    assert_contains(r.output, "stopping `bundle exec rails db:migrate`");
});
"#;
    let out = rhrel_test(
        &[
            ("scripts/release.rhai", SCRIPT),
            ("scripts/release.test.rhai", test),
        ],
        [],
    );
    out.status(0)
        .stdout_has("test scripts/release.test.rhai: migrates, then tells Slack ... ok\n")
        .stdout_has("test scripts/release.test.rhai: a slow migration hits the deadline ... ok\n")
        .stdout_has("\n2 passed, 0 failed\n");
}

#[test]
fn a_failing_assertion_shows_line_values_and_output() {
    let test = r#"
test("exit code", || {
    let r = simulate("release.rhai", #{
        exec: [ #{ program: "bundle", args: ["*"], stdout: "== migrated ==\n" } ],
        http: [ #{ url: "*" } ],
        env: #{ SLACK_WEBHOOK_URL: "https://hooks.example/T1" },
    });
    assert_eq(r.exit_code, 3);
});
"#;
    let out = rhrel_test(
        &[("release.rhai", SCRIPT), ("a.test.rhai", test)],
        ["a.test.rhai"],
    );
    out.status(1)
        .stdout_has("test a.test.rhai: exit code ... FAILED\n")
        .stdout_has("a.test.rhai:8:5: assert_eq failed")
        .stdout_has("expected: 3")
        .stdout_has("actual:   0")
        .stdout_has("| migrated: == migrated ==")
        .stdout_has("\n0 passed, 1 failed\n");
}

#[test]
fn an_unmocked_exec_fails_inside_the_run() {
    let test = r#"
test("no stand-in", || {
    let r = simulate("release.rhai", #{});
    assert_eq(r.exit_code, 1);
    assert_contains(r.error, "unexpected exec: `bundle exec rails db:migrate` (no stand-in matches)");
    assert_eq(r.execs.len(), 1);
});
"#;
    rhrel_test(
        &[("release.rhai", SCRIPT), ("a.test.rhai", test)],
        ["a.test.rhai"],
    )
    .status(0)
    .stdout_has("no stand-in ... ok");
}

#[test]
fn env_is_exactly_the_fixture_and_secrets_are_masked() {
    let script = r#"
log(`home=${env("HOME") ?? "unset"}`);
log(`token=${env("API_TOKEN")}`);
write_file("out.txt", "hello");
"#;
    let test = r#"
test("env", || {
    let r = simulate("s.rhai", #{ env: #{ API_TOKEN: "tok-very-secret" } });
    assert_eq(r.exit_code, 0);
    assert_contains(r.output, "home=unset");
    assert_contains(r.output, "token=***");
    assert(!r.output.contains("tok-very-secret"));
    assert_eq(r.files, #{ "out.txt": "hello" });
});
"#;
    let out = Test::new()
        .arg("test")
        .arg("a.test.rhai")
        .file("s.rhai", script)
        .file("a.test.rhai", test)
        .env("HOME", "/root")
        .run();
    out.status(0).stdout_has("env ... ok");
    assert!(
        !out.dir.join("out.txt").exists(),
        "nothing written outside the scratch dir"
    );
}

#[test]
fn a_signal_at_a_simulated_time() {
    let script = "sleep(120); log(\"done\");";
    let test = r#"
test("sigterm", || {
    let r = simulate("s.rhai", #{ signal: #{ name: "SIGTERM", at: "30s" } });
    assert_eq(r.exit_code, 143);
    assert_eq(r.duration, 30.0);
    assert_eq(r.outcome, "interrupted");
});
"#;
    rhrel_test(
        &[("s.rhai", script), ("a.test.rhai", test)],
        ["a.test.rhai"],
    )
    .status(0)
    .stdout_has("sigterm ... ok");
}

/// A test file whose one test simulates `s.rhai` (`log("hi")`) with `fixture`.
fn with_fixture(fixture: &str) -> Outcome {
    let test = format!("test(\"t\", || {{ let r = simulate(\"s.rhai\", {fixture}); }});\n");
    rhrel_test(
        &[("s.rhai", "log(\"hi\");"), ("a.test.rhai", &test)],
        ["a.test.rhai"],
    )
}

#[test]
fn an_unknown_fixture_key_is_an_error() {
    with_fixture("#{ exc: [] }")
        .status(1)
        .stdout_has("t ... FAILED")
        .stdout_has("unknown key `exc` (did you mean `exec`?");
}

#[test]
fn an_exec_entry_without_program_is_an_error() {
    with_fixture("#{ exec: [#{ args: [] }] }")
        .status(1)
        .stdout_has("exec[0]: an exec stand-in needs `program`");
}

#[test]
fn a_bad_duration_is_an_error() {
    with_fixture(r#"#{ exec: [#{ program: "x", takes: "soon" }] }"#)
        .status(1)
        .stdout_has("exec[0].takes: invalid duration \"soon\"");
}

#[test]
fn a_missing_script_is_an_error() {
    let test = "test(\"t\", || { simulate(\"nope.rhai\", #{}); });\n";
    rhrel_test(&[("a.test.rhai", test)], ["a.test.rhai"])
        .status(1)
        .stdout_has("simulate(\"nope.rhai\"): cannot read script");
}

#[test]
fn a_test_that_never_simulates_fails() {
    let test = "test(\"lazy\", || { assert(true); });\n";
    rhrel_test(&[("a.test.rhai", test)], ["a.test.rhai"])
        .status(1)
        .stdout_has("lazy ... FAILED")
        .stdout_has("the test never calls simulate()");
}

#[test]
fn a_test_that_loops_forever_fails_at_its_limit() {
    let test = r#"
test("spins", || { loop { } });
test("spins inside the script", || { simulate("s.rhai", #{}); });
test("after them", || { simulate("ok.rhai", #{}); });
"#;
    let out = rhrel_test(
        &[
            ("a.test.rhai", test),
            ("s.rhai", "loop { }"),
            ("ok.rhai", "log(1);"),
        ],
        ["--test-timeout", "300ms", "a.test.rhai"],
    );
    out.status(1)
        .stdout_has("spins ... FAILED")
        .stdout_has("spins inside the script ... FAILED")
        .stdout_has("real-time limit of 300ms")
        .stdout_has("after them ... ok")
        .stdout_has("1 passed, 2 failed");
}

#[test]
fn a_test_file_that_does_not_compile_exits_65() {
    rhrel_test(
        &[("a.test.rhai", "test(\"x\", || { let = ; });")],
        ["a.test.rhai"],
    )
    .status(65)
    .stderr_has("a.test.rhai");
}

#[test]
fn a_test_file_failing_the_static_checks_exits_65() {
    rhrel_test(
        &[(
            "a.test.rhai",
            "test(\"x\", || { simulat(\"s.rhai\", #{}); });",
        )],
        ["a.test.rhai"],
    )
    .status(65)
    .stderr_has("simulat");
}

#[test]
fn a_missing_path_exits_66() {
    rhrel_test(&[], ["nowhere"])
        .status(66)
        .stderr_has("`nowhere` does not exist");
}

#[test]
fn duplicate_test_names_are_an_error() {
    let test = "test(\"x\", || { simulate(\"s.rhai\", #{}); });\ntest(\"x\", || {});\n";
    rhrel_test(
        &[("s.rhai", "log(1);"), ("a.test.rhai", test)],
        ["a.test.rhai"],
    )
    .status(1)
    .stdout_has("already registered at line 1");
}

#[test]
fn filter_junit_and_verbose() {
    let test = r#"
test("alpha", || { simulate("s.rhai", #{}); });
test("beta", || { let r = simulate("s.rhai", #{}); assert_eq(r.exit_code, 9); });
"#;
    let files = [("s.rhai", "log(\"hello from s\");"), ("a.test.rhai", test)];
    rhrel_test(&files, ["--filter", "alph", "--verbose", "a.test.rhai"])
        .status(0)
        .stdout_has("alpha ... ok")
        .stdout_lacks("beta")
        .stdout_has("│ hello from s")
        .stdout_has("1 passed, 0 failed");
    let out = rhrel_test(&files, ["--format", "junit", "a.test.rhai"]);
    out.status(1)
        .stdout_has("<testsuites name=\"rhrel test\" tests=\"2\" failures=\"1\"")
        .stdout_has("<testcase name=\"alpha\" classname=\"a.test.rhai\"")
        .stdout_has("<failure message=\"a.test.rhai:3:52: assert_eq failed\">")
        .stderr_has("1 passed, 1 failed");
}

#[test]
fn check_knows_test_functions_only_in_test_files() {
    let test =
        "test(\"x\", || { let r = simulate(\"s.rhai\", #{}); assert_eq(r.exit_code, 0); });\n";
    Test::new()
        .env("NO_COLOR", "1")
        .arg("check")
        .arg("scripts")
        .file("scripts/s.rhai", "log(1);")
        .file("scripts/s.test.rhai", test)
        .run()
        .status(0);
    Test::new()
        .env("NO_COLOR", "1")
        .arg("check")
        .arg("scripts")
        .file("scripts/s.rhai", "assert_eq(1, 1);")
        .run()
        .status(1)
        .stdout_has("assert_eq");
}

#[test]
fn api_documents_the_test_functions() {
    Test::new()
        .arg("api")
        .run()
        .status(0)
        .stdout_has("TEST FUNCTIONS")
        .stdout_has("simulate(script: &str, fixture: Map) -> Map")
        .stdout_has("assert_match(");
}

#[test]
fn coverage_lists_the_statements_no_test_reached() {
    let script = "let x = env(\"X\");\nif x == () {\n    log(\"unset\");\n} else {\n    log(\"set\");\n}\n[1].map(|v| {\n    log(v);\n});\n";
    let test = "test(\"unset\", || { simulate(\"s.rhai\", #{}); });\n";
    rhrel_test(
        &[("s.rhai", script), ("a.test.rhai", test)],
        ["--coverage", "a.test.rhai"],
    )
    .status(0)
    .stdout_has("s.rhai: 5 of 6 statements run; not reached: 5\n");
}

const LOCKED: &str = r#"
with_lock("migrate", || exec("bundle", ["exec", "rails", "db:migrate"]));
log("migrated under the lock");
"#;

#[test]
fn with_lock_is_simulated_and_a_held_lock_is_waited_for_on_the_clock() {
    let test = r#"
const MIGRATE = #{ program: "bundle", args: ["exec", "rails", "db:migrate"] };
test("takes a free lock at once", || {
    let r = simulate("locked.rhai", #{
        env: #{ DATABASE_URL: "postgres://app:pw@127.0.0.1:1/app" },
        exec: [MIGRATE],
    });
    assert_eq(r.exit_code, 0);
    assert_contains(r.output, "migrated under the lock");
    assert(r.duration < 1.0);
});
test("waits for a lock another release holds", || {
    let r = simulate("locked.rhai", #{
        env: #{ DATABASE_URL: "postgres://app:pw@127.0.0.1:1/app" },
        exec: [MIGRATE],
        locks: #{ migrate: "90s" },
    });
    assert_eq(r.exit_code, 0);
    assert_contains(r.output, "waiting for lock `migrate`");
    assert(r.duration >= 90.0);
});
test("a lock held past the deadline ends in 124", || {
    let r = simulate("locked.rhai", #{
        env: #{ DATABASE_URL: "postgres://app:pw@127.0.0.1:1/app" },
        exec: [MIGRATE],
        locks: #{ migrate: "2h" },
        timeout: "5m",
    });
    assert_eq(r.exit_code, 124);
    assert_eq(r.execs.len(), 0);
});
"#;
    let out = rhrel_test(
        &[("locked.rhai", LOCKED), ("locked.test.rhai", test)],
        ["locked.test.rhai"],
    );
    out.status(0).stdout_has("3 passed, 0 failed");
}

#[test]
fn parallel_is_simulated_against_the_stand_ins() {
    let script = r#"
let r = parallel([
    #{ name: "assets", program: "npm", args: ["run", "build"] },
    #{ name: "cache", program: "bin/warm", args: [] },
]);
log(`${r[0].name}: ${r[0].stdout.trim()}`);
"#;
    let test = r#"
test("both steps run", || {
    let r = simulate("par.rhai", #{
        exec: [
            #{ program: "npm", args: ["run", "build"], stdout: "built\n", takes: "20s" },
            #{ program: "bin/warm", args: [], takes: "10s" },
        ],
    });
    assert_eq(r.exit_code, 0);
    assert_eq(r.execs.len(), 2);
    assert_contains(r.output, "assets: built");
});
test("a failing step fails the call and cancels the rest", || {
    let r = simulate("par.rhai", #{
        exec: [ #{ program: "npm", args: ["run", "build"], code: 2 } ],
    });
    assert_eq(r.exit_code, 1);
    assert_contains(r.error, "assets");
    assert_eq(r.execs.len(), 1);
});
test("an unmocked step never runs for real", || {
    let r = simulate("par.rhai", #{
        exec: [ #{ program: "npm", args: ["run", "build"] } ],
    });
    assert_eq(r.exit_code, 1);
    assert_contains(r.error, "unexpected exec: `bin/warm`");
});
"#;
    let out = rhrel_test(
        &[("par.rhai", script), ("par.test.rhai", test)],
        ["par.test.rhai"],
    );
    out.status(0).stdout_has("3 passed, 0 failed");
}
