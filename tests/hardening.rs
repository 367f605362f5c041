//! Hostile environments (issue 15): a stalled log reader, a FIFO that never delivers, a daemon
//! that leaves its group, a SIGKILLed rhrel, rhrel as PID 1, repeated signals, values nested
//! deeper than any stack.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Test;

/// Generous: these tests check that a run ends, not how fast (bench/ measures speed).
const BOUND: Duration = Duration::from_secs(20);

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo(3) with a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Waits for `child` up to `bound`; kills it (and fails) past that.
fn wait(child: &mut Child, bound: Duration) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The state letter of a process (`S`, `Z` …), `None` when it is gone.
fn state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

fn gone(pid: i32) -> bool {
    matches!(state(pid), None | Some('Z') | Some('X'))
}

/// Waits until `path` holds a pid.
fn read_pid(path: &Path) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(pid) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return pid;
        }
        assert!(start.elapsed() < BOUND, "no pid in {}", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A reader that opens the FIFO and then never reads (a stalled log collector), and rhrel
/// started with that FIFO as its stdout.
struct StalledStdout {
    reader: Child,
    rhrel: Child,
    _test: Test,
}

impl StalledStdout {
    fn start(test: Test) -> StalledStdout {
        let fifo: PathBuf = test.path().join("log.fifo");
        mkfifo(&fifo);
        let reader = Command::new("sh")
            .arg("-c")
            .arg("exec 3< \"$0\"; exec sleep 120")
            .arg(&fifo)
            .spawn()
            .unwrap();
        let stdout = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        let rhrel = test
            .command()
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        StalledStdout {
            reader,
            rhrel,
            _test: test,
        }
    }
}

impl Drop for StalledStdout {
    fn drop(&mut self) {
        let _ = self.reader.kill();
        let _ = self.reader.wait();
        let _ = self.rhrel.kill();
        let _ = self.rhrel.wait();
    }
}

const LOG_LOOP: &str =
    "let i = 0;\nloop { log(`line ${i} of a script that logs far more than anyone reads`); i += 1; }\n";

#[test]
fn a_stalled_stdout_does_not_hold_the_run_past_its_deadline() {
    let report = tempfile::tempdir().unwrap();
    let path = report.path().join("report.json");
    let test =
        Test::new()
            .script(LOG_LOOP)
            .args(["--timeout", "2s", "--report", path.to_str().unwrap()]);
    let mut run = StalledStdout::start(test);
    assert_eq!(wait(&mut run.rhrel, BOUND), 124);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report["exit_code"], 124);
    assert!(
        report["output_dropped_bytes"].as_u64().unwrap() > 0,
        "{report}"
    );
}

#[test]
fn a_stalled_stdout_does_not_hold_the_run_past_a_sigterm() {
    let test = Test::new().script(LOG_LOOP);
    let mut run = StalledStdout::start(test);
    std::thread::sleep(Duration::from_millis(1000));
    // SAFETY: kill(2) on the rhrel this test started.
    unsafe { libc::kill(run.rhrel.id() as i32, libc::SIGTERM) };
    assert_eq!(wait(&mut run.rhrel, BOUND), 143);
}

#[test]
fn a_relayed_child_on_a_stalled_stdout_is_stopped_at_the_deadline() {
    let test = Test::new()
        .script("exec(\"sh\", [\"-c\", \"while :; do echo relayed output line; done\"]);")
        .args(["--timeout", "2s"]);
    let mut run = StalledStdout::start(test);
    assert_eq!(wait(&mut run.rhrel, BOUND), 124);
}

#[test]
fn read_file_on_a_fifo_ends_at_the_deadline() {
    let test = Test::new();
    mkfifo(&test.path().join("never.fifo"));
    test.script("let text = read_file(\"never.fifo\");\nlog(\"unreachable\");")
        .args(["--timeout", "2s"])
        .run()
        .status(124)
        .stdout_lacks("unreachable")
        .stderr_has("timed out after 2s");
}

