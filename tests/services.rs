//! Real services for the end-to-end tests: PostgreSQL and Redis started in temp dirs on free
//! loopback ports and torn down when dropped. A missing tool skips the test with a loud
//! `SKIPPED:` line, or fails it when `RHREL_E2E=required` (as CI sets it).

#![allow(dead_code)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of the test database user: must never show in rhrel's output.
pub const PG_PASSWORD: &str = "pg-Secr3t-e2e-Pw";
/// The password Redis requires: must never show in rhrel's output.
pub const REDIS_PASSWORD: &str = "redis-Secr3t-e2e-Pw";

/// PostgreSQL refuses to run as root: as root the server runs as `nobody`.
const NOBODY: u32 = 65534;

/// Whether a missing tool fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("RHREL_E2E").is_ok_and(|v| v == "required")
}

/// The paths of `tools`, or `None` after saying loudly which one is missing (a panic when
/// the services are required).
pub fn need(tools: &[&str]) -> Option<Vec<PathBuf>> {
    let mut found = Vec::new();
    for tool in tools {
        match find_tool(tool) {
            Some(path) => found.push(path),
            None if required() => panic!("{tool} not installed, and RHREL_E2E=required"),
            None => {
                // Straight to the process's stderr: libtest captures eprintln! of passing
                // tests, and a skip must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: {tool} not installed (set RHREL_E2E=required to fail instead)"
                );
                return None;
            }
        }
    }
    Some(found)
}

/// A tool on PATH, else in the newest `/usr/lib/postgresql/*/bin` (Debian keeps the
/// server programs there, off PATH).
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p));
    on_path.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse().ok()?;
                Some((version, e.path().join("bin").join(name)))
            })
            .filter(|(_, p)| is_executable(p))
            .collect();
        versions.sort();
        versions.pop().map(|(_, p)| p)
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// PATH for rhrel runs: the directories of `tools` first, so scripts find them.
pub fn path_with(tools: &[PathBuf]) -> String {
    let mut dirs: Vec<PathBuf> = tools
        .iter()
        .filter_map(|t| t.parent().map(Path::to_path_buf))
        .collect();
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    dirs.dedup();
    std::env::join_paths(dirs)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// A port nobody listens on right now (the server may still lose a race for it: callers retry).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Pids of live processes whose command line holds every one of `needles`.
pub fn processes_with(needles: &[&str]) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rfind(')')
                .is_some_and(|i| stat[i + 1..].trim_start().starts_with('Z'));
            !zombie && needles.iter().all(|n| cmdline.contains(n))
        })
        .collect()
}

