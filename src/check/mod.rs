//! `rhrel check`: a lint that never runs a script. It compiles each file, walks its AST and
//! reports syntax errors, unknown functions, wrong arity, undefined variables, imports that
//! do not resolve and a Procfile naming a missing script; exit 0 clean, 1 problems.

pub mod files;
pub mod finding;
pub(crate) mod interpolation;
pub mod modules;
pub mod names;
pub mod procfile;
pub mod render;
pub mod script;
pub mod walk;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::{CheckArgs, CheckFormat};
use crate::exit_code::Exit;
use files::PlanError;
use finding::{Code, Finding};
use render::FileReport;

/// Runs `rhrel check` and returns its exit code (0 clean, 1 problems, 2 usage, 66 missing path).
pub fn command(args: CheckArgs) -> Exit {
    let plan = match files::plan(&args.paths) {
        Ok(plan) => plan,
        Err(PlanError::Missing(paths)) => {
            for path in paths {
                eprintln!("rhrel: `{}` does not exist", files::shown(&path));
            }
            return Exit::NoInput;
        }
        Err(PlanError::Nothing) => {
            eprintln!(
                "rhrel: nothing to check: no Procfile and no scripts/ directory here \
                 (usage: rhrel check [PATH…])"
            );
            return Exit::NoInput;
        }
    };

    let mut reports = Vec::new();
    let mut scripts: Vec<PathBuf> = Vec::new();
    for procfile in &plan.procfiles {
        let (report, script) = check_procfile(procfile);
        reports.extend(report);
        scripts.extend(script);
    }
    // The reports so far are the Procfiles' (each has a finding), the rest are scripts'.
    let procfile_reports = reports.len();
    scripts.extend(plan.scripts);
    let scripts = files::dedup(scripts);

    let mut linter = script::Linter::new();
    let mut test_linter = None;
    for path in &scripts {
        let linter = if crate::test::is_test_file(path) {
            test_linter.get_or_insert_with(script::Linter::for_tests)
        } else {
            &mut linter
        };
        reports.push(check_script(linter, path));
    }

    // Scripts only: a Procfile is not a script; its release line gets its own line.
    let checked = scripts.len();
    let procfile_line = procfile_summary(&plan.procfiles);
    let output = match args.format {
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let mut text = render::human(&reports, color);
            text.push_str(&procfile_line);
            text.push_str(&summary(&reports, procfile_reports, checked));
            text.push('\n');
            text
        }
        CheckFormat::Json => render::json(&reports),
        CheckFormat::Github => {
            let mut text = render::github(&reports);
            text.push_str(&procfile_line);
            text.push_str(&summary(&reports, procfile_reports, checked));
            text.push('\n');
            text
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(output.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return Exit::Failure;
    }
    if reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(Finding::is_error)
    {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// Lints a script's text without touching the disk for the script itself (imports still
/// resolve from the working directory): the findings `rhrel check` would print for it.
pub fn check_source(shown: &str, source: &str) -> Vec<Finding> {
    script::Linter::new().lint(shown, Path::new(shown), source)
}

/// `check_source` rendered in each of the three formats, as `rhrel check` would print it.
pub fn render_source(shown: &str, source: &str) -> [String; 3] {
    let report = FileReport {
        shown: shown.to_string(),
        source: source.to_string(),
        findings: check_source(shown, source),
    };
    let reports = [report];
    [
        render::human(&reports, false),
        render::json(&reports),
        render::github(&reports),
    ]
}

fn check_script(linter: &mut script::Linter, path: &Path) -> FileReport {
    let shown = files::shown(path);
    match crate::run::script_file::read(path) {
        Ok(source) => FileReport {
            findings: linter.lint(&shown, path, &source),
            shown,
            source,
        },
        Err(err) => FileReport {
            findings: vec![Finding::error(&shown, Code::Read, 0, 0, err.to_string())],
            shown,
            source: String::new(),
        },
    }
}

/// The Procfile's finding (if its release script is missing) and the script (if present).
fn check_procfile(path: &Path) -> (Option<FileReport>, Option<PathBuf>) {
    let shown = files::shown(path);
    let Ok(text) = std::fs::read_to_string(path) else {
        let finding = Finding::error(&shown, Code::Procfile, 0, 0, "cannot read it".into());
        return (Some(report(shown, String::new(), finding)), None);
    };
    let Some(release) = procfile::release(&text) else {
        return (None, None);
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let script = dir.join(&release.script);
    if script.is_file() {
        return (None, Some(script));
    }
    let what = if script.exists() {
        "is not a file"
    } else {
        "does not exist"
    };
    let finding = Finding::error(
        &shown,
        Code::Procfile,
        release.line,
        release.column,
        format!("the release script `{}` {what}", release.script),
    )
    .width(release.script.chars().count())
    .label("the `release:` line runs this script");
    (Some(report(shown, text, finding)), None)
}

/// `Procfile: release runs scripts/release.rhai` per Procfile whose release line runs an
/// existing script with rhrel (a missing one is a finding instead).
fn procfile_summary(procfiles: &[PathBuf]) -> String {
    let mut out = String::new();
    for path in procfiles {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        if let Some(release) = procfile::release(&text).filter(|r| dir.join(&r.script).is_file()) {
            out.push_str(&format!(
                "{}: release runs {}\n",
                files::shown(path),
                release.script
            ));
        }
    }
    out
}

fn report(shown: String, source: String, finding: Finding) -> FileReport {
    FileReport {
        shown,
        source,
        findings: vec![finding],
    }
}

/// `2 errors in 1 of 4 files`, `1 error in the Procfile (1 file checked)`,
/// `4 files checked, no problems`: files are scripts; the first `procfiles` reports are
/// Procfiles'.
fn summary(reports: &[FileReport], procfiles: usize, checked: usize) -> String {
    let all = || reports.iter().flat_map(|r| &r.findings);
    let errors = all().filter(|f| f.is_error()).count();
    let warnings = all().count() - errors;
    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    if errors + warnings == 0 {
        return format!("{checked} {} checked, no problems", files_word(checked));
    }
    let with_problems = reports[procfiles..]
        .iter()
        .filter(|r| !r.findings.is_empty())
        .count();
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(format!(
            "{errors} error{}",
            if errors == 1 { "" } else { "s" }
        ));
    }
    if warnings > 0 {
        counts.push(format!(
            "{warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    let scripts = format!("{with_problems} of {checked} {}", files_word(checked));
    let place = match (procfiles > 0, with_problems > 0) {
        (true, true) => format!("the Procfile and {scripts}"),
        (true, false) => format!("the Procfile ({checked} {} checked)", files_word(checked)),
        _ => scripts,
    };
    format!("{} in {place}", counts.join(", "))
}
