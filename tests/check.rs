//! `rhrel check`: the lint that never runs a script, through the real binary. The human
//! output of each kind of finding is pinned with insta snapshots (no colour: not a terminal).

use crate::support::{Outcome, Test};

/// A test that runs `rhrel check ARGS…` with colour off.
fn check<const N: usize>(args: [&str; N]) -> Test {
    Test::new().env("NO_COLOR", "1").arg("check").args(args)
}

/// Stdout with the temp dir's path replaced, so snapshots do not depend on it.
fn shown(out: &Outcome) -> String {
    let mut text = out.stdout.clone();
    if let Ok(real) = out.dir.canonicalize() {
        text = text.replace(&real.display().to_string(), "[TMP]");
    }
    text.replace(&out.dir.display().to_string(), "[TMP]")
}

#[test]
fn syntax_error_snapshot() {
    let out = check(["bad.rhai"])
        .file("bad.rhai", "let a = 1;\nlet b = (a + ;\n")
        .run();
    out.status(1).stdout_has("bad.rhai:2:14");
    insta::assert_snapshot!("syntax", shown(&out));
}

#[test]
fn syntax_errors_of_every_file_are_reported() {
    check(["scripts"])
        .file("scripts/a.rhai", "let = 1;\n")
        .file("scripts/b.rhai", "fn f( {\n")
        .file("scripts/c.rhai", "log(1);\n")
        .run()
        .status(1)
        .stdout_has("scripts/a.rhai:1:")
        .stdout_has("scripts/b.rhai:1:")
        .stdout_lacks("c.rhai:")
        .stdout_has("2 errors in 2 of 3 files");
}

#[test]
fn unknown_function_snapshot_suggests_a_name() {
    let out = check(["typo.rhai"])
        .file("typo.rhai", "let x = 1;\nslep(x);\n")
        .run();
    out.status(1)
        .stdout_has("typo.rhai:2:1")
        .stdout_has("unknown function `slep`")
        .stdout_has("did you mean `sleep`?");
    insta::assert_snapshot!("unknown_function", shown(&out));
}

#[test]
fn unknown_method_suggests_a_name() {
    check(["m.rhai"])
        .file("m.rhai", "let s = \"a\";\nlog(s.to_uper());\n")
        .run()
        .status(1)
        .stdout_has("m.rhai:2:7")
        .stdout_has("unknown method `to_uper`")
        .stdout_has("did you mean `to_upper`?");
}

#[test]
fn arity_snapshot() {
    let out = check(["arity.rhai"])
        .file(
            "arity.rhai",
            "sleep(1, 2, 3);\nlet s = \"abc\";\ns.len(1);\n",
        )
        .run();
    out.status(1)
        .stdout_has("arity.rhai:1:1")
        .stdout_has("`sleep` takes 1 argument, but 3 were given")
        .stdout_has("arity.rhai:3:3")
        .stdout_has("method `len` takes 0 arguments besides the object, but 1 was given");
    insta::assert_snapshot!("arity", shown(&out));
}

#[test]
fn script_functions_are_known_with_their_arity() {
    check(["f.rhai"])
        .file(
            "f.rhai",
            "fn add(a, b) { a + b }\nfn bump() { this += 1; }\nlet n = add(1, 2);\nn.bump();\nadd(1);\n",
        )
        .run()
        .status(1)
        .stdout_has("f.rhai:5:1")
        .stdout_has("`add` takes 2 arguments, but 1 was given")
        .stdout_has("1 error in 1 of 1 file");
}

#[test]
fn undefined_variable_snapshot_reports_all() {
    let out = check(["vars.rhai"])
        .file(
            "vars.rhai",
            "const LIMIT = 3;\nlet count = 1;\nlog(cuont);\nlog(undefined_thing);\n\
             fn over(n) { n > LIMIT }\nlet f = |x| x + missing;\n",
        )
        .run();
    out.status(1)
        .stdout_has("vars.rhai:3:5")
        .stdout_has("did you mean `count`?")
        .stdout_has("vars.rhai:4:5")
        .stdout_has("vars.rhai:5:18")
        .stdout_has("global::LIMIT")
        .stdout_has("vars.rhai:6:17")
        .stdout_has("4 errors in 1 of 1 file");
    insta::assert_snapshot!("undefined_variable", shown(&out));
}