/// Polls `check` every 100 ms until it holds or `bound` passes; returns whether it held.
pub fn eventually(bound: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if check() {
            return true;
        }
        if start.elapsed() > bound {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A child process killed and reaped when dropped (a lock holder, a hung client).
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A PostgreSQL server of its own, with password (SCRAM) auth for the user `rhrel`.
pub struct Postgres {
    pub port: u16,
    /// initdb, pg_ctl, psql.
    pub tools: Vec<PathBuf>,
    data: PathBuf,
    as_nobody: bool,
    // Last: removed after the server is stopped.
    dir: tempfile::TempDir,
}

impl Postgres {
    /// Starts a server, or `None` when a tool is missing (see `need`).
    pub fn start() -> Option<Postgres> {
        let tools = need(&["initdb", "pg_ctl", "psql"])?;
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: geteuid has no preconditions.
        let as_nobody = unsafe { libc::geteuid() } == 0;
        let home = dir.path().join("pg");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("pw"), PG_PASSWORD).unwrap();
        if as_nobody {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            for path in [&home, &home.join("pw")] {
                std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
            }
        }
        let mut pg = Postgres {
            port: 0,
            tools,
            data: home.join("data"),
            as_nobody,
            dir,
        };
        pg.run_as_server(&pg.tools[0].clone(), |cmd| {
            cmd.arg("-D")
                .arg(&pg.data)
                .args(["-U", "rhrel", "--auth=scram-sha-256", "-N", "-E", "UTF8"])
                .args(["--locale=C"])
                .arg(format!("--pwfile={}", home.join("pw").display()));
        })
        .unwrap_or_else(|e| panic!("initdb failed: {e}"));

        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off \
                 -c client_connection_check_interval=250ms",
                home.display()
            );
            let started = pg.run_as_server(&pg.tools[1].clone(), |cmd| {
                cmd.arg("-D")
                    .arg(&pg.data)
                    .args(["-w", "-t", "30", "-o", &options, "-l"])
                    .arg(home.join("log"))
                    .arg("start");
            });
            match started {
                Ok(()) => {
                    pg.port = port;
                    return Some(pg);
                }
                // Most likely the port was taken in between: try another one.
                Err(e) => last = e,
            }
        }
        panic!(
            "PostgreSQL did not start: {last}\n{}",
            std::fs::read_to_string(home.join("log")).unwrap_or_default()
        );
    }

    /// `postgres://rhrel:PASSWORD@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!(
            "postgres://rhrel:{PG_PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// The same server with a wrong password.
    pub fn url_with_password(&self, password: &str) -> String {
        format!(
            "postgres://rhrel:{password}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// PATH for rhrel runs, with psql's directory first.
    pub fn path(&self) -> String {
        path_with(&self.tools)
    }

    /// A psql command connected to the server (no psqlrc, no prompts, unaligned output).
    pub fn psql(&self) -> Command {
        let mut cmd = Command::new(&self.tools[2]);
        cmd.args(["-X", "-w", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url())
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `sql` and returns its output, trimmed; panics when psql fails.
    #[track_caller]
    pub fn query(&self, sql: &str) -> String {
        let out = self.psql().arg("-c").arg(sql).output().unwrap();
        assert!(
            out.status.success(),
            "psql -c {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs a server tool (as `nobody` when we are root) and waits for it.
    fn run_as_server(&self, tool: &Path, args: impl FnOnce(&mut Command)) -> Result<(), String> {
        let mut cmd = Command::new(tool);
        args(&mut cmd);
        cmd.current_dir(self.data.parent().unwrap())
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        if self.as_nobody {
            cmd.uid(NOBODY).gid(NOBODY);
        }
        let out = cmd.output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} exited with {}: {}{}",
                tool.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.port != 0 {
            let pg_ctl = self.tools[1].clone();
            let data = self.data.clone();
            let _ = self.run_as_server(&pg_ctl, |cmd| {
                cmd.arg("-D")
                    .arg(&data)
                    .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
            });
        }
    }
}

/// A Redis server of its own (no persistence) requiring `REDIS_PASSWORD`.
pub struct Redis {
    pub port: u16,
    /// redis-server, redis-cli.
    pub tools: Vec<PathBuf>,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Redis {
    /// Starts a server, or `None` when a tool is missing (see `need`).
    pub fn start() -> Option<Redis> {
        let tools = need(&["redis-server", "redis-cli"])?;
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("log")).unwrap();
            let mut child = Command::new(&tools[0])
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .args(["--requirepass", REDIS_PASSWORD])
                .arg("--dir")
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if child.try_wait().unwrap().is_some() {
                    break; // the port was taken: try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Redis {
                        port,
                        tools,
                        child: Some(child),
                        dir,
                    });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "redis-server did not start:\n{}",
            std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
        );
    }

    /// `redis://default:PASSWORD@127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://default:{REDIS_PASSWORD}@127.0.0.1:{}", self.port)
    }

    /// PATH for rhrel runs, with redis-cli's directory first.
    pub fn path(&self) -> String {
        path_with(&self.tools)
    }

    /// Runs redis-cli with `args` and returns its output, trimmed; panics when it fails.
    #[track_caller]
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(&self.tools[1])
            .args(["--no-auth-warning", "-u", &self.url()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "redis-cli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Stops the server now (the port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
