//! `rhrel run` on arbitrary bytes: a 100 ms deadline, exec/http/env denied, output
//! discarded. Any panic (or a run outliving libFuzzer's -timeout) is a finding.
#![no_main]

use std::sync::Once;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

/// Counts heap bytes, so the run's memory budget applies as in the binary.
#[global_allocator]
static ALLOCATOR: rhrel::CountingAllocator = rhrel::CountingAllocator;
use rhrel::exit_code::Exit;
use rhrel::policy::Policy;
use rhrel::run::{evaluate_source, InProcess};

/// File helpers write inside the working directory and the temp dir: point both at a
/// scratch directory so generated scripts cannot litter the checkout or /tmp.
fn scratch() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("rhrel-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        std::env::set_current_dir(&dir).expect("chdir to the scratch dir");
        std::env::set_var("TMPDIR", &dir);
    });
}

fuzz_target!(|data: &[u8]| {
    scratch();
    let Ok(source) = rhrel::run::script_file::decode(data.to_vec()) else {
        return;
    };
    let exit = evaluate_source(
        &source,
        InProcess {
            timeout: Duration::from_millis(100),
            max_memory: 1536 << 20,
            policy: Policy::deny_all(),
        },
    );
    assert!(
        exit != Exit::Internal,
        "an internal error (exit 70) for a script"
    );
});
