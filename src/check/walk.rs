//! One pass over a compiled script that gathers what the checks judge: every call (plain,
//! method, namespaced), every variable the parser could not resolve, every import, and the
//! names declared anywhere (for hints). Closure bodies are walked as functions of their own.

use std::collections::HashSet;

use rhai::{ASTFlags, ASTNode, Expr, Module, Position, Stmt, AST};

/// The name prefix Rhai gives the function behind a closure.
pub const ANON_PREFIX: &str = "anon$";

/// Which kind of code a node belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The script's top level.
    TopLevel,
    /// The body of a `fn`: it sees only its parameters, not the script's variables.
    Function,
    /// The body of a closure: names it does not define are captured from its parent, and
    /// checked where the closure is created.
    Closure,
}

/// A call of a named function.
#[derive(Debug)]
pub struct Call {
    pub name: String,
    /// `h::ping()`: the alias and how many segments the namespace has.
    pub namespace: Option<(String, usize)>,
    /// Arguments written between the parentheses (without the object of a method call).
    pub args: usize,
    /// `x.f(a)` rather than `f(x, a)`.
    pub method: bool,
    /// Where the name (or the namespace) starts.
    pub pos: Position,
}

/// A variable read or written.
#[derive(Debug)]
pub struct VarUse {
    pub name: String,
    pub pos: Position,
    pub place: Place,
}

/// An `import` statement.
#[derive(Debug)]
pub struct Import {
    /// The path when it is a literal string.
    pub path: Option<String>,
    pub alias: String,
    /// Where the path (or the statement) is.
    pub pos: Position,
}

/// Everything one walk gathers.
#[derive(Debug, Default)]
pub struct Facts {
    pub calls: Vec<Call>,
    /// `exit(N)` and `fail(msg, N)` with a literal `N`: (function, N, where `N` is).
    pub literal_codes: Vec<(String, i64, Position)>,
    /// Variables the parser found no definition for, outside closures.
    pub unresolved: Vec<VarUse>,
    /// `alias::name` variable reads: (alias, position).
    pub module_vars: Vec<(String, Position)>,
    pub imports: Vec<Import>,
    /// Map literal keys and assigned property names: `obj.action()` may call a closure
    /// stored under that key.
    pub map_keys: HashSet<String>,
    /// Every variable, constant, parameter and loop or catch variable declared.
    pub declared: HashSet<String>,
    /// Constants and variables declared at the top level.
    pub top_constants: HashSet<String>,
    pub top_variables: HashSet<String>,
    /// Functions the script defines (not closures).
    pub functions: HashSet<String>,
    /// `"text" == x` / `"text" != x`: the operator and where the literal is.
    pub literal_left: Vec<(String, Position)>,
    /// `let xs = list.sort()`: the in-place array method whose `()` result is kept.
    pub unit_results: Vec<(String, Position)>,
}

/// Array methods that change the array in place and return `()` (or, for `retain`, the
/// elements it removed): keeping their result is a mistake.
pub const IN_PLACE_ARRAY_METHODS: &[&str] = &[
    "sort", "reverse", "retain", "dedup", "push", "append", "insert", "chop",
];

/// Walks the top level and every function body of `ast`.
pub fn collect(ast: &AST) -> Facts {
    let mut facts = Facts::default();
    for f in ast.iter_functions() {
        if !f.name.starts_with(ANON_PREFIX) {
            facts.functions.insert(f.name.to_string());
        }
    }
    for stmt in ast.statements() {
        if let Stmt::Var(x, flags, ..) = stmt {
            let name = x.0.name.to_string();
            if flags.contains(ASTFlags::CONSTANT) {
                facts.top_constants.insert(name);
            } else {
                facts.top_variables.insert(name);
            }
        }
    }

    let mut path = Vec::new();
    for stmt in ast.statements() {
        stmt.walk(&mut path, &mut |nodes: &[ASTNode]| {
            visit(&mut facts, Place::TopLevel, nodes);
            true
        });
        path.clear();
    }

    for def in ast.iter_fn_def() {
        let place = if def.name.starts_with(ANON_PREFIX) {
            Place::Closure
        } else {
            facts
                .declared
                .extend(def.params.iter().map(|p| p.to_string()));
            Place::Function
        };
        // The body is only reachable through a walk: give the function an AST of its own.
        let single = AST::new([], Module::from(std::iter::once(def.clone())));
        single.walk(&mut |nodes: &[ASTNode]| {
            visit(&mut facts, place, nodes);
            true
        });
    }
    facts
}

