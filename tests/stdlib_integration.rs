//! The stdlib modules and examples that start programs or reach the network: they need
//! `exec`/`which` and `http_post`/`parse_json`, so this file joins tests/lib.rs once those
//! land. Stand-in programs are small shell scripts in a `bin/` dir put first on PATH; the
//! only server is a loopback one started here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use crate::support::{example, Test};

/// Writes executable stand-ins into `bin/` and puts that dir first on PATH.
fn with_programs(mut t: Test, programs: &[(&str, &str)]) -> Test {
    use std::os::unix::fs::PermissionsExt;
    for (name, body) in programs {
        let rel = format!("bin/{name}");
        t = t.file(&rel, format!("#!/bin/sh\n{body}\n"));
        let path = t.path().join(&rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        t.path().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    t.env("PATH", &path)
}

/// A one-request HTTP server on 127.0.0.1 answering `status`; sends the request it got.
fn serve_once(status: u16) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let mut stream = stream;
        let reason = if status == 200 { "OK" } else { "Error" };
        let _ = write!(
            stream,
            "HTTP/1.1 {status} {reason}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        );
        let _ = tx.send(format!("{head}\r\n{}", String::from_utf8_lossy(&body)));
    });
    (url, rx)
}

#[test]
fn migrate_run_uses_each_tools_non_interactive_command() {
    let echo = "echo \"ran: $(basename \"$0\") $*\"";
    let cases: &[(&str, &str, &str)] = &[
        ("bin/rails", "bundle", "ran: bundle exec rails db:migrate"),
        (
            "manage.py",
            "python",
            "ran: python manage.py migrate --noinput",
        ),
        (
            "prisma/schema.prisma",
            "npx",
            "ran: npx prisma migrate deploy",
        ),
        (".sequelizerc", "npx", "ran: npx sequelize-cli db:migrate"),
        ("knexfile.js", "npx", "ran: npx knex migrate:latest"),
        ("alembic.ini", "alembic", "ran: alembic upgrade head"),
        ("flyway.conf", "flyway", "ran: flyway migrate"),
        ("diesel.toml", "diesel", "ran: diesel migration run"),
        (
            "migrations/1_init.up.sql",
            "migrate",
            "ran: migrate -path migrations -database postgres://localhost/db up",
        ),
    ];
    for (marker, program, expected) in cases {
        let t = Test::new()
            .file(marker, "")
            // No server here: the lock `migrate` (taken for a postgres:// URL) is off.
            .script("import \"std/migrate\" as migrate;\nmigrate::run(#{ lock: false });")
            .env("DATABASE_URL", "postgres://localhost/db");
        with_programs(t, &[(program, echo)])
            .run()
            .status(0)
            .stdout_has(expected);
    }
}

#[test]
fn migrate_example_runs_the_detected_tool_in_a_task() {
    let t = example("migrate.rhai").file("manage.py", "");
    with_programs(t, &[("python", "echo \"django-migrated $*\"")])
        .run()
        .status(0)
        .stdout_has("Detected migration tool: django")
        .stdout_has("django-migrated manage.py migrate --noinput")
        .stdout_has("✅ Migrations completed")
        .stderr_has("✔ migrate (django)");
}

#[test]
fn a_failing_migration_fails_the_release() {
    let t = example("migrate.rhai").file("bin/rails", "");
    with_programs(t, &[("bundle", "echo 'PG::ConnectionBad' >&2; exit 3")])
        .run()
        .status(1)
        .stdout_lacks("✅ Migrations completed")
        .stderr_has("✘ migrate (rails)");
}

#[test]
fn review_app_skip_migrates_outside_review_apps() {
    let t = example("review-app-skip.rhai").file("bin/rails", "");
    with_programs(t, &[("bundle", "echo \"bundle $*\"")])
        .run()
        .status(0)
        .stdout_has("bundle exec rails db:migrate")
        .stdout_has("✅ Migrations completed");
}

