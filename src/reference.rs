//! `rhrel api`: the reference of every host function and stdlib module, generated from the
//! live registry (`api::host_module`) and the embedded stdlib sources, so it cannot drift.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use rhai::{Engine, Module, Scope};
use serde_json::{json, Value};

use crate::cli::ApiArgs;
use crate::exit_code::Exit;
use crate::run::context::Context;

/// One documented function, host or stdlib.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub signature: String,
    pub summary: String,
    /// The doc text without the example.
    pub doc: String,
    pub example: String,
}

/// One stdlib module.
#[derive(Debug, Clone)]
pub struct StdModule {
    /// `std/NAME`.
    pub path: String,
    pub description: String,
    pub functions: Vec<Entry>,
}

/// Prints the reference and returns the exit code.
pub fn command(args: ApiArgs) -> Exit {
    if let Some(dir) = &args.definitions {
        if let Err(e) = definitions(dir) {
            // `{:#}`: the context, then each cause (`cannot write … to DIR: Permission denied`).
            eprintln!("rhrel: error: {e:#}");
            return Exit::Failure;
        }
        eprintln!("rhrel: wrote .d.rhai definitions to {}", dir.display());
        return Exit::Success;
    }
    let host = host_functions();
    let modules = match stdlib_modules() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("rhrel: error: {e:#}");
            return Exit::Internal;
        }
    };
    let text = if args.json {
        format!("{:#}\n", to_json(&host, &modules))
    } else {
        to_text(&host, &modules)
    };
    // A closed pipe (`rhrel api | head`) is not an error.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Exit::Success
}

/// Every host function, sorted by name and arity. The error value's property getters
/// (`get$message`) and its `to_string`/`to_debug` are left out: see `error_fields`.
pub fn host_functions() -> Vec<Entry> {
    all_host_functions()
        .into_iter()
        .filter(|e| !e.name.starts_with("get$") && !e.summary.is_empty())
        .collect()
}

