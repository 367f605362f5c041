//! Which functions exist and how many arguments each accepts: the host functions and
//! Rhai's packages read from the same registry `rhrel run` uses, plus the keywords the
//! engine handles itself. Built once into hash maps, so each call is an O(1) look-up.

use std::collections::HashMap;

use rhai::Engine;

/// The set of argument counts a name accepts, as a bit mask (bit n: n arguments).
/// Counts of 63 and more share the last bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arities(u64);

impl Arities {
    /// Any number of arguments (keywords such as `call` or `curry`).
    pub const ANY: Arities = Arities(u64::MAX);

    pub fn one(n: usize) -> Self {
        Arities(1 << n.min(63))
    }

    pub fn with(self, n: usize) -> Self {
        Arities(self.0 | Self::one(n).0)
    }

    pub fn union(self, other: Arities) -> Self {
        Arities(self.0 | other.0)
    }

    pub fn accepts(self, n: usize) -> bool {
        self.0 & Self::one(n).0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// As a method `x.f(..)` the object is the first parameter: arities one lower.
    pub fn as_method(self) -> Self {
        Arities(self.0 >> 1)
    }

    /// "1 argument", "2 or 3 arguments", "0, 1 or 2 arguments".
    pub fn describe(self) -> String {
        let counts: Vec<usize> = (0..64).filter(|n| self.accepts(*n)).collect();
        let plural = counts.len() > 1 || counts.first() != Some(&1);
        let list = match counts.as_slice() {
            [] => "no".to_string(),
            [one] => one.to_string(),
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(|n| n.to_string()).collect();
                format!("{} or {last}", init.join(", "))
            }
        };
        format!("{list} argument{}", if plural { "s" } else { "" })
    }
}

/// Names the engine resolves itself, before any registered function.
const KEYWORDS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_shared",
    "is_def_fn",
    "is_def_var",
];

/// Rhai's standard package as `name arity-mask` lines, sorted: what `Registry::for_run` knows
/// without materializing the lazy package. `standard_table_is_current` keeps it equal to the
/// package (`RHREL_BLESS=1 cargo test --lib standard_table` rewrites it after a rhai upgrade).
const STANDARD_FUNCTIONS: &str = include_str!("standard_functions.txt");

/// The standard package's table, as `STANDARD_FUNCTIONS` should hold it.
#[cfg(test)]
fn standard_table() -> String {
    use rhai::packages::{Package, StandardPackage};
    let mut engine = Engine::new_raw();
    engine.register_global_module(StandardPackage::new_lazy().as_shared_module());
    let mut functions: std::collections::BTreeMap<String, Arities> = Default::default();
    for (name, params) in engine.collect_fn_metadata(
        None,
        |info| Some((info.metadata.name.to_string(), info.metadata.num_params)),
        true,
    ) {
        let entry = functions.entry(name).or_default();
        *entry = entry.with(params);
    }
    functions
        .iter()
        .map(|(name, a)| format!("{name} {:x}\n", a.0))
        .collect()
}

#[cfg(test)]
mod table_tests {
    #[test]
    fn standard_table_is_current() {
        let want = super::standard_table();
        if std::env::var_os("RHREL_BLESS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/check/standard_functions.txt"
            );
            std::fs::write(path, &want).expect("write the table");
            return;
        }
        assert!(
            super::STANDARD_FUNCTIONS == want,
            "src/check/standard_functions.txt is stale: rerun with RHREL_BLESS=1"
        );
    }
}

/// Every function a script can call without defining it.
pub struct Registry {
    functions: HashMap<String, Arities>,
}

impl Registry {
    /// Reads the registry of `engine`: host module, packages (standard ones included),
    /// plus the engine's keywords.
    pub fn of(engine: &Engine) -> Self {
        Registry::read(engine, true, HashMap::new())
    }

    /// The registry a run's pre-flight check uses: the engine's own (non-standard) modules
    /// read live, Rhai's standard package from [`STANDARD_FUNCTIONS`], plus the keywords.
    pub(crate) fn for_run(engine: &Engine) -> Self {
        let mut functions: HashMap<String, Arities> = HashMap::new();
        for line in STANDARD_FUNCTIONS.lines() {
            if let Some((name, mask)) = line.split_once(' ') {
                let mask = u64::from_str_radix(mask, 16).unwrap_or(u64::MAX);
                functions.insert(name.to_string(), Arities(mask));
            }
        }
        Registry::read(engine, false, functions)
    }

    /// `functions` plus what `engine` lists (with or without its standard packages) and the
    /// keywords.
    fn read(engine: &Engine, standard: bool, mut functions: HashMap<String, Arities>) -> Self {
        let listed = engine.collect_fn_metadata(
            None,
            |info| Some((info.metadata.name.to_string(), info.metadata.num_params)),
            standard,
        );
        for (name, params) in listed {
            let entry = functions.entry(name).or_default();
            *entry = entry.with(params);
        }
        for keyword in KEYWORDS {
            functions.insert(keyword.to_string(), Arities::ANY);
        }
        Registry { functions }
    }

    pub fn get(&self, name: &str) -> Option<Arities> {
        self.functions.get(name).copied()
    }

    /// Names a user could have meant to type (not operators or internal helpers).
    pub fn callable_names(&self) -> impl Iterator<Item = &str> {
        self.functions
            .keys()
            .map(String::as_str)
            .filter(|n| is_identifier(n))
    }
}

/// A plain identifier: what a script can write as a function name.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The candidate closest to `wanted`, if it is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match wanted.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    };
    candidates
        .filter(|c| *c != wanted)
        .map(|c| (strsim::damerau_levenshtein(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arities() {
        let a = Arities::one(1).with(2);
        assert!(a.accepts(1) && a.accepts(2) && !a.accepts(3));
        assert!(a.as_method().accepts(0) && a.as_method().accepts(1));
        assert_eq!(Arities::one(1).describe(), "1 argument");
        assert_eq!(a.describe(), "1 or 2 arguments");
        assert_eq!(
            Arities::one(0).with(1).with(3).describe(),
            "0, 1 or 3 arguments"
        );
        assert!(Arities::ANY.accepts(70));
    }

    #[test]
    fn suggests_close_names() {
        let names = ["exec", "exit", "env", "require_env"];
        assert_eq!(closest("exce", names.iter().copied()), Some("exec"));
        assert_eq!(
            closest("requre_env", names.iter().copied()),
            Some("require_env")
        );
        assert_eq!(closest("zzzz", names.iter().copied()), None);
    }

    #[test]
    fn registry_lists_packages_and_host() {
        let engine = crate::run::engine::sandboxed(&crate::run::context::Context::inert());
        let registry = Registry::of(&engine);
        assert!(registry.get("to_upper").is_some(), "standard package");
        assert!(registry.get("sleep").unwrap().accepts(1), "host");
        assert!(registry.get("call").unwrap().accepts(5), "keyword");
        assert!(registry.get("no_such_fn").is_none());
    }
}
