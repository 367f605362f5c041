//! exec: `exec`, `shell` and `which` — children started without a shell (argv as given), in
//! their own process group, relayed live and captured; see `supervise` for the wait loop.

use std::path::{Path, PathBuf};

use rhai::{Array, Dynamic, Map, Module};

use super::func;
use crate::exec::options::{self, argument, quote};
use crate::exec::supervise::{self, End, Job};
use crate::output::Level;
use crate::policy::denied;
use crate::run::context::{Context, Ctx};
use crate::script_error::{raise, raise_with, HostResult};

/// The code a timed-out command reports, as coreutils `timeout` does.
const TIMEOUT_CODE: i64 = 124;

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "exec",
        &["program: &str", "args: Array", "Map"],
        "Runs a program (found on PATH, or a path) with arguments passed as is: no shell, no globbing.\n\
         Output streams live, line by line; the last 1 MiB of each stream is also captured.\n\
         Returns `#{code, ok, stdout, stderr, duration, timed_out}`; a non-zero exit raises\n\
         (catch it and read `e.code`, `e.stdout`, `e.stderr`).\n\
         ```rhai\nexec(\"bundle\", [\"exec\", \"rails\", \"db:migrate\"]);\n```",
    )
    .set_into_module(module, move |program: &str, args: Array| -> HostResult<Map> {
        exec(&c, program, &args, &Map::new())
    });

    let c = ctx.clone();
    func(
        ctx,
        "exec",
        &["program: &str", "args: Array", "options: Map", "Map"],
        "Runs a program with options: `timeout` (seconds or \"90s\"; 0 or less times out \
         without starting it), `cwd`, `env` (map added to\n\
         the inherited environment; `()` removes a variable), `stdin` (text; the default is an\n\
         empty stdin), `quiet` (capture without relaying), `check` (false: return non-zero\n\
         exits and timeouts instead of raising; a timeout then gives `timed_out: true, code: 124`).\n\
         ```rhai\nlet r = exec(\"node\", [\"--version\"], #{quiet: true, check: false, timeout: 10});\n\
         if r.ok { log(`node: ${r.stdout}`); }\n```",
    )
    .set_into_module(
        module,
        move |program: &str, args: Array, options: Map| -> HostResult<Map> {
            exec(&c, program, &args, &options)
        },
    );

    let c = ctx.clone();
    func(
        ctx,
        "shell",
        &["command: &str", "Map"],
        "Runs `sh -c command`: the explicit opt-in for pipes, redirections and globs. Same result\n\
         and errors as `exec`; `--allow-exec` sees it as `sh`.\n\
         ```rhai\nshell(\"bundle exec rake assets:clean | tail -n 5\");\n```",
    )
    .set_into_module(module, move |command: &str| -> HostResult<Map> {
        shell(&c, command, &Map::new())
    });

    let c = ctx.clone();
    func(
        ctx,
        "shell",
        &["command: &str", "options: Map", "Map"],
        "Runs `sh -c command` with the options of `exec`.\n\
         ```rhai\nlet r = shell(\"psql \\\"$DATABASE_URL\\\" -c 'select 1'\", #{quiet: true, timeout: 30});\n```",
    )
    .set_into_module(
        module,
        move |command: &str, options: Map| -> HostResult<Map> { shell(&c, command, &options) },
    );

    func(
        ctx,
        "which",
        &["program: &str", "?"],
        "The full path of a program found on PATH (or the path itself when it names an\n\
         executable file), or `()`.\n\
         ```rhai\nif which(\"node\") != () { exec(\"node\", [\"--version\"]); }\n```",
    )
    .set_into_module(module, {
        let c = ctx.clone();
        move |program: &str| -> Dynamic {
            if let Some(sim) = c.effects.simulation() {
                return sim.which(program).map_or(Dynamic::UNIT, Into::into);
            }
            which(program).map_or(Dynamic::UNIT, |p| p.display().to_string().into())
        }
    });
}

/// Terminates every child process group still running (called at the end of every run).
pub(crate) fn stop_children(ctx: &Ctx) {
    crate::exec::process_group::stop_all(ctx);
}

fn exec(ctx: &Context, program: &str, args: &Array, options: &Map) -> HostResult<Map> {
    let args = args
        .iter()
        .enumerate()
        .map(|(i, a)| argument(program, i, a))
        .collect::<HostResult<Vec<String>>>()?;
    let shown = std::iter::once(program.to_string())
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    run(ctx, program, &args, options, &shown)
}

fn shell(ctx: &Context, command: &str, options: &Map) -> HostResult<Map> {
    let args = ["-c".to_string(), command.to_string()];
    run(ctx, "sh", &args, options, command)
}

