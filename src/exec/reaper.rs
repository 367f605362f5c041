//! The process tree below rhrel: rhrel is a child subreaper, so a process the script started
//! that leaves its group or session (a `setsid` daemon) and is orphaned still has rhrel as its
//! parent. At the end of a run every descendant still alive is stopped (TERM, grace, KILL) and
//! every zombie reaped; as PID 1 (a container without an init) adopted zombies are reaped
//! while the run goes on.
//!
//! Descendants are read from `/proc/<pid>/task/<tid>/children` (the kernel's list of each
//! thread's children), falling back to a scan of every `/proc/<pid>/stat` for its parent.

use std::collections::HashSet;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::output::{Level, Output};

/// Held (shared) from just before a child is spawned until its group is registered, and taken
/// (exclusive) by [`reap_orphans`]: a direct child that exits before it is registered is
/// never reaped here, so its own `spawn::Child::try_wait` still sees its status.
pub(crate) static SPAWNING: RwLock<()> = RwLock::new(());

/// Makes rhrel the reaper of its orphaned descendants (Linux ≥ 3.4; an error changes nothing).
pub(crate) fn become_subreaper() {
    // SAFETY: prctl(2) with an integer flag; no memory involved.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
}

/// A process below rhrel: its pid, its name and whether it is a zombie.
#[derive(Clone, Debug)]
pub(crate) struct Descendant {
    pub pid: i32,
    pub name: String,
    pub zombie: bool,
}

/// Every process below rhrel, parents before their children.
pub(crate) fn descendants() -> Vec<Descendant> {
    // SAFETY: getpid(2) has no preconditions.
    let me = unsafe { libc::getpid() };
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut queue = vec![me];
    let by_children_file = children_of(me).is_some();
    let parents = if by_children_file {
        None
    } else {
        Some(scan_parents())
    };
    while let Some(pid) = queue.pop() {
        let kids = match &parents {
            None => children_of(pid).unwrap_or_default(),
            Some(all) => all
                .iter()
                .filter(|(_, ppid)| *ppid == pid)
                .map(|(p, _)| *p)
                .collect(),
        };
        for kid in kids {
            if kid == me || !seen.insert(kid) {
                continue;
            }
            if let Some((name, state, _)) = stat(kid) {
                found.push(Descendant {
                    pid: kid,
                    name,
                    zombie: matches!(state, 'Z' | 'X'),
                });
                queue.push(kid);
            }
        }
    }
    found
}

/// Stops every descendant still alive at the end of a run (TERM, up to `grace`, KILL) and
/// reaps them, after a log line naming them. Only for the end of a run: no child is being
/// supervised then.
pub(crate) fn stop_descendants(out: &Output, grace: Duration) {
    reap_all();
    let live: Vec<Descendant> = descendants().into_iter().filter(|d| !d.zombie).collect();
    if live.is_empty() {
        return;
    }
    let names: Vec<String> = live
        .iter()
        .map(|d| format!("{} ({})", d.pid, d.name))
        .collect();
    out.diag(
        Level::Info,
        &format!(
            "stopping {} still running at the end of the run (left by the script, also outside \
             its process groups): {}",
            plural(live.len()),
            names.join(", ")
        ),
    );
    for d in &live {
        signal(d.pid, libc::SIGTERM);
    }
    crate::run::backstop::allow(grace + Duration::from_secs(1));
    let until = Instant::now() + grace;
    while Instant::now() < until && any_alive(&live) {
        reap_all();
        std::thread::sleep(Duration::from_millis(20));
    }
    if any_alive(&live) {
        // What a TERM handler started meanwhile is killed too.
        for d in descendants().iter().filter(|d| !d.zombie) {
            signal(d.pid, libc::SIGKILL);
        }
        for d in &live {
            signal(d.pid, libc::SIGKILL);
        }
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until && any_alive(&live) {
            reap_all();
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    reap_all();
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 process".into()
    } else {
        format!("{n} processes")
    }
}

/// SIGKILL to every descendant, without waiting: the hard stop, just before rhrel exits.
pub(crate) fn kill_descendants() {
    for d in descendants().iter().filter(|d| !d.zombie) {
        signal(d.pid, libc::SIGKILL);
    }
}

/// Reaps zombies of processes rhrel did not start itself (orphans it adopted), while the run
/// goes on. A direct child is never reaped here: `registered` holds their pids (each leads its
/// own group) and [`SPAWNING`] covers one not registered yet.
pub(crate) fn reap_orphans(registered: &[i32]) {
    let Ok(_exclusive) = SPAWNING.write() else {
        return;
    };
    // SAFETY: getpid(2) has no preconditions.
    let me = unsafe { libc::getpid() };
    let kids = children_of(me).unwrap_or_else(|| {
        scan_parents()
            .into_iter()
            .filter(|(_, ppid)| *ppid == me)
            .map(|(p, _)| p)
            .collect()
    });
    for pid in kids {
        if registered.contains(&pid) {
            continue;
        }
        if stat(pid).is_some_and(|(_, state, _)| state == 'Z') {
            let mut status = 0;
            // SAFETY: waitpid(2) on one zombie child, without blocking.
            unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        }
    }
}

/// Reaps every child that has ended (any pid).
fn reap_all() {
    loop {
        let mut status = 0;
        // SAFETY: waitpid(2) without blocking; the status is written to a local.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
    }
}

fn any_alive(procs: &[Descendant]) -> bool {
    procs
        .iter()
        .any(|d| stat(d.pid).is_some_and(|(_, state, _)| !matches!(state, 'Z' | 'X')))
}

fn signal(pid: i32, sig: i32) {
    if pid > 1 {
        // SAFETY: kill(2) on one pid; no memory involved.
        unsafe { libc::kill(pid, sig) };
    }
}

/// The children of every thread of `pid`, or `None` when the kernel lacks the children files.
fn children_of(pid: i32) -> Option<Vec<i32>> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut kids = Vec::new();
    let mut any = false;
    for task in tasks.flatten() {
        let Ok(text) = std::fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        any = true;
        kids.extend(
            text.split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok()),
        );
    }
    any.then_some(kids)
}

/// (pid, parent pid) of every process.
fn scan_parents() -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, stat(pid)?.2)))
        .collect()
}

/// (name, state, parent pid) of a process from `/proc/<pid>/stat`.
fn stat(pid: i32) -> Option<(String, char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((name, state, ppid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_grandchild() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let found = loop {
            let found = descendants();
            if found.iter().any(|d| d.name == "sleep") || Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(found.iter().any(|d| d.pid == child.id() as i32));
        let sleep = found.iter().find(|d| d.name == "sleep").expect("sleep");
        signal(sleep.pid, libc::SIGKILL);
        child.wait().unwrap();
    }
}
