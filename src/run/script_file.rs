//! Reading a script from disk: the exit code and message for each way that can fail
//! (missing, a directory, unreadable, too large, not UTF-8), a BOM stripped.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// The largest script rhrel reads. Release scripts are a few KB; a bigger file is a mistake.
pub const MAX_SCRIPT_BYTES: u64 = 10 * 1024 * 1024;

/// The script's text, or why it cannot be run (each reason knows its exit code).
pub fn read(path: &Path) -> Result<String, Error> {
    let unreadable = |e: std::io::Error| Error::Unreadable {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(Error::Directory {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_SCRIPT_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCRIPT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    decode(bytes).map_err(|problem| Error::NotText {
        path: path.to_path_buf(),
        problem,
    })
}

/// Why bytes are not a script's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotText {
    /// Where the first bad byte is (1-based line and column, 0-based byte).
    #[error("is not valid UTF-8 (line {line}, column {column}, byte {byte})")]
    NotUtf8 {
        line: usize,
        column: usize,
        byte: usize,
    },
    #[error("contains NUL bytes: is it a binary file?")]
    Nul,
}

/// UTF-8 text without a byte-order mark; the error says where the first bad byte is.
pub fn decode(bytes: Vec<u8>) -> Result<String, NotText> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        NotText::NotUtf8 {
            line,
            column,
            byte: at,
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    if text.contains('\0') {
        return Err(NotText::Nul);
    }
    Ok(text)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decode_strips_bom_and_locates_bad_bytes() {
        assert_eq!(
            super::decode(b"\xef\xbb\xbflog(1);".to_vec()).unwrap(),
            "log(1);"
        );
        let err = super::decode(b"ok\nlog(\"a\xff\");".to_vec()).unwrap_err();
        assert_eq!(
            err,
            super::NotText::NotUtf8 {
                line: 2,
                column: 7,
                byte: 9
            }
        );
        assert_eq!(
            err.to_string(),
            "is not valid UTF-8 (line 2, column 7, byte 9)"
        );
    }
}
