//! `rhrel test --coverage`: the statements of each simulated script (and of the files it
//! imports; not the embedded `std/` modules) that no test reached, by line:
//! `scripts/release.rhai: 12 of 14 statements run; not reached: 31, 44`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rhai::{ASTNode, Stmt};

use super::result::SimResult;
use crate::run::resolver::Target;

/// What the simulations reached, by source, and the scripts they ran.
#[derive(Default)]
pub(crate) struct Coverage {
    scripts: BTreeMap<String, PathBuf>,
    reached: BTreeMap<String, BTreeSet<usize>>,
}

impl Coverage {
    pub(crate) fn add(&mut self, sim: &SimResult) {
        self.scripts
            .entry(sim.script.clone())
            .or_insert_with(|| sim.path.clone());
        for (source, lines) in &sim.reached {
            self.reached
                .entry(source.clone())
                .or_default()
                .extend(lines.iter().copied());
        }
    }

    /// One line per script and imported file; empty when nothing was simulated.
    pub(crate) fn report(&self) -> String {
        if self.scripts.is_empty() {
            return String::new();
        }
        let engine = crate::run::engine::sandboxed(&crate::run::context::Context::inert());
        let mut files: BTreeMap<String, Statements> = BTreeMap::new();
        for (shown, path) in &self.scripts {
            collect(&engine, shown, path, &mut files);
        }
        let mut out = String::from("\ncoverage:\n");
        for (shown, file) in &files {
            let statements = &file.lines;
            // Its own lines, and those of its closures wherever they were called from.
            let reached: BTreeSet<usize> = std::iter::once(shown)
                .chain(file.closures.iter())
                .filter_map(|key| self.reached.get(key))
                .flatten()
                .copied()
                .collect();
            let missed: Vec<String> = statements
                .iter()
                .filter(|l| !reached.contains(l))
                .map(|l| l.to_string())
                .collect();
            let run = statements.len() - missed.len();
            out.push_str(&format!(
                "  {}: {run} of {} statements run",
                display(shown),
                statements.len()
            ));
            if !missed.is_empty() {
                out.push_str(&format!("; not reached: {}", missed.join(", ")));
            }
            out.push('\n');
        }
        out
    }
}

/// A file's statement lines and the names of its closures.
struct Statements {
    lines: BTreeSet<usize>,
    closures: Vec<String>,
}

/// The statement lines of `path` (shown as `shown`) and, recursively, of the files it imports.
fn collect(
    engine: &rhai::Engine,
    shown: &str,
    path: &Path,
    files: &mut BTreeMap<String, Statements>,
) {
    if files.contains_key(shown) {
        return;
    }
    let Ok(source) = crate::run::script_file::read(path) else {
        return;
    };
    let Ok(ast) = engine.compile(&source) else {
        return;
    };
    let mut lines = BTreeSet::new();
    let mut imports = Vec::new();
    ast.walk(&mut |nodes: &[ASTNode]| {
        if let Some(ASTNode::Stmt(stmt)) = nodes.last() {
            if let Stmt::Import(x, _) = stmt {
                if let rhai::Expr::StringConstant(s, _) = &x.0 {
                    imports.push(s.to_string());
                }
            }
            if !matches!(stmt, Stmt::Block(..) | Stmt::Noop(..)) {
                if let Some(line) = stmt.position().line() {
                    lines.insert(line);
                }
            }
        }
        true
    });
    let closures = ast
        .iter_functions()
        .filter(|f| f.name.starts_with(crate::check::walk::ANON_PREFIX))
        .map(|f| f.name.to_string())
        .collect();
    files.insert(shown.to_string(), Statements { lines, closures });
    let dir = path.parent().unwrap_or(Path::new("."));
    for import in imports {
        if let Ok(Target::File(file)) = crate::run::resolver::confine(dir, &import) {
            collect(engine, &file.display().to_string(), &file, files);
        }
    }
}

/// An imported file's canonical path, relative to the working directory when inside it.
fn display(shown: &str) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return shown.to_string();
    };
    match Path::new(shown).strip_prefix(&cwd) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => shown.to_string(),
    }
}
