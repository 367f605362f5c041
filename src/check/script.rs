//! Lints one script: compile it (never run it), walk it, and judge what the walk found
//! against the registry, the script's own functions and its imports.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use rhai::{Engine, OptimizationLevel, ParseErrorType, Position};

use super::finding::{Code, Finding};
use super::modules::{ImportError, ModuleFns, Modules};
use super::names::{closest, Arities, Registry};
use super::walk::{self, Call, Facts, Place};

/// The engine and registry every file is checked against, plus the modules compiled so far.
pub struct Linter {
    engine: Engine,
    registry: Registry,
    modules: Modules,
}

/// What a module alias stands for in one script.
enum Alias {
    Module(Rc<ModuleFns>),
    /// Its import is already reported (or cannot be checked): do not judge its members.
    Unknown,
}

impl Linter {
    pub fn new() -> Self {
        let engine = crate::run::engine::sandboxed(&crate::run::context::Context::inert());
        Linter::on(engine, Registry::of)
    }

    /// The linter of test files (`*.test.rhai`): the host API plus `test`, `simulate` and the
    /// assertions, which no other script knows.
    pub fn for_tests() -> Self {
        let ctx = crate::run::context::Context::inert();
        let mut engine = crate::run::engine::sandboxed(&ctx);
        let state = crate::test::api::FileState::new(Default::default(), Default::default());
        engine.register_global_module(crate::test::api::module(&ctx, &state).into());
        Linter::on(engine, Registry::of)
    }

    /// The linter a run uses before it starts, on the run's own engine (handed back by
    /// [`Linter::into_engine`]): Rhai's standard functions come from the table checked into
    /// `standard_functions.txt` instead of materializing the lazy package, which was most of a
    /// one-line script's start-up.
    pub(crate) fn for_run(engine: Engine) -> Self {
        Linter::on(engine, Registry::for_run)
    }

    fn on(mut engine: Engine, registry: impl FnOnce(&Engine) -> Registry) -> Self {
        // The optimizer drops dead code (`if false { … }`), which must still be checked.
        engine.set_optimization_level(OptimizationLevel::None);
        let registry = registry(&engine);
        Linter {
            engine,
            registry,
            modules: Modules::default(),
        }
    }

    /// Compiles `source` as the checks need it (the optimizer off, so dead code is seen).
    pub(crate) fn compile(&self, source: &str) -> Result<rhai::AST, rhai::ParseError> {
        self.engine.compile(source)
    }

    /// The engine back, with the optimizer as a run has it, and `ast` optimized as a run's
    /// own compile would have left it.
    pub(crate) fn into_engine(self, ast: rhai::AST) -> (Engine, rhai::AST) {
        let mut engine = self.engine;
        let level = OptimizationLevel::default();
        engine.set_optimization_level(level);
        let ast = engine.optimize_ast(&rhai::Scope::new(), ast, level);
        (engine, ast)
    }

    /// Every finding in `source`, the text of `path`, shown as `shown`.
    pub fn lint(&mut self, shown: &str, path: &Path, source: &str) -> Vec<Finding> {
        let ast = match self.engine.compile(source) {
            Ok(ast) => ast,
            Err(err) => {
                let (line, col) = within(source, line_col(err.1));
                return vec![Finding::error(
                    shown,
                    Code::Syntax,
                    line,
                    col,
                    err.0.to_string(),
                )];
            }
        };
        self.lint_ast(shown, path, source, &ast)
    }

    /// Every finding in `ast`, compiled from `source` with the optimizer off.
    pub(crate) fn lint_ast(
        &mut self,
        shown: &str,
        path: &Path,
        source: &str,
        ast: &rhai::AST,
    ) -> Vec<Finding> {
        let facts = walk::collect(ast);
        let mut script_fns: HashMap<&str, Arities> = HashMap::new();
        for f in ast.iter_functions() {
            if !f.name.starts_with(walk::ANON_PREFIX) {
                let entry = script_fns.entry(f.name).or_default();
                *entry = entry.with(f.params.len());
            }
        }

        let mut findings = Vec::new();
        let aliases = self.imports(shown, path, &facts, &mut findings);
        for call in &facts.calls {
            if let Some(finding) = self.judge_call(shown, call, &facts, &script_fns, &aliases) {
                findings.push(finding);
            }
        }
        for (alias, pos) in &facts.module_vars {
            if alias != "global" && !aliases.contains_key(alias) {
                findings.push(not_imported(shown, alias, *pos));
            }
        }
        findings.extend(self.undefined_variables(shown, source, &facts));
        findings.extend(surprises(shown, source, &facts));
        findings.sort_by_key(|f| (f.line, f.column));
        findings.dedup();
        findings
    }

