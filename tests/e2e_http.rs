//! health-check.rhai and notify.rhai against loopback HTTP servers run by the test: an app
//! that becomes healthy after a few requests, one that never does, and a deploy webhook.

use crate::http_server::{Reply, Server};
use crate::support::Test;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn example(name: &str) -> Test {
    Test::new()
        .arg(format!("{ROOT}/scripts/examples/{name}"))
        .env_remove("HEALTH_URL")
        .env_remove("HEALTH_ATTEMPTS")
        .env_remove("HEALTH_TIMEOUT")
        .env_remove("DEPLOY_WEBHOOK_URL")
        .env_remove("SLACK_WEBHOOK_URL")
        .env_remove("RELEASE_OUTCOME")
        .env_remove("HEROKU_RELEASE_VERSION")
        .env("HEALTH_DELAY", "0.05")
}

#[test]
fn health_check_waits_until_the_app_answers_200() {
    // 503 while "booting", 200 from the fourth request on.
    let app = Server::start(|_, hits| {
        if hits <= 3 {
            Reply::status(503, "booting")
        } else {
            Reply::status(200, "ok")
        }
    });
    example("health-check.rhai")
        .env("HEALTH_URL", &app.url("/health"))
        .run()
        .status(0)
        .stdout_has("warning: attempt 1/6 failed: HTTP 503")
        .stdout_has("warning: attempt 3/6 failed: HTTP 503")
        .stdout_has(&format!(
            "✅ {} is healthy (HTTP 200 after 4 attempt(s))",
            app.url("/health")
        ));
    let seen = app.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen
        .iter()
        .all(|r| r.method == "GET" && r.path == "/health"));
}

#[test]
fn health_check_fails_when_the_budget_runs_out() {
    let app = Server::start(|_, _| Reply::status(500, "down"));
    example("health-check.rhai")
        .env("HEALTH_ATTEMPTS", "3")
        .args(["--", &app.url("/up")])
        .run()
        .status(1)
        .stderr_has(&format!(
            "{} is not healthy after 3 attempts: HTTP 500",
            app.url("/up")
        ));
    assert_eq!(app.seen().len(), 3);
}

#[test]
fn health_check_needs_a_url() {
    example("health-check.rhai")
        .run()
        .status(1)
        .stderr_has("no health URL: pass it after `--` or set HEALTH_URL");
}

#[test]
fn notify_posts_the_deployment_as_json() {
    let hook = Server::start(|_, _| Reply::status(204, ""));
    example("notify.rhai")
        .env("DEPLOY_WEBHOOK_URL", &hook.url("/deploys"))
        .env("HEROKU_APP_NAME", "shop")
        .env("HEROKU_RELEASE_VERSION", "v12")
        .env("HEROKU_SLUG_COMMIT", "0123abcd")
        .env("DYNO", "release.7")
        .run()
        .status(0)
        .stdout_has("Deploy webhook notified");
    let seen = hook.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/deploys")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "app": "shop",
            "release": "v12",
            "commit": "0123abcd",
            "outcome": "succeeded",
            "platform": "heroku",
            "text": "✅ shop released v12 (0123abcd)",
        })
    );
}

#[test]
fn notify_reports_a_failed_release_to_both_hooks() {
    let hook = Server::start(|_, _| Reply::status(200, "ok"));
    example("notify.rhai")
        .env("DEPLOY_WEBHOOK_URL", &hook.url("/deploys"))
        .env("SLACK_WEBHOOK_URL", &hook.url("/slack"))
        .env("HEROKU_APP_NAME", "shop")
        .args(["--", "failed"])
        .run()
        .status(0)
        .stdout_has("Deploy webhook notified")
        .stdout_has("Slack notified");
    let seen = hook.seen();
    let body = |path: &str| -> serde_json::Value {
        let r = seen.iter().find(|r| r.path == path).expect(path);
        serde_json::from_str(&r.body).unwrap()
    };
    assert_eq!(body("/deploys")["outcome"], "failed");
    assert_eq!(body("/deploys")["release"], serde_json::Value::Null);
    assert_eq!(
        body("/slack"),
        serde_json::json!({"text": "❌ shop release failed (unknown commit)"})
    );
}

#[test]
fn notify_only_warns_when_the_webhook_refuses() {
    let hook = Server::start(|_, _| Reply::status(502, "bad gateway"));
    example("notify.rhai")
        .env("DEPLOY_WEBHOOK_URL", &hook.url("/deploys"))
        .env("RELEASE_OUTCOME", "failed")
        .run()
        .status(0)
        .stdout_has("warning: Deploy webhook failed: webhook answered HTTP 502");
}
