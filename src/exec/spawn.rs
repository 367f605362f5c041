//! Starting a child the way every child of the run starts: in its own process group, stdout
//! and stderr piped, stdin piped only when there is text to feed (else empty), and its group
//! registered so the run's end reaches it, and killed with rhrel (`PR_SET_PDEATHSIG`).
//! `exec` and `parallel` both start their children here; whoever supervises the child owns
//! the pipes.

use std::io;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use std::os::unix::process::CommandExt;

use crate::exec::process_group;
use crate::run::context::Context;

/// Spawns `cmd` as the leader of a new process group and registers the group.
pub(crate) fn in_group(ctx: &Context, cmd: &mut Command, feed_stdin: bool) -> io::Result<Child> {
    cmd.process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if feed_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    crate::exec::reaper::die_with_parent(cmd);
    // Held until the group is registered: the orphan reaper never takes a direct child.
    let _spawning = crate::exec::reaper::SPAWNING
        .read()
        .unwrap_or_else(|p| p.into_inner());
    let child = cmd.spawn()?;
    process_group::register(ctx, child.id() as i32);
    Ok(child)
}

/// The command that runs `program`: the resolved file for a bare name (still called by that
/// name), the path itself for a name with a `/`; `NotFound` for a bare name not on `PATH`.
pub(crate) fn command(program: &str, resolved: Option<&Path>) -> std::io::Result<Command> {
    match resolved {
        Some(path) if !program.contains('/') => {
            let mut cmd = Command::new(path);
            cmd.arg0(program);
            Ok(cmd)
        }
        None if !program.contains('/') => Err(std::io::ErrorKind::NotFound.into()),
        _ => Ok(Command::new(program)),
    }
}
