//! Which files one `rhrel check` looks at: the paths given (directories recurse into
//! `*.rhai`), or by default the Procfile's release script plus everything under `scripts/`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The work of one run: scripts to lint and Procfiles whose release line to verify.
#[derive(Debug, Default)]
pub struct Plan {
    pub scripts: Vec<PathBuf>,
    pub procfiles: Vec<PathBuf>,
}

/// Why there is nothing to do.
#[derive(Debug)]
pub enum PlanError {
    /// Given paths that do not exist.
    Missing(Vec<PathBuf>),
    /// No path given, and neither a Procfile nor `scripts/` here.
    Nothing,
}

/// The default directory of scripts.
const SCRIPTS_DIR: &str = "scripts";
const PROCFILE: &str = "Procfile";

pub fn plan(paths: &[PathBuf]) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    if paths.is_empty() {
        let procfile = Path::new(PROCFILE);
        if procfile.is_file() {
            plan.procfiles.push(procfile.to_path_buf());
        }
        let scripts = Path::new(SCRIPTS_DIR);
        if scripts.is_dir() {
            collect_dir(scripts, &mut plan.scripts);
        }
        if plan.procfiles.is_empty() && !scripts.is_dir() {
            return Err(PlanError::Nothing);
        }
    } else {
        let missing: Vec<PathBuf> = paths.iter().filter(|p| !p.exists()).cloned().collect();
        if !missing.is_empty() {
            return Err(PlanError::Missing(missing));
        }
        for path in paths {
            if path.is_dir() {
                collect_dir(path, &mut plan.scripts);
            } else if path.file_name().is_some_and(|n| n == PROCFILE) {
                plan.procfiles.push(path.clone());
            } else {
                plan.scripts.push(path.clone());
            }
        }
    }
    Ok(plan)
}

/// `*.rhai` files under `dir`, sorted, without following symlinked directories.
fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect_dir(&path, out);
        } else if path.extension().is_some_and(|x| x == "rhai") {
            out.push(path);
        }
    }
}

/// Drops paths naming a file already in the list (by canonical path), keeping the order.
pub fn dedup(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    paths
        .into_iter()
        .filter(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())))
        .collect()
}

/// How a path is shown: `./` dropped.
pub fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => text,
    }
}
