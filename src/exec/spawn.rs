//! Starting a child the way every child of the run starts: in its own process group, stdout
//! and stderr piped, stdin piped only when there is text to feed (else empty), and its group
//! registered so the run's end reaches it. `parallel` starts its children here; whoever
//! supervises the child owns the pipes.

use std::io;
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
    let child = cmd.spawn()?;
    process_group::register(ctx, child.id() as i32);
    Ok(child)
}
