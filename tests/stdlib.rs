//! The embedded stdlib modules (those that need no child process or network), the
//! examples' paths that need neither, and the `exit` paths real release scripts take.

use crate::support::{example, Test};

#[test]
fn retry_returns_after_failures_with_doubling_delays() {
    Test::new()
        .script(
            r#"import "std/retry" as retry;
let n = 0;
let v = retry::retry(4, 0.05, || { n += 1; if n < 3 { throw `fail ${n}` } "ok-" + n });
log(v);"#,
        )
        .run()
        .status(0)
        .stdout_has("ok-3")
        .stdout_has("attempt 1/4 failed: fail 1; retrying in 0.05s")
        .stdout_has("attempt 2/4 failed: fail 2; retrying in 0.1s");
}

#[test]
fn retry_rethrows_the_last_error() {
    Test::new()
        .script(
            r#"import "std/retry" as retry;
let n = 0;
retry::retry(2, 0, || { n += 1; fail(`broken ${n}`, 9); });"#,
        )
        .run()
        .status(9)
        .stderr_has("broken 2");
}

#[test]
fn retry_does_not_swallow_exit() {
    Test::new()
        .script("import \"std/retry\" as retry;\nretry::retry(5, 0, || exit(4));\nlog(\"after\");")
        .run()
        .status(4)
        .stdout_lacks("attempt")
        .stdout_lacks("after");
}

#[test]
fn heroku_info_banner_and_review_app() {
    let script = r#"import "std/heroku" as heroku;
let i = heroku::info();
heroku::banner("TITLE");
log(`app=${i.app} rel=${i.release} commit=${i.commit} dyno=${i.dyno} at=${i.created_at} review=${i.review_app}`);"#;
    Test::new()
        .script(script)
        .env("HEROKU_APP_NAME", "myapp")
        .env("HEROKU_RELEASE_VERSION", "v42")
        .env("HEROKU_SLUG_COMMIT", "abc123")
        .env("DYNO", "release.1")
        .env("HEROKU_RELEASE_CREATED_AT", "2024-01-01T00:00:00Z")
        .env("HEROKU_PR_NUMBER", "7")
        .run()
        .status(0)
        .stdout_has("==========================================\nTITLE\n==========================================")
        .stdout_has("app=myapp rel=v42 commit=abc123 dyno=release.1 at=2024-01-01T00:00:00Z review=true");
    Test::new()
        .script(script)
        .env("SOURCE_VERSION", "srcver")
        .env_remove("HEROKU_PR_NUMBER")
        .env_remove("HEROKU_PARENT_APP_NAME")
        .env_remove("HEROKU_RELEASE_VERSION")
        .env_remove("HEROKU_RELEASE_CREATED_AT")
        .run()
        .status(0)
        .stdout_has("app= rel= commit=srcver dyno= at= review=false");
}

#[test]
fn checks_require_vars_and_warn_missing() {
    Test::new()
        .script(
            r#"import "std/checks" as checks;
let m = checks::warn_missing(["SET_ONE", "MISSING_ONE", "MISSING_TWO"]);
log(`missing=${m}`);
checks::require_vars(["SET_ONE", "MISSING_ONE", "MISSING_TWO"]);
log("not reached");"#,
        )
        .env("SET_ONE", "x")
        .run()
        .status(1)
        .stdout_has("warning: MISSING_ONE is not set")
        .stdout_has(r#"missing=["MISSING_ONE", "MISSING_TWO"]"#)
        .stderr_has("MISSING_ONE, MISSING_TWO")
        .stdout_lacks("not reached");
}

#[test]
fn fun_motivates_with_the_seed_messages() {
    Test::new()
        .script(
            r#"import "std/fun" as fun;
let m = fun::motivate();
log(`ok=${fun::messages().contains(m)} n=${fun::messages().len()}`);"#,
        )
        .run()
        .status(0)
        .stdout_has("ok=true n=5");
}

#[test]
fn migrate_detects_each_tool_from_its_files() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("rails", &[("bin/rails", "")]),
        ("rails", &[("config/application.rb", "")]),
        ("django", &[("manage.py", "")]),
        ("prisma", &[("prisma/schema.prisma", "")]),
        ("sequelize", &[(".sequelizerc", "")]),
        (
            "sequelize",
            &[
                ("config/config.json", "{}"),
                ("package.json", r#"{"dependencies":{"sequelize":"6"}}"#),
            ],
        ),
        ("knex", &[("knexfile.js", "")]),
        ("alembic", &[("alembic.ini", "")]),
        ("flyway", &[("flyway.conf", "")]),
        ("diesel", &[("diesel.toml", "")]),
        ("golang-migrate", &[("migrations/0001_init.up.sql", "")]),
        (
            "none",
            &[("config/config.json", "{}"), ("package.json", "{}")],
        ),
        ("none", &[("migrations/readme.txt", "")]),
    ];
    for (tool, files) in cases {
        let mut t = Test::new().script(
            "import \"std/migrate\" as migrate;\nlog(`tool=${migrate::detect() ?? \"none\"}`);",
        );
        for (path, text) in files.iter() {
            t = t.file(path, text);
        }
        t.run().status(0).stdout_has(&format!("tool={tool}\n"));
    }
}

