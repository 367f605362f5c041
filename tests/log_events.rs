//! `--log-format json`: rhrel's own events carry structured fields; the summary is one
//! object with an array of tasks; stops are warnings. Also who chose an exit code: the
//! report's `outcome`/`exit_code_by`, and `rhrel check` on literal reserved codes.

use crate::support::Test;
use serde_json::Value;

/// The JSON objects rhrel wrote on stderr whose `event` is set.
fn events(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v| v.get("event").is_some())
        .collect()
}

fn named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

#[test]
fn task_events_and_the_summary_are_structured() {
    let out = Test::new()
        .script("task(\"warm\", || 1);\ntask(\"bad\", || fail(\"it broke\"));")
        .args(["--log-format", "json"])
        .run();
    out.status(1);
    let ev = events(&out.stderr);
    let starts = named(&ev, "task_start");
    assert_eq!(starts.len(), 2, "{ev:#?}");
    assert_eq!(starts[0]["task"], "warm");
    assert_eq!(starts[0]["source"], "rhrel");
    let ends = named(&ev, "task_end");
    assert_eq!(ends[0]["status"], "ok");
    assert!(ends[0]["duration_ms"].is_u64());
    assert_eq!(ends[0]["error"], Value::Null);
    assert_eq!(ends[1]["task"], "bad");
    assert_eq!(ends[1]["status"], "failed");
    assert_eq!(ends[1]["error"], "it broke");
    assert_eq!(ends[1]["level"], "info");

    let summary = named(&ev, "summary");
    assert_eq!(summary.len(), 1, "one summary object per run: {ev:#?}");
    let s = summary[0];
    assert_eq!(s["outcome"], "failed");
    assert_eq!(s["exit_code"], 1);
    let tasks = s["tasks"].as_array().expect("tasks array");
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[1]["task"], "bad");
    assert_eq!(tasks[1]["status"], "failed");
    // Every stderr line is still one object: no text with `\n` inside a line.
    for line in out.stderr.lines() {
        assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
    }
}

#[test]
fn a_deadline_gives_stop_and_timeout_events_at_their_levels() {
    let out = Test::new()
        .script("task(\"migrate\", || exec(\"sleep\", [\"30\"]));")
        .args(["--log-format", "json", "--timeout", "1s"])
        .run();
    out.status(124);
    let ev = events(&out.stderr);
    let stop = named(&ev, "stop");
    assert!(!stop.is_empty(), "{ev:#?}");
    assert_eq!(stop[0]["level"], "warn");
    assert_eq!(stop[0]["command"], "sleep 30");
    assert!(stop[0]["process_group"].is_i64());
    assert_eq!(stop[0]["reason"], "the run's deadline passed");
    let timeout = named(&ev, "timeout");
    assert_eq!(timeout.len(), 1, "{ev:#?}");
    assert_eq!(timeout[0]["level"], "error");
    assert_eq!(timeout[0]["timeout_ms"], 1000);
    let end = named(&ev, "task_end");
    assert_eq!(end[0]["status"], "interrupted");
    assert_eq!(named(&ev, "summary")[0]["outcome"], "timeout");
}

#[test]
fn stops_are_warnings_in_text_too_and_quiet_keeps_them() {
    Test::new()
        .script("exec(\"sleep\", [\"30\"]);")
        .args(["--quiet", "--timeout", "1s"])
        .run()
        .status(124)
        .stderr_has("rhrel: warning: stopping `sleep 30`");
}

#[test]
fn secrets_in_event_fields_are_masked() {
    let out = Test::new()
        .script("task(\"push\", || fail(`token ${env(\"API_TOKEN\")} refused`));")
        .env("API_TOKEN", "tok-5f3c9a1e77")
        .args(["--log-format", "json"])
        .run();
    out.status(1);
    out.output_lacks("tok-5f3c9a1e77");
    let ev = events(&out.stderr);
    assert_eq!(named(&ev, "task_end")[0]["error"], "token *** refused");
}

#[test]
fn the_report_says_who_chose_the_exit_code() {
    let cases = [
        ("exit(3);", 3, "exit", "script"),
        ("fail(\"drift\", 4);", 4, "failed", "script"),
        ("fail(\"plain\");", 1, "failed", "rhrel"),
        ("log(1);", 0, "success", "rhrel"),
    ];
    for (script, code, outcome, by) in cases {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        Test::new()
            .script(script)
            .args(["--report", report.to_str().unwrap()])
            .run()
            .status(code);
        let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(r["outcome"], outcome, "{script}: {r}");
        assert_eq!(r["exit_code_by"], by, "{script}: {r}");
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    Test::new()
        .script("sleep(30);")
        .args(["--timeout", "1s", "--report", report.to_str().unwrap()])
        .run()
        .status(124);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(
        (r["outcome"].as_str(), r["exit_code_by"].as_str()),
        (Some("timeout"), Some("rhrel"))
    );
}

#[test]
fn check_warns_on_a_literal_reserved_exit_code() {
    let out = Test::new()
        .file(
            "release.rhai",
            "if env(\"X\") == () { fail(\"no X\", 124); }\nexit(65);\nfail(\"fine\", 3);\nexit(0);\n",
        )
        .env("NO_COLOR", "1")
        .args(["check", "release.rhai"])
        .run();
    out.output_has("exit code 124 already means \"the timeout fired\"")
        .output_has("exit code 65 already means \"the script does not compile\"")
        .output_has("reserved-exit-code")
        .output_lacks("exit code 3")
        .output_lacks("exit code 0");
    // A warning: the script still passes the check.
    out.status(0);
}