    fn imports(
        &mut self,
        shown: &str,
        path: &Path,
        facts: &Facts,
        findings: &mut Vec<Finding>,
    ) -> HashMap<String, Alias> {
        let base = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut aliases = HashMap::new();
        for import in &facts.imports {
            let (line, col) = line_col(import.pos);
            let alias = match &import.path {
                None => {
                    findings.push(
                        Finding::error(
                            shown,
                            Code::Import,
                            line,
                            col,
                            "the import path is not a literal string, so it cannot be checked"
                                .into(),
                        )
                        .warning(),
                    );
                    Alias::Unknown
                }
                Some(text) => match self.modules.resolve(&self.engine, base, text) {
                    Ok(module) => Alias::Module(module),
                    Err(ImportError::Unresolved(msg) | ImportError::Broken(msg)) => {
                        findings.push(
                            Finding::error(shown, Code::Import, line, col, msg)
                                .width(text.chars().count() + 2),
                        );
                        Alias::Unknown
                    }
                },
            };
            if !import.alias.is_empty() {
                aliases.insert(import.alias.clone(), alias);
            }
        }
        aliases
    }

    fn judge_call(
        &self,
        shown: &str,
        call: &Call,
        facts: &Facts,
        script_fns: &HashMap<&str, Arities>,
        aliases: &HashMap<String, Alias>,
    ) -> Option<Finding> {
        let (line, col) = line_col(call.pos);
        let name = call.name.as_str();
        let at = |code, message: String| {
            Finding::error(shown, code, line, col, message).width(name.chars().count())
        };

        if let Some((alias, depth)) = &call.namespace {
            if alias == "global" || *depth > 1 {
                return None;
            }
            let module = match aliases.get(alias) {
                None => return Some(not_imported(shown, alias, call.pos)),
                Some(Alias::Unknown) => return None,
                Some(Alias::Module(m)) => m,
            };
            let width = alias.chars().count() + 2 + name.chars().count();
            return match module.functions.get(name) {
                None => Some(
                    at(
                        Code::UnknownFunction,
                        format!("module `{}` has no function `{name}`", module.shown),
                    )
                    .width(width)
                    .help(did_you_mean(closest(
                        name,
                        module.functions.keys().map(String::as_str),
                    ))),
                ),
                Some(arities) if !arities.accepts(call.args) => Some(
                    at(
                        Code::Arity,
                        arity_message(&format!("{alias}::{name}"), *arities, call.args, false),
                    )
                    .width(width),
                ),
                Some(_) => None,
            };
        }

        let native = self.registry.get(name);
        let script = script_fns.get(name).copied();
        let arities = if call.method {
            // Native functions take the object as their first parameter; script functions
            // called as methods see it as `this`.
            native
                .map(Arities::as_method)
                .unwrap_or_default()
                .union(script.unwrap_or_default())
        } else {
            native.unwrap_or_default().union(script.unwrap_or_default())
        };
        if native.is_none() && script.is_none() {
            if call.method && facts.map_keys.contains(name) {
                return None;
            }
            if !call.method && facts.declared.contains(name) {
                return Some(
                    at(
                        Code::UnknownFunction,
                        format!("`{name}` is a variable, not a function"),
                    )
                    .help(Some(format!(
                        "call a function pointer with `{name}.call(…)` or `call({name}, …)`"
                    ))),
                );
            }
            let candidates = self
                .registry
                .callable_names()
                .chain(script_fns.keys().copied());
            let what = if call.method { "method" } else { "function" };
            return Some(
                at(Code::UnknownFunction, format!("unknown {what} `{name}`"))
                    .help(did_you_mean(closest(name, candidates))),
            );
        }
        if arities.accepts(call.args) || (call.method && facts.map_keys.contains(name)) {
            return None;
        }
        Some(at(
            Code::Arity,
            arity_message(name, arities, call.args, call.method),
        ))
    }

    /// Variables the parser could not resolve, confirmed by a strict compile: Rhai's own
    /// strict mode stops at the first, the walk finds them all. A clean walk skips the
    /// second compile (it is most of the time a check takes).
    fn undefined_variables(&mut self, shown: &str, source: &str, facts: &Facts) -> Vec<Finding> {
        if facts.unresolved.is_empty() {
            return Vec::new();
        }
        self.engine.set_strict_variables(true);
        let strict = self.engine.compile(source);
        self.engine.set_strict_variables(false);
        let mut found: Vec<Finding> = Vec::new();
        match strict {
            // Rhai accepts every variable: whatever the walk suspected is defined after all.
            Ok(_) => return found,
            Err(err) => {
                for var in &facts.unresolved {
                    found.push(undefined(shown, &var.name, var.pos, var.place, facts));
                }
                if let ParseErrorType::VariableUndefined(name) = &*err.0 {
                    let (line, col) = line_col(err.1);
                    if !found.iter().any(|f| f.line == line && f.column == col) {
                        found.push(undefined(shown, name, err.1, Place::TopLevel, facts));
                    }
                }
            }
        }
        found
    }
}

