//! Each form of the README's masking table, through a log line and through a child's relayed
//! output; the sources of secrets (webhook and DSN variables, credential headers, the floor);
//! a masker that cannot be built; a long secret and a signal during start-up; `--allow-exec`
//! against a child's `env.PATH`.

use std::time::Duration;

use base64::Engine as _;

use crate::support::Test;

/// Runs a script that logs `form.txt` and has a child print it, with `secrets` in the
/// environment; returns what came out.
fn shown(secrets: &[(&str, &str)], form: &str) -> crate::support::Outcome {
    let mut test = Test::new().file("form.txt", form);
    for (name, value) in secrets {
        test = test.env(name, value);
    }
    test.script(
        r#"let f = read_file("form.txt");
        log(`log: ${f}`);
        shell("printf 'child: '; cat form.txt; echo");"#,
    )
    .run()
}

/// `form` of a secret shows as `masked` in both paths, and the form itself nowhere.
#[track_caller]
fn masks(secrets: &[(&str, &str)], form: &str, masked: &str) {
    let out = shown(secrets, form);
    out.status(0)
        .output_lacks(form)
        .stdout_has(&format!("log: {masked}"))
        .stdout_has(&format!("child: {masked}"));
    for (_, secret) in secrets {
        out.output_lacks(secret.trim_end());
    }
}

