//! `rhrel api`: the reference of every host function and stdlib module, generated from the
//! live registry and the embedded stdlib sources (arrives with the stdlib issue).

use crate::cli::ApiArgs;
use crate::exit_code::Exit;

/// Prints the reference and returns the exit code.
pub fn command(_args: ApiArgs) -> Exit {
    eprintln!("rhrel: `api` is not available yet");
    Exit::Usage
}
