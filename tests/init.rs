//! `rhrel init`: fixture apps holding only their marker files, for each framework and
//! platform; the generated script is check-clean and its dry run names the migration.

use std::time::Duration;

use crate::support::{Outcome, Running, Test};

/// Runs `t` and keeps its temp dir (the app) alive while the `Running` is held.
fn kept(t: Test) -> (Running, Outcome) {
    let mut running = t.spawn();
    let out = running.wait_bounded(Duration::from_secs(60));
    (running, out)
}

fn init(files: &[(&str, &str)]) -> Test {
    let mut t = Test::new().env("NO_COLOR", "1").arg("init");
    for (path, body) in files {
        t = t.file(path, body);
    }
    t
}

/// Each framework's markers and the command its dry run must show.
/// (framework, marker files, the command its dry run shows).
type Fixture = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

const FRAMEWORKS: &[Fixture] = &[
    (
        "rails",
        &[("bin/rails", "")],
        "bundle exec rails db:migrate",
    ),
    (
        "rails",
        &[("Gemfile", "gem \"rails\", \"~> 7.1\"\n")],
        "bundle exec rails db:migrate",
    ),
    (
        "django",
        &[("manage.py", "")],
        "python manage.py migrate --noinput",
    ),
    ("laravel", &[("artisan", "")], "php artisan migrate --force"),
    (
        "phoenix",
        &[("mix.exs", "{:phoenix, \"~> 1.7\"}\n")],
        "bin/migrate",
    ),
    (
        "prisma",
        &[("prisma/schema.prisma", "")],
        "npx prisma migrate deploy",
    ),
    ("knex", &[("knexfile.js", "")], "npx knex migrate:latest"),
    (
        "sequelize",
        &[(".sequelizerc", "")],
        "npx sequelize-cli db:migrate",
    ),
    (
        "sequelize",
        &[(
            "package.json",
            "{\"devDependencies\": {\"sequelize-cli\": \"6\"}}",
        )],
        "npx sequelize-cli db:migrate",
    ),
    (
        "typeorm",
        &[("package.json", "{\"dependencies\": {\"typeorm\": \"0.3\"}}")],
        "npx typeorm migration:run",
    ),
    ("alembic", &[("alembic.ini", "")], "alembic upgrade head"),
    (
        "flask-migrate",
        &[("requirements.txt", "Flask-Migrate==4.0\n")],
        "flask db upgrade",
    ),
    (
        "goose",
        &[("go.mod", "require github.com/pressly/goose/v3 v3.20.0\n")],
        "goose -dir migrations postgres postgres://u:p@127.0.0.1/db up",
    ),
    (
        "golang-migrate",
        &[("go.mod", "module x\n"), ("migrations/1_init.up.sql", "")],
        "migrate -path migrations -database postgres://u:p@127.0.0.1/db up",
    ),
];

#[test]
fn each_framework_is_detected_checked_and_dry_runs_its_migration() {
    for (name, files, command) in FRAMEWORKS {
        let (_dir, out) = kept(init(files));
        out.status(0)
            .stdout_has(&format!("framework: {name} ("))
            .stdout_has("created scripts/release.rhai")
            .stdout_has("created scripts/release.test.rhai");
        let dir = out.dir.clone();
        let script = std::fs::read_to_string(dir.join("scripts/release.rhai")).unwrap();
        assert!(
            script.contains(&format!("migrate::run(\"{name}\")")),
            "{script}"
        );
        Test::new()
            .current_dir(&dir)
            .args(["check", "scripts/release.rhai"])
            .env("NO_COLOR", "1")
            .run()
            .status(0)
            .stdout_has("1 file checked, no problems");
        Test::new()
            .current_dir(&dir)
            .args(["scripts/release.rhai", "--dry-run"])
            .env("DATABASE_URL", "postgres://u:p@127.0.0.1/db")
            .run()
            .status(0)
            .output_has(&format!("would run: {command}"));
        // The generated tests pass as written: the migration, its failure, the deadline.
        Test::new()
            .current_dir(&dir)
            .args(["test", "scripts"])
            .run()
            .status(0)
            .stdout_has("3 passed, 0 failed");
        Test::new()
            .current_dir(&dir)
            .args(["check", "scripts/release.test.rhai"])
            .env("NO_COLOR", "1")
            .run()
            .status(0)
            .stdout_has("1 file checked, no problems");
    }
}

#[test]
fn the_reason_is_shown() {
    init(&[("manage.py", "")])
        .run()
        .status(0)
        .stdout_has("framework: django (manage.py exists); migrations run with `python manage.py migrate --noinput`");
}

