//! env(), has_env(), require_env(), args(), platform() and the log functions.

use crate::support::Test;

#[test]
fn unset_is_unit_and_empty_stays_empty() {
    Test::new()
        .script(r#"log(`unset=${env("ACC_UNSET") == ()} empty=${env("ACC_EMPTY") == ""} has=${has_env("ACC_EMPTY")}`);"#)
        .env("ACC_EMPTY", "")
        .env_remove("ACC_UNSET")
        .run()
        .status(0)
        .stdout_has("unset=true empty=true has=false");
}

#[test]
fn default_applies_when_unset_or_empty_like_the_shells_colon_dash() {
    // Issue 21: `env(name, default)` is `${X:-default}` (Helm renders unset values as "").
    Test::new()
        .script(r#"log(env("ACC_UNSET", "dflt")); log(`[${env("ACC_EMPTY", "dflt")}] [${env("ACC_EMPTY")}]`); log(env("ACC_SET", "dflt"));"#)
        .env("ACC_EMPTY", "")
        .env("ACC_SET", "real")
        .run()
        .status(0)
        .stdout_has("dflt\n[dflt] []\nreal");
}

#[test]
fn require_env_names_every_missing_variable() {
    Test::new()
        .script(r#"require_env(["ACC_PRESENT", "ACC_MISS_1", "ACC_MISS_2"]); log("after");"#)
        .env("ACC_PRESENT", "x")
        .run()
        .status(1)
        .stderr_has("ACC_MISS_1, ACC_MISS_2")
        .stdout_lacks("after");
}

#[test]
fn args_after_double_dash() {
    Test::new()
        .script(r#"log(`args=${args()}`);"#)
        .args(["--", "one", "two"])
        .run()
        .status(0)
        .stdout_has(r#"args=["one", "two"]"#);
}

#[test]
fn platform_from_environment() {
    Test::new()
        .script("log(platform());")
        .env("DYNO", "release.1")
        .run()
        .stdout_has("heroku");
    Test::new()
        .script("log(platform());")
        .env("FLY_APP_NAME", "x")
        .run()
        .stdout_has("fly");
    Test::new()
        .script("log(platform());")
        .run()
        .stdout_has("local");
}

#[test]
fn log_levels_and_print() {
    let out = Test::new()
        .script(r#"log("l1"); info("i1"); warn("w1"); error("e1"); debug("d1"); print("p1");"#)
        .run();
    out.status(0)
        .stdout_has("l1\ni1\nwarning: w1\nerror: e1\np1\n")
        .stdout_lacks("d1");
    Test::new()
        .script(r#"debug("d1");"#)
        .arg("--verbose")
        .run()
        .stdout_has("debug: d1");
    Test::new()
        .script(r#"log("l1"); warn("w1");"#)
        .arg("--quiet")
        .run()
        .stdout_lacks("l1")
        .stdout_has("w1");
}

#[test]
fn multiline_message_stays_together() {
    Test::new()
        .script(r#"log("a\nb"); log("c");"#)
        .run()
        .stdout_has("a\nb\nc\n");
}

#[test]
fn json_log_format() {
    let out = Test::new()
        .script(r#"log("hello"); warn("careful");"#)
        .args(["--log-format", "json"])
        .run();
    out.status(0);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["msg"], "hello");
    assert_eq!(lines[0]["level"], "info");
    assert_eq!(lines[1]["level"], "warn");
    assert!(lines[0]["ts"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn now_rand_pick() {
    Test::new()
        .script(r#"let t = now(); let y = now("%Y"); let r = rand_int(3, 3); let p = pick(["only"]); log(`${t.len() == 20} ${y.len() == 4} ${r} ${p} ${pick([]) == ()}`);"#)
        .run()
        .status(0)
        .stdout_has("true true 3 only true");
}
