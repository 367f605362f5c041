//! `rhrel init [DIR]`: finds the app's framework and platform, writes
//! `scripts/release.rhai` for it and hooks it into the platform with minimal edits. Every
//! change is planned before any is written, so an error leaves every file untouched;
//! `--dry-run` prints the unified diffs instead, and no existing file is overwritten
//! without `--force`.

pub(crate) mod detect;
pub(crate) mod framework;
pub(crate) mod hook;
pub(crate) mod script;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{InitArgs, InitPlatform};
use crate::exit_code::Exit;
use framework::FRAMEWORKS;

/// One file to write: its path relative to the app, its current text (if any) and the new.
#[derive(Debug)]
struct Change {
    path: &'static str,
    old: Option<String>,
    new: String,
    /// A file rhrel writes whole (never overwritten without `--force`), not an edit.
    whole: bool,
}

/// rhrel's own timeout inside the Helm Job (its default outside a known platform).
const JOB_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Runs `rhrel init` and returns its exit code.
pub(crate) fn command(args: InitArgs) -> Exit {
    match plan_and_apply(&args) {
        Ok(()) => Exit::Success,
        Err((exit, msg)) => {
            eprintln!("rhrel: {msg}");
            exit
        }
    }
}

fn plan_and_apply(args: &InitArgs) -> Result<(), (Exit, String)> {
    let dir = &args.dir;
    std::fs::read_dir(dir).map_err(|e| {
        (
            Exit::NoInput,
            format!("cannot read the directory `{}`: {e}", dir.display()),
        )
    })?;
    let mut said = Vec::new();
    let framework = match &args.framework {
        Some(name) => Some(framework::named(name).ok_or_else(|| {
            let known: Vec<_> = FRAMEWORKS.iter().map(|f| f.name).collect();
            (
                Exit::Usage,
                format!("unknown framework `{name}` (known: {})", known.join(", ")),
            )
        })?),
        None => match detect::framework(dir) {
            Some(found) => {
                said.push(format!(
                    "framework: {} ({}); migrations run with `{}`",
                    found.what.name,
                    found.reason,
                    found.what.command_line()
                ));
                Some(found.what)
            }
            None => {
                said.push(
                    "framework: none detected; writing the generic script (choose one with \
                     --framework NAME)"
                        .into(),
                );
                None
            }
        },
    };
    let platform = match args.platform {
        Some(p) => Some(p),
        None => match detect::platform(dir) {
            Some(found) => {
                said.push(format!(
                    "platform: {} ({})",
                    detect::platform_name(found.what),
                    found.reason
                ));
                Some(found.what)
            }
            None => {
                said.push(
                    "platform: none detected; hook the script in yourself (or pass --platform)"
                        .into(),
                );
                None
            }
        },
    };

    let read = |path: &str| -> Result<Option<String>, (Exit, String)> {
        match std::fs::read_to_string(dir.join(path)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err((Exit::NoInput, format!("cannot read `{path}`: {e}"))),
        }
    };
    let failure = |msg: String| (Exit::Failure, format!("{msg}; nothing was changed"));

    let mut changes = Vec::new();
    let mut notes = Vec::new();
    let mut script_notes = Vec::new();
    if let Some(f) = framework {
        script_notes.push(format!(
            "Framework: {} (its migrations: {}).",
            f.name,
            f.command_line()
        ));
    }
    match platform {
        Some(InitPlatform::Heroku | InitPlatform::Dokku) => {
            let old = read("Procfile")?;
            if let Some(replaced) = old.as_deref().and_then(hook::procfile_release) {
                script_notes.push(format!(
                    "The Procfile's release line ran `{replaced}`: do here what it did."
                ));
            }
            let edit = hook::procfile(old.as_deref());
            notes.extend(edit.notes);
            changes.push(edit_change("Procfile", old, edit.text));
        }
        Some(InitPlatform::Fly) => {
            let old = read("fly.toml")?.unwrap_or_default();
            let edit = hook::fly(&old).map_err(failure)?;
            notes.extend(edit.notes);
            changes.push(edit_change("fly.toml", Some(old), edit.text));
        }
        Some(InitPlatform::Render) => {
            let old = read("render.yaml")?.ok_or_else(|| {
                failure("--platform render needs a render.yaml (Render's blueprint)".into())
            })?;
            let edit = hook::render(&old).map_err(failure)?;
            notes.extend(edit.notes);
            changes.push(edit_change("render.yaml", Some(old), edit.text));
        }
        Some(InitPlatform::Railway) => {
            if let Some(old) = read("railway.toml")? {
                let edit = hook::railway_toml(&old).map_err(failure)?;
                changes.push(edit_change("railway.toml", Some(old), edit.text));
            } else {
                let old = read("railway.json")?.unwrap_or_else(|| "{}\n".into());
                let edit = hook::railway_json(&old).map_err(failure)?;
                changes.push(edit_change("railway.json", Some(old), edit.text));
            }
        }
        Some(InitPlatform::Kubernetes) => {
            let path = "deploy/rhrel-release-job.yaml";
            changes.push(Change {
                path,
                old: read(path)?,
                new: hook::helm_job(JOB_TIMEOUT),
                whole: true,
            });
        }
        None => {}
    }
    let script_path = "scripts/release.rhai";
    let test_path = "scripts/release.test.rhai";
    changes.insert(
        0,
        Change {
            path: script_path,
            old: read(script_path)?,
            new: script::release(framework, &script_notes),
            whole: true,
        },
    );
    changes.insert(
        1,
        Change {
            path: test_path,
            old: read(test_path)?,
            new: script::release_test(framework),
            whole: true,
        },
    );
    changes.retain(|c| c.old.as_deref() != Some(c.new.as_str()));

    let existing: Vec<_> = changes
        .iter()
        .filter(|c| c.whole && c.old.is_some())
        .map(|c| format!("`{}`", c.path))
        .collect();
    if !existing.is_empty() && !args.force && !args.dry_run {
        return Err((
            Exit::Failure,
            format!(
                "{} already exist{}; pass --force to overwrite, or --dry-run to see the \
                 changes; nothing was changed",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ),
        ));
    }

    let mut out = String::new();
    for line in said.iter().chain(&notes) {
        out.push_str(&format!("{line}\n"));
    }
    if args.dry_run {
        for c in &changes {
            out.push_str(&diff(c));
        }
        out.push_str(&format!(
            "dry run: {} file{} would change; nothing was written\n",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        ));
        print!("{out}");
        return Ok(());
    }
    for c in &changes {
        write(dir, c)?;
        let verb = match (&c.old, c.whole) {
            (None, _) => "created",
            (Some(_), true) => "overwrote",
            (Some(_), false) => "edited",
        };
        out.push_str(&format!("{verb} {}\n", c.path));
    }
    out.push_str(
        "next: rhrel check, then rhrel scripts/release.rhai --dry-run to see what it runs\n",
    );
    print!("{out}");
    Ok(())
}

fn edit_change(path: &'static str, old: Option<String>, new: String) -> Change {
    Change {
        path,
        old,
        new,
        whole: false,
    }
}

/// The unified diff of one change (`/dev/null` for a new file).
fn diff(c: &Change) -> String {
    let old = c.old.as_deref().unwrap_or("");
    let from = if c.old.is_some() {
        format!("a/{}", c.path)
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(old, c.new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{}", c.path))
        .to_string()
}

fn write(dir: &Path, c: &Change) -> Result<(), (Exit, String)> {
    let path: PathBuf = dir.join(c.path);
    let fail = |e: std::io::Error| (Exit::Failure, format!("cannot write `{}`: {e}", c.path));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(&path, &c.new).map_err(fail)
}
