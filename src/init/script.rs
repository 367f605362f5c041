//! The release script `rhrel init` writes: required variables checked, the migration in a
//! task, and optional steps commented out; plus the commented stub of its test file.

use crate::init::framework::Framework;

/// `scripts/release.rhai` for `framework` (`None`: the generic script). `note` lines (the
/// detection reason, a replaced release command) go into the header comment.
pub(crate) fn release(framework: Option<&Framework>, notes: &[String]) -> String {
    let mut out = String::from(
        "// The release phase of this app, run before the new version takes traffic; a\n\
         // non-zero exit stops the deploy. Written by `rhrel init`: edit it freely.\n\
         // Try it without side effects: rhrel scripts/release.rhai --dry-run\n",
    );
    for note in notes {
        out.push_str(&format!("// {note}\n"));
    }
    out.push('\n');
    out.push_str(NOTIFY);
    match framework {
        Some(f) => {
            out.push_str("import \"std/migrate\" as migrate;\n\n");
            if !f.required.is_empty() {
                let names = f
                    .required
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push_str(&format!(
                    "// Fail before changing anything when a variable the release needs is unset.\n\
                     require_env([{names}]);\n\n"
                ));
            }
            out.push_str(&format!(
                "// {}: {}\n\
                 // With a postgres:// DATABASE_URL, migrate::run holds the advisory lock `migrate`\n\
                 // (with_lock), so two releases never migrate the database at once.\n\
                 task(\"migrate\", || migrate::run(\"{}\"));\n",
                f.name,
                f.command_line(),
                f.name
            ));
        }
        None => out.push_str(
            "// No framework was detected: add the release's steps as tasks, e.g.\n\
             // task(\"migrate\", || exec(\"./bin/migrate\", []));\n\
             log(\"release: nothing to do yet (edit scripts/release.rhai)\");\n",
        ),
    }
    out.push_str(
        "\n// Optional steps: uncomment what this app needs.\n\
         // task(\"warm cache\", || http_get(`${env(\"APP_URL\")}/health`));\n\
         // task(\"seed\", || exec(\"./bin/seed\", []));\n",
    );
    out
}

/// The failure notification, placed before the steps so it covers them: a JSON POST of the
/// outcome to `RELEASE_WEBHOOK_URL` when that is set (`std/notify`).
const NOTIFY: &str = "import \"std/notify\" as notify;\n\
    // When RELEASE_WEBHOOK_URL is set, a failed release is posted there (outcome, exit code,\n\
    // error, task; secrets masked).\n\
    notify::on_failure_webhook(env(\"RELEASE_WEBHOOK_URL\"));\n\n";

/// The `DATABASE_URL` the generated tests give the simulated release.
const TEST_DATABASE_URL: &str = "postgres://app:test-secret@db.internal:5432/app";

/// `scripts/release.test.rhai`: `rhrel test` cases for the script `release` writes: the
/// migration runs, a failed one fails the release (and the password never shows), and one
/// that outlasts the deadline ends in 124.
pub(crate) fn release_test(framework: Option<&Framework>) -> String {
    let mut out = String::from(
        "// Tests of scripts/release.rhai, run by `rhrel test`: the script runs against\n\
         // stand-ins (no process starts, nothing connects) on a simulated clock.\n\n",
    );
    let Some(f) = framework else {
        out.push_str(
            "test(\"the release runs\", || {\n    \
                 let r = simulate(\"release.rhai\", #{});\n    \
                 assert_eq(r.exit_code, 0);\n\
             });\n",
        );
        return out;
    };
    let env = f
        .required
        .iter()
        .map(|name| {
            let value = if *name == "DATABASE_URL" {
                TEST_DATABASE_URL
            } else {
                "test-value"
            };
            format!("{name}: \"{value}\"")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let args = f
        .args
        .iter()
        .map(|a| format!("\"{}\"", a.replace("$DATABASE_URL", TEST_DATABASE_URL)))
        .collect::<Vec<_>>()
        .join(", ");
    out.push_str(&format!(
        "// The environment a release gets, and the migration's stand-in with `extra` on top.\n\
         fn env_vars() {{ #{{ {env} }} }}\n\
         fn migration(extra) {{\n    \
             let m = #{{ program: \"{program}\", args: [{args}] }};\n    \
             m += extra;\n    \
             m\n\
         }}\n\n\
         test(\"the migration runs\", || {{\n    \
             let r = simulate(\"release.rhai\", #{{ env: env_vars(), exec: [migration(#{{}})] }});\n    \
             assert_eq(r.exit_code, 0);\n    \
             assert_eq(r.execs[0].program, \"{program}\");\n\
         }});\n\n\
         test(\"a failed migration fails the release, without showing the password\", || {{\n    \
             let r = simulate(\"release.rhai\", #{{\n        \
                 env: env_vars(),\n        \
                 exec: [migration(#{{ code: 1, stderr: \"migration failed\\n\" }})],\n    \
             }});\n    \
             assert_ne(r.exit_code, 0);\n    \
             assert(!r.output.contains(\"test-secret\"), \"the password was printed\");\n\
         }});\n\n\
         test(\"a migration that outlasts the deadline ends in 124\", || {{\n    \
             let r = simulate(\"release.rhai\", #{{\n        \
                 env: env_vars(),\n        \
                 timeout: \"5m\",\n        \
                 exec: [migration(#{{ takes: \"10m\" }})],\n    \
             }});\n    \
             assert_eq(r.exit_code, 124);\n\
         }});\n",
        program = f.program,
    ));
    out
}
