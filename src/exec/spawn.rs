//! Starting a child the way every child of the run starts: in its own process group, stdout
//! and stderr piped, stdin piped only when there is text to feed (else empty), and its group
//! registered so the run's end reaches it, and killed with rhrel (`PR_SET_PDEATHSIG`).
//! `exec` and `parallel` both start their children here; whoever supervises the child owns
//! the pipes. The start itself is `vfork.rs`.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use crate::exec::process_group;
use crate::exec::vfork;
use crate::run::context::Context;

/// What to start: a program, its arguments, directory and changes to rhrel's environment.
pub(crate) struct Program {
    path: PathBuf,
    arg0: OsString,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    env: Vec<(OsString, Option<OsString>)>,
}

impl Program {
    /// The program that runs `program`: the resolved file for a bare name (still called by
    /// that name), the path itself for a name with a `/`; `NotFound` for a bare name not on
    /// `PATH`.
    pub(crate) fn new(program: &str, resolved: Option<&Path>) -> io::Result<Self> {
        let path = match resolved {
            Some(path) if !program.contains('/') => path.to_path_buf(),
            None if !program.contains('/') => return Err(io::ErrorKind::NotFound.into()),
            _ => PathBuf::from(program),
        };
        Ok(Self {
            path,
            arg0: program.into(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
        })
    }

    pub(crate) fn args<S: AsRef<OsStr>>(&mut self, args: impl IntoIterator<Item = S>) {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
    }

    pub(crate) fn current_dir(&mut self, dir: &Path) {
        self.cwd = Some(dir.to_path_buf());
    }

    /// Sets (`Some`) or removes (`None`) one variable of the child's environment.
    pub(crate) fn env(&mut self, key: &str, value: Option<&str>) {
        self.env.push((key.into(), value.map(OsString::from)));
    }

    /// rhrel's environment with this program's changes applied, later ones winning.
    fn environment(&self) -> Vec<(OsString, OsString)> {
        let mut vars: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        for (key, value) in &self.env {
            vars.retain(|(k, _)| k != key);
            if let Some(v) = value {
                vars.push((key.clone(), v.clone()));
            }
        }
        vars
    }
}

/// A started child: its pid, the parent's ends of its pipes, and its status once reaped.
pub(crate) struct Child {
    pid: libc::pid_t,
    pub stdin: Option<File>,
    pub stdout: Option<File>,
    pub stderr: Option<File>,
    status: Option<ExitStatus>,
}

impl Child {
    pub(crate) fn id(&self) -> u32 {
        self.pid as u32
    }

    /// The child's exit status when it has exited (reaping it), else `None`; the same status
    /// again on later calls.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_some() {
            return Ok(self.status);
        }
        let mut raw = 0;
        // SAFETY: waitpid(2) on our own child, with an integer out-parameter.
        match unsafe { libc::waitpid(self.pid, &mut raw, libc::WNOHANG) } {
            0 => Ok(None),
            n if n < 0 => Err(io::Error::last_os_error()),
            _ => {
                self.status = Some(ExitStatus::from_raw(raw));
                Ok(self.status)
            }
        }
    }
}

/// Starts `program` as the leader of a new process group and registers the group.
pub(crate) fn in_group(ctx: &Context, program: &Program, feed_stdin: bool) -> io::Result<Child> {
    let prepared = vfork::Prepared::new(
        &program.path,
        &program.arg0,
        program.args.iter().map(OsString::as_os_str),
        program.environment(),
        program.cwd.as_deref(),
    )?;
    let (out_read, out_write) = pipe()?;
    let (err_read, err_write) = pipe()?;
    let (stdin_parent, stdin_child) = if feed_stdin {
        let (r, w) = pipe()?;
        (Some(w), r)
    } else {
        (None, high(File::open("/dev/null")?.into())?)
    };
    let stdio = vfork::Stdio {
        stdin: stdin_child.as_raw_fd(),
        stdout: out_write.as_raw_fd(),
        stderr: err_write.as_raw_fd(),
    };
    // Held until the group is registered: the orphan reaper never takes a direct child.
    let _spawning = crate::exec::reaper::SPAWNING
        .read()
        .unwrap_or_else(|p| p.into_inner());
    let pid = vfork::spawn(&prepared, &stdio)?;
    process_group::register(ctx, pid);
    Ok(Child {
        pid,
        stdin: stdin_parent.map(File::from),
        stdout: Some(File::from(out_read)),
        stderr: Some(File::from(err_read)),
        status: None,
    })
}

/// A close-on-exec pipe, (read end, write end), both descriptors ≥ 3.
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2(2) fills two descriptors, which we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both were just created by pipe2 and belong to nothing else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((high(r)?, high(w)?))
}

/// `fd` itself, or a close-on-exec copy ≥ 3 when it is a standard descriptor's number (rhrel
/// was started with one closed): the child's `dup2` onto 0–2 must never be a no-op that
/// leaves close-on-exec set.
fn high(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    // SAFETY: fcntl(2) duplicating a descriptor we own; the copy is ours.
    let copy = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just created, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}
