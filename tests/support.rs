//! The `Test` builder: writes files into a temp dir, runs the real `rhrel` binary there with
//! a clean environment, and returns what it did for assertions.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const RHREL: &str = env!("CARGO_BIN_EXE_rhrel");

/// Variables removed from every test run, so the host's environment cannot change results.
const CLEARED: &[&str] = &[
    "DYNO",
    "RELEASE_COMMAND",
    "FLY_APP_NAME",
    "RENDER",
    "RAILWAY_ENVIRONMENT",
    "KUBERNETES_SERVICE_HOST",
    "RHREL_TIMEOUT",
    "RHREL_LOG_FORMAT",
    "RHREL_DRY_RUN",
    "RHREL_ALLOW_EXEC",
    "RHREL_ALLOW_NET",
    "RHREL_ALLOW_ENV",
    "RHREL_REPORT",
    "RHREL_MAX_MEMORY",
    "RHREL_MASK_VARS",
    "DATABASE_URL",
    "REDIS_URL",
    "NEW_RELIC_LICENSE_KEY",
    "HEROKU_APP_NAME",
    "HEROKU_SLUG_COMMIT",
    "SOURCE_VERSION",
];

/// Runs `scripts/examples/NAME` from the repository, without Heroku review-app variables.
pub fn example(name: &str) -> Test {
    Test::new()
        .arg(format!(
            "{}/scripts/examples/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .env_remove("HEROKU_PR_NUMBER")
        .env_remove("HEROKU_PARENT_APP_NAME")
        .env_remove("SLACK_WEBHOOK_URL")
}

#[must_use]
pub struct Test {
    /// Shared with the `Outcome`, so a test can still look at the files a run left.
    dir: std::sync::Arc<tempfile::TempDir>,
    cwd: Option<PathBuf>,
    args: Vec<String>,
    env: BTreeMap<String, Option<String>>,
    stdin: Option<Vec<u8>>,
    stack_limit: Option<u64>,
}

impl Test {
    pub fn new() -> Self {
        let mut env = BTreeMap::new();
        for name in CLEARED {
            env.insert(name.to_string(), None);
        }
        Test {
            dir: std::sync::Arc::new(tempfile::tempdir().expect("temp dir")),
            cwd: None,
            args: Vec::new(),
            env,
            stdin: None,
            stack_limit: None,
        }
    }

    /// Writes `script.rhai` and runs it.
    pub fn script(self, source: &str) -> Self {
        self.file("script.rhai", source).arg("script.rhai")
    }

    /// Writes a file (parents created) relative to the temp dir.
    pub fn file(self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.into(), Some(value.into()));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.insert(key.into(), None);
        self
    }

    pub fn stdin(mut self, input: &str) -> Self {
        self.stdin = Some(input.as_bytes().to_vec());
        self
    }

    /// Runs rhrel with this `RLIMIT_STACK` (bytes; `u64::MAX` for unlimited), as `ulimit -s`.
    pub fn stack_limit(mut self, bytes: u64) -> Self {
        self.stack_limit = Some(bytes);
        self
    }

    /// Runs in `dir` (relative to the temp dir) instead of the temp dir itself.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(self.dir.path().join(dir));
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(RHREL);
        cmd.args(&self.args)
            .current_dir(self.cwd.as_deref().unwrap_or(self.dir.path()));
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(bytes) = self.stack_limit {
            use std::os::unix::process::CommandExt;
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: libc::RLIM_INFINITY,
            };
            // SAFETY: setrlimit(2) is async-signal-safe and touches only the child.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::setrlimit(libc::RLIMIT_STACK, &limit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        cmd
    }

    /// Starts rhrel without waiting (stdout/stderr to files in the temp dir).
    pub fn spawn(self) -> Running {
        let out = self.dir.path().join(".stdout");
        let err = self.dir.path().join(".stderr");
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .expect("spawn rhrel");
        Running {
            test: self,
            child,
            started: Instant::now(),
            out,
            err,
        }
    }

    /// Runs rhrel to its end (killed after 60 s) and returns what happened.
    pub fn run(self) -> Outcome {
        let mut running = self.spawn_with_stdin();
        running.wait_bounded(Duration::from_secs(60))
    }

    fn spawn_with_stdin(self) -> Running {
        let stdin = self.stdin.clone();
        let out = self.dir.path().join(".stdout");
        let err = self.dir.path().join(".stderr");
        let mut child = self
            .command()
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .expect("spawn rhrel");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            let _ = pipe.write_all(&input);
        }
        Running {
            test: self,
            child,
            started: Instant::now(),
            out,
            err,
        }
    }
}

/// A rhrel process still running.
pub struct Running {
    pub test: Test,
    pub child: Child,
    pub started: Instant,
    out: PathBuf,
    err: PathBuf,
}

impl Running {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// What rhrel has written to stdout so far.
    pub fn stdout_so_far(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) with our own child's pid.
        unsafe { libc::kill(self.pid(), signal) };
    }

    /// Waits for the end, killing rhrel if it runs past `bound` (the test then fails).
    pub fn wait_bounded(&mut self, bound: Duration) -> Outcome {
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let elapsed = self.started.elapsed();
                let outcome = Outcome {
                    status: status.code().unwrap_or(-1),
                    stdout: std::fs::read_to_string(&self.out).unwrap_or_default(),
                    stderr: std::fs::read_to_string(&self.err).unwrap_or_default(),
                    elapsed,
                    dir: self.test.dir.path().to_path_buf(),
                    _keep: self.test.dir.clone(),
                };
                outcome.assert_no_panic();
                return outcome;
            }
            if self.started.elapsed() > bound {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("rhrel still running after {bound:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// What a finished run did.
#[derive(Debug)]
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub dir: PathBuf,
    /// Keeps `dir` alive while the outcome is looked at.
    _keep: std::sync::Arc<tempfile::TempDir>,
}

impl Outcome {
    #[track_caller]
    pub fn status(&self, expected: i32) -> &Self {
        assert_eq!(self.status, expected, "exit code\n{}", self.dump());
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout has {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n{}",
            self.dump()
        );
        self
    }

    /// Either stream contains `needle`.
    #[track_caller]
    pub fn output_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "output lacks {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn output_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "output has {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn took_less_than(&self, bound: Duration) -> &Self {
        assert!(
            self.elapsed < bound,
            "took {:?}, bound {bound:?}\n{}",
            self.elapsed,
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn assert_no_panic(&self) {
        assert!(
            !self.stdout.contains("panicked at") && !self.stderr.contains("panicked at"),
            "rhrel panicked\n{}",
            self.dump()
        );
    }

    pub fn dump(&self) -> String {
        format!(
            "--- status {}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}