#[test]
fn read_file_on_a_fifo_reads_what_a_writer_sends() {
    let test = Test::new();
    let fifo = test.path().join("data.fifo");
    mkfifo(&fifo);
    let mut writer = Command::new("sh")
        .arg("-c")
        .arg("printf 'from the fifo' > \"$0\"")
        .arg(&fifo)
        .spawn()
        .unwrap();
    test.script("log(read_file(\"data.fifo\"));")
        .run()
        .status(0)
        .stdout_has("from the fifo");
    assert_eq!(wait(&mut writer, BOUND), 0);
}

#[test]
fn a_call_that_ignores_the_stop_meets_the_hard_backstop() {
    // Every real blocking call observes the stop; RHREL_DEBUG_HANG (debug builds) makes one
    // that does not, as a call stuck in the kernel would.
    Test::new()
        .script("shell(\"sleep 300 &\");\nwrite_file(\"out.txt\", \"x\");")
        .env("RHREL_DEBUG_HANG", "write_file")
        .args(["--timeout", "2s"])
        .run()
        .status(124)
        .stderr_has("did not end within 1s of the deadline");
}

#[test]
fn write_file_to_a_fifo_without_a_reader_ends_at_the_deadline() {
    let test = Test::new();
    mkfifo(&test.path().join("noreader.fifo"));
    test.script("write_file(\"noreader.fifo\", \"x\");\nlog(\"unreachable\");")
        .args(["--timeout", "2s"])
        .run()
        .status(124)
        .stdout_lacks("unreachable")
        .stderr_has("timed out after 2s")
        .stderr_lacks("did not end within")
        .took_less_than(BOUND);
}

#[test]
fn write_file_to_a_fifo_reaches_a_reader_that_comes_later() {
    let test = Test::new();
    let fifo = test.path().join("data.fifo");
    mkfifo(&fifo);
    let got = test.path().join("got.txt");
    let mut reader = Command::new("sh")
        .arg("-c")
        .arg("sleep 0.3; cat \"$0\" > \"$1\"")
        .arg(&fifo)
        .arg(&got)
        .spawn()
        .unwrap();
    // Kept until the end: the reader writes into the test's directory.
    let out = test
        .script("write_file(\"data.fifo\", \"to the fifo\");\nlog(\"written\");")
        .run();
    out.status(0).stdout_has("written");
    assert_eq!(wait(&mut reader, BOUND), 0);
    assert_eq!(std::fs::read_to_string(&got).unwrap(), "to the fifo");
}

#[test]
fn a_setsid_daemon_is_stopped_at_the_end_of_the_run() {
    let test = Test::new().script(
        "exec(\"sh\", [\"-c\", \"setsid sh -c 'echo $$ > daemon.pid; exec sleep 311' >/dev/null 2>&1 </dev/null &\"]);\n\
         while !file_exists(\"daemon.pid\") { sleep(0.02); }\nsleep(0.2);\nlog(\"started\");",
    );
    let pidfile = test.path().join("daemon.pid");
    let out = test.run();
    let pid = read_pid(&pidfile);
    let alive = !gone(pid);
    if alive {
        // SAFETY: kill(2) on the daemon this test's script started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    out.status(0)
        .stdout_has("started")
        .stderr_has("still running at the end of the run")
        .stderr_has("(sleep)");
    assert!(!alive, "the daemon {pid} outlived the run\n{}", out.dump());
}

#[test]
fn a_sigkilled_rhrel_takes_its_child_down() {
    let test =
        Test::new().script("exec(\"sh\", [\"-c\", \"echo $$ > child.pid; exec sleep 300\"]);");
    let pidfile = test.path().join("child.pid");
    let mut running = test.spawn();
    let pid = read_pid(&pidfile);
    running.signal(libc::SIGKILL);
    let _ = running.wait_bounded(BOUND);
    let start = Instant::now();
    while !gone(pid) && start.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(20));
    }
    let alive = !gone(pid);
    if alive {
        // SAFETY: kill(2) on the child this test's script started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(!alive, "the child {pid} outlived a SIGKILLed rhrel");
}

