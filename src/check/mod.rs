//! `rhrel check`: a lint that never runs the script (arrives with its own issue).

use crate::cli::CheckArgs;
use crate::exit_code::Exit;

/// Runs `rhrel check` and returns its exit code (0 clean, 1 problems, 2 usage, 66 missing path).
pub fn command(_args: CheckArgs) -> Exit {
    eprintln!("rhrel: `check` is not available yet");
    Exit::Usage
}