impl Default for Linter {
    fn default() -> Self {
        Self::new()
    }
}

fn undefined(shown: &str, name: &str, pos: Position, place: Place, facts: &Facts) -> Finding {
    let (line, col) = line_col(pos);
    let help = if place == Place::Function && facts.top_constants.contains(name) {
        Some(format!(
            "a function cannot see the script's constants directly: write `global::{name}`"
        ))
    } else if place == Place::Function && facts.top_variables.contains(name) {
        Some(format!(
            "a function cannot see the script's variables: pass `{name}` as a parameter"
        ))
    } else {
        did_you_mean(closest(name, facts.declared.iter().map(String::as_str)))
    };
    Finding::error(
        shown,
        Code::UndefinedVariable,
        line,
        col,
        format!("undefined variable `{name}`"),
    )
    .width(name.chars().count())
    .help(help)
}

fn not_imported(shown: &str, alias: &str, pos: Position) -> Finding {
    let (line, col) = line_col(pos);
    Finding::error(
        shown,
        Code::NotImported,
        line,
        col,
        format!("`{alias}` is not an imported module"),
    )
    .width(alias.chars().count())
    .help(Some(format!("add `import \"…\" as {alias};`")))
}

fn arity_message(name: &str, arities: Arities, given: usize, method: bool) -> String {
    let were = if given == 1 { "was" } else { "were" };
    if method {
        format!(
            "method `{name}` takes {} besides the object, but {given} {were} given",
            arities.describe()
        )
    } else {
        format!(
            "`{name}` takes {}, but {given} {were} given",
            arities.describe()
        )
    }
}

fn did_you_mean(candidate: Option<&str>) -> Option<String> {
    candidate.map(|c| format!("did you mean `{c}`?"))
}

/// An error at the end of the input (an unclosed block) points past the last line: show it
/// at the end of the last line instead.
fn within(source: &str, (line, col): (usize, usize)) -> (usize, usize) {
    let lines = source.lines().count();
    if line <= lines || lines == 0 {
        return (line, col);
    }
    let last = source.lines().last().unwrap_or("");
    (lines, last.chars().count() + 1)
}

/// Rhai positions are 1-based; a missing column means the start of the line.
pub fn line_col(pos: Position) -> (usize, usize) {
    (pos.line().unwrap_or(0), pos.position().unwrap_or(1))
}

/// Warnings for code that runs but rarely means what it says: `${}` in a `"…"` string, a
/// string literal on the left of `==`/`!=`, and the `()` result of an in-place array method.
fn surprises(shown: &str, source: &str, facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    for (line, col) in super::interpolation::in_plain_strings(source) {
        found.push(
            Finding::error(
                shown,
                Code::Interpolation,
                line,
                col,
                "`${…}` inside a \"…\" string is printed as it stands".into(),
            )
            .width(2)
            .help(Some(
                "use a backtick string to interpolate: `deploying ${version}`".into(),
            ))
            .warning(),
        );
    }
    for (op, pos) in &facts.literal_left {
        let (line, col) = line_col(*pos);
        found.push(
            Finding::error(
                shown,
                Code::Comparison,
                line,
                col,
                format!("a string literal on the left of `{op}`"),
            )
            .help(Some(format!(
                "write the literal on the right (`env(\"X\") {op} \"\"`): an unset value on the left reads as \"\", one on the right does not"
            )))
            .warning(),
        );
    }
    for (name, code, pos) in &facts.literal_codes {
        let Some(meaning) = crate::exit_code::Exit::reserved_meaning(*code) else {
            continue;
        };
        let (line, col) = line_col(*pos);
        found.push(
            Finding::error(
                shown,
                Code::ReservedCode,
                line,
                col,
                format!("exit code {code} already means \"{meaning}\" in rhrel"),
            )
            .width(code.to_string().len())
            .help(Some(format!(
                "a platform or a teammate reading {code} will blame rhrel, not `{name}`: pick a code rhrel leaves free (3 to 64, 71 to 123, 125)"
            )))
            .warning(),
        );
    }
    for (name, pos) in &facts.unit_results {
        let (line, col) = line_col(*pos);
        let what = if name == "retain" {
            "returns the elements it removed, not the ones it kept"
        } else {
            "changes the array in place and returns ()"
        };
        found.push(
            Finding::error(
                shown,
                Code::UnitResult,
                line,
                col,
                format!("`{name}` {what}"),
            )
            .width(name.chars().count())
            .help(Some(format!(
                "call `list.{name}(…);` on its own line, then use `list`"
            )))
            .warning(),
        );
    }
    found
}
