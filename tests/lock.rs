//! `with_lock`: two releases take turns on a real PostgreSQL's advisory lock (started as in
//! `e2e_postgres`), the deadline and a killed holder leave no lock behind, TLS and password
//! failures are clear and never show the password; and what needs no server: dry-run, bad
//! URLs, `--allow-net`.

use std::time::Duration;

use crate::services::{eventually, Postgres, PG_PASSWORD};
use crate::support::{Running, Test};

/// Advisory locks held in the test server right now.
const ADVISORY: &str = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'";

fn locked(pg: &Postgres, source: &str) -> Test {
    Test::new().script(source).env("DATABASE_URL", &pg.url())
}

/// Waits until the run's stdout holds `marker` (the run got that far).
#[track_caller]
fn wait_for(run: &Running, marker: &str) {
    assert!(
        eventually(Duration::from_secs(20), || run
            .stdout_so_far()
            .contains(marker)),
        "the run never logged {marker:?}: {}",
        run.stdout_so_far()
    );
}

/// `start <t>` and `end <t>` of a run's log, in seconds since the epoch.
fn interval(stdout: &str) -> (f64, f64) {
    let at = |word: &str| -> f64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(word))
            .unwrap_or_else(|| panic!("no `{word}` line in {stdout}"))
            .trim()
            .parse()
            .unwrap()
    };
    (at("start "), at("end "))
}

#[test]
fn two_runs_take_turns() {
    let Some(pg) = Postgres::start() else { return };
    let script = r#"
        with_lock("migrate", || {
            log(`start ${now("%s%.3f")}`);
            exec("sleep", ["2"]);
            log(`end ${now("%s%.3f")}`);
        });
    "#;
    let mut a = locked(&pg, script).spawn();
    let mut b = locked(&pg, script).spawn();
    let a = a.wait_bounded(Duration::from_secs(60));
    let b = b.wait_bounded(Duration::from_secs(60));
    a.status(0).output_lacks(PG_PASSWORD);
    b.status(0).output_lacks(PG_PASSWORD);
    let (a1, a2) = interval(&a.stdout);
    let (b1, b2) = interval(&b.stdout);
    assert!(
        a2 <= b1 || b2 <= a1,
        "the two migrations overlapped: {a1}..{a2} and {b1}..{b2}"
    );
    let waited = if a1 < b1 { &b } else { &a };
    waited
        .stdout_has("waiting for lock `migrate` (held by pid ")
        .stdout_has(", rhrel migrate, for ");
    assert_eq!(pg.query(ADVISORY), "0");
}

