//! The repository's own release phase (`scripts/release.rhai`) and the validate-config example.

use crate::support::Test;

fn seed() -> Test {
    let root = env!("CARGO_MANIFEST_DIR");
    Test::new()
        .arg(format!("{root}/scripts/release.rhai"))
        .env("SIMULATED_WORK_SECONDS", "0")
}

#[test]
fn seed_runs_with_the_addons() {
    let out = seed()
        .env("HEROKU_APP_NAME", "demo-app")
        .env("HEROKU_SLUG_COMMIT", "abc123def456")
        .env("DYNO", "release.1")
        .env("DATABASE_URL", "postgres://u:pw12345@localhost/db")
        .env("REDIS_URL", "redis://localhost:6379")
        .env("NEW_RELIC_LICENSE_KEY", "nr-key-123456")
        .run();
    out.status(0);
    for line in [
        "🚀 RELEASE PHASE STARTED",
        "📅 Release Time: ",
        "🏗️  Build: abc123def456",
        "📦 App: demo-app",
        "Task 1: Printing release information...",
        "Task 2: Checking environment variables...",
        "✅ DATABASE_URL is set",
        "✅ REDIS_URL is set",
        "✅ NEW_RELIC_LICENSE_KEY is set",
        "Task 3:",
        "Platform: heroku",
        "Task 4:",
        "Task 5:",
        "Task 6:",
        "✅ RELEASE PHASE COMPLETED SUCCESSFULLY",
    ] {
        out.stdout_has(line);
    }
    out.output_lacks("pw12345").output_lacks("nr-key-123456");
}

#[test]
fn seed_without_addons_warns_and_succeeds() {
    let out = seed().run();
    out.status(0)
        .stdout_has("🏗️  Build: unknown")
        .stdout_has("📦 App: unknown")
        .stdout_has("⚠️  DATABASE_URL is not set")
        .stdout_has("⚠️  REDIS_URL is not set")
        .stdout_has("RELEASE PHASE COMPLETED SUCCESSFULLY");
}

#[test]
fn seed_build_falls_back_to_source_version() {
    seed()
        .env("SOURCE_VERSION", "srcver99")
        .run()
        .status(0)
        .stdout_has("Build: srcver99");
}

#[test]
fn validate_config_names_every_missing_variable() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Test::new()
        .arg(format!("{root}/scripts/examples/validate-config.rhai"))
        .env("RAILS_ENV", "production")
        .run();
    out.status(1).stderr_has("DATABASE_URL, SECRET_KEY_BASE");
    Test::new()
        .arg(format!("{root}/scripts/examples/validate-config.rhai"))
        .env("RAILS_ENV", "production")
        .env("DATABASE_URL", "postgres://localhost/db")
        .env("SECRET_KEY_BASE", "s")
        .run()
        .status(0)
        .stdout_has("All required configuration is present");
}
