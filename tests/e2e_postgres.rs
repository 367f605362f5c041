//! migrate-postgres.rhai and the seed's release phase against a real PostgreSQL (and Redis)
//! started by the test on loopback: applying, skipping, rolling back, and a migration stuck
//! on a lock ended by `--timeout`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::services::{
    eventually, processes_with, Guard, Postgres, Redis, PG_PASSWORD, REDIS_PASSWORD,
};
use crate::support::Test;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// migrate-postgres.rhai with DATABASE_URL pointing at `pg`, in a temp dir.
fn migrate(pg: &Postgres) -> Test {
    Test::new()
        .arg(format!("{ROOT}/scripts/examples/migrate-postgres.rhai"))
        .env("DATABASE_URL", &pg.url())
        .env("PATH", &pg.path())
        .env_remove("MIGRATIONS_DIR")
}

/// The repository's sample migrations, copied to `db/migrations` of the test's temp dir.
fn with_sample_migrations(mut t: Test) -> Test {
    let dir = Path::new(ROOT).join("db/migrations");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let sql = std::fs::read_to_string(dir.join(&name)).unwrap();
        t = t.file(&format!("db/migrations/{name}"), sql);
    }
    t
}

fn applied(pg: &Postgres) -> String {
    pg.query("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations")
}

#[test]
fn migrations_apply_once_then_nothing() {
    let Some(pg) = Postgres::start() else { return };
    with_sample_migrations(migrate(&pg))
        .run()
        .status(0)
        .stdout_has("3 migration(s) in db/migrations: 0 already applied, 3 to apply")
        .stdout_has("✅ 001_create_users.sql")
        .stdout_has("✅ 003_add_users_name.sql")
        .stdout_has("✅ Migrations completed: 3 applied")
        .stderr_has("✔ migrate 002_create_deploys.sql")
        .output_lacks(PG_PASSWORD);
    assert_eq!(applied(&pg), "001,002,003");
    assert_eq!(
        pg.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"),
        "1"
    );

    with_sample_migrations(migrate(&pg))
        .run()
        .status(0)
        .stdout_has("3 already applied, 0 to apply")
        .stdout_has("✅ Migrations completed: 0 applied")
        .stderr_lacks("▶ migrate 0")
        .output_lacks(PG_PASSWORD);

    // A new migration, given by MIGRATIONS_DIR: only it is applied.
    with_sample_migrations(migrate(&pg))
        .file(
            "db/migrations/004_add_deploys_note.sql",
            "ALTER TABLE deploys ADD COLUMN note text;\n",
        )
        .file("db/migrations/README.md", "not a migration")
        .env("MIGRATIONS_DIR", "db/migrations")
        .run()
        .status(0)
        .stdout_has("3 already applied, 1 to apply")
        .stdout_has("✅ 004_add_deploys_note.sql")
        .stdout_has("1 applied");
    assert_eq!(applied(&pg), "001,002,003,004");
}

#[test]
fn broken_migration_exits_1_and_leaves_the_schema_unchanged() {
    let Some(pg) = Postgres::start() else { return };
    migrate(&pg)
        .file("m/001_create_t.sql", "CREATE TABLE t (id int);\n")
        .file(
            "m/002_broken.sql",
            "CREATE TABLE half_done (id int);\nALTER TABLE t ADD COLUMN x int;\nSELEC oops;\n",
        )
        .file("m/003_never.sql", "CREATE TABLE never (id int);\n")
        .args(["--", "m"])
        .run()
        .status(1)
        .stdout_has("✅ 001_create_t.sql")
        .stdout_lacks("✅ 002")
        .stderr_has("psql:m/002_broken.sql:3: ERROR:  syntax error")
        .stderr_has("migration 002_broken.sql failed (psql exited with code 3); it was rolled back")
        .stderr_lacks("▶ migrate 003")
        .output_lacks(PG_PASSWORD);
    assert_eq!(applied(&pg), "001");
    assert_eq!(
        pg.query("SELECT coalesce(to_regclass('half_done')::text, 'none') || ',' || coalesce(to_regclass('never')::text, 'none')"),
        "none,none"
    );
    assert_eq!(
        pg.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 't'"),
        "1"
    );
}