/// The common path of `exec` and `shell`: permission, dry-run, start, supervise, result.
fn run(
    ctx: &Context,
    program: &str,
    args: &[String],
    options: &Map,
    shown: &str,
) -> HostResult<Map> {
    ctx.blocking()?;
    let opts = options::parse(shown, options)?;
    for (name, value) in &opts.env {
        if let Some(value) = value {
            ctx.out.add_env_secret(name, value);
        }
    }
    if program.is_empty() {
        return Err(raise("exec(): the program name is empty"));
    }
    let resolved = resolve_allowed(ctx, program, &format!("running `{program}`"))?;
    if ctx.dry_run {
        let full = std::iter::once(program.to_string())
            .chain(args.iter().map(|a| quote(a)))
            .collect::<Vec<_>>()
            .join(" ");
        ctx.out
            .log(Level::Info, &format!("[dry-run] would run: {full}"));
        let mut map = result(0, "", "", 0.0, false);
        map.insert("dry_run".into(), true.into());
        return Ok(map);
    }

    if opts.timeout.is_some_and(|t| t.is_zero()) {
        // A timeout computed from the time left, and none is left: time out unstarted.
        let map = result(TIMEOUT_CODE, "", "", 0.0, true);
        if !opts.check {
            return Ok(map);
        }
        let msg = format!("command `{shown}` timed out after 0s (its timeout was not positive, so it was not started)");
        return Err(raise_with(msg, 1, map));
    }

    if let Some(sim) = ctx.effects.simulation() {
        let call = crate::run::effects::ExecCall {
            program,
            args,
            shown,
            cwd: opts.cwd.as_deref(),
            env: &opts.env,
            stdin: opts.stdin.as_deref(),
            timeout: opts.timeout,
            quiet: opts.quiet,
        };
        let done = sim.exec(ctx, &call).map_err(raise)?;
        return finish(ctx, &opts, shown, done);
    }

    let mut cmd = crate::exec::spawn::Program::new(program, resolved.as_deref())
        .map_err(|e| raise(cannot_start(program, &e)))?;
    cmd.args(args);
    if let Some(cwd) = &opts.cwd {
        if !cwd.is_dir() {
            return Err(raise(format!(
                "cannot run `{shown}`: cwd `{}` is not a directory",
                cwd.display()
            )));
        }
        cmd.current_dir(cwd);
    }
    for (key, value) in &opts.env {
        cmd.env(key, value.as_deref());
    }
    let job = Job {
        shown,
        stdin: opts.stdin.as_deref().map(str::as_bytes),
        timeout: opts.timeout,
        quiet: opts.quiet,
    };
    let done = supervise::run(ctx, &cmd, &job).map_err(|e| raise(cannot_start(program, &e)))?;
    finish(ctx, &opts, shown, done)
}

/// The result of a finished (or stopped, or timed-out) child: a map, or the error it raises.
fn finish(
    ctx: &Context,
    opts: &options::Options,
    shown: &str,
    done: supervise::Finished,
) -> HostResult<Map> {
    let secs = done.duration.as_secs_f64();
    let (code, signal, timed_out) = match done.end {
        End::Stopped => return ctx.check_stop().map(|_| Map::new()),
        End::TimedOut => (TIMEOUT_CODE, None, true),
        End::Exited(status) => {
            let (code, signal) = exit_code(status);
            (code, signal, false)
        }
    };
    ctx.check_stop()?;
    let map = result(code, &done.stdout, &done.stderr, secs, timed_out);
    if code == 0 || !opts.check {
        return Ok(map);
    }
    let mut msg = if timed_out {
        format!(
            "command `{shown}` timed out after {}",
            crate::duration::format(opts.timeout.unwrap_or_default())
        )
    } else {
        match signal {
            Some(sig) => format!("command `{shown}` was killed by signal {sig} (code {code})"),
            None => format!("command `{shown}` exited with code {code}"),
        }
    };
    if opts.quiet {
        // Its output was not shown: the error carries the end of stderr.
        let lines: Vec<&str> = done.stderr.lines().rev().take(5).collect();
        for line in lines.into_iter().rev() {
            msg.push_str("\n  ");
            msg.push_str(line);
        }
    }
    Err(raise_with(msg, 1, map))
}

fn result(code: i64, stdout: &str, stderr: &str, duration: f64, timed_out: bool) -> Map {
    let mut map = Map::new();
    map.insert("code".into(), code.into());
    map.insert("ok".into(), (code == 0).into());
    map.insert("stdout".into(), stdout.into());
    map.insert("stderr".into(), stderr.into());
    map.insert("duration".into(), duration.into());
    map.insert("timed_out".into(), timed_out.into());
    map
}

/// The exit code, shell style (128 + N for a child killed by signal N), and the signal.
/// The program `program` names, found on rhrel's own `PATH` before `--allow-exec` is asked,
/// so a child's `env.PATH` cannot choose which program runs; `what` words a refusal.
pub(crate) fn resolve_allowed(
    ctx: &Context,
    program: &str,
    what: &str,
) -> HostResult<Option<PathBuf>> {
    let resolved = match ctx.effects.simulation() {
        Some(sim) => sim.which(program).map(PathBuf::from),
        None => which(program),
    };
    if !ctx
        .policy
        .exec
        .allows_program(program, resolved.as_deref(), which)
    {
        return Err(raise(denied(what, "--allow-exec")));
    }
    Ok(resolved)
}

/// The exit code, shell style (128 + N for a child killed by signal N), and the signal.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> (i64, Option<i32>) {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => (code.into(), None),
        (None, Some(sig)) => (128 + i64::from(sig), Some(sig)),
        (None, None) => (-1, None),
    }
}

/// The message for a program that could not be started.
pub(crate) fn cannot_start(program: &str, err: &std::io::Error) -> String {
    let why = match err.kind() {
        std::io::ErrorKind::NotFound if program.contains('/') => "no such file".to_string(),
        std::io::ErrorKind::NotFound => "program not found on PATH".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied (not executable?)".to_string(),
        _ => err.to_string(),
    };
    format!("cannot run `{program}`: {why}")
}

/// PATH search: the first executable file named `program`, or `program` itself when it
/// holds a `/` and is executable.
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    if program.contains('/') {
        let path = Path::new(program);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        return executable(&full).then_some(full);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            dir.join(program)
        })
        .find(|candidate| executable(candidate))
        .map(|p| std::path::absolute(&p).unwrap_or(p))
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_finds_sh() {
        let sh = which("sh").expect("sh on PATH");
        assert!(sh.is_absolute() && sh.ends_with("sh"));
        assert_eq!(which("no-such-program-xyz"), None);
    }
}