#[test]
fn nothing_detected_writes_the_generic_script() {
    let (_dir, out) = kept(init(&[]));
    out.status(0)
        .stdout_has("framework: none detected")
        .stdout_has("platform: none detected");
    Test::new()
        .current_dir(&out.dir)
        .args(["check", "scripts/release.rhai"])
        .run()
        .status(0);
    Test::new()
        .current_dir(&out.dir)
        .args(["test", "scripts"])
        .run()
        .status(0)
        .stdout_has("1 passed, 0 failed");
}

#[test]
fn framework_flag_overrides_and_unknown_is_a_usage_error() {
    let (_dir, out) = kept(init(&[]).args(["--framework", "alembic"]));
    out.status(0);
    let script = std::fs::read_to_string(out.dir.join("scripts/release.rhai")).unwrap();
    assert!(script.contains("migrate::run(\"alembic\")"));
    init(&[])
        .args(["--framework", "cobol"])
        .run()
        .status(2)
        .stderr_has("unknown framework `cobol` (known: rails, django");
}

#[test]
fn procfile_release_line_is_replaced_and_shown() {
    let (_dir, out) = kept(init(&[
        ("manage.py", ""),
        (
            "Procfile",
            "web: gunicorn app:app\nrelease: ./release-tasks.sh\nworker: celery\n",
        ),
    ]));
    out.status(0)
        .stdout_has("platform: heroku (Procfile exists)")
        .stdout_has("release line was `release: ./release-tasks.sh`");
    assert_eq!(
        std::fs::read_to_string(out.dir.join("Procfile")).unwrap(),
        "web: gunicorn app:app\nrelease: rhrel scripts/release.rhai\nworker: celery\n"
    );
    let script = std::fs::read_to_string(out.dir.join("scripts/release.rhai")).unwrap();
    assert!(script.contains("./release-tasks.sh"), "{script}");
    Test::new()
        .current_dir(&out.dir)
        .args(["check"])
        .run()
        .status(0)
        .stdout_has("Procfile: release runs scripts/release.rhai");
}

#[test]
fn procfile_line_is_added_for_dokku() {
    let (_dir, out) = kept(init(&[("manage.py", ""), ("app.json", "{}")]));
    out.status(0)
        .stdout_has("platform: dokku (app.json exists)");
    assert_eq!(
        std::fs::read_to_string(out.dir.join("Procfile")).unwrap(),
        "release: rhrel scripts/release.rhai\n"
    );
}

#[test]
fn fly_toml_keeps_comments_and_other_keys() {
    let fly = "# fly.toml app configuration\napp = \"demo\"  # the app\n\n[build]\n  # Dockerfile build\n  dockerfile = \"Dockerfile\"\n\n[deploy]\n  strategy = \"rolling\" # no downtime\n";
    let (_dir, out) = kept(init(&[("manage.py", ""), ("fly.toml", fly)]));
    out.status(0).stdout_has("platform: fly (fly.toml exists)");
    let text = std::fs::read_to_string(out.dir.join("fly.toml")).unwrap();
    assert!(text.starts_with("# fly.toml app configuration\napp = \"demo\"  # the app\n\n[build]\n  # Dockerfile build\n  dockerfile = \"Dockerfile\"\n"), "{text}");
    assert!(
        text.contains("strategy = \"rolling\" # no downtime\n"),
        "{text}"
    );
    assert!(
        text.contains("release_command = \"rhrel scripts/release.rhai\""),
        "{text}"
    );
}

#[test]
fn broken_fly_toml_is_an_error_and_nothing_is_written() {
    let (_dir, out) = kept(init(&[
        ("manage.py", ""),
        ("fly.toml", "app = \"demo\n[deploy\n"),
    ]));
    out.status(1)
        .stderr_has("fly.toml is not valid TOML")
        .stderr_has("nothing was changed");
    assert!(!out.dir.join("scripts").exists());
    assert_eq!(
        std::fs::read_to_string(out.dir.join("fly.toml")).unwrap(),
        "app = \"demo\n[deploy\n"
    );
}

#[test]
fn render_yaml_gets_a_pre_deploy_command() {
    let yaml = "services:\n  # the site\n  - type: web\n    name: site\n    runtime: python\n";
    let (_dir, out) = kept(init(&[("manage.py", ""), ("render.yaml", yaml)]));
    out.status(0)
        .stdout_has("platform: render (render.yaml exists)");
    assert_eq!(
        std::fs::read_to_string(out.dir.join("render.yaml")).unwrap(),
        "services:\n  # the site\n  - type: web\n    preDeployCommand: rhrel scripts/release.rhai\n    name: site\n    runtime: python\n"
    );
}