#[test]
fn migrate_commands_are_non_interactive() {
    Test::new()
        .script(
            r#"import "std/migrate" as migrate;
for t in ["rails", "django", "prisma", "sequelize", "knex", "alembic", "flyway", "diesel", "golang-migrate"] {
    let c = migrate::command(t);
    log(`${t}: ${c.program} ${c.args}`);
}"#,
        )
        .env("DATABASE_URL", "postgres://localhost/db")
        .run()
        .status(0)
        .stdout_has(r#"rails: bundle ["exec", "rails", "db:migrate"]"#)
        .stdout_has(r#"django: python ["manage.py", "migrate", "--noinput"]"#)
        .stdout_has(r#"prisma: npx ["prisma", "migrate", "deploy"]"#)
        .stdout_has(r#"sequelize: npx ["sequelize-cli", "db:migrate"]"#)
        .stdout_has(r#"knex: npx ["knex", "migrate:latest"]"#)
        .stdout_has(r#"alembic: alembic ["upgrade", "head"]"#)
        .stdout_has(r#"flyway: flyway ["migrate"]"#)
        .stdout_has(r#"diesel: diesel ["migration", "run"]"#)
        .stdout_has(r#"golang-migrate: migrate ["-path", "migrations", "-database", "#);
}

#[test]
fn migrate_run_fails_clearly_when_nothing_is_detected() {
    Test::new()
        .script("import \"std/migrate\" as migrate;\nmigrate::run();")
        .run()
        .status(1)
        .stderr_has("no migration tool detected in the working directory")
        .stderr_has("manage.py");
    Test::new()
        .script("import \"std/migrate\" as migrate;\nmigrate::command(\"golang-migrate\");")
        .run()
        .status(1)
        .stderr_has("golang-migrate needs DATABASE_URL");
}

#[test]
fn review_app_skip_exits_zero_on_a_review_app() {
    example("review-app-skip.rhai")
        .env("HEROKU_PR_NUMBER", "123")
        .run()
        .status(0)
        .stdout_has("Review app (PR #123): skipping migrations")
        .output_lacks("migrate");
}

#[test]
fn migrate_example_fails_without_a_tool() {
    example("migrate.rhai")
        .run()
        .status(1)
        .stderr_has("no migration tool found in the app directory");
}

#[test]
fn notify_example_only_warns_without_a_webhook() {
    example("notify.rhai")
        .run()
        .status(0)
        .stdout_has("warning: SLACK_WEBHOOK_URL is not set: no notification sent");
}

#[test]
fn exit_skips_the_rest_on_a_feature_flag() {
    let script = r#"if env("SKIP_MIGRATIONS", "") == "1" { log("skipping: flag on"); exit(); }
log("migrating");"#;
    Test::new()
        .script(script)
        .env("SKIP_MIGRATIONS", "1")
        .run()
        .status(0)
        .stdout_has("skipping: flag on")
        .stdout_lacks("migrating");
    Test::new()
        .script(script)
        .run()
        .status(0)
        .stdout_has("migrating");
}

#[test]
fn exit_passes_a_code_through() {
    Test::new()
        .script("let code = parse_int(env(\"CHILD_CODE\")); try { exit(code); } catch { log(\"caught\"); }")
        .env("CHILD_CODE", "3")
        .run()
        .status(3)
        .stdout_lacks("caught");
}
