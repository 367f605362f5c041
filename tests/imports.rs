//! `import`: the embedded stdlib, relative modules confined to the script's directory, and
//! every bad import as a compile error (65) naming the path and the import's position.

use crate::support::{Test, RHREL};

#[test]
fn std_modules_import_from_the_binary_alone() {
    // The binary copied away from the repository still has its stdlib.
    let t = Test::new().file(
        "s.rhai",
        r#"import "std/retry" as retry;
import "std/heroku" as heroku;
let n = 0;
log(`v=${retry::retry(3, 0, || { n += 1; if n < 2 { throw "again" } n })}`);
log(`app=${heroku::info().app}`);
"#,
    );
    let bin = t.path().join("rhrel");
    std::fs::copy(RHREL, &bin).unwrap();
    let out = std::process::Command::new(&bin)
        .arg("s.rhai")
        .current_dir(t.path())
        .env("HEROKU_APP_NAME", "alone-app")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("v=2") && stdout.contains("app=alone-app"),
        "{stdout}"
    );
}

#[test]
fn relative_modules_import_their_own_relative_modules() {
    Test::new()
        .file("lib/helpers.rhai", "import \"./util\" as util;\nfn greet(x) { `hi ${x}${util::bang()}` }\n")
        .file("lib/util.rhai", "import \"std/fun\" as fun;\nfn bang() { \"!\" }\n")
        .script("import \"lib/helpers\" as h;\nimport \"lib/helpers.rhai\" as h2;\nlog(h::greet(\"there\"));\nlog(h2::greet(\"again\"));")
        .run()
        .status(0)
        .stdout_has("hi there!")
        .stdout_has("hi again!");
}

#[test]
fn scripts_in_subdirectories_import_relative_to_themselves() {
    Test::new()
        .file("scripts/lib/x.rhai", "fn x() { 41 + 1 }")
        .file(
            "scripts/main.rhai",
            "import \"lib/x\" as x;\nlog(`x=${x::x()}`);",
        )
        .arg("scripts/main.rhai")
        .run()
        .status(0)
        .stdout_has("x=42");
}

#[test]
fn module_top_level_runs_once() {
    Test::new()
        .file("m.rhai", "log(\"loading m\");\nfn f() { 1 }")
        .file("n.rhai", "import \"m\" as m;\nfn g() { m::f() + 1 }")
        .script("import \"m\" as m;\nimport \"n\" as n;\nlog(`sum=${m::f() + n::g()}`);")
        .run()
        .status(0)
        .stdout_has("sum=3");
}

#[test]
fn escaping_the_script_directory_is_a_compile_error() {
    let out = Test::new()
        .file("outside.rhai", "fn f() { 1 }")
        .file(
            "app/script.rhai",
            "log(\"start\");\n  import \"../outside\" as o;\n",
        )
        .arg("app/script.rhai")
        .run();
    out.status(65)
        .stderr_has("app/script.rhai:2:3: ")
        .stderr_has("import `../outside` escapes the script's directory")
        .stdout_lacks("start");
}

#[cfg(unix)]
#[test]
fn a_symlink_cannot_escape() {
    let t = Test::new()
        .file("secret.rhai", "fn f() { 1 }")
        .file("app/script.rhai", "import \"link\" as l;\n");
    std::os::unix::fs::symlink(t.path().join("secret.rhai"), t.path().join("app/link.rhai"))
        .unwrap();
    t.arg("app/script.rhai")
        .run()
        .status(65)
        .stderr_has("escapes");
}

#[test]
fn absolute_missing_and_unknown_imports_are_compile_errors() {
    Test::new()
        .script("import \"/etc/passwd\" as p;")
        .run()
        .status(65)
        .stderr_has("script.rhai:1:1: ")
        .stderr_has("absolute path");
    Test::new()
        .script("import \"lib/nope\" as p;")
        .run()
        .status(65)
        .stderr_has("module `lib/nope` not found");
    Test::new()
        .script("import \"std/nope\" as p;")
        .run()
        .status(65)
        .stderr_has("unknown stdlib module `std/nope`")
        .stderr_has("std/retry");
}

#[test]
fn a_syntax_error_inside_a_module_names_both_places() {
    Test::new()
        .file("lib/bad.rhai", "fn ok() { 1 }\nfn broken() { let = 2; }\n")
        .script("log(\"x\");\nimport \"lib/bad\" as b;")
        .run()
        .status(65)
        .stderr_has("script.rhai:2:1: in module `lib/bad`: ")
        .stderr_has("bad.rhai:2:19: ")
        .stdout_lacks("x");
}

#[test]
fn import_cycles_are_refused() {
    Test::new()
        .file("a.rhai", "import \"b\" as b;\nfn a() { 1 }")
        .file("b.rhai", "import \"a\" as a;\nfn b() { 2 }")
        .script("import \"a\" as a;")
        .run()
        .status(65)
        .stderr_has("import cycle");
}

#[test]
fn a_computed_import_path_fails_when_it_runs() {
    Test::new()
        .script("log(\"before\");\nlet p = \"std/\" + \"retry\";\nimport p as r;\nlog(\"after\");")
        .run()
        .status(1)
        .stdout_has("before")
        .stdout_lacks("after")
        .stderr_has(
            "import `std/retry` is not available: only imports written as a literal string",
        );
}

#[test]
fn an_error_inside_a_stdlib_function_names_the_module() {
    Test::new()
        .script("import \"std/migrate\" as m;\nm::command(\"nope\");")
        .run()
        .status(1)
        .stderr_has("std/migrate:")
        .stderr_has("unknown migration tool 'nope'");
}