#[test]
fn a_second_sigterm_kills_the_children_at_once() {
    let mut running = Test::new()
        .script(
            "log(\"go\");\nexec(\"sh\", [\"-c\", \"trap '' TERM; echo $$ > child.pid; sleep 60\"]);",
        )
        .spawn();
    let pid = read_pid(&running.test.path().join("child.pid"));
    running.signal(libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    running.signal(libc::SIGTERM);
    let out = running.wait_bounded(BOUND);
    out.status(143).stderr_has("a second SIGTERM");
    assert!(gone(pid), "{}", out.dump());
}

#[test]
fn sighup_and_sigquit_end_the_run_like_sigterm() {
    for (signal, code, name) in [
        (libc::SIGHUP, 129, "SIGHUP"),
        (libc::SIGQUIT, 131, "SIGQUIT"),
    ] {
        let mut running = Test::new().script("log(\"go\");\nsleep(60);").spawn();
        while !running.stdout_so_far().contains("go") {
            std::thread::sleep(Duration::from_millis(20));
        }
        running.signal(signal);
        running
            .wait_bounded(BOUND)
            .status(code)
            .stderr_has(&format!("interrupted by {name}"));
    }
}

const DEEP: &str =
    "shell(\"sleep 300 &\");\nlet a = [];\nfor i in 0..20000 { a = [a]; }\nprint(a);\n";

#[test]
fn a_value_nested_20000_deep_is_refused_not_a_crash() {
    Test::new()
        .script(DEEP)
        .run()
        .status(1)
        .stderr_has("a value nested deeper than 128 levels")
        .stderr_has("script.rhai:3:");
    Test::new()
        .script("let m = #{};\nfor i in 0..20000 { m = #{ inner: m }; }\nprint(m);\n")
        .run()
        .status(1)
        .stderr_has("a value nested deeper than 128 levels");
}

#[test]
fn a_value_nested_20000_deep_on_the_big_stack_thread() {
    // `ulimit -s 2048`: the script runs on the 256 MiB thread instead of the main one.
    Test::new()
        .script(DEEP)
        .stack_limit(2048 * 1024)
        .run()
        .status(1)
        .stderr_has("a value nested deeper than 128 levels");
}

#[test]
fn values_nested_within_the_limit_still_work() {
    Test::new()
        .script("let a = 1;\nfor i in 0..100 { a = [a]; }\nlet b = a;\nfor i in 0..100 { b = b[0]; }\nlog(`${b}`);")
        .run()
        .status(0)
        .stdout_has("1");
}

/// Gives `to` the environment changes rhrel's own command carries (a wrapper runs rhrel).
fn copy_env(from: &Command, to: &mut Command) {
    for (k, v) in from.get_envs() {
        match v {
            Some(v) => to.env(k, v),
            None => to.env_remove(k),
        };
    }
}

/// `unshare --pid --fork --mount-proc` when this machine allows it (root on Debian does).
fn unshare_available() -> bool {
    Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn as_pid_1_it_reaps_orphans_and_acts_on_sigterm() {
    if !unshare_available() {
        if std::env::var("RHREL_E2E").is_ok_and(|v| v == "required") {
            panic!("unshare --pid --fork --mount-proc is not permitted here");
        }
        eprintln!("SKIPPED as_pid_1_it_reaps_orphans_and_acts_on_sigterm: unshare --pid --fork --mount-proc is not permitted here");
        return;
    }
    let test = Test::new().script(
        "shell(\"for i in 1 2 3 4 5; do (sleep 0.1 &); done\");\nlog(\"orphans made\");\nsleep(60);",
    );
    let out_path = test.path().join(".stdout");
    let mut cmd = test.command();
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut unshare = Command::new("unshare");
    unshare
        .args(["--pid", "--fork", "--mount-proc"])
        .arg(program)
        .args(args)
        .current_dir(test.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::null());
    copy_env(&cmd, &mut unshare);
    let _ = &mut cmd;
    let mut child = unshare.spawn().unwrap();
    // rhrel is unshare's child (PID 1 inside the new namespace).
    let start = Instant::now();
    let rhrel = loop {
        let kids =
            std::fs::read_to_string(format!("/proc/{}/task/{}/children", child.id(), child.id()))
                .unwrap_or_default();
        if let Some(pid) = kids
            .split_whitespace()
            .next()
            .and_then(|p| p.parse::<i32>().ok())
        {
            break pid;
        }
        assert!(start.elapsed() < BOUND, "unshare started nothing");
        std::thread::sleep(Duration::from_millis(20));
    };
    while !std::fs::read_to_string(&out_path)
        .unwrap_or_default()
        .contains("orphans made")
    {
        assert!(start.elapsed() < BOUND, "the script never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The orphans' zombies are reaped while the script still sleeps.
    let zombies = || {
        std::fs::read_dir(format!("/proc/{rhrel}/task"))
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
                    .flat_map(|k| {
                        k.split_whitespace()
                            .filter_map(|p| p.parse::<i32>().ok())
                            .collect::<Vec<_>>()
                    })
                    .filter(|p| state(*p) == Some('Z'))
                    .count()
            })
            .unwrap_or(0)
    };
    std::thread::sleep(Duration::from_millis(300));
    while zombies() > 0 {
        assert!(start.elapsed() < BOUND, "zombies were not reaped");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on the rhrel this test started (through unshare).
    unsafe { libc::kill(rhrel, libc::SIGTERM) };
    assert_eq!(wait(&mut child, BOUND), 143);
}

#[test]
fn arguments_reach_the_script_exactly() {
    // main builds them from its own argc/argv (src/startup.rs).
    Test::new()
        .script("log(`${args().len()}|${args()[0]}|${args()[1]}|${args()[2]}|`);")
        .args(["--", "", "two words", "é-ü"])
        .run()
        .status(0)
        .stdout_has("3||two words|é-ü|");
}

/// `unshare --net --mount` when this machine allows it (root on Debian does).
fn net_namespace_available() -> bool {
    Command::new("unshare")
        .args(["--net", "--mount", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A DNS server that never answers (a UDP socket on 127.0.0.1:53 that reads nothing, in a
/// network namespace of the test's own, with `/etc/resolv.conf` bind-mounted to point at it):
/// the lookup runs beside the script, so the deadline ends the run with its own 124 instead
/// of the hard stop's.
#[test]
fn a_dns_server_that_never_answers_does_not_hold_the_deadline() {
    if !net_namespace_available() {
        if std::env::var("RHREL_E2E").is_ok_and(|v| v == "required") {
            panic!("unshare --net --mount is not permitted here");
        }
        eprintln!("SKIPPED a_dns_server_that_never_answers_does_not_hold_the_deadline: unshare --net --mount is not permitted here");
        return;
    }
    let test = Test::new()
        .file(
            "resolv.conf",
            "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n",
        )
        .file(
            "blackhole.py",
            "import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
             s.bind(('127.0.0.1', 53))\nopen('ready', 'w').close()\ntime.sleep(600)\n",
        )
        .script("wait_for_port(\"db.rhrel-test.invalid\", 5432, \"60s\");\nlog(\"unreachable\");")
        .args(["--timeout", "2s"]);
    let cmd = test.command();
    let mut inner = Command::new("unshare");
    inner
        .args(["--net", "--mount", "sh", "-c"])
        .arg(
            "ip link set lo up && mount --bind resolv.conf /etc/resolv.conf || exit 97\n\
             python3 blackhole.py & dns=$!\n\
             while [ ! -e ready ]; do sleep 0.02; done\n\
             \"$@\"; rc=$?\nkill $dns\nexit $rc",
        )
        .arg("sh")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .current_dir(test.path());
    copy_env(&cmd, &mut inner);
    let out = inner.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(124),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("timed out after 2s"), "stderr: {stderr}");
    assert!(!stderr.contains("did not end within"), "stderr: {stderr}");
    assert!(!stdout.contains("unreachable"), "stdout: {stdout}");
}
