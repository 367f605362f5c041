//! `"deploying ${version}"`: only backtick strings interpolate, so inside `"…"` the `${…}`
//! is printed as it stands. The compiled AST no longer tells a `"…"` string from a backtick
//! one, so this reads the source text: comments, `"…"` strings with their escapes, backtick
//! strings and `'…'` characters. `${1}` (a regex replacement's group) is left alone.

/// Positions (1-based line and column) of each `${` inside a double-quoted string.
pub(crate) fn in_plain_strings(source: &str) -> Vec<(usize, usize)> {
    #[derive(PartialEq)]
    enum State {
        Code,
        LineComment,
        BlockComment(usize),
        Plain,
        Backtick,
        Char,
    }
    let mut found = Vec::new();
    let mut state = State::Code;
    let (mut line, mut col) = (1, 0);
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
        let next = chars.peek().copied();
        state = match state {
            State::Code => match (c, next) {
                ('/', Some('/')) => State::LineComment,
                ('/', Some('*')) => {
                    chars.next();
                    col += 1;
                    State::BlockComment(1)
                }
                ('"', _) => State::Plain,
                ('`', _) => State::Backtick,
                ('\'', _) => State::Char,
                _ => State::Code,
            },
            State::LineComment if c == '\n' => State::Code,
            State::BlockComment(depth) => match (c, next) {
                ('*', Some('/')) => {
                    chars.next();
                    col += 1;
                    if depth == 1 {
                        State::Code
                    } else {
                        State::BlockComment(depth - 1)
                    }
                }
                ('/', Some('*')) => {
                    chars.next();
                    col += 1;
                    State::BlockComment(depth + 1)
                }
                _ => State::BlockComment(depth),
            },
            State::Plain | State::Char if c == '\\' => {
                if let Some(escaped) = chars.next() {
                    if escaped == '\n' {
                        line += 1;
                        col = 0;
                    } else {
                        col += 1;
                    }
                }
                state
            }
            State::Plain if c == '"' => State::Code,
            State::Plain if c == '$' && next == Some('{') => {
                // `${1}`: a regex replacement's group, which `regex_replace` means literally.
                let rest: String = chars.clone().skip(1).take_while(|c| *c != '}').collect();
                if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_digit()) {
                    found.push((line, col));
                }
                State::Plain
            }
            State::Backtick if c == '`' => State::Code,
            State::Char if c == '\'' => State::Code,
            other => other,
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::in_plain_strings;

    #[test]
    fn finds_only_plain_strings() {
        let src = "log(\"a ${x}\");\nlog(`b ${y}`); // \"${z}\"\n/* \"${w}\" */ let c = '$';\nlog(\"\\\"${v}\");\nregex_replace(u, \"x\", \"${1}y\");";
        assert_eq!(in_plain_strings(src), vec![(1, 8), (4, 8)]);
    }
}