#[test]
fn captures_loop_and_catch_variables_are_defined() {
    check(["ok.rhai"])
        .file(
            "ok.rhai",
            "let base = 1;\nlet add = |x| x + base;\nfor (v, i) in [1, 2] { log(add.call(v) + i); }\n\
             try { throw 1; } catch (err) { log(err); }\nlet outer = || { let inner = 2; || inner + base };\n\
             log(outer.call().call());\nlet found = loop { break base; };\n",
        )
        .run()
        .status(0)
        .stdout_has("1 file checked, no problems");
}

#[test]
fn calling_a_closure_variable_like_a_function_is_flagged() {
    // Rhai resolves `f(1)` as a function named `f`, never the variable: a runtime error.
    check(["c.rhai"])
        .file("c.rhai", "let f = |x| x + 1;\nf(1);\nlog(f.call(1));\n")
        .run()
        .status(1)
        .stdout_has("c.rhai:2:1")
        .stdout_has("`f` is a variable, not a function")
        .stdout_has("f.call(…)")
        .stdout_has("1 error in 1 of 1 file");
}

#[test]
fn import_snapshot() {
    let out = check(["proj/scripts/imp.rhai"])
        .file(
            "proj/scripts/imp.rhai",
            "import \"lib/missing\" as m;\nimport \"../outside\" as o;\n\
             import \"lib/helpers\" as h;\nh::pong();\nh::ping(1);\nz::ping();\n",
        )
        .file("proj/scripts/lib/helpers.rhai", "fn ping() { 1 }\n")
        .file("proj/outside.rhai", "fn x() { 1 }\n")
        .run();
    out.status(1)
        .stdout_has("imp.rhai:1:8")
        .stdout_has("lib/missing")
        .stdout_has("imp.rhai:2:8")
        .stdout_has("escapes")
        .stdout_has("module `lib/helpers` has no function `pong`")
        .stdout_has("did you mean `ping`?")
        .stdout_has("`h::ping` takes 0 arguments, but 1 was given")
        .stdout_has("`z` is not an imported module");
    insta::assert_snapshot!("import", shown(&out));
}

#[test]
fn unknown_std_module() {
    // Not a snapshot: the list of available modules grows with the stdlib.
    check(["u.rhai"])
        .file("u.rhai", "import \"std/no_such_module\" as n;\nn::f();\n")
        .run()
        .status(1)
        .stdout_has("u.rhai:1:8")
        .stdout_has("unknown stdlib module `std/no_such_module`")
        .stdout_has("std/retry")
        .stdout_has("1 error in 1 of 1 file");
}

#[test]
fn std_module_functions_are_checked() {
    check(["r.rhai"])
        .file(
            "r.rhai",
            "import \"std/retry\" as retry;\nretry::retry(3, 1, || 1);\nretry::retry(3);\nretry::retyr(1, 2, || 1);\n",
        )
        .run()
        .status(1)
        .stdout_has("r.rhai:3:1")
        .stdout_has("`retry::retry` takes 2 or 3 arguments, but 1 was given")
        .stdout_has("r.rhai:4:1")
        .stdout_has("module `std/retry` has no function `retyr`");
}

#[test]
fn a_broken_module_is_reported_at_the_import() {
    check(["s.rhai"])
        .file("s.rhai", "import \"lib/h\" as h;\nh::ping();\n")
        .file("lib/h.rhai", "fn ping( {\n")
        .run()
        .status(1)
        .stdout_has("s.rhai:1:8")
        .stdout_has("module `lib/h` does not compile")
        .stdout_has("1 error in 1 of 1 file");
}

#[test]
fn procfile_snapshot_names_the_missing_script() {
    let out = check([])
        .file(
            "Procfile",
            "web: ./bin/web\nrelease: ./bin/rhrel scripts/gone.rhai\n",
        )
        .file("scripts/other.rhai", "log(1);\n")
        .run();
    out.status(1)
        .stdout_has("Procfile:2:22")
        .stdout_has("the release script `scripts/gone.rhai` does not exist")
        .stdout_has("1 error in the Procfile (");
    insta::assert_snapshot!("procfile", shown(&out));
}

