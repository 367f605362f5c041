//! Process groups of children: every child leads its own group, so one signal reaches it and
//! everything it started. Here: signalling a group, telling whether any of it still lives, the
//! run's registry of live groups, and the TERM → grace → KILL sequence.

use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
use std::time::{Duration, Instant};

use crate::output::Level;
use crate::run::context::Context;

/// Time between SIGTERM and SIGKILL: long enough for a migration to roll back its
/// transaction, well under the 30 s a platform like Heroku gives rhrel itself.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// Sends `signal` to every process of the group (errors mean the group is gone).
pub(crate) fn signal(pgid: i32, signal: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) on a negative pid signals that process group; no memory involved.
        unsafe { libc::kill(-pgid, signal) };
    }
}

/// Whether a process of the group is still running. Zombies do not count: an orphaned
/// grandchild's zombie may linger when the container's init does not reap it.
pub(crate) fn alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    if pgid <= 1 || unsafe { libc::kill(-pgid, 0) } != 0 {
        return false;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            return false;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let group = fields.nth(1).and_then(|g| g.parse::<i32>().ok());
        group == Some(pgid) && !matches!(state, Some("Z" | "X"))
    })
}

/// Every group registered by any context of this process (the script's and the hooks'), for
/// the hard stop (`run/backstop.rs`) and the crash handler (`run/crash.rs`), which must reach
/// them without the contexts and, in a signal handler, without a lock: one slot per group
/// (0: free); a group beyond the slots is still stopped through its context.
static LIVE: [AtomicI32; 256] = [const { AtomicI32::new(0) }; 256];

/// Records a running child's group, so the run's end can reach it whatever happens.
pub(crate) fn register(ctx: &Context, pgid: i32) {
    lock(ctx).push(pgid);
    let _ = LIVE
        .iter()
        .find(|slot| slot.compare_exchange(0, pgid, SeqCst, SeqCst).is_ok());
}

/// Forgets a group whose processes have all ended.
pub(crate) fn unregister(ctx: &Context, pgid: i32) {
    lock(ctx).retain(|g| *g != pgid);
    forget(pgid);
}

fn forget(pgid: i32) {
    let _ = LIVE
        .iter()
        .find(|slot| slot.compare_exchange(pgid, 0, SeqCst, SeqCst).is_ok());
}

/// SIGKILL to every registered group; async-signal-safe (atomics and kill(2) only).
pub(crate) fn kill_registered() {
    for slot in &LIVE {
        let g = slot.load(SeqCst);
        if g > 1 {
            // SAFETY: kill(2) on a negative pid signals that process group.
            unsafe { libc::kill(-g, libc::SIGKILL) };
        }
    }
}

/// The groups registered now, in every context.
pub(crate) fn registered() -> Vec<i32> {
    LIVE.iter()
        .map(|slot| slot.load(SeqCst))
        .filter(|g| *g > 1)
        .collect()
}

/// SIGTERM to each group, then SIGKILL to what is left after the grace period. Blocks until
/// all are gone (or a moment after the SIGKILL).
pub(crate) fn terminate(groups: &[i32]) {
    let live: Vec<i32> = groups.iter().copied().filter(|g| alive(*g)).collect();
    if live.is_empty() {
        return;
    }
    for g in &live {
        signal(*g, libc::SIGTERM);
    }
    crate::run::backstop::allow(GRACE + Duration::from_secs(1));
    if wait_gone(&live, GRACE) {
        return;
    }
    for g in &live {
        signal(*g, libc::SIGKILL);
    }
    wait_gone(&live, Duration::from_secs(1));
}

/// Ends every group still registered (children the script left behind). Run at the end of
/// every run, however it ended.
pub(crate) fn stop_all(ctx: &Context) {
    let groups: Vec<i32> = std::mem::take(&mut *lock(ctx));
    for g in &groups {
        forget(*g);
    }
    let live: Vec<i32> = groups.into_iter().filter(|g| alive(*g)).collect();
    if live.is_empty() {
        return;
    }
    for g in &live {
        ctx.out.event(
            Level::Warn,
            "stop",
            &format!("stopping process group {g}, still running at the end of the run"),
            serde_json::json!({ "process_group": g, "reason": "the run is ending" }),
        );
    }
    terminate(&live);
}

fn wait_gone(groups: &[i32], within: Duration) -> bool {
    let until = Instant::now() + within;
    loop {
        if !groups.iter().any(|g| alive(*g)) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn lock(ctx: &Context) -> std::sync::MutexGuard<'_, Vec<i32>> {
    ctx.children.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn terminate_reaches_grandchildren() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30; wait"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        std::thread::sleep(Duration::from_millis(100));
        assert!(alive(pgid));
        let reaper = std::thread::spawn(move || child.wait());
        terminate(&[pgid]);
        assert!(!alive(pgid));
        reaper.join().unwrap().unwrap();
    }
}
