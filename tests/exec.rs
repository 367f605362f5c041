//! exec, shell and which through the real binary: argv literalness, capture, errors, stdin,
//! timeouts, live relay, process groups under the deadline and signals, allowlist, dry-run.

use std::process::Command;
use std::time::Duration;

use crate::support::Test;

/// A name no other process on the machine has: `exec -a NAME sleep 300` marks a grandchild.
fn marker(tag: &str) -> String {
    format!("rhrel-{tag}-{}", std::process::id())
}

/// A script whose child starts two marked grandchildren and waits for them.
fn tree_script(mark: &str) -> String {
    format!(
        r#"log("started");
exec("bash", ["-c", "(exec -a {mark}-1 sleep 300) & (exec -a {mark}-2 sleep 300); wait"]);
log("not reached");"#
    )
}

#[track_caller]
fn assert_no_orphans(mark: &str) {
    std::thread::sleep(Duration::from_millis(300));
    let found = Command::new("pgrep").args(["-f", mark]).output().unwrap();
    if found.status.success() {
        // Clean up before failing, so one failure does not leave sleepers behind.
        for pid in String::from_utf8_lossy(&found.stdout).split_whitespace() {
            if let Ok(pid) = pid.parse::<i32>() {
                // SAFETY: kill(2) on a pid pgrep just reported for our unique marker.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        panic!(
            "orphans survived rhrel: {}",
            String::from_utf8_lossy(&found.stdout)
        );
    }
}

/// Waits until rhrel's stdout holds `needle` (the script reached its exec).
fn wait_for(running: &crate::support::Running, needle: &str) {
    for _ in 0..200 {
        if running.stdout_so_far().contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("rhrel never printed {needle:?}");
}

#[test]
fn arguments_are_passed_literally() {
    Test::new()
        .script(r#"exec("echo", ["a  b", "$HOME", ";", "*", 42, 1.5]);"#)
        .run()
        .status(0)
        .stdout_has("a  b $HOME ; * 42 1.5\n");
}

#[test]
fn a_map_argument_is_an_error() {
    Test::new()
        .script(r#"exec("echo", [#{a: 1}]);"#)
        .run()
        .status(1)
        .stderr_has("argument 1 is a map");
}

#[test]
fn output_is_captured_and_relayed() {
    let out = Test::new()
        .script(
            r#"let r = exec("printf", ["x\ny\n"]);
log(`code=${r.code} ok=${r.ok} out=${r.stdout.len()} err=${r.stderr.len()} t=${r.timed_out} d=${type_of(r.duration)}`);"#,
        )
        .run();
    out.status(0)
        .stdout_has("x\ny\n")
        .stdout_has("code=0 ok=true out=4 err=0 t=false d=f64");
}

#[test]
fn quiet_captures_without_relaying() {
    let out = Test::new()
        .script(r#"let r = exec("echo", ["hidden-line"], #{quiet: true}); log(`got ${r.stdout}`);"#)
        .run();
    out.status(0).stdout_has("got hidden-line");
    assert!(!out.stdout.contains("\nhidden-line") && !out.stdout.starts_with("hidden-line"));
}

#[test]
fn stdout_and_stderr_go_to_their_streams() {
    Test::new()
        .script(r#"shell("echo to-out; echo to-err >&2");"#)
        .run()
        .status(0)
        .stdout_has("to-out")
        .stdout_lacks("to-err")
        .stderr_has("to-err")
        .stderr_lacks("to-out");
}

#[test]
fn nonzero_exit_raises_and_stops_the_script() {
    Test::new()
        .script(r#"exec("sh", ["-c", "exit 3"]); log("after");"#)
        .run()
        .status(1)
        .stderr_has("command `sh -c 'exit 3'` exited with code 3")
        .stdout_lacks("after");
}

#[test]
fn check_false_returns_the_code() {
    Test::new()
        .script(r#"let r = exec("sh", ["-c", "exit 3"], #{check: false}); log(`got=${r.code} ok=${r.ok}`);"#)
        .run()
        .status(0)
        .stdout_has("got=3 ok=false");
}

#[test]
fn catch_reads_the_code_and_output() {
    Test::new()
        .script(
            r#"try { shell("echo oops >&2; exit 5", #{quiet: true}); }
catch (e) { log(`code=${e.code} err=${e.stderr.len()} msg=${e.message}`); }"#,
        )
        .run()
        .status(0)
        .stdout_has("code=5 err=5 msg=command `echo oops >&2; exit 5` exited with code 5");
}

#[test]
fn stdin_is_empty_by_default() {
    // rhrel's own stdin is a pipe that stays open: the child must not read it.
    let test = Test::new()
        .script(r#"let r = exec("cat", [], #{quiet: true}); log(`len=${r.stdout.len()}`);"#);
    let mut cmd = test.command();
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let output = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("exec(\"cat\") waited on rhrel's stdin");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(String::from_utf8_lossy(&output.stdout).contains("len=0"));
}

#[test]
fn stdin_option_feeds_the_child() {
    Test::new()
        .script(
            r#"let r = exec("cat", [], #{quiet: true, stdin: "fed\n"}); log(`got=${r.stdout}`);"#,
        )
        .run()
        .status(0)
        .stdout_has("got=fed");
}

#[test]
fn large_stdin_does_not_deadlock() {
    Test::new()
        .script(r#"let s = "0123456789"; s.pad(3000000, 'x'); let r = exec("wc", ["-c"], #{quiet: true, stdin: s}); log(`n=${r.stdout}`);"#)
        .run()
        .status(0)
        .stdout_has("n=3000000");
}

#[test]
fn missing_program_always_raises() {
    Test::new()
        .script(r#"exec("no-such-program-xyz", [], #{check: false});"#)
        .run()
        .status(1)
        .stderr_has("cannot run `no-such-program-xyz`: program not found");
}

#[test]
fn per_call_timeout_raises_promptly() {
    let out = Test::new()
        .script(r#"exec("sleep", ["30"], #{timeout: 0.5}); log("after");"#)
        .run();
    out.status(1)
        .stderr_has("timed out after 500ms")
        .stdout_lacks("after")
        .took_less_than(Duration::from_secs(3));
}

#[test]
fn per_call_timeout_with_check_false_returns_124() {
    Test::new()
        .script(r#"let r = exec("sleep", ["30"], #{timeout: "500ms", check: false}); log(`t=${r.timed_out} code=${r.code}`);"#)
        .run()
        .status(0)
        .stdout_has("t=true code=124")
        .took_less_than(Duration::from_secs(3));
}

#[test]
fn cwd_and_env_apply() {
    Test::new()
        .file("sub/keep", "")
        .script(r#"exec("sh", ["-c", "echo dir=${PWD##*/} v=$RHREL_T_V"], #{cwd: "sub", env: #{RHREL_T_V: "vv"}});"#)
        .run()
        .status(0)
        .stdout_has("dir=sub v=vv");
}

#[test]
fn unknown_option_is_named() {
    Test::new()
        .script(r#"exec("true", [], #{timout: 1});"#)
        .run()
        .status(1)
        .stderr_has("unknown option `timout`");
}

#[test]
fn shell_runs_pipelines() {
    Test::new()
        .script(r#"let r = shell("echo abc | tr a z"); log(`got=${r.stdout}`);"#)
        .run()
        .status(0)
        .stdout_has("zbc\n")
        .stdout_has("got=zbc");
}

#[test]
fn which_finds_programs_or_returns_unit() {
    Test::new()
        .script(r#"log(`sh=${which("sh")} none=${which("no-such-program-xyz") == ()}`);"#)
        .run()
        .status(0)
        .stdout_has("sh=/")
        .stdout_has("none=true");
}

#[test]
fn output_is_relayed_live() {
    let mut running = Test::new()
        .script(r#"exec("sh", ["-c", "echo early-line; sleep 3; echo late-line"]);"#)
        .spawn();
    wait_for(&running, "early-line");
    assert!(!running.stdout_so_far().contains("late-line"));
    running
        .wait_bounded(Duration::from_secs(20))
        .status(0)
        .stdout_has("late-line");
}

#[test]
fn a_line_split_across_writes_is_relayed_whole() {
    let mut running = Test::new()
        .script(
            r#"exec("sh", ["-c", "printf 'half-'; sleep 1; echo 'whole'; printf 'no-newline'"]);"#,
        )
        .spawn();
    std::thread::sleep(Duration::from_millis(500));
    assert!(!running.stdout_so_far().contains("half-"));
    running
        .wait_bounded(Duration::from_secs(20))
        .status(0)
        .stdout_has("half-whole\nno-newline\n");
}

#[test]
fn deadline_kills_the_whole_tree() {
    let mark = marker("deadline");
    let out = Test::new()
        .script(&tree_script(&mark))
        .args(["--timeout", "1s"])
        .run();
    out.status(124)
        .stderr_has("stopping `bash -c")
        .stderr_has("deadline")
        .stdout_lacks("not reached")
        .took_less_than(Duration::from_secs(5));
    assert_no_orphans(&mark);
}

#[test]
fn sigterm_kills_the_tree_and_exits_143() {
    let mark = marker("sigterm");
    let mut running = Test::new().script(&tree_script(&mark)).spawn();
    wait_for(&running, "started");
    std::thread::sleep(Duration::from_millis(300));
    running.signal(libc::SIGTERM);
    let started = std::time::Instant::now();
    let out = running.wait_bounded(Duration::from_secs(20));
    out.status(143).stderr_has("SIGTERM");
    assert!(started.elapsed() < Duration::from_secs(5), "not prompt");
    assert_no_orphans(&mark);
}

#[test]
fn sigint_exits_130() {
    let mark = marker("sigint");
    let mut running = Test::new().script(&tree_script(&mark)).spawn();
    wait_for(&running, "started");
    std::thread::sleep(Duration::from_millis(300));
    running.signal(libc::SIGINT);
    running
        .wait_bounded(Duration::from_secs(20))
        .status(130)
        .stderr_has("SIGINT");
    assert_no_orphans(&mark);
}

#[test]
fn a_child_ignoring_sigterm_is_killed_after_the_grace() {
    let mark = marker("stubborn");
    let out = Test::new()
        .script(&format!(
            r#"exec("bash", ["-c", "trap '' TERM; (trap '' TERM; exec -a {mark} sleep 300) & sleep 300; wait"]);"#
        ))
        .args(["--timeout", "1s"])
        .run();
    out.status(124).took_less_than(Duration::from_secs(10));
    assert_no_orphans(&mark);
}

#[test]
fn background_processes_left_behind_end_with_the_run() {
    let mark = marker("leftover");
    let out = Test::new()
        .script(&format!(
            r#"exec("bash", ["-c", "(exec -a {mark} sleep 300) >/dev/null 2>&1 &"]); log("returned");"#
        ))
        .run();
    out.status(0)
        .stdout_has("returned")
        .stderr_has("still running at the end of the run");
    assert_no_orphans(&mark);
}

#[test]
fn a_crash_while_a_child_runs_still_ends_its_tree() {
    // Debug builds panic while supervising a child when RHREL_DEBUG_PANIC=exec (supervise.rs).
    let mark = marker("crash");
    let out = Test::new()
        .script(&tree_script(&mark))
        .env("RHREL_DEBUG_PANIC", "exec")
        .run();
    out.status(70)
        .stderr_has("internal error")
        .stderr_has("still running at the end of the run");
    assert_no_orphans(&mark);
}

#[test]
fn allow_exec_permits_and_denies() {
    let out = Test::new()
        .script(r#"exec("echo", ["allowed-ok"]); exec("/bin/ls", []);"#)
        .args(["--allow-exec=echo"])
        .run();
    out.status(1)
        .stdout_has("allowed-ok")
        .stderr_has("running `/bin/ls` is not allowed by --allow-exec");
}

#[test]
fn allow_exec_counts_shell_as_sh() {
    Test::new()
        .script(r#"shell("echo via-sh");"#)
        .args(["--allow-exec=sh"])
        .run()
        .status(0)
        .stdout_has("via-sh");
    Test::new()
        .script(r#"shell("echo via-sh");"#)
        .env("RHREL_ALLOW_EXEC", "")
        .run()
        .status(1)
        .stderr_has("--allow-exec");
}

#[test]
fn dry_run_starts_nothing() {
    let out = Test::new()
        .script(
            r#"let r = exec("touch", ["marker file"]); log(`dry=${r.dry_run} code=${r.code} ok=${r.ok}`);"#,
        )
        .arg("--dry-run")
        .run();
    out.status(0)
        .stdout_has("[dry-run] would run: touch 'marker file'")
        .stdout_has("dry=true code=0 ok=true");
    assert!(!out.dir.join("marker file").exists());
}

/// The child starts as a program started by a shell would: no signal blocked or caught
/// (rhrel handles TERM/INT/HUP/QUIT and faults itself), and SIGPIPE, which rhrel ignores, at
/// its default. A signal rhrel was started with ignored stays ignored, as across any exec.
#[test]
fn a_child_starts_with_default_signals_and_an_empty_mask() {
    let out = Test::new()
        .script(
            r#"exec("cat", ["/proc/self/status"]);
parallel([#{ name: "p", program: "cat", args: ["/proc/self/status"] }]);"#,
        )
        .run();
    out.status(0);
    let field = |prefix: &str, name: &str| -> u64 {
        let line = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{prefix}{name}:\t")))
            .unwrap_or_else(|| panic!("no {prefix}{name} line:\n{}", out.dump()));
        u64::from_str_radix(line.trim(), 16).unwrap()
    };
    for prefix in ["", "[p] "] {
        assert_eq!(field(prefix, "SigBlk"), 0, "{prefix}blocked signals");
        assert_eq!(field(prefix, "SigCgt"), 0, "{prefix}caught signals");
        let sigpipe = 1 << (libc::SIGPIPE - 1);
        assert_eq!(
            field(prefix, "SigIgn") & sigpipe,
            0,
            "{prefix}SIGPIPE ignored"
        );
    }
}

/// As execvp(3) and bash do, a file the kernel will not execute runs under `/bin/sh`.
#[test]
fn an_executable_without_a_shebang_runs_under_sh() {
    Test::new()
        .file("bin/plain", "echo \"plain ran as $0 with $1\"\n")
        .script(r#"exec("chmod", ["+x", "bin/plain"]); exec("./bin/plain", ["arg1"]);"#)
        .run()
        .status(0)
        .stdout_has("plain ran as ./bin/plain with arg1\n");
}

/// With rhrel's own stdin closed, the first pipe it makes gets descriptor 0; the child still
/// gets its stdin, stdout and stderr.
#[test]
fn children_get_their_pipes_when_rhrel_starts_with_standard_descriptors_closed() {
    use std::os::unix::process::CommandExt;
    let t = Test::new().script(
        r#"let r = exec("cat", [], #{stdin: "fed\n", quiet: true});
exec("sh", ["-c", "echo err-line >&2"]);
if r.stdout != "fed\n" { fail(`stdin lost: ${r.stdout}`) }
log("done");"#,
    );
    let mut cmd = t.command();
    // SAFETY: close(2) in the forked child before exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(0);
            Ok(())
        });
    }
    let out = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("done"), "stdout: {stdout}");
    assert!(stderr.contains("err-line"), "stderr: {stderr}");
}