#[test]
fn procfile_release_script_is_checked_by_default() {
    check([])
        .file(
            "Procfile",
            "release: target/release/rhrel run --timeout 5m deploy/release.rhai\n",
        )
        .file("deploy/release.rhai", "exce_typo(1);\n")
        .run()
        .status(1)
        .stdout_has("deploy/release.rhai:1:1")
        .stdout_has("1 error in 1 of 1 file");
}

/// The clean multi-file project of the issue: Procfile, std and relative imports, own
/// functions, closures, loops, try/catch, method calls.
fn clean_project() -> Test {
    check([])
        .file(
            "Procfile",
            "release: ./bin/rhrel scripts/release.rhai\nweb: ./bin/web\n",
        )
        .file(
            "scripts/release.rhai",
            include_str!("fixtures/check_clean.rhai"),
        )
        .file(
            "scripts/lib/helpers.rhai",
            "fn ping() { log(\"pong\"); }\nfn twice(s) { s + s }\nprivate fn hidden() { 1 }\n",
        )
}

#[test]
fn clean_project_passes() {
    clean_project()
        .run()
        .status(0)
        .stdout_has("Procfile: release runs scripts/release.rhai\n")
        .stdout_has("2 files checked, no problems");
}

#[test]
fn never_runs_the_script_or_its_modules() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran-marker");
    let script = format!(
        "import \"lib/m\" as m;\nprint(\"SCRIPT-RAN\");\nexec(\"touch\", [\"{}\"]);\nm::f();\n",
        marker.display()
    );
    let out = check(["s.rhai"])
        .file("s.rhai", script)
        .file("lib/m.rhai", "print(\"MODULE-RAN\");\nfn f() { 1 }\n")
        .run();
    out.output_lacks("SCRIPT-RAN").output_lacks("MODULE-RAN");
    assert!(!marker.exists(), "check ran the script\n{}", out.dump());
}

#[test]
fn json_output_parses() {
    let out = check(["--format", "json", "bad.rhai"])
        .file("bad.rhai", "let x = 1;\nslep(x);\nlog(nope);\n")
        .run();
    out.status(1);
    assert_eq!(out.stderr, "", "json output leaves stderr empty");
    let findings: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let findings = findings.as_array().expect("an array");
    assert_eq!(findings.len(), 2, "{findings:?}");
    let first = &findings[0];
    assert_eq!(first["file"], "bad.rhai");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 1);
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "unknown-function");
    assert_eq!(first["message"], "unknown function `slep`");
    assert_eq!(findings[1]["code"], "undefined-variable");
}

#[test]
fn json_output_of_a_clean_project_is_an_empty_array() {
    let out = clean_project().arg("--format").arg("json").run();
    out.status(0);
    assert_eq!(out.stdout.trim(), "[]");
}

#[test]
fn github_format() {
    check(["--format", "github", "a.rhai"])
        .file("a.rhai", "sleep(1, 2, 3);\n")
        .run()
        .status(1)
        .stdout_has(
            "::error file=a.rhai,line=1,col=1::[arity] `sleep` takes 1 argument, but 3 were given\n",
        )
        .stdout_has("1 error in 1 of 1 file");
}

#[test]
fn directories_recurse_into_rhai_files() {
    check(["dir"])
        .file("dir/a.rhai", "log(1);\n")
        .file("dir/sub/b.rhai", "log(2);\n")
        .file("dir/notes.txt", "not a script (\n")
        .run()
        .status(0)
        .stdout_has("2 files checked, no problems");
}

#[test]
fn missing_path_exits_66() {
    check(["no/such/path.rhai"])
        .run()
        .status(66)
        .stderr_has("`no/such/path.rhai` does not exist");
}

#[test]
fn nothing_to_check_exits_66() {
    check([]).run().status(66).stderr_has("nothing to check");
}

#[test]
fn bad_format_is_a_usage_error() {
    check(["--format", "xml", "a.rhai"])
        .file("a.rhai", "")
        .run()
        .status(2);
}

#[test]
fn dead_code_is_still_checked() {
    check(["d.rhai"])
        .file("d.rhai", "if false { exce(1); }\n")
        .run()
        .status(1)
        .stdout_has("d.rhai:1:12");
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal() {
    Test::new()
        .env_remove("NO_COLOR")
        .args(["check", "a.rhai"])
        .file("a.rhai", "slep(1);\n")
        .run()
        .status(1)
        .stdout_has("error[unknown-function]")
        .stdout_lacks("\u{1b}[");
}
