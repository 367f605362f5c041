//! warm-cache.rhai against a real Redis started by the test on loopback: keys written and
//! read back, a second run writing nothing, and clear failures when Redis is down or hangs.

use std::net::TcpListener;
use std::time::Duration;

use crate::services::{need, path_with, Redis, REDIS_PASSWORD};
use crate::support::Test;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// warm-cache.rhai with REDIS_URL pointing at `redis`, in a temp dir.
fn warm(redis: &Redis) -> Test {
    Test::new()
        .arg(format!("{ROOT}/scripts/examples/warm-cache.rhai"))
        .env("REDIS_URL", &redis.url())
        .env("PATH", &redis.path())
        .env("HEROKU_RELEASE_VERSION", "v42")
        .env_remove("CACHE_KEYS_FILE")
        .env_remove("CACHE_PREFIX")
        .env_remove("REDIS_TIMEOUT")
}

#[test]
fn warming_writes_the_keys_then_is_idempotent() {
    let Some(redis) = Redis::start() else { return };
    warm(&redis)
        .run()
        .status(0)
        .stdout_has("✅ Cache warm: 4 keys (4 written, 0 already warm)")
        .stderr_has("✔ verify cache")
        .output_lacks(REDIS_PASSWORD);
    assert_eq!(redis.cli(&["GET", "app:release"]), "v42");
    assert_eq!(redis.cli(&["GET", "app:feature:new_checkout"]), "on");
    assert_eq!(redis.cli(&["GET", "app:catalog:page_size"]), "25");
    assert_eq!(redis.cli(&["DBSIZE"]), "4");

    warm(&redis)
        .run()
        .status(0)
        .stdout_has("(0 written, 4 already warm)");
    assert_eq!(redis.cli(&["DBSIZE"]), "4");

    // A stale value is rewritten, the others left alone.
    redis.cli(&["SET", "app:feature:dark_mode", "stale"]);
    warm(&redis)
        .run()
        .status(0)
        .stdout_has("(1 written, 3 already warm)");
    assert_eq!(redis.cli(&["GET", "app:feature:dark_mode"]), "off");
}

#[test]
fn keys_from_a_file_with_a_prefix_and_a_userless_url() {
    let Some(redis) = Redis::start() else { return };
    warm(&redis)
        // `redis://:password@host` as many providers hand it out.
        .env(
            "REDIS_URL",
            &format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{}", redis.port),
        )
        .file(
            "keys.json",
            r#"{"greeting": "hello world", "quote": "say \"hi\"", "count": 3}"#,
        )
        .env("CACHE_KEYS_FILE", "keys.json")
        .env("CACHE_PREFIX", "web:")
        .run()
        .status(0)
        .stdout_has("3 keys (3 written, 0 already warm)")
        .output_lacks(REDIS_PASSWORD);
    assert_eq!(redis.cli(&["GET", "web:greeting"]), "hello world");
    assert_eq!(redis.cli(&["GET", "web:quote"]), "say \"hi\"");
    assert_eq!(redis.cli(&["GET", "web:count"]), "3");
}

#[test]
fn redis_stopped_fails_clearly() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    redis.stop();
    warm(&redis)
        .env("REDIS_TIMEOUT", "5")
        .run()
        .status(1)
        .stderr_has(&format!(
            "Redis at 127.0.0.1:{} is not usable: Could not connect to Redis",
            redis.port
        ))
        .stderr_has("Connection refused")
        .output_lacks(REDIS_PASSWORD)
        .took_less_than(Duration::from_secs(5));
}

#[test]
fn a_wrong_password_fails_clearly() {
    let Some(redis) = Redis::start() else { return };
    warm(&redis)
        .env(
            "REDIS_URL",
            &format!("redis://default:wr0ng-Passw0rd@127.0.0.1:{}", redis.port),
        )
        .run()
        .status(1)
        .stderr_has("is not usable: ")
        .stderr_has("WRONGPASS")
        .output_lacks("wr0ng-Passw0rd");
    assert_eq!(redis.cli(&["DBSIZE"]), "0");
}

#[test]
fn a_redis_that_never_answers_fails_within_the_timeout() {
    let Some(tools) = need(&["redis-cli"]) else {
        return;
    };
    // Accepts connections and never replies.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    Test::new()
        .arg(format!("{ROOT}/scripts/examples/warm-cache.rhai"))
        .env("REDIS_URL", &format!("redis://127.0.0.1:{port}"))
        .env("PATH", &path_with(&tools))
        .env("REDIS_TIMEOUT", "2")
        .run()
        .status(1)
        .stderr_has(&format!(
            "Redis at 127.0.0.1:{port} did not answer within 2s"
        ))
        .took_less_than(Duration::from_secs(10));
    drop(silent);
}
