//! One entry of `parallel([...])`: `name`, `program`, `args`, and `exec`'s options (read by
//! `exec::options`, so both accept the same keys and say the same things about bad ones).

use rhai::{Dynamic, Map};

use crate::exec::options::{self, argument, quote, Options};
use crate::script_error::{raise, HostResult};

pub(crate) struct Step {
    /// The prefix of its lines and its name in results and messages.
    pub name: String,
    pub program: String,
    pub args: Vec<String>,
    /// The command as messages show it (`npm run build:assets`).
    pub shown: String,
    /// The file a bare name resolves to on rhrel's own `PATH` (set when the step is allowed).
    pub path: Option<std::path::PathBuf>,
    pub opts: Options,
}

/// The `index`-th entry (0-based) of the steps array.
pub(crate) fn parse(index: usize, entry: &Dynamic) -> HostResult<Step> {
    let at = format!("parallel: step {}", index + 1);
    let map = entry.read_lock::<Map>().ok_or_else(|| {
        raise(format!(
            "{at} is {} {}; each step is a map like #{{ name: \"assets\", program: \"npm\", args: [\"run\", \"build\"] }}",
            article(entry.type_name()),
            entry.type_name()
        ))
    })?;
    let mut rest = Map::new();
    let mut program = None;
    let mut args = Vec::new();
    let mut name = None;
    for (key, value) in map.iter() {
        match key.as_str() {
            "program" => {
                let p = value
                    .read_lock::<rhai::ImmutableString>()
                    .ok_or_else(|| raise(format!("{at}: `program` must be a string")))?;
                program = Some(p.to_string());
            }
            "name" => {
                let n = value
                    .read_lock::<rhai::ImmutableString>()
                    .ok_or_else(|| raise(format!("{at}: `name` must be a string")))?;
                name = Some(n.to_string());
            }
            "args" => {
                let list = value
                    .read_lock::<rhai::Array>()
                    .ok_or_else(|| raise(format!("{at}: `args` must be an array of strings")))?;
                args = list.clone();
            }
            _ => {
                rest.insert(key.clone(), value.clone());
            }
        }
    }
    let program = program
        .filter(|p| !p.is_empty())
        .ok_or_else(|| raise(format!("{at} has no `program`")))?;
    let args = args
        .iter()
        .enumerate()
        .map(|(i, a)| argument(&program, i, a))
        .collect::<HostResult<Vec<String>>>()?;
    let name = match name {
        Some(n) if n.trim().is_empty() => return Err(raise(format!("{at}: `name` is empty"))),
        Some(n) => n,
        None => std::path::Path::new(&program)
            .file_name()
            .and_then(|b| b.to_str())
            .unwrap_or(&program)
            .to_string(),
    };
    let shown = std::iter::once(program.clone())
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let opts = options::parse(&shown, &rest)?;
    Ok(Step {
        name,
        program,
        args,
        shown,
        path: None,
        opts,
    })
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
