//! The command line as a Rust user expects it: boolean variables, errors naming the
//! variable a value came from, a hint for a mistyped subcommand, completions, a man page,
//! whole summaries in `rhrel api`, one platform table.

use crate::support::Test;

#[test]
fn boolean_variables_accept_the_usual_spellings() {
    for yes in ["1", "true", "yes", "on", "TRUE"] {
        Test::new()
            .script("exec(\"false\", []); log(`dry ${dry_run()}`);")
            .env("RHREL_DRY_RUN", yes)
            .run()
            .status(0)
            .output_has("dry true");
    }
    for no in ["", "0", "false", "no", "off"] {
        Test::new()
            .script("log(`dry ${dry_run()}`);")
            .env("RHREL_DRY_RUN", no)
            .run()
            .status(0)
            .output_has("dry false");
    }
}

#[test]
fn a_bad_boolean_variable_is_named() {
    Test::new()
        .script("log(1);")
        .env("RHREL_DRY_RUN", "maybe")
        .run()
        .status(2)
        .stderr_has("RHREL_DRY_RUN=maybe: expected 1/0, true/false, yes/no or on/off");
}

#[test]
fn errors_name_the_variable_a_value_came_from() {
    Test::new()
        .script("log(1);")
        .env("RHREL_TIMEOUT", "abc")
        .run()
        .status(2)
        .stderr_has("RHREL_TIMEOUT=abc: invalid duration (examples: 90s, 10m, 1m30s)");
    Test::new()
        .script("log(1);")
        .args(["--timeout", "abc"])
        .run()
        .status(2)
        .stderr_has("--timeout abc: invalid duration (examples: 90s, 10m, 1m30s)");
    Test::new()
        .script("log(1);")
        .env("RHREL_LOG_FORMAT", "xml")
        .run()
        .status(2)
        .stderr_has("RHREL_LOG_FORMAT=xml: invalid value (possible values: text, json)");
    Test::new()
        .script("log(1);")
        .env("RHREL_MAX_MEMORY", "lots")
        .run()
        .status(2)
        .stderr_has("RHREL_MAX_MEMORY=lots: ");
}

#[test]
fn a_script_named_like_a_subcommand_gets_a_hint() {
    Test::new()
        .arg("chek")
        .run()
        .status(66)
        .stderr_has("did you mean `rhrel check`?");
    Test::new()
        .arg("int")
        .run()
        .stderr_has("did you mean `rhrel init`?");
    Test::new()
        .arg("deploy.rhai")
        .run()
        .status(66)
        .stderr_lacks("did you mean");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        Test::new()
            .args(["completions", shell])
            .run()
            .status(0)
            .stdout_has("rhrel");
    }
    Test::new()
        .args(["completions", "bash"])
        .run()
        .stdout_has("_rhrel()")
        .stdout_has("--dry-run");
}

#[test]
fn man_page() {
    Test::new()
        .arg("man")
        .run()
        .status(0)
        .stdout_has(".TH rhrel")
        .stdout_has("completions");
}

#[test]
fn api_prints_whole_first_paragraphs() {
    let out = Test::new().arg("api").run();
    out.status(0);
    for name in ["exec(", "shell(", "which("] {
        let at = out
            .stdout
            .find(&format!("\n{name}"))
            .unwrap_or_else(|| panic!("{name}"));
        let summary = out.stdout[at..].lines().nth(2).unwrap().trim().to_string();
        assert!(
            summary.ends_with('.') || summary.ends_with(')') || summary.ends_with('`'),
            "{name} summary cut: {summary}"
        );
    }
}

#[test]
fn release_command_alone_is_fly_for_platform_too() {
    Test::new()
        .script("log(`on ${platform()}`);")
        .env("RELEASE_COMMAND", "1")
        .env_remove("FLY_APP_NAME")
        .env_remove("DYNO")
        .run()
        .status(0)
        .output_has("on fly");
}