#[test]
fn a_wait_past_the_timeout_exits_124_and_leaves_no_lock() {
    let Some(pg) = Postgres::start() else { return };
    let mut holder = locked(
        &pg,
        r#"with_lock("migrate", || { log("holding"); sleep(60); });"#,
    )
    .args(["--timeout", "20s"])
    .spawn();
    wait_for(&holder, "holding");
    assert_eq!(pg.query(ADVISORY), "1");

    locked(&pg, r#"with_lock("migrate", || log("never"));"#)
        .args(["--timeout", "2s"])
        .run()
        .status(124)
        .stdout_has("waiting for lock `migrate` (held by pid ")
        .stdout_lacks("never")
        .stderr_has("timed out after 2s")
        .took_less_than(Duration::from_secs(10));
    // The waiter took nothing; the holder still holds its lock.
    assert_eq!(pg.query(ADVISORY), "1");

    // The holder's own deadline inside the closure: it exits 124 and its lock is gone.
    holder.signal(libc::SIGTERM);
    holder.wait_bounded(Duration::from_secs(30)).status(143);
    assert!(
        eventually(Duration::from_secs(5), || pg.query(ADVISORY) == "0"),
        "a lock was left behind"
    );
    locked(
        &pg,
        r#"with_lock("migrate", || { log("holding"); sleep(60); });"#,
    )
    .args(["--timeout", "2s"])
    .run()
    .status(124)
    .stdout_has("holding");
    assert!(
        eventually(Duration::from_secs(5), || pg.query(ADVISORY) == "0"),
        "a lock was left behind"
    );
}

#[test]
fn a_bounded_wait_raises_and_the_value_of_f_is_returned() {
    let Some(pg) = Postgres::start() else { return };
    let mut holder = locked(
        &pg,
        r#"with_lock("migrate", || { log("holding"); sleep(60); });"#,
    )
    .spawn();
    wait_for(&holder, "holding");
    locked(
        &pg,
        r#"
        try { with_lock("migrate", #{ wait: "1s" }, || log("never")); }
        catch (e) { log(`caught: ${e}`); }
        let v = with_lock("other", || 41 + 1);
        log(`value ${v}`);
        try { with_lock("other", || throw "boom"); } catch (e) { log(`raised: ${e}`); }
        "#,
    )
    .run()
    .status(0)
    .stdout_has("caught: could not take lock `migrate` within 1s")
    .stdout_has("value 42")
    .stdout_has("raised: boom")
    .stdout_lacks("never");
    holder.signal(libc::SIGTERM);
    holder.wait_bounded(Duration::from_secs(30)).status(143);
    assert!(eventually(Duration::from_secs(5), || pg.query(ADVISORY) == "0"));
}

#[test]
fn a_killed_holder_frees_the_lock() {
    let Some(pg) = Postgres::start() else { return };
    let mut holder = locked(
        &pg,
        r#"with_lock("migrate", || { log("holding"); sleep(60); });"#,
    )
    .spawn();
    wait_for(&holder, "holding");
    let mut waiter = locked(&pg, r#"with_lock("migrate", || log("my turn"));"#).spawn();
    wait_for(&waiter, "waiting for lock `migrate`");
    holder.signal(libc::SIGKILL);
    holder.wait_bounded(Duration::from_secs(10));
    waiter
        .wait_bounded(Duration::from_secs(30))
        .status(0)
        .stdout_has("my turn");
    assert_eq!(pg.query(ADVISORY), "0");
}

#[test]
fn sslmode_require_against_a_server_without_tls_fails_clearly() {
    let Some(pg) = Postgres::start() else { return };
    let url = format!("{}?sslmode=require", pg.url());
    Test::new()
        .script(r#"with_lock("migrate", || log("never"));"#)
        .env("DATABASE_URL", &url)
        .run()
        .status(1)
        .stderr_has(&format!(
            "lock `migrate`: cannot connect to PostgreSQL at 127.0.0.1:{}: the server does not support TLS, and sslmode=require needs it",
            pg.port
        ))
        .stdout_lacks("never")
        .output_lacks(PG_PASSWORD);
    // prefer (the default) and disable go on without TLS.
    for mode in ["prefer", "disable"] {
        Test::new()
            .script(r#"with_lock("migrate", || log("ran"));"#)
            .env("DATABASE_URL", &format!("{}?sslmode={mode}", pg.url()))
            .run()
            .status(0)
            .stdout_has("ran");
    }
}

#[test]
fn a_bad_password_names_the_host_and_never_shows_the_password() {
    let Some(pg) = Postgres::start() else { return };
    let wrong = "wr0ng-Passw0rd";
    let host = format!("127.0.0.1:{}", pg.port);
    Test::new()
        .script(r#"with_lock("migrate", || log("never"));"#)
        .env("DATABASE_URL", &pg.url_with_password(wrong))
        .run()
        .status(1)
        .stderr_has(&format!("cannot connect to PostgreSQL at {host}: "))
        .stderr_has("password authentication failed for user \"rhrel\"")
        .output_lacks(wrong);
    // The same with the URL written in the script.
    Test::new()
        .script(&format!(
            "with_lock(\"migrate\", #{{ url: \"{}\" }}, || log(\"never\"));",
            pg.url_with_password(wrong)
        ))
        .run()
        .status(1)
        .stderr_has(&format!("cannot connect to PostgreSQL at {host}: "))
        .output_lacks(wrong);
}

#[test]
fn migrate_run_takes_the_lock_for_a_postgres_url() {
    let Some(pg) = Postgres::start() else { return };
    use std::os::unix::fs::PermissionsExt;
    // A stand-in `diesel` that reports whether `rhrel migrate` holds an advisory lock.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().to_path_buf();
    let psql = pg.tools[2].display().to_string();
    std::fs::write(
        bin.join("diesel"),
        format!(
            "#!/bin/sh\n{psql} -X -w -At -d \"$CHECK_URL\" -c \"SELECT 'locks: ' || count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND a.application_name = 'rhrel migrate'\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("diesel"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |t: Test, source: &str| {
        t.script(source)
            .env("PATH", &path)
            .env("DATABASE_URL", &pg.url())
            .env("CHECK_URL", &pg.url())
            .run()
    };
    run(
        Test::new(),
        "import \"std/migrate\" as migrate;\nmigrate::run(\"diesel\");",
    )
    .status(0)
    .stdout_has("locks: 1")
    .output_lacks(PG_PASSWORD);
    run(
        Test::new(),
        "import \"std/migrate\" as migrate;\nmigrate::run(\"diesel\", #{ lock: false });",
    )
    .status(0)
    .stdout_has("locks: 0");
}

// --- No server needed ---

#[test]
fn dry_run_takes_no_lock_and_runs_the_closure() {
    Test::new()
        .script(r#"let v = with_lock("migrate", || { log("inside"); 7 }); log(`got ${v}`);"#)
        // Nothing listens there: a connect would fail.
        .env(
            "DATABASE_URL",
            "postgres://app:dry-Secr3t-pw@127.0.0.1:1/app",
        )
        .arg("--dry-run")
        .run()
        .status(0)
        .stdout_has("[dry-run] would lock migrate")
        .stdout_has("inside")
        .stdout_has("got 7");
}

#[test]
fn bad_urls_and_options_raise_clearly() {
    let run = |url: Option<&str>, source: &str| {
        let t = Test::new().script(source);
        match url {
            Some(u) => t.env("DATABASE_URL", u),
            None => t,
        }
        .run()
    };
    run(None, r#"with_lock("migrate", || 1);"#)
        .status(1)
        .stderr_has("with_lock(`migrate`): DATABASE_URL is not set");
    run(
        Some("mysql://u:my-Secr3t-pw@db/app"),
        r#"with_lock("migrate", || 1);"#,
    )
    .status(1)
    .stderr_has("must start with postgres:// or postgresql://")
    .output_lacks("my-Secr3t-pw");
    run(
        Some("postgres://u:my-Secr3t-pw@db/app?sslmode=sometimes"),
        r#"with_lock("migrate", || 1);"#,
    )
    .status(1)
    .stderr_has("sslmode `sometimes` is not one of")
    .output_lacks("my-Secr3t-pw");
    run(
        Some("postgres://u@db/app"),
        r#"with_lock("migrate", #{ wiat: 1 }, || 1);"#,
    )
    .status(1)
    .stderr_has("unknown option `wiat` (known: url, wait)");
    run(
        Some("postgres://u@db/app"),
        r#"with_lock("migrate", #{ wait: -1 }, || 1);"#,
    )
    .status(1)
    .stderr_has("option `wait` must be zero or more seconds");
}

#[test]
fn connection_refused_names_the_host() {
    Test::new()
        .script(r#"with_lock("migrate", || 1);"#)
        .env(
            "DATABASE_URL",
            "postgres://app:refused-Secr3t@127.0.0.1:1/app",
        )
        .run()
        .status(1)
        .stderr_has("lock `migrate`: cannot connect to PostgreSQL at 127.0.0.1:1: ")
        .output_lacks("refused-Secr3t");
}

#[test]
fn allow_net_applies_to_the_database_host() {
    Test::new()
        .script(r#"with_lock("migrate", || 1);"#)
        .env("DATABASE_URL", "postgres://app@db.internal:5432/app")
        .arg("--allow-net=example.com")
        .run()
        .status(1)
        .stderr_has("network access to db.internal:5432")
        .stderr_has("--allow-net");
}
