//! The run's deadline: pure loops, loops inside callbacks, sleep, the env variable and the
//! platform-aware defaults; and output flushed line by line.

use std::time::Duration;

use crate::support::Test;

const PROMPT: Duration = Duration::from_secs(3);

#[test]
fn pure_loop_ends_at_the_deadline() {
    let out = Test::new()
        .script("loop { }")
        .args(["--timeout", "1s"])
        .run();
    out.status(124)
        .stderr_has("timed out after 1s (set by --timeout)")
        .took_less_than(PROMPT);
}

#[test]
fn loop_inside_callback_ends_at_the_deadline() {
    let out = Test::new()
        .script("[1, 2].map(|x| { loop { } });")
        .args(["--timeout", "1s"])
        .run();
    out.status(124).took_less_than(PROMPT);
}

#[test]
fn catch_cannot_swallow_the_deadline() {
    let out = Test::new()
        .script("try { [1].map(|x| { loop { } }); } catch (e) { log(\"caught\"); } log(\"after\"); loop { }")
        .args(["--timeout", "1s"])
        .run();
    out.status(124)
        .stdout_lacks("caught")
        .stdout_lacks("after")
        .took_less_than(PROMPT);
}

#[test]
fn sleep_wakes_at_the_deadline() {
    let out = Test::new()
        .script(r#"log("zz"); sleep(30); log("woke");"#)
        .args(["--timeout", "1s"])
        .run();
    out.status(124)
        .stdout_has("zz")
        .stdout_lacks("woke")
        .took_less_than(PROMPT);
}

#[test]
fn float_sleep_sleeps() {
    let out = Test::new().script("sleep(0.3); log(\"done\");").run();
    out.status(0).stdout_has("done");
    assert!(out.elapsed >= Duration::from_millis(300));
}

#[test]
fn negative_sleep_is_an_error() {
    Test::new()
        .script("sleep(-1);")
        .run()
        .status(1)
        .stderr_has("non-negative");
}

#[test]
fn timeout_from_env() {
    let out = Test::new()
        .script("sleep(30);")
        .env("RHREL_TIMEOUT", "1")
        .run();
    out.status(124)
        .stderr_has("set by RHREL_TIMEOUT")
        .took_less_than(PROMPT);
}

#[test]
fn flag_beats_env() {
    let out = Test::new()
        .script("sleep(30);")
        .env("RHREL_TIMEOUT", "1h")
        .args(["--timeout", "1s"])
        .run();
    out.status(124).took_less_than(PROMPT);
}

#[test]
fn heroku_release_dyno_does_not_shorten_the_run() {
    // The 55m/4m30s/10m defaults themselves are unit-tested in deadline.rs; here the
    // platform variables must leave a short run alone.
    Test::new()
        .script("sleep(2); log(\"done\");")
        .env("DYNO", "release.1")
        .run()
        .status(0)
        .stdout_has("done");
    Test::new()
        .script("sleep(2); log(\"done\");")
        .env("RELEASE_COMMAND", "x")
        .run()
        .status(0)
        .stdout_has("done");
}

#[test]
fn default_is_reported_in_the_timeout_message() {
    // A deadline message names where the number came from; the unit tests of deadline.rs
    // check the platform defaults themselves (55m Heroku, 4m30s Fly, 10m elsewhere).
    let out = Test::new()
        .script("loop {}")
        .env("RHREL_TIMEOUT", "0.5")
        .run();
    out.status(124).stderr_has("timed out after 500ms");
}

#[test]
fn line_logged_before_sleep_is_readable_before_the_end() {
    let running = Test::new()
        .script(r#"log("first-line"); sleep(3); log("second-line");"#)
        .spawn();
    std::thread::sleep(Duration::from_millis(1500));
    let early = running.stdout_so_far();
    let mut running = running;
    let out = running.wait_bounded(Duration::from_secs(20));
    assert!(early.contains("first-line"), "not flushed early: {early:?}");
    assert!(!early.contains("second-line"));
    out.status(0).stdout_has("second-line");
}

#[test]
fn sigterm_stops_a_pure_loop_and_a_sleep() {
    for script in ["let i = 0; loop { i += 1; }", "sleep(30);"] {
        let mut running = Test::new().script(script).spawn();
        std::thread::sleep(Duration::from_millis(500));
        running.signal(libc::SIGTERM);
        let out = running.wait_bounded(Duration::from_secs(10));
        out.status(143)
            .stderr_has("interrupted by SIGTERM")
            .took_less_than(PROMPT);
    }
}

#[test]
fn sigint_stops_a_sleep_with_130() {
    let mut running = Test::new().script("sleep(30);").spawn();
    std::thread::sleep(Duration::from_millis(500));
    running.signal(libc::SIGINT);
    running
        .wait_bounded(Duration::from_secs(10))
        .status(130)
        .stderr_has("interrupted by SIGINT");
}
