//! Issue 21's host API additions through the real binary: encodings against NIST/RFC
//! vectors, semver, join, env defaults, wait_for_port, zero exec timeouts, the file
//! confinement flags and the dry-run body.

use std::time::Duration;

use crate::support::Test;

#[test]
fn sha256_and_hmac_match_published_vectors() {
    Test::new()
        .script(
            r#"
            // NIST FIPS 180-2 "abc" and the empty string.
            log(sha256("abc"));
            log(sha256(""));
            // RFC 4231 test case 2.
            log(hmac_sha256("Jefe", "what do ya want for nothing?"));
            log(base64_encode("hello world"));
            log(base64_decode("aGVsbG8gd29ybGQ="));
            log(url_encode("a b&c/é"));
            "#,
        )
        .run()
        .status(0)
        .stdout_has("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        .stdout_has("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        .stdout_has("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        .stdout_has("aGVsbG8gd29ybGQ=")
        .stdout_has("hello world")
        .stdout_has("a%20b%26c%2F%C3%A9");
}

#[test]
fn base64_decode_rejects_garbage() {
    Test::new()
        .script(r#"base64_decode("***");"#)
        .run()
        .status(1)
        .stderr_has("`***` is not Base64");
}

#[test]
fn join_and_semver() {
    Test::new()
        .script(
            r#"
            log(join(["a", 1, true], ", "));
            log(["x", "y"].join("-"));
            log(`${semver_compare("v20.1.0", "18.0.0")} ${semver_compare("1.2.3", "1.2.3")} ${semver_compare("1.0.0", "1.0.1")}`);
            log(`${semver_matches(">=18 <21", "v20.1.0")} ${semver_matches("^1.2", "2.0.0")}`);
            semver_compare("1.x", "1.0.0");
            "#,
        )
        .run()
        .status(1)
        .stdout_has("a, 1, true")
        .stdout_has("x-y")
        .stdout_has("1 0 -1")
        .stdout_has("true false")
        .stderr_has("`1.x` is not a semantic version");
}

#[test]
fn env_default_covers_empty() {
    Test::new()
        .script(
            r#"
            log(`[${env("EMPTY_ONE", "dflt")}]`);
            log(`[${env("EMPTY_ONE")}]`);
            log(`[${env("SET_ONE", "dflt")}]`);
            "#,
        )
        .env("EMPTY_ONE", "")
        .env("SET_ONE", "v")
        .run()
        .status(0)
        .stdout_has("[dflt]")
        .stdout_has("[]")
        .stdout_has("[v]");
}

#[test]
fn wait_for_port_sees_a_listener_that_opens_later() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let opener = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_secs(5));
        drop(l);
    });
    Test::new()
        .script(&format!(
            r#"let s = wait_for_port("postgres://u:secret@127.0.0.1:{port}/db", 10);
            log(`waited ${{if s >= 0.8 && s < 5.0 {{ "ok" }} else {{ s }}}}`);"#
        ))
        .run()
        .status(0)
        .stdout_has(&format!("waiting for 127.0.0.1:{port} …"))
        .stdout_has("waited ok")
        .output_lacks("secret");
    opener.join().unwrap();
}

