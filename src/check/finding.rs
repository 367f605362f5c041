//! One problem `rhrel check` found: where it is, how bad, which kind, and what to say.

/// How bad a finding is: only errors make `rhrel check` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The kind of a finding; its name is the stable `code` of the JSON and GitHub output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The file is not valid Rhai.
    Syntax,
    /// A call to a function that exists nowhere.
    UnknownFunction,
    /// A call with a number of arguments no overload accepts.
    Arity,
    /// A variable that is never defined where it is read.
    UndefinedVariable,
    /// An `import` that does not resolve.
    Import,
    /// A module alias (`x::f()`) that was never imported; reported as `import` too.
    NotImported,
    /// `${…}` inside a `"…"` string, which does not interpolate.
    Interpolation,
    /// A comparison that reads wrongly (a string literal on the left).
    Comparison,
    /// The `()` result of an in-place array method, kept in a variable.
    UnitResult,
    /// `exit(N)` or `fail(msg, N)` with a code rhrel itself gives a meaning (65, 124, …).
    ReservedCode,
    /// The Procfile's `release:` line names a script that does not exist.
    Procfile,
    /// The file cannot be read as a script (not UTF-8, too large, unreadable).
    Read,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::UnknownFunction => "unknown-function",
            Code::Arity => "arity",
            Code::UndefinedVariable => "undefined-variable",
            Code::Import | Code::NotImported => "import",
            Code::Interpolation => "interpolation",
            Code::Comparison => "comparison",
            Code::UnitResult => "unit-result",
            Code::ReservedCode => "reserved-exit-code",
            Code::Procfile => "procfile",
            Code::Read => "read",
        }
    }
}

/// A problem at a place in a file. `line` and `column` are 1-based (0: the whole file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file as shown to the user (relative paths stay relative).
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// How many characters the caret line underlines (at least one).
    pub width: usize,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// Text shown under the caret.
    pub label: Option<String>,
    /// A hint, such as "did you mean `exec`?".
    pub help: Option<String>,
}

impl Finding {
    /// An error of kind `code` at `line:column`.
    pub fn error(file: &str, code: Code, line: usize, column: usize, message: String) -> Self {
        Finding {
            file: file.to_string(),
            line,
            column,
            width: 1,
            severity: Severity::Error,
            code,
            message,
            label: None,
            help: None,
        }
    }

    /// The same finding as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Underlines `width` characters from the column.
    pub fn width(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
