//! Every way a run can end, and the process exit code each maps to.
//! The README's exit-code table is checked against `Exit::TABLE` by a unit test.

/// How a run ended. The one place that decides exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The script finished.
    Success,
    /// `fail(msg)`, an uncaught error, a failed `exec` or `http` call, a sandbox limit.
    Failure,
    /// Bad flags or arguments.
    Usage,
    /// `fail(msg, n)` or `exit(n)` with a code the script chose.
    Custom(u8),
    /// The script does not compile (syntax, unknown import, not UTF-8, too large).
    Compile,
    /// The script file is missing, a directory or unreadable.
    NoInput,
    /// A bug in rhrel itself.
    Internal,
    /// The run's deadline (`--timeout`) fired.
    Timeout,
    /// SIGINT.
    Interrupted,
    /// SIGTERM.
    Terminated,
    /// SIGHUP (handled like SIGTERM).
    HungUp,
    /// SIGQUIT (handled like SIGTERM).
    Quit,
}

impl Exit {
    /// The exit codes as documented, in README order: (code, meaning).
    pub const TABLE: &'static [(&'static str, &'static str)] = &[
        ("0", "the script finished (also `exit()`)"),
        ("1", "the script failed: `fail(msg)`, an uncaught error, a failed `exec` or `http` call, a sandbox limit"),
        ("2", "usage error (bad flags)"),
        ("N", "`fail(msg, N)` or `exit(N)` with 1 ≤ N ≤ 125"),
        ("65", "the script does not compile (syntax, unknown import, not UTF-8, too large)"),
        ("66", "the script file is missing, a directory, or unreadable"),
        ("70", "internal error in rhrel itself (a bug: please report it)"),
        ("124", "the timeout fired"),
        ("129", "hung up: SIGHUP, handled like SIGTERM"),
        ("130", "interrupted by SIGINT"),
        ("131", "SIGQUIT, handled like SIGTERM"),
        ("143", "terminated by SIGTERM"),
    ];

    /// The largest code a script may choose with `fail(msg, n)` or `exit(n)`.
    pub const MAX_CUSTOM: i64 = 125;

    /// The codes in a script's range (1 to 125) that rhrel itself gives a meaning: a script
    /// choosing one makes its own failure read as rhrel's. `rhrel check` warns on them.
    pub const RESERVED: &'static [(Exit, &'static str)] = &[
        (Exit::Usage, "usage error"),
        (Exit::Compile, "the script does not compile"),
        (Exit::NoInput, "the script file is missing"),
        (Exit::Internal, "internal error in rhrel"),
        (Exit::Timeout, "the timeout fired"),
    ];

    /// What rhrel means by `code` when a script should not choose it, else `None`.
    pub fn reserved_meaning(code: i64) -> Option<&'static str> {
        Self::RESERVED
            .iter()
            .find(|(exit, _)| i64::from(exit.code()) == code)
            .map(|(_, meaning)| *meaning)
    }

    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Custom(n) => n,
            Exit::Compile => 65,
            Exit::NoInput => 66,
            Exit::Internal => 70,
            Exit::Timeout => 124,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
            Exit::HungUp => 129,
            Exit::Quit => 131,
        }
    }

    /// The exit for a script-chosen code; `None` when it is outside 0..=125.
    pub fn custom(n: i64) -> Option<Exit> {
        match n {
            0 => Some(Exit::Success),
            1..=Self::MAX_CUSTOM => Some(Exit::Custom(n as u8)),
            _ => None,
        }
    }

    /// The exit for a signal number rhrel handles.
    pub fn for_signal(signal: i32) -> Exit {
        match signal {
            libc::SIGINT => Exit::Interrupted,
            libc::SIGHUP => Exit::HungUp,
            libc::SIGQUIT => Exit::Quit,
            _ => Exit::Terminated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn readme_table_matches_enum() {
        let readme = include_str!("../README.md");
        for (code, _) in Exit::TABLE {
            let row = format!("| {code} |");
            assert!(readme.contains(&row), "README lacks exit-code row {row}");
        }
    }

    #[test]
    fn reserved_codes_are_the_ones_rhrel_uses_below_126() {
        let used: Vec<i64> = (1..=Exit::MAX_CUSTOM)
            .filter(|n| Exit::reserved_meaning(*n).is_some())
            .collect();
        assert_eq!(used, [2, 65, 66, 70, 124]);
        assert_eq!(Exit::reserved_meaning(3), None);
    }

    #[test]
    fn custom_codes_are_bounded() {
        assert_eq!(Exit::custom(0), Some(Exit::Success));
        assert_eq!(Exit::custom(42).map(Exit::code), Some(42));
        assert_eq!(Exit::custom(126), None);
        assert_eq!(Exit::custom(-1), None);
    }
}
