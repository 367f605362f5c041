//! SIGINT and SIGTERM become a stop request (signal-hook), so a sleeping, waiting or
//! looping script ends promptly and rhrel still cleans up and reports.

use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::stop::{Stop, StopReason};

/// Starts the listener thread. Errors mean signals keep their default action.
pub fn install(stop: Arc<Stop>) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("rhrel-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                stop.request(StopReason::Signal(signal));
            }
        })?;
    Ok(())
}