/// The fields a caught host error offers (`e.message`, `e.code`, …).
pub fn error_fields() -> Vec<String> {
    let mut fields: Vec<String> = all_host_functions()
        .into_iter()
        .filter_map(|e| e.name.strip_prefix("get$").map(str::to_string))
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

fn all_host_functions() -> Vec<Entry> {
    documented(crate::api::host_module(&Context::inert()))
}

/// The functions only test files (`*.test.rhai`) have: `test`, `simulate`, the assertions.
pub fn test_functions() -> Vec<Entry> {
    let state = crate::test::api::FileState::new(Default::default(), Default::default());
    documented(crate::test::api::module(&Context::inert(), &state))
}

/// The documented functions of a module, sorted by name and arity.
fn documented(module: Module) -> Vec<Entry> {
    let mut engine = Engine::new_raw();
    engine.register_global_module(module.into());
    let mut list = engine.collect_fn_metadata(
        None,
        |info| {
            let m = info.metadata;
            let comments: Vec<String> = m.comments.iter().map(|c| c.to_string()).collect();
            let (summary, doc, example) = split_doc(&comments);
            Some((
                m.num_params,
                Entry {
                    name: m.name.to_string(),
                    signature: m.gen_signature(|s| s.into()),
                    summary,
                    doc,
                    example,
                },
            ))
        },
        false,
    );
    list.sort_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
    list.into_iter().map(|(_, e)| e).collect()
}

/// Every embedded stdlib module with its functions, in name order.
pub fn stdlib_modules() -> anyhow::Result<Vec<StdModule>> {
    // The run's engine and limits: a module that compiles here compiles at run time.
    let engine = crate::run::engine::sandboxed(&Context::inert());
    let mut modules = Vec::new();
    for name in crate::stdlib::names() {
        let source = crate::stdlib::source(name).unwrap_or_default();
        let ast = engine
            .compile(source)
            .with_context(|| format!("stdlib module std/{name} does not compile"))?;
        let mut functions: Vec<Entry> = ast
            .iter_functions()
            // A closure (`anon$…`) is public in Rhai's eyes but no one can call it by name.
            .filter(|f| f.access == rhai::FnAccess::Public && !f.name.starts_with("anon$"))
            .map(|f| {
                let comments: Vec<String> = f.comments.iter().map(|c| c.to_string()).collect();
                let (summary, doc, example) = split_doc(&comments);
                Entry {
                    name: f.name.to_string(),
                    signature: format!("{name}::{}({})", f.name, f.params.join(", ")),
                    summary,
                    doc,
                    example,
                }
            })
            .collect();
        functions.sort_by(|a, b| a.signature.cmp(&b.signature));
        modules.push(StdModule {
            path: format!("{}{name}", crate::stdlib::PREFIX),
            description: header(source),
            functions,
        });
    }
    Ok(modules)
}

/// The `//` lines opening a module file, without the `std/NAME:` lead.
fn header(source: &str) -> String {
    let lines: Vec<&str> = source
        .lines()
        .take_while(|l| l.starts_with("//") && !l.starts_with("///"))
        .map(|l| l.trim_start_matches('/').trim())
        .collect();
    let text = lines.join(" ");
    match text.split_once(": ") {
        Some((lead, rest)) if lead.starts_with("std/") => rest.to_string(),
        _ => text,
    }
}

/// Splits `///` doc comments into (first line, text without the example, the example).
fn split_doc(comments: &[String]) -> (String, String, String) {
    let mut text = Vec::new();
    let mut example = Vec::new();
    let mut in_example = false;
    for comment in comments {
        for line in comment.lines() {
            let line = line.trim_start();
            let line = line
                .strip_prefix("/// ")
                .or_else(|| line.strip_prefix("///"))
                .unwrap_or(line);
            if line.trim_start().starts_with("```") {
                in_example = !in_example;
                continue;
            }
            if in_example {
                example.push(line);
            } else {
                text.push(line);
            }
        }
    }
    let doc = text.join("\n").trim().to_string();
    (first_paragraph(&doc), doc, example.join("\n"))
}

/// The doc's first paragraph on one line: a summary is never cut mid-sentence.
fn first_paragraph(doc: &str) -> String {
    doc.lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_text(host: &[Entry], modules: &[StdModule]) -> String {
    let mut out = format!(
        "rhrel {} — host functions and stdlib modules\n\n\
         HOST FUNCTIONS (available in every script)\n",
        env!("CARGO_PKG_VERSION")
    );
    for f in host {
        out.push_str(&format!("\n{}\n", f.signature));
        push_doc(&mut out, &f.summary, &f.example);
    }
    out.push_str(&format!(
        "\nA caught host error `e` has the fields: {}.\n",
        error_fields()
            .iter()
            .map(|f| format!("e.{f}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str("\nTEST FUNCTIONS (only in *.test.rhai files, run by `rhrel test`)\n");
    for f in test_functions() {
        out.push_str(&format!("\n{}\n", f.signature));
        push_doc(&mut out, &f.summary, &f.example);
    }
    out.push_str("\nSTDLIB MODULES (embedded; `import \"std/NAME\" as NAME;`)\n");
    for m in modules {
        let alias = m.path.trim_start_matches(crate::stdlib::PREFIX);
        out.push_str(&format!(
            "\n{}  —  import \"{}\" as {alias};\n  {}\n",
            m.path, m.path, m.description
        ));
        for f in &m.functions {
            out.push_str(&format!("\n  {}\n", f.signature));
            push_doc(&mut out, &f.doc, &f.example);
        }
    }
    out
}

fn push_doc(out: &mut String, doc: &str, example: &str) {
    for line in doc.lines() {
        out.push_str(&format!("    {line}\n"));
    }
    if !example.is_empty() {
        out.push_str("    example:\n");
        for line in example.lines() {
            out.push_str(&format!("      {line}\n"));
        }
    }
}

fn entry_json(e: &Entry) -> Value {
    json!({
        "name": e.name,
        "signature": e.signature,
        "summary": e.summary,
        "doc": e.doc,
        "example": e.example,
    })
}

fn to_json(host: &[Entry], modules: &[StdModule]) -> Value {
    json!({
        "rhrel": env!("CARGO_PKG_VERSION"),
        "functions": host.iter().map(entry_json).collect::<Vec<_>>(),
        "error_fields": error_fields(),
        "test_functions": test_functions().iter().map(entry_json).collect::<Vec<_>>(),
        "modules": modules.iter().map(|m| json!({
            "name": m.path,
            "description": m.description,
            "functions": m.functions.iter().map(entry_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Writes `.d.rhai` definition files (host functions and the stdlib) for editors.
fn definitions(dir: &Path) -> anyhow::Result<()> {
    let mut engine = crate::run::engine::sandboxed(&Context::inert());
    for name in crate::stdlib::names() {
        let source = crate::stdlib::source(name).unwrap_or_default();
        let ast = engine
            .compile(source)
            .with_context(|| format!("stdlib module std/{name} does not compile"))?;
        let module = Module::eval_ast_as_new(Scope::new(), &ast, &engine)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("stdlib module std/{name} does not load"))?;
        // Named as the usual alias: `import "std/retry" as retry;`.
        engine.register_static_module(name, module.into());
    }
    let writing = || format!("cannot write definitions to {}", dir.display());
    std::fs::create_dir_all(dir).with_context(writing)?;
    engine
        .definitions()
        .include_standard_packages(false)
        .write_to_dir(dir)
        .with_context(writing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_function_is_documented() {
        let documented = host_functions();
        for f in all_host_functions() {
            if f.name.starts_with("get$") || f.name.starts_with("to_") {
                continue;
            }
            assert!(documented.iter().any(|d| d.signature == f.signature));
        }
        for f in documented {
            assert!(!f.summary.is_empty(), "{} has no doc", f.signature);
            assert!(!f.example.is_empty(), "{} has no example", f.signature);
        }
    }

    #[test]
    fn every_stdlib_function_is_documented() {
        for m in stdlib_modules().unwrap() {
            assert!(!m.description.is_empty(), "{} has no header", m.path);
            assert!(!m.functions.is_empty(), "{} has no functions", m.path);
            for f in m.functions {
                assert!(!f.summary.is_empty(), "{} has no doc", f.signature);
                assert!(!f.example.is_empty(), "{} has no example", f.signature);
            }
        }
    }
}
