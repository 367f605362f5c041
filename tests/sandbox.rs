//! The sandbox holds against hostile or broken scripts: memory bombs, growth loops, huge and
//! binary files. Each ends with a documented exit code and a message, never a panic or hang.

use std::time::Duration;

use crate::support::Test;

#[test]
fn closure_captured_memory_bomb_hits_the_memory_cap() {
    // Values captured by closures dodge Rhai's size limits; the RSS cap catches them.
    let out = Test::new()
        .script(r#"let keep = []; for i in 0..20000 { let s = ""; s.pad(200000, "x"); keep.push(|| s.len()); }"#)
        .run();
    out.status(1)
        .stderr_has("memory limit exceeded")
        .stderr_has("--max-memory 512 MiB");
}

#[test]
fn one_big_string_per_operation_cannot_outrun_the_cap() {
    // Each iteration keeps a 16 MiB string alive through a closure: a sampled cap would let
    // hundreds of them pass between two samples.
    let out = Test::new()
        .script(
            r#"let keep = []; loop { let s = ""; s.pad(16000000, "x"); keep.push(|| s.len()); }"#,
        )
        .args(["--max-memory", "256M"])
        .run();
    out.status(1).stderr_has("memory limit exceeded");
    let used: u64 = out
        .stderr
        .split("exceeded: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(used < 256 + 64, "stopped at {used} MiB\n{}", out.dump());
}

#[test]
fn max_memory_flag_and_env() {
    let bomb = r#"let keep = []; for i in 0..20000 { let s = ""; s.pad(200000, "x"); keep.push(|| s.len()); }"#;
    Test::new()
        .script(bomb)
        .args(["--max-memory", "64M"])
        .run()
        .status(1)
        .stderr_has("--max-memory 64 MiB");
    Test::new()
        .script(bomb)
        .env("RHREL_MAX_MEMORY", "100M")
        .run()
        .status(1)
        .stderr_has("--max-memory 100 MiB");
    Test::new()
        .script("")
        .args(["--max-memory", "lots"])
        .run()
        .status(2)
        .stderr_has("invalid size");
}

#[test]
fn array_growth_hits_the_array_limit() {
    let out = Test::new()
        .script("let a = []; loop { a.push(a.len()); }")
        .args(["--timeout", "60s"])
        .run();
    out.status(1).stderr_has("array size limit");
}

#[test]
fn map_growth_hits_the_map_limit() {
    let out = Test::new()
        .script("let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; }")
        .args(["--timeout", "60s", "--max-memory", "64M"])
        .run();
    // Index assignment dodges Rhai's map-size check; the memory cap ends it instead.
    out.status(1).stderr_has("limit");
}

#[test]
fn huge_script_is_refused_with_65() {
    let big = "// padding line for a very large script file\n".repeat(50 * 1024 * 1024 / 46);
    Test::new()
        .file("big.rhai", big)
        .arg("big.rhai")
        .run()
        .status(65)
        .stderr_has("up to 10485760 bytes");
}

#[test]
fn binary_garbage_is_65() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    Test::new()
        .file("g.rhai", garbage)
        .arg("g.rhai")
        .run()
        .status(65);
}

#[test]
fn nul_bytes_are_65() {
    Test::new()
        .file("n.rhai", b"log(1);\0\0")
        .arg("n.rhai")
        .run()
        .status(65)
        .stderr_has("NUL");
}

#[test]
fn fn_pointer_to_eval_is_refused() {
    let out = Test::new()
        .script(r#"let f = Fn("eval"); f.call("log(\"evaluated\")");"#)
        .run();
    out.stdout_lacks("evaluated");
    assert_ne!(out.status, 0);
}

#[test]
fn infinite_loop_of_host_calls_ends_at_the_deadline() {
    Test::new()
        .script("loop { let x = env(\"HOME\"); }")
        .args(["--timeout", "1s"])
        .run()
        .status(124)
        .took_less_than(Duration::from_secs(3));
}

#[test]
fn unreadable_file_is_66() {
    let t = Test::new().file("secret.rhai", "log(1);");
    let path = t.path().join("secret.rhai");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // root can read anything: then the script simply runs.
    let is_root = unsafe { libc::geteuid() } == 0;
    let out = t.arg("secret.rhai").run();
    if is_root {
        out.status(0);
    } else {
        out.status(66).stderr_has("permission denied");
    }
}
