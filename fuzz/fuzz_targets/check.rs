//! `rhrel check` on arbitrary bytes: decoding, linting and all three renderers must never
//! panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = rhrel::run::script_file::decode(data.to_vec()) else {
        return;
    };
    let _ = rhrel::check::render_source("fuzz.rhai", &source);
});