#[test]
fn railway_json_and_toml_get_a_pre_deploy_command() {
    let (_dir, out) = kept(init(&[
        ("manage.py", ""),
        (
            "railway.json",
            "{\n  \"build\": {\"builder\": \"NIXPACKS\"}\n}\n",
        ),
    ]));
    out.status(0)
        .stdout_has("platform: railway (railway.json exists)");
    let text = std::fs::read_to_string(out.dir.join("railway.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["deploy"]["preDeployCommand"][0],
        "rhrel scripts/release.rhai"
    );
    assert_eq!(v["build"]["builder"], "NIXPACKS");
    let (_dir, out) = kept(init(&[
        ("manage.py", ""),
        (
            "railway.toml",
            "# railway\n[build]\nbuilder = \"NIXPACKS\"\n",
        ),
    ]));
    out.status(0);
    let text = std::fs::read_to_string(out.dir.join("railway.toml")).unwrap();
    assert!(
        text.starts_with("# railway\n[build]\nbuilder = \"NIXPACKS\"\n"),
        "{text}"
    );
    assert!(
        text.contains("[deploy]\npreDeployCommand = [\"rhrel scripts/release.rhai\"]"),
        "{text}"
    );
}

#[test]
fn kubernetes_gets_a_helm_hook_job() {
    let (_dir, out) = kept(init(&[("manage.py", ""), ("Chart.yaml", "name: app\n")]));
    out.status(0)
        .stdout_has("platform: kubernetes (Chart.yaml exists)")
        .stdout_has("created deploy/rhrel-release-job.yaml");
    let job = std::fs::read_to_string(out.dir.join("deploy/rhrel-release-job.yaml")).unwrap();
    assert!(
        job.contains("\"helm.sh/hook\": pre-install,pre-upgrade"),
        "{job}"
    );
    assert!(job.contains("activeDeadlineSeconds: 660"), "{job}");
    assert!(job.contains("\"--timeout\", \"10m\""), "{job}");
}

#[test]
fn existing_script_is_not_overwritten_without_force() {
    let t = init(&[
        ("manage.py", ""),
        ("scripts/release.rhai", "log(\"mine\");\n"),
    ]);
    let (_dir, out) = kept(t);
    out.status(1)
        .stderr_has("`scripts/release.rhai` already exists; pass --force");
    assert_eq!(
        std::fs::read_to_string(out.dir.join("scripts/release.rhai")).unwrap(),
        "log(\"mine\");\n"
    );
    assert!(!out.dir.join("scripts/release.test.rhai").exists());
    let forced = Test::new()
        .current_dir(&out.dir)
        .args(["init", "--force"])
        .run();
    forced
        .status(0)
        .stdout_has("overwrote scripts/release.rhai");
    let text = std::fs::read_to_string(out.dir.join("scripts/release.rhai")).unwrap();
    assert!(text.contains("migrate::run(\"django\")"));
}

#[test]
fn dry_run_prints_diffs_and_writes_nothing() {
    let (_dir, out) =
        kept(init(&[("bin/rails", ""), ("Procfile", "web: bin/web\n")]).arg("--dry-run"));
    out.status(0)
        .stdout_has("--- /dev/null\n+++ b/scripts/release.rhai\n")
        .stdout_has("+task(\"migrate\", || migrate::run(\"rails\"));\n")
        .stdout_has("--- a/Procfile\n+++ b/Procfile\n")
        .stdout_has(" web: bin/web\n+release: rhrel scripts/release.rhai\n")
        .stdout_has("nothing was written");
    assert!(!out.dir.join("scripts").exists());
    assert_eq!(
        std::fs::read_to_string(out.dir.join("Procfile")).unwrap(),
        "web: bin/web\n"
    );
}

#[test]
fn a_second_init_changes_nothing() {
    let (_dir, out) = kept(init(&[("manage.py", ""), ("Procfile", "web: x\n")]));
    out.status(0);
    Test::new()
        .current_dir(&out.dir)
        .args(["init", "--dry-run"])
        .run()
        .status(0)
        .stdout_has("dry run: 0 files would change");
}

#[test]
fn missing_directory_is_a_clear_error() {
    init(&[])
        .arg("no/such/dir")
        .run()
        .status(66)
        .stderr_has("cannot read the directory `no/such/dir`");
}
