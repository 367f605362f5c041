//! `on_failure` / `finally`: real processes and a loopback HTTP server. Handlers run after the
//! script and its children stopped, in order, within the hooks' budget; their failure never
//! changes the exit code; the report and the summary list them.

use std::time::Duration;

use crate::http_server::{Reply, Server};
use crate::support::Test;

fn ok_server() -> Server {
    Server::start(|_, _| Reply::status(200, "ok"))
}

/// The script with `URL` replaced by the server's address.
fn script(source: &str, s: &Server) -> Test {
    Test::new().script(&source.replace("URL", &s.url("/hook")))
}

const POST_HOOK: &str = r#"on_failure(|run| {
    http_post("URL", #{outcome: run.outcome, code: run.exit_code, task: run.task, error: run.error});
});
"#;

#[test]
fn failing_exec_runs_on_failure_then_exits_1() {
    let s = ok_server();
    let out = script(
        &format!("{POST_HOOK}task(\"migrate\", || exec(\"false\", []));"),
        &s,
    )
    .run();
    out.status(1)
        .stderr_has("▶ on_failure\n✔ on_failure (")
        .stderr_has("  ✔ on_failure");
    let seen = s.seen();
    assert_eq!(seen.len(), 1, "{}", out.dump());
    assert!(
        seen[0].body.contains(r#""outcome":"failed""#),
        "{}",
        seen[0].body
    );
    assert!(
        seen[0].body.contains(r#""task":"migrate""#),
        "{}",
        seen[0].body
    );
    assert!(
        seen[0].body.contains("exited with code 1"),
        "{}",
        seen[0].body
    );
}

#[test]
fn timeout_stops_the_child_then_the_hook_posts_then_124() {
    let s = ok_server();
    let out = script(
        &format!("{POST_HOOK}task(\"hang\", || exec(\"sleep\", [\"30\"]));"),
        &s,
    )
    .args(["--timeout", "2s"])
    .run();
    out.status(124)
        .took_less_than(Duration::from_secs(2 + 5 + 5));
    let stopped = out
        .stderr
        .find("stopping `sleep 30`")
        .expect("child stopped");
    let hook = out.stderr.find("▶ on_failure").expect("hook ran");
    assert!(stopped < hook, "{}", out.dump());
    let seen = s.seen();
    assert_eq!(seen.len(), 1, "{}", out.dump());
    assert!(seen[0].body.contains(r#""outcome":"timeout""#));
    assert!(seen[0].body.contains(r#""code":124"#));
    assert!(seen[0].body.contains(r#""task":"hang""#));
}

#[test]
fn sigterm_runs_the_hook_then_143() {
    let s = ok_server();
    let mut running = script(&format!("{POST_HOOK}exec(\"sleep\", [\"30\"]);"), &s).spawn();
    std::thread::sleep(Duration::from_millis(700));
    running.signal(libc::SIGTERM);
    let out = running.wait_bounded(Duration::from_secs(26));
    out.status(143);
    let seen = s.seen();
    assert_eq!(seen.len(), 1, "{}", out.dump());
    assert!(seen[0].body.contains(r#""outcome":"interrupted""#));
}

/// A place for the report that outlives the run's temp dir.
fn report_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json").display().to_string();
    (dir, path)
}

fn report(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("JSON")
}

#[test]
fn a_hanging_hook_ends_at_the_budget_and_is_reported_timed_out() {
    let (_dir, path) = report_dir();
    let mut running = Test::new()
        .script(
            "on_failure(|run| exec(\"sleep\", [\"60\"]));\nfinally(|run| log(\"late\"));\nsleep(30);",
        )
        .args(["--hook-timeout", "1s", "--report", &path])
        .spawn();
    std::thread::sleep(Duration::from_millis(500));
    running.signal(libc::SIGTERM);
    let out = running.wait_bounded(Duration::from_secs(20));
    out.status(143)
        .took_less_than(Duration::from_secs(5))
        .stderr_has(
            "on_failure handler failed: the hooks' budget of 1s ran out (set by --hook-timeout)",
        )
        .stdout_lacks("late");
    let r = report(&path);
    assert_eq!(r["hooks"][0]["kind"], "on_failure");
    assert_eq!(r["hooks"][0]["status"], "timeout");
    assert_eq!(r["hooks"][1]["status"], "skipped");
    assert_eq!(r["exit_code"], 143);
}

#[test]
fn a_second_sigterm_ends_the_hook_at_once() {
    let mut running = Test::new()
        .script("on_failure(|run| { log(\"hook started\"); sleep(60); });\nsleep(30);")
        .spawn();
    std::thread::sleep(Duration::from_millis(500));
    running.signal(libc::SIGTERM);
    let t0 = std::time::Instant::now();
    while !running.stdout_so_far().contains("hook started") {
        assert!(t0.elapsed() < Duration::from_secs(10), "hook never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    running.signal(libc::SIGTERM);
    let out = running.wait_bounded(Duration::from_secs(10));
    out.status(143).stderr_has("stopped by a second signal");
    assert!(t0.elapsed() < Duration::from_secs(5), "{}", out.dump());
}

#[test]
fn finally_runs_on_success_and_its_error_leaves_the_exit_code() {
    Test::new()
        .script(
            "on_failure(|run| log(\"not on success\"));\nfinally(|run| { log(`F ${run.outcome} ${run.exit_code}`); fail(\"hook broke\"); });\nlog(\"main\");",
        )
        .run()
        .status(0)
        .stdout_has("main\nF success 0")
        .stdout_lacks("not on success")
        .stderr_has("rhrel: warning: finally handler failed:")
        .stderr_has("hook broke");
    Test::new()
        .script("finally(|run| fail(\"hook broke\"));\nfail(\"main broke\", 7);")
        .run()
        .status(7)
        .stderr_has("finally handler failed");
}

#[test]
fn the_hook_sees_the_masked_error_and_the_running_task() {
    Test::new()
        .env("API_TOKEN", "s3cr3t-value-42")
        .script(
            "on_failure(|run| print(`E=${run.error} T=${run.task} P=${run.platform} D=${type_of(run.duration)}`));\ntask(\"deploy\", || fail(`bad ${env(\"API_TOKEN\")}`));",
        )
        .run()
        .status(1)
        .stdout_has("T=deploy P=")
        .stdout_has("D=f64")
        .stdout_has("E=")
        .output_lacks("s3cr3t-value-42");
}

#[test]
fn handlers_run_in_order_and_the_report_lists_them() {
    let (_dir, path) = report_dir();
    let out = Test::new()
        .script(
            "finally(|run| log(\"one\"));\non_failure(|run| { log(\"two\"); exit(4); log(\"never\"); });\nfinally(|run| log(\"three\"));\nexit(2);",
        )
        .args(["--report", &path])
        .run();
    out.status(2)
        .stdout_has("one\ntwo\nthree")
        .stdout_lacks("never")
        .stderr_has("on_failure handler failed: exit(4)");
    let r = report(&path);
    let hooks = r["hooks"].as_array().unwrap();
    let kinds: Vec<_> = hooks.iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["finally", "on_failure", "finally"]);
    assert_eq!(hooks[0]["status"], "ok");
    assert_eq!(hooks[1]["status"], "failed");
    assert_eq!(hooks[1]["error"], "exit(4)");
    assert!(hooks[2]["duration_ms"].is_u64());
}

#[test]
fn no_hook_after_a_compile_error() {
    Test::new()
        .script("on_failure(|run| print(\"H\"));\nlet = ;")
        .run()
        .status(65)
        .stdout_lacks("H");
}

#[test]
fn notify_on_failure_slack_posts_and_is_quiet_without_a_url() {
    let s = ok_server();
    let out = Test::new()
        .env("SLACK_WEBHOOK_URL", &s.url("/slack"))
        .script(
            "import \"std/notify\" as notify;\nnotify::on_failure_slack(env(\"SLACK_WEBHOOK_URL\"));\ntask(\"migrate\", || fail(\"schema drift\"));",
        )
        .run();
    out.status(1);
    let seen = s.seen();
    assert_eq!(seen.len(), 1, "{}", out.dump());
    assert!(seen[0].body.contains("failed (exit 1)"), "{}", seen[0].body);
    assert!(seen[0].body.contains("in task migrate"), "{}", seen[0].body);
    assert!(seen[0].body.contains("schema drift"), "{}", seen[0].body);

    Test::new()
        .env_remove("SLACK_WEBHOOK_URL")
        .script(
            "import \"std/notify\" as notify;\nnotify::on_failure_slack(env(\"SLACK_WEBHOOK_URL\"));\nnotify::on_failure_webhook(\"\");\nfail(\"x\");",
        )
        .arg("--verbose")
        .run()
        .status(1)
        .output_has("no Slack webhook URL")
        .output_has("no webhook URL")
        .stderr_lacks("▶ on_failure");
}

#[test]
fn notify_on_failure_webhook_posts_the_run() {
    let s = ok_server();
    let out = script(
        "import \"std/notify\" as notify;\nnotify::on_failure_webhook(\"URL\");\nexit(3);",
        &s,
    )
    .run();
    out.status(3);
    let seen = s.seen();
    assert_eq!(seen.len(), 1, "{}", out.dump());
    assert!(
        seen[0].body.contains(r#""event":"release_failed""#),
        "{}",
        seen[0].body
    );
    assert!(
        seen[0].body.contains(r#""exit_code":3"#),
        "{}",
        seen[0].body
    );
}

#[test]
fn check_knows_the_hook_functions() {
    Test::new()
        .env("NO_COLOR", "1")
        .file(
            "a.rhai",
            "on_failure(|run| log(run.outcome));\nfinally(|run| log(\"done\"));\n",
        )
        .args(["check", "a.rhai"])
        .run()
        .status(0);
}
