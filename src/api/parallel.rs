//! parallel: `parallel(steps[, opts])` runs independent programs at the same time, each
//! with `exec`'s options, output prefixed `[name] `; see `parallel/` for the poll loop.

use rhai::{Array, Dynamic, Map, Module};

use super::exec::{cannot_start, exit_code};
use super::func;
use crate::output::Level;
use crate::parallel::pool::{self, End, Finished};
use crate::parallel::step::{self, Step};
use crate::run::context::{Context, Ctx};
use crate::run::effects::{ExecCall, Simulation};
use crate::run::task::ChildRecord;
use crate::script_error::{raise, raise_with, HostResult};

/// The code a timed-out step reports, as `exec` does.
const TIMEOUT_CODE: i64 = 124;

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "parallel",
        &["steps: Array", "Array"],
        "Runs independent programs at the same time and returns their results in the given \
         order, each shaped like `exec`'s with `name` added. Each step is a map with `program`, \
         `args`, an optional `name` (default: the program's basename) and `exec`'s options. \
         Output is relayed live, each line prefixed `[name] `. At most as many run at once as \
         there are CPUs (at least 2); the first failure stops the others and raises an error \
         naming the step, whose `e.results` holds every result.\n\
         ```rhai\nparallel([\n    #{ name: \"assets\", program: \"npm\", args: [\"run\", \"build:assets\"] },\n    #{ name: \"cache\", program: \"bin/warm-cache\", args: [], timeout: \"2m\" },\n]);\n```",
    )
    .set_into_module(module, move |steps: Array| -> HostResult<Array> {
        parallel(&c, &steps, &Map::new())
    });

    let c = ctx.clone();
    func(
        ctx,
        "parallel",
        &["steps: Array", "options: Map", "Array"],
        "`parallel(steps)` with options: `max` (how many run at once, at least 1) and \
         `fail_fast` (default true; false runs every step and raises at the end naming all \
         failed steps, unless each has `check: false`).\n\
         ```rhai\nlet r = parallel(steps, #{ max: 4, fail_fast: false });\n```",
    )
    .set_into_module(
        module,
        move |steps: Array, options: Map| -> HostResult<Array> { parallel(&c, &steps, &options) },
    );
}

fn parallel(ctx: &Context, entries: &Array, options: &Map) -> HostResult<Array> {
    ctx.blocking()?;
    let (max, fail_fast) = parse_options(options)?;
    let mut steps = entries
        .iter()
        .enumerate()
        .map(|(i, e)| step::parse(i, e))
        .collect::<HostResult<Vec<Step>>>()?;
    // Everything is checked before anything starts.
    for i in 0..steps.len() {
        let (before, rest) = steps.split_at_mut(i);
        let s = &mut rest[0];
        if before.iter().any(|o| o.name == s.name) {
            return Err(raise(format!(
                "parallel: two steps are named `{}` (give each a distinct `name`)",
                s.name
            )));
        }
        for (name, value) in &s.opts.env {
            if let Some(value) = value {
                ctx.out.add_env_secret(name, value);
            }
        }
        s.path = super::exec::resolve_allowed(
            ctx,
            &s.program,
            &format!("parallel: running `{}` (step `{}`)", s.program, s.name),
        )?;
        if let Some(cwd) = &s.opts.cwd {
            if !cwd.is_dir() {
                return Err(raise(format!(
                    "parallel: cannot run step `{}`: cwd `{}` is not a directory",
                    s.name,
                    cwd.display()
                )));
            }
        }
    }
    if ctx.dry_run {
        let mut results = Array::new();
        for s in &steps {
            ctx.out.log(
                Level::Info,
                &format!("[dry-run] would run: [{}] {}", s.name, s.shown),
            );
            let mut map = result(s, 0, "", "", 0.0, false);
            map.insert("dry_run".into(), true.into());
            results.push(map.into());
        }
        return Ok(results);
    }

    let done = match ctx.effects.simulation() {
        Some(sim) => simulated(ctx, sim, &steps, fail_fast)?,
        None => pool::run(ctx, &steps, max, fail_fast),
    };
    ctx.check_stop()?;
    record_children(ctx, &steps, &done);

    let mut results = Array::new();
    let mut failures = Vec::new();
    for (s, fin) in steps.iter().zip(&done) {
        results.push(to_map(s, fin).into());
        if pool::failed(s, &fin.end) {
            failures.push(format!("`{}` ({})", s.name, why(s, fin)));
        }
    }
    if failures.is_empty() {
        return Ok(results);
    }
    let mut details = Map::new();
    details.insert("results".into(), Dynamic::from_array(results));
    let msg = if fail_fast {
        let cancelled = done
            .iter()
            .filter(|f| matches!(f.end, End::Cancelled))
            .count();
        let mut msg = format!("parallel: step {} failed", failures[0]);
        if cancelled > 0 {
            msg.push_str(&format!(
                "; {cancelled} other step(s) stopped or not started"
            ));
        }
        msg
    } else if failures.len() == 1 {
        format!("parallel: step {} failed", failures[0])
    } else {
        format!(
            "parallel: {} steps failed: {}",
            failures.len(),
            failures.join(", ")
        )
    };
    Err(raise_with(msg, 1, details))
}