#[test]
fn a_migration_blocked_by_a_lock_is_ended_by_the_timeout() {
    let Some(pg) = Postgres::start() else { return };
    let create = ("m/001_create_t.sql", "CREATE TABLE t (id int);\n");
    migrate(&pg)
        .file(create.0, create.1)
        .args(["--", "m"])
        .run()
        .status(0);

    // Another session takes the table and keeps it.
    let _holder = Guard(
        pg.psql()
            .arg("-c")
            .arg("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let locked = "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                  WHERE c.relname = 't' AND l.mode = 'AccessExclusiveLock' AND l.granted";
    assert!(
        eventually(Duration::from_secs(10), || pg.query(locked) == "1"),
        "the lock holder never got its lock"
    );

    let mut running = migrate(&pg)
        .file(create.0, create.1)
        .file("m/002_add_x.sql", "ALTER TABLE t ADD COLUMN x int;\n")
        .args(["--timeout", "3s", "--", "m"])
        .spawn();
    // Its psql waits for the lock (its command line names the file and this server's port).
    let port = format!(":{}/", pg.port);
    let blocked = || processes_with(&["psql", "m/002_add_x.sql", &port]);
    assert!(
        eventually(Duration::from_secs(5), || !blocked().is_empty()),
        "the migration's psql never ran"
    );
    let waiting_for_lock = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                            AND query LIKE 'ALTER TABLE t ADD%' AND pid <> pg_backend_pid()";
    assert!(
        eventually(Duration::from_secs(5), || pg.query(waiting_for_lock) == "1"),
        "the migration never waited for the lock"
    );
    let out = running.wait_bounded(Duration::from_secs(30));
    out.status(124)
        .stderr_has("▶ migrate 002_add_x.sql")
        .stderr_has("timed out after 3s")
        .output_lacks(PG_PASSWORD)
        .took_less_than(Duration::from_secs(12));

    // The blocked psql is gone, and so is its backend: the server notices the closed
    // connection within client_connection_check_interval.
    assert!(
        eventually(Duration::from_secs(5), || blocked().is_empty()),
        "the blocked psql is still running: {:?}",
        blocked()
    );
    let waiting = "SELECT count(*) FROM pg_stat_activity \
                   WHERE query LIKE 'ALTER TABLE t ADD%' AND pid <> pg_backend_pid()";
    assert!(
        eventually(Duration::from_secs(5), || pg.query(waiting) == "0"),
        "the blocked backend is still there"
    );
    assert_eq!(applied(&pg), "001");

    // The script's own per-migration bound ends it too, as a failed release (exit 1).
    migrate(&pg)
        .file(create.0, create.1)
        .file("m/002_add_x.sql", "ALTER TABLE t ADD COLUMN x int;\n")
        .env("MIGRATION_TIMEOUT", "2")
        .args(["--", "m"])
        .run()
        .status(1)
        .stderr_has("migration 002_add_x.sql failed (timed out after 2s); it was rolled back")
        .took_less_than(Duration::from_secs(12));
    assert!(eventually(Duration::from_secs(5), || blocked().is_empty()));

    // Or PostgreSQL's own lock_timeout, through PGOPTIONS.
    migrate(&pg)
        .file(create.0, create.1)
        .file("m/002_add_x.sql", "ALTER TABLE t ADD COLUMN x int;\n")
        .env("PGOPTIONS", "-c lock_timeout=500ms")
        .args(["--", "m"])
        .run()
        .status(1)
        .stderr_has("canceling statement due to lock timeout")
        .stderr_has("migration 002_add_x.sql failed (psql exited with code 3)");
    assert_eq!(applied(&pg), "001");
}

#[test]
fn a_wrong_password_fails_clearly_without_printing_it() {
    let Some(pg) = Postgres::start() else { return };
    migrate(&pg)
        .env("DATABASE_URL", &pg.url_with_password("wr0ng-Passw0rd"))
        .file("m/001_create_t.sql", "CREATE TABLE t (id int);\n")
        .args(["--", "m"])
        .run()
        .status(1)
        .stderr_has("cannot read schema_migrations: ")
        .stderr_has("password authentication failed for user \"rhrel\"")
        .output_lacks("wr0ng-Passw0rd");
}

#[test]
fn the_seed_release_phase_runs_with_live_services() {
    let Some(pg) = Postgres::start() else { return };
    let Some(redis) = Redis::start() else { return };
    // Both answer: the URLs the release sees are live.
    assert_eq!(pg.query("SELECT 1"), "1");
    assert_eq!(redis.cli(&["PING"]), "PONG");
    let out = Test::new()
        .arg(format!("{ROOT}/scripts/release.rhai"))
        .env("SIMULATED_WORK_SECONDS", "0")
        .env("DATABASE_URL", &pg.url())
        .env("REDIS_URL", &redis.url())
        .env("HEROKU_APP_NAME", "e2e-app")
        .env("DYNO", "release.1")
        .run();
    out.status(0)
        .stdout_has("✅ DATABASE_URL is set")
        .stdout_has("✅ REDIS_URL is set")
        .stdout_has("✅ RELEASE PHASE COMPLETED SUCCESSFULLY")
        .output_lacks(PG_PASSWORD)
        .output_lacks(REDIS_PASSWORD);
}
