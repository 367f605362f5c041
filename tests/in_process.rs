//! `rhrel::run` called more than once in one process: nothing a run sets (the registry's
//! docs, the output the panic hook masks with) leaks into the next call.

#[test]
fn run_works_twice_and_leaves_the_api_docs_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ok = dir.path().join("ok.rhai");
    std::fs::write(&ok, "let x = 1 + 1; if x != 2 { fail(\"math\") }").expect("write");
    let bad = dir.path().join("bad.rhai");
    std::fs::write(&bad, "fail(\"on purpose\", 3)").expect("write");
    let ok = ok.to_str().expect("utf-8 path");
    let bad = bad.to_str().expect("utf-8 path");

    assert_eq!(rhrel::run(["rhrel", "--quiet", ok]), 0);
    assert_eq!(rhrel::run(["rhrel", "--quiet", bad]), 3);
    assert_eq!(rhrel::run(["rhrel", "--quiet", ok]), 0);

    // A run registers host functions without docs; `check` and `api` still get them.
    let documented = rhrel::reference::host_functions();
    let exec = documented
        .iter()
        .find(|f| f.name == "exec")
        .expect("exec is documented after a run");
    assert!(!exec.summary.is_empty());
    assert_eq!(rhrel::run(["rhrel", "check", ok]), 0);
}
