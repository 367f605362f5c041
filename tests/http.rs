//! http_get / http_post / http against a real server on 127.0.0.1 started by each test:
//! statuses, JSON, headers, secrets, transport errors, timeouts, deadline, retries, policy.

use std::time::Duration;

use crate::http_server::{Reply, Seen, Server};
use crate::support::Test;

fn routes(req: &Seen, hits: usize) -> Reply {
    match req.path.as_str() {
        "/ok" => Reply::status(200, "hello-body"),
        "/json" => Reply::status(200, r#"{"name": "demo", "n": 7, "tags": ["a", "b"]}"#)
            .with_header("Content-Type", "application/json"),
        "/echo" => Reply::status(
            200,
            format!(
                r#"{{"method": "{}", "ctype": "{}", "len": {}}}"#,
                req.method,
                req.header("content-type").unwrap_or("none"),
                req.body.len()
            ),
        ),
        "/slow" => Reply::Hang,
        "/flaky" if hits <= 2 => Reply::status(503, "busy"),
        "/flaky" => Reply::status(200, "recovered"),
        "/retry-after" if hits == 1 => Reply::status(503, "wait").with_header("Retry-After", "1"),
        "/retry-after" => Reply::status(200, "after"),
        "/long-wait" => Reply::status(503, "wait").with_header("Retry-After", "30"),
        "/big" => Reply::status(200, "x".repeat(2000)),
        "/redirect" => Reply::status(302, "").with_header("Location", "/ok"),
        "/away" => Reply::status(302, "").with_header("Location", "http://localhost/ok"),
        _ => Reply::status(404, "nope").with_header("X-Reason", "unknown route"),
    }
}

fn script(src: &str, server: &Server) -> Test {
    Test::new().script(&src.replace("URL", &server.url("")))
}

#[test]
fn get_200_with_body_and_headers() {
    let s = Server::start(routes);
    script(
        r#"let r = http_get("URL/ok"); log(`s=${r.status} ok=${r.ok} b=${r.body} len=${r.headers["content-length"]}`);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("s=200 ok=true b=hello-body len=10");
    assert_eq!(s.seen()[0].method, "GET");
}

#[test]
fn not_found_returns_ok_false_and_exits_0() {
    let s = Server::start(routes);
    script(
        r#"let r = http_get("URL/missing"); log(`s=${r.status} ok=${r.ok} why=${r.headers["x-reason"]}`);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("s=404 ok=false why=unknown route");
}

#[test]
fn json_response_parses() {
    let s = Server::start(routes);
    script(
        r#"let m = parse_json(http_get("URL/json").body); log(`name=${m.name} n=${m.n + 1} t=${m.tags[1]}`);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("name=demo n=8 t=b");
}

#[test]
fn post_of_a_map_arrives_as_json() {
    let s = Server::start(routes);
    script(
        r#"let r = http_post("URL/echo", #{deploy: "v42", n: 3}); log(parse_json(r.body).ctype);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("application/json");
    let seen = &s.seen()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.body, r#"{"deploy":"v42","n":3}"#);
}

#[test]
fn string_body_is_text_unless_a_header_says_otherwise() {
    let s = Server::start(routes);
    script(
        r#"http_post("URL/echo", "plain words"); http("PUT", "URL/echo", #{body: "<x/>", headers: #{"Content-Type": "application/xml"}});"#,
        &s,
    )
    .run()
    .status(0);
    let seen = s.seen();
    assert_eq!(seen[0].body, "plain words");
    assert_eq!(
        seen[0].header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(seen[1].method, "PUT");
    assert_eq!(seen[1].header("content-type"), Some("application/xml"));
}

#[test]
fn form_body_is_urlencoded() {
    let s = Server::start(routes);
    script(
        r#"http_post("URL/echo", (), #{form: #{name: "a b", sym: "x&y=z"}});"#,
        &s,
    )
    .run()
    .status(0);
    let seen = &s.seen()[0];
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen.body, "name=a+b&sym=x%26y%3Dz");
}

#[test]
fn headers_and_bearer_arrive_and_the_token_is_not_printed() {
    let s = Server::start(routes);
    script(
        r#"let t = "tok-Zq81-secret-value";
           http_get("URL/hdr", #{headers: #{"X-Acc": "hv1"}, bearer: t});
           log(`token is ${t}`);
           http_get("http://127.0.0.1:9/", #{bearer: t});"#,
        &s,
    )
    .run()
    .status(1)
    .stdout_has("token is ")
    .output_lacks("tok-Zq81-secret-value")
    .stderr_has("connection refused");
    let seen = &s.seen()[0];
    assert_eq!(seen.header("x-acc"), Some("hv1"));
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer tok-Zq81-secret-value")
    );
}

#[test]
fn connection_refused_is_catchable_and_uncaught_exits_1_naming_the_url() {
    Test::new()
        .script(
            r#"try { http_get("http://127.0.0.1:9/x"); } catch (e) { log(`caught: ${e.url}`); }
               http_get("http://127.0.0.1:9/x");"#,
        )
        .run()
        .status(1)
        .stdout_has("caught: http://127.0.0.1:9/x")
        .stderr_has("http GET http://127.0.0.1:9/x failed: connection refused");
}

#[test]
fn the_password_of_a_url_is_redacted_in_errors() {
    Test::new()
        .script(r#"http_get("http://user:pa55word1@127.0.0.1:9/");"#)
        .run()
        .status(1)
        .stderr_has("http://user:***@127.0.0.1:9/")
        .output_lacks("pa55word1");
}

#[test]
fn a_per_call_timeout_raises_a_catchable_error() {
    let s = Server::start(routes);
    script(
        r#"try { http_get("URL/slow", #{timeout: 1}); } catch (e) { log(`caught timed_out=${e.timed_out}: ${e}`); }"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("caught timed_out=true")
    .stdout_has("timed out after 1s")
    .took_less_than(Duration::from_secs(8));
}

#[test]
fn a_request_pending_at_the_deadline_ends_the_run_with_124() {
    let s = Server::start(routes);
    script(
        r#"try { http_get("URL/slow"); } catch { log("caught"); }"#,
        &s,
    )
    .args(["--timeout", "2s"])
    .run()
    .status(124)
    .stdout_lacks("caught")
    .stderr_has("timed out after 2s")
    .took_less_than(Duration::from_secs(8));
}

#[test]
fn sigterm_during_a_slow_request_ends_the_run() {
    let s = Server::start(routes);
    let mut running = script(r#"http_get("URL/slow");"#, &s).spawn();
    while s.seen().is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    running.signal(libc::SIGTERM);
    running
        .wait_bounded(Duration::from_secs(10))
        .status(143)
        .took_less_than(Duration::from_secs(8));
}

#[test]
fn retries_get_past_503s() {
    let s = Server::start(routes);
    script(
        r#"let r = http_get("URL/flaky", #{retries: 3}); log(`final=${r.status} ${r.body}`);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("final=200 recovered");
    assert_eq!(s.seen().len(), 3);
}

#[test]
fn without_retries_a_503_returns() {
    let s = Server::start(routes);
    script(r#"log(`s=${http_get("URL/flaky").status}`);"#, &s)
        .run()
        .status(0)
        .stdout_has("s=503");
    assert_eq!(s.seen().len(), 1);
}

#[test]
fn retry_after_is_honoured() {
    let s = Server::start(routes);
    script(
        r#"log(http_get("URL/retry-after", #{retries: 1}).body);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("after");
    let seen = s.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(950));
}

#[test]
fn a_retry_wait_ends_at_the_deadline() {
    let s = Server::start(routes);
    script(r#"http_get("URL/long-wait", #{retries: 2});"#, &s)
        .args(["--timeout", "2s"])
        .run()
        .status(124)
        .took_less_than(Duration::from_secs(8));
}

#[test]
fn allow_net_permits_listed_hosts_and_denies_others() {
    let s = Server::start(routes);
    let src = r#"log(`s=${http_get("URL/ok").status}`);"#;
    script(src, &s)
        .arg("--allow-net=127.0.0.1")
        .run()
        .status(0)
        .stdout_has("s=200");
    script(src, &s)
        .arg(format!("--allow-net=127.0.0.1:{}", s.port))
        .run()
        .status(0);
    script(src, &s)
        .arg("--allow-net=example.com")
        .run()
        .status(1)
        .stderr_has("--allow-net");
    script(src, &s)
        .arg("--allow-net=")
        .run()
        .status(1)
        .stderr_has("--allow-net");
    assert_eq!(s.seen().len(), 2);
}

#[test]
fn redirects_are_followed_and_checked_against_allow_net() {
    let s = Server::start(routes);
    script(r#"log(http_get("URL/redirect").body);"#, &s)
        .run()
        .status(0)
        .stdout_has("hello-body");
    script(r#"http_get("URL/away");"#, &s)
        .arg("--allow-net=127.0.0.1")
        .run()
        .status(1)
        .stderr_has("redirect to http://localhost/ok")
        .stderr_has("--allow-net");
}

#[test]
fn dry_run_performs_get_but_does_not_send_post() {
    let s = Server::start(routes);
    script(
        r#"log(http_get("URL/ok").body);
           let r = http_post("URL/echo", #{x: 1});
           log(`dry=${r.dry_run} s=${r.status} ok=${r.ok}`);
           http("DELETE", "URL/echo");
           log(`head=${http("HEAD", "URL/ok").status}`);"#,
        &s,
    )
    .arg("--dry-run")
    .run()
    .status(0)
    .stdout_has("hello-body")
    .stdout_has(&format!("[dry-run] would POST {}", s.url("/echo")))
    .stdout_has("dry=true s=200 ok=true")
    .stdout_has("[dry-run] would DELETE")
    .stdout_has("head=200");
    let methods: Vec<String> = s.seen().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET", "HEAD"]);
}

#[test]
fn an_oversized_body_is_refused() {
    let s = Server::start(routes);
    script(r#"http_get("URL/big", #{max_body: 1000});"#, &s)
        .run()
        .status(1)
        .stderr_has("larger than max_body (1000 bytes)");
    script(
        r#"log(`len=${http_get("URL/big", #{max_body: 2000}).body.len()}`);"#,
        &s,
    )
    .run()
    .status(0)
    .stdout_has("len=2000");
}

#[test]
fn bad_options_and_urls_are_errors() {
    Test::new()
        .script(r#"http_get("http://127.0.0.1:9/", #{timout: 5});"#)
        .run()
        .status(1)
        .stderr_has("unknown option `timout`");
    Test::new()
        .script(r#"http_get("ftp://127.0.0.1/");"#)
        .run()
        .status(1)
        .stderr_has("is not http or https");
}