#[test]
fn wait_for_port_gives_up_with_the_last_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    Test::new()
        .script(&format!(r#"wait_for_port("127.0.0.1", {port}, 1);"#))
        .run()
        .status(1)
        .stderr_has(&format!(
            "127.0.0.1:{port} did not accept connections within 1s (last error: connection refused)"
        ))
        .took_less_than(Duration::from_secs(5));
}

#[test]
fn wait_for_port_ends_at_the_deadline() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    Test::new()
        .script(&format!(r#"wait_for_port("127.0.0.1", {port}, 60);"#))
        .args(["--timeout", "1s"])
        .run()
        .status(124)
        .took_less_than(Duration::from_secs(5));
}

#[test]
fn wait_for_port_obeys_allow_net() {
    Test::new()
        .script(r#"wait_for_port("127.0.0.1", 9, 1);"#)
        .args(["--allow-net", "example.com"])
        .run()
        .status(1)
        .stderr_has("--allow-net");
}

#[test]
fn zero_exec_timeout_times_out_unstarted() {
    Test::new()
        .script(
            r#"
            let r = exec("touch", ["started"], #{timeout: 0, check: false});
            log(`${r.code} ${r.timed_out} ${file_exists("started")}`);
            exec("touch", ["started"], #{timeout: -3});
            "#,
        )
        .run()
        .status(1)
        .stdout_has("124 true false")
        .stderr_has("timed out");
}

/// A temp dir of rhrel's own (its `TMPDIR`), so that another temp dir is outside both the
/// script's directory and rhrel's temp dir, wherever the checkout is (a clone under /tmp too).
fn own_tmpdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn allow_read_and_write_extend_the_confinement() {
    let outside = tempfile::tempdir().unwrap();
    let tmp = own_tmpdir();
    let tmp = tmp.path().to_str().unwrap();
    let dir = outside.path().canonicalize().unwrap();
    std::fs::write(dir.join("ns"), "prod").unwrap();
    let d = dir.display().to_string();
    let script = format!(r#"log(read_file("{d}/ns")); write_file("{d}/flag", "x");"#);
    // Not allowed: the error names the flag.
    Test::new()
        .script(&script)
        .env("TMPDIR", tmp)
        .run()
        .status(1)
        .stderr_has("--allow-read");
    // Read allowed, write not.
    Test::new()
        .script(&script)
        .env("TMPDIR", tmp)
        .args(["--allow-read", &d])
        .run()
        .status(1)
        .stdout_has("prod")
        .stderr_has("--allow-write");
    // Both, through the environment variable.
    Test::new()
        .script(&script)
        .env("TMPDIR", tmp)
        .env("RHREL_ALLOW_WRITE", &d)
        .run()
        .status(0);
    assert_eq!(std::fs::read_to_string(dir.join("flag")).unwrap(), "x");
}

#[test]
fn allow_read_is_not_escaped_by_a_symlink() {
    let allowed = tempfile::tempdir().unwrap();
    let secret = tempfile::tempdir().unwrap();
    let tmp = own_tmpdir();
    std::fs::write(secret.path().join("key"), "hidden").unwrap();
    std::os::unix::fs::symlink(secret.path().join("key"), allowed.path().join("link")).unwrap();
    let a = allowed.path().canonicalize().unwrap().display().to_string();
    Test::new()
        .script(&format!(r#"log(read_file("{a}/link"));"#))
        .env("TMPDIR", tmp.path().to_str().unwrap())
        .args(["--allow-read", &a])
        .run()
        .status(1)
        .stdout_lacks("hidden")
        .stderr_has("--allow-read");
}

#[test]
fn dry_run_logs_the_masked_body_and_pretends_an_answer() {
    Test::new()
        .script(
            r#"
            let r = http_post("http://127.0.0.1:9/hook", #{token: env("API_TOKEN"), text: "deployed"},
                #{dry_run: #{status: 201, body: #{id: 7}}});
            log(`status ${r.status} id ${parse_json(r.body).id}`);
            let long = "";
            for i in 0..300 { long += "0123456789"; }
            http_post("http://127.0.0.1:9/hook", long);
            let plain = http_post("http://127.0.0.1:9/hook", "x");
            log(`body [${plain.body}]`);
            "#,
        )
        .env("API_TOKEN", "s3cr3t-token-value")
        .arg("--dry-run")
        .run()
        .status(0)
        .stdout_has("[dry-run] would POST http://127.0.0.1:9/hook (headers: content-type) body: {")
        .stdout_has("\"text\":\"deployed\"")
        .stdout_has("status 201 id 7")
        .stdout_has("… (3000 bytes)")
        .stdout_has("body []")
        .output_lacks("s3cr3t-token-value");
}

#[test]
fn retry_options_back_off_as_asked_and_rethrow_with_attempts() {
    Test::new()
        .script(
            "import \"std/retry\" as retry;\nlet n = 0;\n\
             let r = retry::retry(#{ attempts: 4, delay: \"50ms\", backoff: \"linear\" }, || { n += 1; if n < 3 { fail(`boom ${n}`) } n });\n\
             log(`got ${r}`);\n\
             try { retry::retry(#{ delay: \"100ms\", backoff: \"fixed\", within: \"350ms\" }, || fail(\"down\")); }\n\
             catch (e) { log(`gave up: ${e} attempts=${e.attempts} elapsed=${e.elapsed > 0.2}`); }\n\
             retry::retry(#{ attemps: 2 }, || 1);",
        )
        .run()
        .status(1)
        .stdout_has("attempt 1/4 failed: boom 1; retrying in 0.05s")
        .stdout_has("attempt 2/4 failed: boom 2; retrying in 0.1s")
        .stdout_has("got 3")
        .stdout_has("attempt 3 failed: down; retrying in 0.1s")
        .stdout_has("gave up: down attempts=4 elapsed=true")
        .stderr_has("script.rhai:7:")
        .stderr_has("unknown option \"attemps\"");
}

#[test]
fn wait_for_http_polls_until_the_status_comes() {
    let server = crate::http_server::Server::start(|_, n| {
        if n < 2 {
            crate::http_server::Reply::status(503, "starting")
        } else {
            crate::http_server::Reply::status(200, "ok")
        }
    });
    Test::new()
        .script(&format!(
            "import \"std/checks\" as checks;\nlet w = checks::wait_for_http(\"{}\", #{{status: 200, timeout: \"20s\", interval: \"100ms\"}});\nlog(`up after ${{w > 0.1}}`);\n\
             try {{ checks::wait_for_http(\"{}\", #{{status: 204, timeout: \"300ms\", interval: \"100ms\"}}); }} catch (e) {{ log(`${{e}}`); }}",
            server.url("/health"),
            server.url("/health")
        ))
        .run()
        .status(0)
        .stdout_has("waiting for ")
        .stdout_has("up after true")
        .stdout_has("did not answer 204 within 0.3s (last: status 200)");
}