#[test]
fn retry_migrate_backs_off_until_the_database_answers() {
    // Fails twice (a count kept in the working directory), then succeeds.
    let flaky = "n=$(cat .count 2>/dev/null || echo 0); n=$((n+1)); echo $n > .count\n\
                 if [ $n -lt 3 ]; then echo \"could not connect ($n)\" >&2; exit 1; fi\n\
                 echo \"migrated on attempt $n\"";
    let t = example("retry-migrate.rhai")
        .file("bin/rails", "")
        .env("MIGRATE_RETRY_DELAY", "0.05");
    with_programs(t, &[("bundle", flaky)])
        .run()
        .status(0)
        .stdout_has("attempt 1/5 failed")
        .stdout_has("attempt 2/5 failed")
        .stdout_has("retrying in 0.1s")
        .stdout_has("migrated on attempt 3")
        .stdout_has("✅ Migrations completed");
}

#[test]
fn retry_migrate_gives_up_after_the_attempts() {
    let t = example("retry-migrate.rhai")
        .file("bin/rails", "")
        .env("MIGRATE_ATTEMPTS", "2")
        .env("MIGRATE_RETRY_DELAY", "0");
    with_programs(t, &[("bundle", "exit 1")])
        .run()
        .status(1)
        .stdout_has("attempt 1/2 failed")
        .stdout_lacks("✅ Migrations completed");
}

#[test]
fn checks_require_commands_names_the_missing_ones() {
    let t = Test::new().script(
        "import \"std/checks\" as checks;\n\
         checks::require_commands([\"present-tool\"]);\nlog(\"all there\");\n\
         checks::require_commands([\"present-tool\", \"rhrel-missing-a\", \"rhrel-missing-b\"]);",
    );
    with_programs(t, &[("present-tool", "true")])
        .run()
        .status(1)
        .stdout_has("all there")
        .stderr_has("missing required commands on PATH: rhrel-missing-a, rhrel-missing-b");
}

#[test]
fn notify_example_posts_to_slack() {
    let (url, got) = serve_once(200);
    example("notify.rhai")
        .env("SLACK_WEBHOOK_URL", &url)
        .env("HEROKU_APP_NAME", "myapp")
        .env("HEROKU_RELEASE_VERSION", "v9")
        .env("HEROKU_SLUG_COMMIT", "abc123")
        .run()
        .status(0)
        .stdout_has("Slack notified");
    let request = got.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(request.starts_with("POST /hook"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{request}"
    );
    let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["text"], "✅ myapp released v9 (abc123)");
}

#[test]
fn notify_example_warns_when_slack_refuses() {
    let (url, _got) = serve_once(500);
    example("notify.rhai")
        .env("SLACK_WEBHOOK_URL", &url)
        .run()
        .status(0)
        .stdout_has("warning: Slack notification failed: webhook answered HTTP 500");
}

#[test]
fn notify_webhook_fails_on_an_error_status() {
    let (url, _got) = serve_once(503);
    Test::new()
        .script(&format!(
            "import \"std/notify\" as notify;\nnotify::webhook(\"{url}\", #{{status: \"released\"}});"
        ))
        .run()
        .status(1)
        .stderr_has("webhook answered HTTP 503");
}

#[test]
fn version_from_package_json_checks_node_and_writes_the_version() {
    let t = example("version-from-package-json.rhai").file(
        "package.json",
        r#"{"name": "web", "version": "3.4.5", "engines": {"node": ">=20"}}"#,
    );
    with_programs(t, &[("node", "echo v20.11.1")])
        .run()
        .status(0)
        .stdout_has("Releasing web v3.4.5")
        .stdout_has("Node.js v20.11.1 matches engines.node \">=20\"")
        .stdout_has("✅ public/VERSION written");
}

#[test]
fn version_from_package_json_fails_on_a_node_mismatch() {
    let t = example("version-from-package-json.rhai").file(
        "package.json",
        r#"{"name": "web", "version": "3.4.5", "engines": {"node": "22.x"}}"#,
    );
    with_programs(t, &[("node", "echo v18.19.0")])
        .run()
        .status(1)
        .stderr_has("Node.js v18.19.0 does not match engines.node \"22.x\"");
}

#[test]
fn version_from_package_json_without_engines_or_semver() {
    example("version-from-package-json.rhai")
        .file("package.json", r#"{"name": "web", "version": "3.4.5"}"#)
        .run()
        .status(0)
        .stdout_has("Releasing web v3.4.5");
    example("version-from-package-json.rhai")
        .file("package.json", r#"{"name": "web", "version": "next"}"#)
        .run()
        .status(1)
        .stderr_has("package.json has no semver version (got next)");
}
