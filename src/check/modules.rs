//! What an `import` brings: the public functions of an embedded `std/…` module or of a
//! relative file, found by compiling it (its top level never runs). Cached per target.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use rhai::{Engine, FnAccess};

use super::names::Arities;
use crate::run::resolver::{confine, Target};

/// The functions a module exports, by name.
#[derive(Debug, Default)]
pub struct ModuleFns {
    /// How the module is named in messages (`std/retry`, `lib/helpers`).
    pub shown: String,
    pub functions: HashMap<String, Arities>,
}

/// Why an import cannot be used.
#[derive(Debug, Clone)]
pub enum ImportError {
    /// It does not resolve (unknown stdlib module, missing file, escapes the directory).
    Unresolved(String),
    /// It resolves, but the module does not compile.
    Broken(String),
}

/// Compiled modules, shared by every file of one `rhrel check`.
#[derive(Default)]
pub struct Modules {
    cache: HashMap<String, Result<Rc<ModuleFns>, String>>,
}

impl Modules {
    /// The functions of `import` as written in a script in `base`.
    pub fn resolve(
        &mut self,
        engine: &Engine,
        base: &Path,
        import: &str,
    ) -> Result<Rc<ModuleFns>, ImportError> {
        let target = confine(base, import).map_err(|e| ImportError::Unresolved(e.to_string()))?;
        let key = match &target {
            Target::Std(name) => format!("{}{name}", crate::stdlib::PREFIX),
            Target::File(path) => path.display().to_string(),
        };
        let loaded = self
            .cache
            .entry(key)
            .or_insert_with(|| load(engine, &target, import).map(Rc::new));
        loaded.clone().map_err(ImportError::Broken)
    }
}

fn load(engine: &Engine, target: &Target, import: &str) -> Result<ModuleFns, String> {
    let (source, shown_file) = match target {
        Target::Std(name) => (
            crate::stdlib::source(name)
                .ok_or_else(|| format!("unknown stdlib module `{import}`"))?
                .to_string(),
            format!("{}{name}", crate::stdlib::PREFIX),
        ),
        Target::File(path) => (
            crate::run::script_file::read(path).map_err(|e| e.to_string())?,
            path.display().to_string(),
        ),
    };
    let ast = engine.compile(&source).map_err(|err| {
        let at = match (err.1.line(), err.1.position()) {
            (Some(line), Some(col)) => format!(" at {shown_file}:{line}:{col}"),
            (Some(line), None) => format!(" at {shown_file}:{line}"),
            _ => String::new(),
        };
        format!("module `{import}` does not compile{at}: {}", err.0)
    })?;
    let mut functions: HashMap<String, Arities> = HashMap::new();
    for f in ast.iter_functions() {
        if f.access == FnAccess::Private || f.name.starts_with(super::walk::ANON_PREFIX) {
            continue;
        }
        let entry = functions.entry(f.name.to_string()).or_default();
        *entry = entry.with(f.params.len());
    }
    Ok(ModuleFns {
        shown: import.to_string(),
        functions,
    })
}