#[test]
fn shell_quoted() {
    let s = [("DB_PASSWORD", "pa'ss w0rd!")];
    masks(&s, r#"+ login 'pa'\''ss w0rd!'"#, "+ login '***'");
    masks(&s, r"pa\'ss\ w0rd\!", "***");
}

#[test]
fn backslash_escapes_applied_or_removed() {
    masks(&[("API_SECRET", r#"abc\\def\"x"#)], r#"abc\def"x"#, "***");
    masks(&[("API_SECRET", r#"abc\def"x"#)], r#"abc\\def\"x"#, "***");
}

#[test]
fn url_safe_base64_at_every_alignment() {
    let secret = "s3cr3t?>~value";
    for prefix in ["", "a", "ab"] {
        for suffix in ["", "z", "zz"] {
            let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("{prefix}{secret}{suffix}"));
            let first = prefix.len() * 8 / 6;
            let last = ((prefix.len() + secret.len()) * 8)
                .div_ceil(6)
                .min(encoded.len());
            let masked = format!("{}***{}", &encoded[..first], &encoded[last..]);
            masks(&[("API_TOKEN", secret)], &encoded, &masked);
        }
    }
}

#[test]
fn html_entities() {
    masks(
        &[("APP_PASSWORD", "Pass<word>")],
        "<b>Pass&lt;word&gt;</b>",
        "<b>***</b>",
    );
}

#[test]
fn doubled_single_quotes() {
    masks(
        &[("APP_PASSWORD", "it's-s3cret")],
        "pw: 'it''s-s3cret'",
        "pw: '***'",
    );
}

#[test]
fn overlapping_secrets() {
    masks(
        &[
            ("FIRST_SECRET", "ipsum dolor"),
            ("SECOND_SECRET", "dolor sit"),
        ],
        "Lorem ipsum dolor sit amet",
        "Lorem *** amet",
    );
}

#[test]
fn multiline_secrets_split_on_cr_too() {
    for sep in ["\n", "\r\n", "\r"] {
        let secret = format!("line-one-abc{sep}line-two-def");
        masks(&[("PRIVATE_PEM", &secret)], "a line-two-def b", "a *** b");
        masks(&[("PRIVATE_PEM", &secret)], "line-one-abc", "***");
    }
}

#[test]
fn json_escaped_secret_ending_in_a_quote() {
    let json = serde_json::to_string(&serde_json::json!({"pw": "s3cr3t-value\""})).unwrap();
    masks(
        &[("API_SECRET", "s3cr3t-value\"")],
        &json,
        r#"{"pw":"***"}"#,
    );
}

#[test]
fn pem_followed_by_a_newline_keeps_it() {
    let pem = "-----BEGIN KEY-----\nMIIabcdefgh\n-----END KEY-----\n";
    shown(&[("PRIVATE_KEY", pem)], &format!("{pem}next line"))
        .status(0)
        .output_lacks("MIIabcdefgh")
        .stdout_has("log: ***\nnext line")
        .stdout_has("child: ***\nnext line");
}

#[test]
fn webhook_and_dsn_variables() {
    let hook = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXtoken";
    let dsn = "https://0123456789abcdef@o1.ingest.sentry.io/1";
    let env = [("SLACK_WEBHOOK_URL", hook), ("SENTRY_DSN", dsn)];
    masks(&env, &format!("posting to {hook}"), "posting to ***");
    masks(&env, "sentry key 0123456789abcdef", "sentry key ***");
}

#[test]
fn credential_headers_become_secrets() {
    for header in [
        "X-Api-Key",
        "Api-Key",
        "X-Auth-Token",
        "Private-Token",
        "Cookie",
        "Proxy-Authorization",
    ] {
        Test::new()
            .arg("--dry-run")
            .script(&format!(
                r#"let v = "hdr-s3cret-{header}";
                http_post("http://127.0.0.1:9/x", (), #{{headers: #{{"{header}": v}}}});
                log(`sent ${{v}}`);
                shell(`echo child ${{v}}`);"#
            ))
            .run()
            .status(0)
            .output_lacks(&format!("hdr-s3cret-{header}"))
            .stdout_has("sent ***")
            .stdout_has("child ***");
    }
    // Each cookie's value on its own, too.
    Test::new()
        .arg("--dry-run")
        .script(
            r#"http_post("http://127.0.0.1:9/x", (), #{headers: #{Cookie: "a=1; session=s3ss10nXYZ"}});
            log("session s3ss10nXYZ");"#,
        )
        .run()
        .status(0)
        .stdout_has("session ***");
}

#[test]
fn the_six_character_floor_counts_characters() {
    // Three characters in six bytes: too short to mask.
    masks(&[("API_KEY", "пароль")], "pw пароль", "pw ***");
    let out = shown(&[("API_KEY", "пар")], "pw пар");
    out.status(0).stdout_has("log: pw пар");
}

#[test]
fn mask_registers_a_thousand_values() {
    Test::new()
        .script(
            r#"for i in 0..1000 { mask(`run-time-secret-${i}`); }
            log("run-time-secret-0 run-time-secret-999");
            shell("echo run-time-secret-500");"#,
        )
        .run()
        .status(0)
        .stdout_has("*** ***")
        .output_lacks("run-time-secret-");
}

#[test]
fn a_64_kib_repetitive_secret_starts() {
    let secret = "a".repeat(64 * 1024);
    Test::new()
        .env("BIG_SECRET", &secret)
        .script(r#"log(`[${env("BIG_SECRET")}]`);"#)
        .run()
        .status(0)
        .stdout_has("[***]")
        .output_lacks("aaaaaa");
}

/// Nine variables of 120 KiB: over the masker's 1 MiB of secrets.
fn too_many_secrets(mut test: Test) -> Test {
    for i in 0..9 {
        test = test.env(
            &format!("HUGE_SECRET_{i}"),
            &format!("{i}{}", "s".repeat(120 * 1024)),
        );
    }
    test
}

#[test]
fn a_masker_that_cannot_be_built_ends_the_run_before_any_output() {
    let out = too_many_secrets(Test::new())
        .script(r#"log("started"); shell("echo child ran > ran.txt");"#)
        .run();
    out.status(70)
        .stdout_lacks("started")
        .stderr_has("cannot mask secrets: the secrets to mask would total more than 1024 KiB")
        .stderr_has("the run stops before its first line");
    assert!(!out.dir.join("ran.txt").exists(), "the script ran");
}

#[test]
fn mask_past_the_limit_withholds_output() {
    Test::new()
        .script(
            r#"log("before");
            let big = "x";
            while big.len() <= 1024 * 1024 { big += big; }
            try { mask(big); } catch (e) { log(`caught ${e}`); }
            log("after");"#,
        )
        .run()
        .stdout_has("before")
        .stdout_lacks("caught")
        .stdout_lacks("after")
        .stderr_has("cannot mask secrets")
        .stderr_has("all further output is withheld");
}

#[test]
fn sigterm_during_start_up_is_acted_on() {
    // Just under the limit: the build takes a while, and is asked to stop between batches.
    let mut test = Test::new();
    for i in 0..8 {
        test = test.env(
            &format!("HUGE_SECRET_{i}"),
            &format!("{i}{}", "s".repeat(120 * 1024)),
        );
    }
    let mut running = test.script(r#"log("started"); sleep(30);"#).spawn();
    std::thread::sleep(Duration::from_millis(300));
    running.signal(libc::SIGTERM);
    let out = running.wait_bounded(Duration::from_secs(20));
    // 143 whether it came during the masker's build or once the script was sleeping.
    out.status(143).output_lacks("ssssss");
}

#[test]
fn allow_exec_is_not_steered_by_the_childs_path() {
    let test = Test::new();
    let fake = test.path().join("fake");
    std::fs::create_dir_all(&fake).unwrap();
    let psql = fake.join("psql");
    std::fs::write(&psql, "#!/bin/sh\necho FAKE PSQL RAN\ntouch \"$0.ran\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&psql, std::fs::Permissions::from_mode(0o755)).unwrap();
    let fake = fake.display().to_string();
    let out = test
        .arg("--allow-exec=psql")
        .script(&format!(
            r#"let r = exec("psql", ["--version"], #{{env: #{{PATH: "{fake}"}}, check: false}});
            log(`code ${{r.code}}`);"#
        ))
        .run();
    out.output_lacks("FAKE PSQL RAN");
    assert!(!psql.with_extension("ran").exists(), "the fake psql ran");
    // Either the real psql ran, or (without one on PATH) it was not found.
    assert!(
        out.stdout.contains("code ") || out.stderr.contains("not found on PATH"),
        "{}",
        out.dump()
    );

    // Named by its path, a program with an allowed basename is still another program.
    Test::new()
        .arg("--allow-exec=psql")
        .script(&format!(r#"exec("{fake}/psql", []);"#))
        .run()
        .status(1)
        .output_lacks("FAKE PSQL RAN")
        .stderr_has("not allowed by --allow-exec");
}

#[test]
fn max_body_is_bounded_by_the_string_limit() {
    Test::new()
        .script(r#"http_get("http://127.0.0.1:9/", #{max_body: 17 * 1024 * 1024});"#)
        .run()
        .status(1)
        .stderr_has("max_body")
        .stderr_has("16 MiB");
}

/// A child's line longer than the relay holds (64 KiB) goes out in pieces; a secret where a
/// piece would end moves to the next piece whole, through `exec` and through `parallel`.
#[test]
fn a_secret_where_a_long_line_is_cut_stays_masked() {
    let secret = "Tk9-straddle-SECRET-value-4242";
    // One write: the pipe hands rhrel 64 KiB first, so the first piece would end 6 bytes
    // into the secret.
    let writer = "import os, sys\n\
                  sys.stdout.buffer.write(b'x' * 65530 + os.environ['API_TOKEN'].encode() + b'y' * 100000 + b'\\n')\n";
    let out = Test::new()
        .env("API_TOKEN", secret)
        .file("long.py", writer)
        .script(
            r#"exec("python3", ["long.py"]);
parallel([#{ name: "p", program: "python3", args: ["long.py"] }]);"#,
        )
        .run();
    out.status(0);
    for half in [&secret[..6], &secret[6..]] {
        out.stdout_lacks(half);
    }
    let pieces: Vec<&str> = out.stdout.lines().collect();
    for prefix in ["", "[p] "] {
        let line: String = pieces
            .iter()
            .filter(|l| l.starts_with(prefix) && (prefix.is_empty() != l.starts_with("[p] ")))
            .filter(|l| l.contains(['x', 'y']))
            .map(|l| &l[prefix.len()..])
            .collect();
        assert_eq!(
            line,
            format!("{}***{}", "x".repeat(65530), "y".repeat(100000)),
            "{prefix:?}"
        );
    }
}
