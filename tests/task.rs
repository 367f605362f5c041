//! `task(name, || …)`: progress notes, the value, errors re-thrown as they are, stops kept
//! uncatchable, the end-of-run summary, and the `--report` JSON written whatever happens.

use std::time::Duration;

use crate::support::Test;

/// A place for the report that outlives the run's temp dir.
struct Report(tempfile::TempDir);

impl Report {
    fn new() -> Self {
        Report(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> String {
        self.0.path().join("report.json").display().to_string()
    }

    fn text(&self) -> String {
        std::fs::read_to_string(self.path()).expect("report written")
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text()).expect("report is JSON")
    }
}

#[test]
fn task_notes_start_and_end_and_returns_the_value() {
    Test::new()
        .script("let v = task(\"compute\", || { log(\"inside\"); 6 * 7 });\nlog(`v=${v}`);")
        .run()
        .status(0)
        .stdout_has("inside\nv=42")
        .stderr_has("▶ compute\n✔ compute (0.")
        .stderr_has("Tasks (success):")
        .stderr_has("  ✔ compute");
}

#[test]
fn a_failed_task_rethrows_its_error_and_code() {
    let out = Test::new()
        .script("task(\"one\", || 1);\ntask(\"two\", || fail(\"two broke\", 5));\ntask(\"three\", || log(\"not reached\"));")
        .run();
    out.status(5)
        .stderr_has("✘ two (0.")
        .stderr_has("s): two broke")
        .stdout_lacks("not reached");
    // The summary comes after the failure and lists every task that ran.
    let tail = &out.stderr[out.stderr.find("Tasks (failed):").expect("summary")..];
    assert!(
        tail.contains("✔ one") && tail.contains("✘ two") && !tail.contains("three"),
        "{tail}"
    );
}

#[test]
fn a_task_error_is_catchable_like_any_error() {
    Test::new()
        .script("try { task(\"flaky\", || throw \"nope\"); } catch (e) { log(`caught ${e}`); }\nlog(\"went on\");")
        .run()
        .status(0)
        .stdout_has("caught nope")
        .stdout_has("went on")
        .stderr_has("✘ flaky");
}

#[test]
fn exit_inside_a_task_is_not_catchable() {
    Test::new()
        .script("try { task(\"skip\", || exit(0)); } catch { log(\"caught\"); }\nlog(\"after\");")
        .run()
        .status(0)
        .stdout_lacks("caught")
        .stdout_lacks("after")
        .stderr_has("✔ skip");
}

#[test]
fn a_timeout_inside_a_task_marks_it_interrupted() {
    let rep = Report::new();
    let out = Test::new()
        .script("task(\"slow\", || { try { sleep(30); } catch { log(\"caught\"); } });")
        .args(["--timeout", "1s", "--report", &rep.path()])
        .run();
    out.status(124)
        .stdout_lacks("caught")
        .stderr_has("Tasks (timeout):")
        .stderr_has("slow")
        .took_less_than(Duration::from_secs(10));
    let r = rep.json();
    assert_eq!(r["outcome"], "timeout");
    assert_eq!(r["exit_code"], 124);
    assert_eq!(r["tasks"][0]["status"], "interrupted");
}

#[test]
fn nested_tasks_are_recorded_in_start_order() {
    let rep = Report::new();
    let out = Test::new()
        .script("task(\"outer\", || { task(\"inner\", || 1); 2 });")
        .args(["--report", &rep.path()])
        .run();
    out.status(0);
    let r = rep.json();
    assert_eq!(r["tasks"][0]["name"], "outer");
    assert_eq!(r["tasks"][1]["name"], "inner");
}

#[test]
fn the_report_has_every_field() {
    let rep = Report::new();
    let out = Test::new()
        .script("task(\"wait\", || sleep(0.2));\ntask(\"bad\", || fail(\"bad thing\"));")
        .args(["--report", &rep.path(), "--", "a1", "a2"])
        .run();
    out.status(1);
    let r = rep.json();
    assert_eq!(r["rhrel"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["script"], "script.rhai");
    assert_eq!(r["args"], serde_json::json!(["a1", "a2"]));
    assert_eq!(r["platform"], "local");
    assert_eq!(r["exit_code"], 1);
    assert_eq!(r["outcome"], "failed");
    assert!(r["error"].as_str().unwrap().contains("bad thing"));
    for key in ["started_at", "finished_at"] {
        assert!(r[key].as_str().unwrap().ends_with('Z'), "{key}: {r}");
    }
    assert!(r["duration_ms"].as_i64().unwrap() >= 200);
    let wait = &r["tasks"][0];
    assert_eq!(wait["name"], "wait");
    assert_eq!(wait["status"], "ok");
    assert!(
        (150..5000).contains(&wait["duration_ms"].as_i64().unwrap()),
        "{wait}"
    );
    assert!(wait["started_at"].is_string());
    assert_eq!(wait["error"], serde_json::Value::Null);
    assert_eq!(r["tasks"][1]["status"], "failed");
    assert_eq!(r["tasks"][1]["error"], "bad thing");
}

#[test]
fn the_report_is_written_on_success_and_from_the_environment() {
    let rep = Report::new();
    let out = Test::new()
        .script("log(\"hi\");")
        .env("RHREL_REPORT", &rep.path())
        .run();
    out.status(0);
    let r = rep.json();
    assert_eq!(r["outcome"], "success");
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["error"], serde_json::Value::Null);
    assert_eq!(r["tasks"], serde_json::json!([]));
}

#[test]
fn the_report_is_written_for_compile_errors_and_missing_scripts() {
    let rep = Report::new();
    let out = Test::new()
        .script("let x = ;")
        .args(["--report", &rep.path()])
        .run();
    out.status(65);
    assert_eq!(rep.json()["outcome"], "compile_error");
    let out = Test::new()
        .args(["--report", &rep.path(), "missing.rhai"])
        .run();
    out.status(66);
    let r = rep.json();
    assert_eq!(r["exit_code"], 66);
    assert!(r["error"].as_str().unwrap().contains("missing.rhai"));
}

#[test]
fn the_report_is_masked() {
    let rep = Report::new();
    let out = Test::new()
        .script("fail(`cannot reach ${env(\"DATABASE_URL\")}`);")
        .env(
            "DATABASE_URL",
            "postgres://user:hunter2secret@db.example.com/app",
        )
        .args(["--report", &rep.path()])
        .run();
    out.status(1);
    let text = rep.text();
    assert!(!text.contains("hunter2secret"), "{text}");
}

#[test]
fn an_unwritable_report_only_warns() {
    Test::new()
        .script("fail(\"x\", 3);")
        .args(["--report", "no/such/dir/r.json"])
        .run()
        .status(3)
        .stderr_has("rhrel: warning: cannot write the report no/such/dir/r.json");
}

#[test]
fn quiet_hides_task_notes() {
    Test::new()
        .script("task(\"t\", || 1);")
        .arg("--quiet")
        .run()
        .status(0)
        .stderr_lacks("▶ t");
}