fn visit(facts: &mut Facts, place: Place, nodes: &[ASTNode]) {
    let Some(node) = nodes.last() else { return };
    match node {
        ASTNode::Stmt(Stmt::FnCall(x, pos)) | ASTNode::Expr(Expr::FnCall(x, pos))
            if !x.is_operator_call() =>
        {
            facts.calls.push(call(x, false, *pos));
            literal_code(x, &mut facts.literal_codes);
        }
        ASTNode::Expr(Expr::FnCall(x, _))
            if (x.name == "==" || x.name == "!=")
                && matches!(x.args.first(), Some(Expr::StringConstant(..))) =>
        {
            facts
                .literal_left
                .push((x.name.to_string(), x.args[0].position()));
        }
        ASTNode::Expr(Expr::MethodCall(x, pos)) => facts.calls.push(call(x, true, *pos)),
        ASTNode::Expr(Expr::Variable(x, _, pos)) => {
            let (index, name, namespace, _) = &**x;
            if !namespace.is_empty() {
                facts
                    .module_vars
                    .push((namespace.root().to_string(), namespace.position()));
            } else if index.is_none()
                && place != Place::Closure
                && !facts.functions.contains(name.as_str())
            {
                facts.unresolved.push(VarUse {
                    name: name.to_string(),
                    pos: *pos,
                    place,
                });
            }
        }
        ASTNode::Expr(Expr::Map(x, ..)) => {
            facts
                .map_keys
                .extend(x.0.iter().map(|(key, _)| key.name.to_string()));
        }
        ASTNode::Stmt(Stmt::Var(x, ..)) => {
            facts.declared.insert(x.0.name.to_string());
            unit_result(&x.1, &mut facts.unit_results);
        }
        ASTNode::Stmt(Stmt::For(x, ..)) => {
            facts.declared.insert(x.0.name.to_string());
            if let Some(counter) = &x.1 {
                facts.declared.insert(counter.name.to_string());
            }
        }
        ASTNode::Stmt(Stmt::TryCatch(x, ..)) => {
            if let Expr::Variable(v, ..) = &x.expr {
                facts.declared.insert(v.1.to_string());
            }
        }
        // Rhai's walk skips the value of `break value`.
        ASTNode::Stmt(Stmt::BreakLoop(Some(value), ..)) => {
            value.walk(&mut Vec::new(), &mut |nodes: &[ASTNode]| {
                visit(facts, place, nodes);
                true
            });
        }
        ASTNode::Stmt(Stmt::Assignment(x)) => {
            assigned_properties(&x.1.lhs, &mut facts.map_keys);
            unit_result(&x.1.rhs, &mut facts.unit_results);
        }
        ASTNode::Stmt(Stmt::Import(x, pos)) => {
            let (path, at) = match &x.0 {
                Expr::StringConstant(s, at) => (Some(s.to_string()), *at),
                _ => (None, *pos),
            };
            facts.imports.push(Import {
                path,
                alias: x.1.name.to_string(),
                pos: at,
            });
        }
        _ => {}
    }
}

fn call(x: &rhai::FnCallExpr, method: bool, pos: Position) -> Call {
    let namespace =
        (!x.namespace.is_empty()).then(|| (x.namespace.root().to_string(), x.namespace.path.len()));
    let pos = if namespace.is_some() {
        x.namespace.position()
    } else {
        pos
    };
    Call {
        name: x.name.to_string(),
        namespace,
        args: x.args.len(),
        method,
        pos,
    }
}

/// The code of `exit(N)` or `fail(msg, N)` when `N` is written as a number.
fn literal_code(x: &rhai::FnCallExpr, found: &mut Vec<(String, i64, Position)>) {
    let code = match (x.name.as_str(), x.args.as_ref()) {
        ("exit", [code]) | ("fail", [_, code]) if x.namespace.is_empty() => code,
        _ => return,
    };
    if let Expr::IntegerConstant(n, pos) = code {
        found.push((x.name.to_string(), *n, *pos));
    }
}

/// `list.sort()` as the whole value of a `let` or an assignment.
fn unit_result(value: &Expr, found: &mut Vec<(String, Position)>) {
    if let Expr::Dot(x, ..) = value {
        if let Expr::MethodCall(m, pos) = &x.rhs {
            if IN_PLACE_ARRAY_METHODS.contains(&m.name.as_str()) {
                found.push((m.name.to_string(), *pos));
            }
        }
    }
}

/// The property names on the left of `obj.a.b = …`.
fn assigned_properties(lhs: &Expr, keys: &mut HashSet<String>) {
    match lhs {
        Expr::Dot(x, ..) | Expr::Index(x, ..) => {
            assigned_properties(&x.lhs, keys);
            assigned_properties(&x.rhs, keys);
        }
        Expr::Property(x, ..) => {
            keys.insert(x.2.to_string());
        }
        _ => {}
    }
}
