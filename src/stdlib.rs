//! The stdlib: Rhai modules from `stdlib/*.rhai`, embedded at build time (see build.rs),
//! imported as `import "std/NAME" as NAME;`.

include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));

/// The prefix of stdlib import paths.
pub const PREFIX: &str = "std/";

/// The source of `std/NAME` (give `NAME`).
pub fn source(name: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| *src)
}

/// The names of all embedded modules, sorted.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_stdlib_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/stdlib");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "rhai") {
                let name = path.file_stem().unwrap().to_str().unwrap();
                assert!(super::source(name).is_some(), "{name} not embedded");
            }
        }
    }
}
