//! Imports, resolved before the script runs so that a bad one is a compile error (65):
//! every literal `import` is confined (src/resolver.rs), compiled, its own imports resolved
//! relative to its own directory (cycles refused), and evaluated into a module; the engine
//! then gets a resolver that only hands out those prepared modules.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rhai::module_resolvers::ModuleResolver;
use rhai::{ASTNode, Engine, EvalAltResult, Expr, Module, Position, Scope, Shared, Stmt, AST};

use crate::error::Error;
use crate::run::context::Ctx;
use crate::run::outcome::{from_runtime, locate, ScriptEnd};
use crate::run::resolver::{confine, Target};

/// `source` of the importing AST (None for the main script) and the import path, as written.
type Key = (Option<String>, String);
type SharedModule = Shared<Module>;

/// The prepared modules, looked up by importer and path: nothing is loaded at run time.
#[derive(Default, Clone)]
struct Prepared {
    modules: Rc<RefCell<HashMap<Key, SharedModule>>>,
}

impl ModuleResolver for Prepared {
    fn resolve(
        &self,
        _engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        let modules = self.modules.borrow();
        let key = (source.map(str::to_string), path.to_string());
        if let Some(m) = modules.get(&key) {
            return Ok(m.clone());
        }
        // A path computed at run time was never prepared (and so never confined).
        let why = EvalAltResult::ErrorRuntime(
            format!(
                "import `{path}` is not available: only imports written as a literal string \
                 (`import \"std/retry\" as retry;`) are resolved, before the script runs"
            )
            .into(),
            pos,
        );
        Err(EvalAltResult::ErrorInModule(path.to_string(), why.into(), pos).into())
    }
}

/// Makes the script's imports available to `engine`, or explains why one cannot be.
/// Imported modules' top-level code runs here (that is how Rhai builds a module).
pub(crate) fn prepare(engine: &mut Engine, ast: &AST, ctx: &Ctx) -> Result<(), Error> {
    if imports_of(ast).is_empty() {
        return Ok(());
    }
    let prepared = Prepared::default();
    engine.set_module_resolver(prepared.clone());
    let mut loader = Loader {
        engine,
        prepared,
        built: HashMap::new(),
        in_progress: Vec::new(),
    };
    let shown = ctx.script.display().to_string();
    loader
        .load_imports(ast, None, &ctx.script_dir, &shown)
        .map_err(Error::Compile)
}

/// A literal import path (or `None` for a computed one) and the statement's position.
fn imports_of(ast: &AST) -> Vec<(Option<String>, Position)> {
    let mut found = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Import(x, pos))) = path.last() {
            let literal = match &x.0 {
                Expr::StringConstant(s, _) => Some(s.to_string()),
                _ => None,
            };
            found.push((literal, *pos));
        }
        true
    });
    found
}

struct Loader<'e> {
    engine: &'e Engine,
    prepared: Prepared,
    /// Each module is built once per run, however many files import it.
    built: HashMap<Target, SharedModule>,
    /// The chain of modules being built, to refuse cycles.
    in_progress: Vec<Target>,
}

impl Loader<'_> {
    /// Builds every literal import of `ast` (an AST whose `source` is `source`, living in
    /// `dir`, shown in messages as `shown`) and registers it for the resolver.
    fn load_imports(
        &mut self,
        ast: &AST,
        source: Option<&str>,
        dir: &std::path::Path,
        shown: &str,
    ) -> Result<(), String> {
        for (path, pos) in imports_of(ast) {
            // Computed paths fail when they run, with the resolver's explanation.
            let Some(path) = path else { continue };
            let at = locate(shown, pos);
            let target = match confine(dir, &path) {
                Ok(t) => t,
                Err(msg) => return Err(format!("{at}{msg}")),
            };
            // A std module importing a file has no directory to be relative to.
            if source.is_some_and(|s| s.starts_with(crate::stdlib::PREFIX))
                && matches!(target, Target::File(_))
            {
                return Err(format!(
                    "{at}stdlib modules may only import other `std/` modules, not `{path}`"
                ));
            }
            let module = self
                .build(&target)
                .map_err(|msg| format!("{at}in module `{path}`: {msg}"))?;
            self.prepared
                .modules
                .borrow_mut()
                .insert((source.map(str::to_string), path), module);
        }
        Ok(())
    }

    fn build(&mut self, target: &Target) -> Result<SharedModule, String> {
        if let Some(m) = self.built.get(target) {
            return Ok(m.clone());
        }
        let (name, code, dir) = match target {
            Target::Std(name) => (
                format!("{}{name}", crate::stdlib::PREFIX),
                crate::stdlib::source(name).unwrap_or_default().to_string(),
                std::path::PathBuf::new(),
            ),
            Target::File(path) => (
                path.display().to_string(),
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
                path.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
            ),
        };
        if self.in_progress.contains(target) {
            let chain: Vec<String> = self.in_progress.iter().map(describe).collect();
            return Err(format!("import cycle: {} -> {name}", chain.join(" -> ")));
        }
        let mut ast = self
            .engine
            .compile(&code)
            .map_err(|e| format!("{}{}", locate(&name, e.1), e.0))?;
        ast.set_source(name.as_str());
        self.in_progress.push(target.clone());
        let loaded = self.load_imports(&ast, Some(&name), &dir, &name);
        self.in_progress.pop();
        loaded?;
        let module =
            Module::eval_ast_as_new(Scope::new(), &ast, self.engine).map_err(
                |e| match from_runtime(&e, &name) {
                    ScriptEnd::Error(msg, _) => msg,
                    _ => "stopped while loading".to_string(),
                },
            )?;
        let module: SharedModule = module.into();
        self.built.insert(target.clone(), module.clone());
        Ok(module)
    }
}

fn describe(target: &Target) -> String {
    match target {
        Target::Std(name) => format!("{}{name}", crate::stdlib::PREFIX),
        Target::File(path) => path.display().to_string(),
    }
}
