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
         // task(\"seed\", || exec(\"./bin/seed\", []));\n\
         // When a webhook is set, tell the team about a failed release (once rhrel has\n\
         // `on_failure`):\n\
         // if env(\"RELEASE_WEBHOOK_URL\") != () { on_failure(|e| http_post(env(\"RELEASE_WEBHOOK_URL\"), #{text: `release failed: ${e}`})); }\n",
    );
    out
}

/// `scripts/release.test.rhai`: a commented stub, since `rhrel test` does not exist yet.
pub(crate) fn release_test(framework: Option<&Framework>) -> String {
    let command = framework.map_or("./bin/migrate".to_string(), Framework::command_line);
    format!(
        "// Tests of scripts/release.rhai, for `rhrel test` (not in this version of rhrel yet:\n\
         // this file is a stub to fill in once it is). A stand-in for the migration command\n\
         // lets the release run without a database, e.g.:\n\
         //\n\
         // stub(\"{command}\", #{{ exit: 0, stdout: \"migrated\" }});\n\
         // let result = run_release();\n\
         // assert(result.ok);\n"
    )
}
