//! Secrets never reach the output: every path rhrel writes through (log, print, child output,
//! error messages, dry-run lines, the report, JSON logs) masks them, in their common encodings
//! too; plain values pass untouched. Also `--allow-env`, and hostile inputs.

use base64::Engine as _;

use crate::support::Test;

const TOKEN: &str = "tok-Zq81x7Kp2";
const DB_PASSWORD: &str = "pGs3cr3tXy";
const DB_URL: &str = "postgres://app:pGs3cr3tXy@db.internal:5432/app";

/// A test with a token, a database URL and a plain setting in the environment.
fn with_secrets() -> Test {
    Test::new()
        .env("API_TOKEN", TOKEN)
        .env("DATABASE_URL", DB_URL)
        .env("PLAIN_SETTING", "visible-value")
}

#[test]
fn log_levels_and_print_are_masked() {
    let out = with_secrets()
        .arg("--verbose")
        .script(
            r#"let t = env("API_TOKEN");
            log(`log ${t}`); info(`info ${t}`); print(`print ${t}`);
            warn(`warn ${t}`); error(`error ${t}`); debug(`debug ${t}`);
            log(env("DATABASE_URL")); log(env("PLAIN_SETTING"));"#,
        )
        .run();
    out.status(0)
        .output_lacks(TOKEN)
        .output_lacks(DB_PASSWORD)
        .stdout_has("log ***")
        .stdout_has("info ***")
        .stdout_has("print ***")
        .stdout_has("warning: warn ***")
        .stdout_has("error: error ***")
        .stdout_has("debug: debug ***")
        .stdout_has("postgres://app:***@db.internal:5432/app")
        .stdout_has("visible-value");
}

