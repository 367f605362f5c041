//! `rhrel api`: the reference lists every registered host function and every stdlib file,
//! so it cannot drift from the registry the runtime uses.

use crate::support::Test;

#[test]
fn api_lists_every_host_function_and_stdlib_module() {
    let out = Test::new().arg("api").run();
    out.status(0);
    let names = rhrel::reference::host_functions();
    assert!(names.len() > 20, "{names:?}");
    for f in &names {
        out.stdout_has(&format!("\n{}\n", f.signature));
        out.stdout_has(&f.summary);
    }
    for f in [
        "env",
        "log",
        "fail",
        "exit",
        "sleep",
        "task",
        "read_file",
        "regex_replace",
    ] {
        out.stdout_has(&format!("\n{f}("));
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/stdlib");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "rhai") {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            out.stdout_has(&format!("std/{stem}  —  import \"std/{stem}\" as {stem};"));
            // Every function the file defines is listed with its module prefix.
            let src = std::fs::read_to_string(&path).unwrap();
            for line in src.lines().filter(|l| l.starts_with("fn ")) {
                let fname = line[3..].split('(').next().unwrap();
                out.stdout_has(&format!("{stem}::{fname}("));
            }
            count += 1;
        }
    }
    assert!(count >= 6);
    out.stdout_has("retry::retry(attempts, delay, f)")
        .stdout_has("e.message");
}

#[test]
fn api_json_is_parseable_and_complete() {
    let out = Test::new().args(["api", "--json"]).run();
    out.status(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let functions = v["functions"].as_array().unwrap();
    for f in rhrel::reference::host_functions() {
        assert!(
            functions
                .iter()
                .any(|j| j["signature"] == f.signature.as_str()),
            "{} missing",
            f.signature
        );
    }
    let modules: Vec<&str> = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for m in rhrel::stdlib::names() {
        assert!(modules.contains(&format!("std/{m}").as_str()), "{m}");
    }
    let retry = &v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "std/retry")
        .unwrap()["functions"][0];
    assert!(retry["example"].as_str().unwrap().contains("retry::retry"));
}

#[test]
fn api_definitions_writes_d_rhai_files() {
    let keep = tempfile::tempdir().unwrap();
    let defs = keep.path().join("defs");
    Test::new()
        .args(["api", "--definitions", defs.to_str().unwrap()])
        .run()
        .status(0);
    assert!(defs.join("retry.d.rhai").exists());
    let statics = std::fs::read_to_string(defs.join("__static__.d.rhai")).unwrap();
    assert!(statics.contains("fn read_file("), "{statics}");
}