/// `max` (1 or more) and `fail_fast` (bool).
fn parse_options(options: &Map) -> HostResult<(usize, bool)> {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut max = cpus.max(2);
    let mut fail_fast = true;
    for (key, value) in options {
        match key.as_str() {
            "max" => {
                max = value
                    .as_int()
                    .ok()
                    .filter(|m| *m >= 1)
                    .map(|m| m.min(1024) as usize)
                    .ok_or_else(|| raise("parallel: option `max` must be an integer, 1 or more"))?;
            }
            "fail_fast" => {
                fail_fast = value
                    .as_bool()
                    .map_err(|_| raise("parallel: option `fail_fast` must be true or false"))?;
            }
            other => {
                return Err(raise(format!(
                    "parallel: unknown option `{other}` (known: max, fail_fast)"
                )))
            }
        }
    }
    Ok((max, fail_fast))
}

/// A step's result, shaped like `exec`'s plus `name` and `cancelled`.
fn to_map(s: &Step, fin: &Finished) -> Map {
    let secs = fin.duration.as_secs_f64();
    match &fin.end {
        End::Exited(status) => result(
            s,
            exit_code(*status).0,
            &fin.stdout,
            &fin.stderr,
            secs,
            false,
        ),
        End::TimedOut => result(s, TIMEOUT_CODE, &fin.stdout, &fin.stderr, secs, true),
        End::Cancelled | End::Stopped => {
            let mut map = result(s, -1, &fin.stdout, &fin.stderr, secs, false);
            map.insert("cancelled".into(), true.into());
            map.insert("started".into(), fin.started.into());
            map
        }
        End::NotStarted(e) => {
            let mut map = result(s, -1, "", "", 0.0, false);
            map.insert("error".into(), cannot_start(&s.program, e).into());
            map
        }
    }
}

fn result(s: &Step, code: i64, stdout: &str, stderr: &str, duration: f64, timed_out: bool) -> Map {
    let mut map = Map::new();
    map.insert("name".into(), s.name.clone().into());
    map.insert("code".into(), code.into());
    map.insert("ok".into(), (code == 0).into());
    map.insert("stdout".into(), stdout.into());
    map.insert("stderr".into(), stderr.into());
    map.insert("duration".into(), duration.into());
    map.insert("timed_out".into(), timed_out.into());
    map.insert("cancelled".into(), false.into());
    map
}

/// Why a failed step failed, for the error message.
fn why(s: &Step, fin: &Finished) -> String {
    match &fin.end {
        End::Exited(status) => match exit_code(*status) {
            (code, Some(sig)) => format!("killed by signal {sig}, code {code}"),
            (code, None) => format!("exited with code {code}"),
        },
        End::TimedOut => format!(
            "timed out after {}",
            crate::duration::format(s.opts.timeout.unwrap_or_default())
        ),
        End::NotStarted(e) => cannot_start(&s.program, e),
        End::Cancelled | End::Stopped => "stopped".into(),
    }
}

/// Inside a `task`, the task's record lists each child with its duration.
fn record_children(ctx: &Context, steps: &[Step], done: &[Finished]) {
    let children: Vec<ChildRecord> = steps
        .iter()
        .zip(done)
        .map(|(s, fin)| ChildRecord {
            name: s.name.clone(),
            duration_ms: fin.duration.as_millis() as u64,
            status: match &fin.end {
                End::Exited(st) if st.success() => "ok",
                End::Exited(_) | End::NotStarted(_) => "failed",
                End::TimedOut => "timeout",
                End::Cancelled | End::Stopped => "cancelled",
            },
        })
        .collect();
    let mut log = ctx.tasks.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(task) = log.open_task() {
        task.children.extend(children);
    }
}

/// Under `rhrel test`: the steps run against the stand-ins one after another, so simulated
/// time adds up as with `max: 1`; with `fail_fast` the steps after a failure are cancelled.
fn simulated(
    ctx: &Context,
    sim: &dyn Simulation,
    steps: &[Step],
    fail_fast: bool,
) -> HostResult<Vec<Finished>> {
    use crate::exec::supervise;
    let mut done = Vec::with_capacity(steps.len());
    let mut failed = false;
    for s in steps {
        if ctx.stop.is_set() {
            done.push(Finished::unstarted(End::Stopped));
            continue;
        }
        if failed && fail_fast {
            done.push(Finished::unstarted(End::Cancelled));
            continue;
        }
        let call = ExecCall {
            program: &s.program,
            args: &s.args,
            shown: &s.shown,
            cwd: s.opts.cwd.as_deref(),
            env: &s.opts.env,
            stdin: s.opts.stdin.as_deref(),
            timeout: s.opts.timeout,
            quiet: s.opts.quiet,
        };
        let fin = sim.exec(ctx, &call).map_err(raise)?;
        let end = match fin.end {
            supervise::End::Exited(status) => End::Exited(status),
            supervise::End::TimedOut => End::TimedOut,
            supervise::End::Stopped => End::Stopped,
        };
        failed |= pool::failed(s, &end);
        done.push(Finished {
            end,
            stdout: fin.stdout,
            stderr: fin.stderr,
            duration: fin.duration,
            started: true,
        });
    }
    Ok(done)
}