#[test]
fn child_stdout_and_stderr_are_masked() {
    with_secrets()
        .script(r#"shell("echo out $API_TOKEN; echo err $API_TOKEN >&2; echo $DATABASE_URL");"#)
        .run()
        .status(0)
        .output_lacks(TOKEN)
        .output_lacks(DB_PASSWORD)
        .stdout_has("out ***")
        .stderr_has("err ***")
        .stdout_has("app:***@db.internal");
}

#[test]
fn exec_error_naming_the_secret_argv_is_masked() {
    with_secrets()
        .script(r#"exec("false", ["--token", env("API_TOKEN")]);"#)
        .run()
        .status(1)
        .output_lacks(TOKEN)
        .stderr_has("--token ***");
}

#[test]
fn fail_and_uncaught_throw_are_masked() {
    with_secrets()
        .script(r#"fail(`cannot log in with ${env("API_TOKEN")}`);"#)
        .run()
        .status(1)
        .output_lacks(TOKEN)
        .stderr_has("cannot log in with ***");
    with_secrets()
        .script(r#"throw `bad ${env("API_TOKEN")}`;"#)
        .run()
        .status(1)
        .output_lacks(TOKEN)
        .stderr_has("bad ***");
}

#[test]
fn report_file_is_masked() {
    let keep = tempfile::tempdir().unwrap();
    let report = keep.path().join("report.json");
    with_secrets()
        .args(["--report", report.to_str().unwrap()])
        .script(
            r#"task(`login ${env("API_TOKEN")}`, || log("in"));
            fail(`failed with ${env("API_TOKEN")} on ${env("DATABASE_URL")}`);"#,
        )
        .run()
        .status(1)
        .output_lacks(TOKEN);
    let text = std::fs::read_to_string(&report).expect("report written");
    assert!(!text.contains(TOKEN), "report leaks the token:\n{text}");
    assert!(
        !text.contains(DB_PASSWORD),
        "report leaks the password:\n{text}"
    );
    assert!(text.contains("failed with ***"), "{text}");
}

#[test]
fn dry_run_line_is_masked() {
    with_secrets()
        .arg("--dry-run")
        .script(r#"exec("deploy-tool", ["--token", env("API_TOKEN")]);"#)
        .run()
        .status(0)
        .output_lacks(TOKEN)
        .output_has("[dry-run] would run: deploy-tool --token ***");
}

#[test]
fn http_error_with_a_url_password_is_masked() {
    Test::new()
        .env("SERVICE_URL", "http://svc:hTTp-s3cret@127.0.0.1:1/hook")
        .script(r#"http_get(env("SERVICE_URL"));"#)
        .run()
        .status(1)
        .output_lacks("hTTp-s3cret")
        .stderr_has("error");
}

#[test]
fn split_writes_are_masked_as_a_whole_line() {
    with_secrets()
        .script(r#"shell("printf 'a tok-Zq'; sleep 0.3; printf '81x7Kp2 b\n'; printf 'tail tok-Zq'; sleep 0.3; printf '81x7Kp2'");"#)
        .run()
        .status(0)
        .output_lacks("tok-Zq")
        .output_lacks("81x7Kp2")
        .stdout_has("a *** b\n")
        .stdout_has("tail ***");
}

/// Encodings of the secret as they appear in output: the whole encoded text must not
/// survive (the part encoding the secret is replaced).
#[test]
fn encoded_forms_are_masked() {
    let secret = "s3cr\"et/p@ss wörd";
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let forms = [
        b64(secret.to_string()),
        b64(format!("a{secret}")),
        b64(format!("ab{secret}")),
        b64(format!("user:{secret}")),
    ];
    let url = "s3cr%22et%2Fp%40ss%20w%C3%B6rd";
    let mut script = String::new();
    for (i, form) in forms.iter().enumerate() {
        script.push_str(&format!("log(\"b64-{i} {form}\");\n"));
    }
    script.push_str(&format!("log(\"url {url}\");\n"));
    script.push_str("log(to_json(#{ pw: env(\"SECRET_VALUE\") }));\n");
    let out = Test::new()
        .env("SECRET_VALUE", secret)
        .script(&script)
        .run();
    out.status(0);
    for (i, form) in forms.iter().enumerate() {
        out.stdout_lacks(form).stdout_has(&format!("b64-{i} "));
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("b64-{i} ")))
            .unwrap();
        assert!(line.contains("***"), "{line}");
    }
    out.stdout_lacks(url)
        .stdout_has("url ***")
        .stdout_lacks("s3cr\\\"et")
        .stdout_has(r#"{"pw":"***"}"#);
}

#[test]
fn each_line_of_a_multiline_secret_is_masked() {
    Test::new()
        .env(
            "DEPLOY_PRIVATE_KEY",
            "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n-----END KEY-----",
        )
        .script(
            r#"let lines = env("DEPLOY_PRIVATE_KEY").split("\n");
            log(`second ${lines[1]}`); log(`third ${lines[2]}`);
            shell("echo \"$DEPLOY_PRIVATE_KEY\"");"#,
        )
        .run()
        .status(0)
        .output_lacks("MIIEvQIBADANBgkq")
        .output_lacks("hkiG9w0BAQEFAASC")
        .stdout_has("second ***")
        .stdout_has("third ***");
}

#[test]
fn mask_at_run_time_covers_logs_and_children() {
    Test::new()
        .script(
            r#"let v = "runtime-value-42"; log(`before ${v}`); mask(v);
            log(`after ${v}`); shell("echo child runtime-value-42");"#,
        )
        .run()
        .status(0)
        .stdout_has("before runtime-value-42")
        .stdout_has("after ***")
        .stdout_has("child ***");
}

#[test]
fn secrets_the_script_hands_a_child_are_masked() {
    Test::new()
        .script(
            r#"shell("echo $DEPLOY_TOKEN $CACHE_URL $PLAIN", #{env: #{
                DEPLOY_TOKEN: "child-only-s3cret",
                CACHE_URL: "redis://:r3dis-pass@cache:6379",
                PLAIN: "plain-visible"
            }});"#,
        )
        .run()
        .status(0)
        .output_lacks("child-only-s3cret")
        .output_lacks("r3dis-pass")
        .stdout_has("*** redis://:***@cache:6379 plain-visible");
}

#[test]
fn rhrel_mask_vars_adds_names() {
    let script = r#"log(`custom ${env("MY_SETTING")}`);"#;
    Test::new()
        .env("MY_SETTING", "custom-value-99")
        .script(script)
        .run()
        .status(0)
        .stdout_has("custom custom-value-99");
    Test::new()
        .env("MY_SETTING", "custom-value-99")
        .env("RHREL_MASK_VARS", "OTHER, my_setting")
        .script(script)
        .run()
        .status(0)
        .stdout_lacks("custom-value-99")
        .stdout_has("custom ***");
}

#[test]
fn short_secrets_and_plain_values_are_untouched() {
    Test::new()
        .env("API_KEY", "abc12")
        .env("PLAIN_SETTING", "visible-value")
        .script(r#"log(`${env("API_KEY")} ${env("PLAIN_SETTING")}`); log("abc12 again");"#)
        .run()
        .status(0)
        .stdout_has("abc12 visible-value")
        .stdout_has("abc12 again")
        .stdout_lacks("***");
}

#[test]
fn every_documented_name_part_makes_a_secret() {
    let names = [
        "STRIPE_KEY",
        "github_token",
        "App_Secret",
        "SMTP_PASSWORD",
        "ftp_passwd",
        "GCP_CREDENTIALS",
        "private_pem",
        "BASIC_AUTH",
        "NEW_RELIC_LICENSE_KEY",
        "webhook_signature",
    ];
    let mut test = Test::new();
    let mut script = String::new();
    for (i, name) in names.iter().enumerate() {
        test = test.env(name, &format!("value-{i}-Qx9z"));
        script.push_str(&format!("log(`{name}=${{env(\"{name}\")}}`);\n"));
    }
    let out = test.script(&script).run();
    out.status(0);
    for (i, name) in names.iter().enumerate() {
        out.stdout_lacks(&format!("value-{i}-Qx9z"))
            .stdout_has(&format!("{name}=***"));
    }
}

#[test]
fn json_log_format_is_masked() {
    let out = with_secrets()
        .args(["--log-format", "json"])
        .script(
            r#"log(`token ${env("API_TOKEN")}`); shell("echo child $API_TOKEN");
            fail(`bad ${env("API_TOKEN")}`);"#,
        )
        .run();
    out.status(1).output_lacks(TOKEN);
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(value["msg"].is_string(), "{line}");
    }
    out.stdout_has(r#""msg":"token ***""#)
        .stdout_has(r#""msg":"child ***""#)
        .stderr_has("bad ***");
}

#[test]
fn allow_env_limits_reads_but_children_inherit_everything() {
    let out = Test::new()
        .env("APP_NAME", "shop")
        .env("OTHER_VAR", "other-value")
        .args(["--allow-env", "APP_*,HOME"])
        .script(
            r#"log(`app ${env("APP_NAME")}`);
            try { env("OTHER_VAR"); } catch (e) { log(`env: ${e}`); }
            try { has_env("OTHER_VAR"); } catch (e) { log(`has_env: ${e}`); }
            try { require_env(["OTHER_VAR"]); } catch (e) { log(`require_env: ${e}`); }
            shell("echo child $OTHER_VAR");
            env("OTHER_VAR");"#,
        )
        .run();
    out.status(1)
        .stdout_has("app shop")
        .stdout_has("child other-value")
        .stderr_has("--allow-env");
    for call in ["env", "has_env", "require_env"] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{call}: ")))
            .unwrap_or_else(|| panic!("no {call} line\n{}", out.dump()));
        assert!(
            line.contains("--allow-env") && line.contains("OTHER_VAR"),
            "{line}"
        );
    }
    Test::new()
        .env("OTHER_VAR", "x")
        .env("RHREL_ALLOW_ENV", "APP_*")
        .script(r#"env("OTHER_VAR");"#)
        .run()
        .status(1)
        .stderr_has("--allow-env");
}

#[test]
fn import_escaping_the_directory_is_65_and_not_loaded() {
    Test::new()
        .file("outside.rhai", r#"log("outside was loaded"); fn f() { 1 }"#)
        .file(
            "app/script.rhai",
            r#"import "../outside" as o; log("ran");"#,
        )
        .arg("app/script.rhai")
        .run()
        .status(65)
        .stdout_lacks("outside was loaded")
        .stdout_lacks("ran");
}

#[test]
fn read_file_outside_the_sandbox_is_denied() {
    Test::new()
        .script(r#"log(read_file("/etc/passwd"));"#)
        .run()
        .status(1)
        .stdout_lacks("root:")
        .stderr_has("outside the working directory");
}

#[test]
fn bom_with_crlf_functions_and_strings_runs() {
    Test::new()
        .file(
            "w.rhai",
            "\u{feff}// comment\r\nfn greet(n) {\r\n    `hi ${n}`\r\n}\r\nlet s = `a\r\nb`;\r\nlog(greet(\"x\"));\r\nlog(s.len().to_string());\r\n",
        )
        .arg("w.rhai")
        .run()
        .status(0)
        .stdout_has("hi x");
}

/// Broken and hostile inputs: each ends with a code from the documented table, never a panic
/// (every run asserts no `panicked at`) and never past its deadline.
#[test]
fn hostile_inputs_end_with_documented_codes() {
    let documented = [0, 1, 2, 65, 66, 124];
    let cases: &[(&str, &[u8], i32)] = &[
        ("empty", b"", 0),
        ("only a BOM", b"\xef\xbb\xbf", 0),
        ("lone surrogate bytes", b"log(\"\xed\xa0\x80\");", 65),
        ("truncated UTF-8", b"log(\"\xe2\x82\");", 65),
        ("garbage", b"\x7fELF\x02\x01\x01\x00\x00", 65),
        ("unterminated string", b"log(\"abc", 65),
        ("unterminated block", b"fn f() { if true {", 65),
        ("deep brackets", &[b'['; 5000], 65),
        ("deep blocks", &[b'{'; 5000], 65),
        ("stray closers", b")))}}}]]]", 65),
        (
            "huge integer literal",
            b"let x = 99999999999999999999999999999;",
            0,
        ),
        (
            "integer overflow",
            b"let x = 9223372036854775807; x + 1;",
            1,
        ),
        ("division by zero", b"1 / 0;", 1),
        (
            "mutual recursion",
            b"fn a(x) { b(x) } fn b(x) { a(x) } a(1);",
            1,
        ),
        (
            "closure recursion",
            b"let f = |x| x; let g = Fn(\"g\"); fn g() { g() } g();",
            1,
        ),
        (
            "string times huge",
            b"let s = \"ab\"; s.pad(100000000, \"x\");",
            1,
        ),
        (
            "range overflow",
            b"for i in range(0, 9223372036854775807, 4611686018427387904) {}",
            0,
        ),
        ("negative sleep", b"sleep(-1);", 1),
        ("infinite sleep", b"sleep(1.0e300);", 124),
        (
            "exec timeout overflow",
            b"exec(\"sleep\", [\"30\"], #{timeout: 1.0e300});",
            124,
        ),
        ("nan sleep", b"sleep(0.0 / 0.0);", 1),
        ("exit out of range", b"exit(300);", 1),
        ("import of a number", b"import 42 as x;", 1),
        ("import of /etc/passwd", b"import \"/etc/passwd\" as p;", 65),
    ];
    for (name, source, expected) in cases {
        let out = Test::new()
            .file("s.rhai", source)
            .args(["--timeout", "2s", "s.rhai"])
            .run();
        assert!(
            documented.contains(&out.status),
            "{name}: undocumented exit\n{}",
            out.dump()
        );
        assert_eq!(out.status, *expected, "{name}\n{}", out.dump());
    }
}
