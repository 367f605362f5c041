//! Reading a script from disk: the exit code and message for each way that can fail
//! (missing, a directory, unreadable, too large, not UTF-8), a BOM stripped.

use std::io::Read;
use std::path::Path;

use crate::exit_code::Exit;

/// The largest script rhrel reads. Release scripts are a few KB; a bigger file is a mistake.
pub const MAX_SCRIPT_BYTES: u64 = 10 * 1024 * 1024;

/// The script's text, or the exit code and message explaining why it cannot be run.
pub fn read(path: &Path) -> Result<String, (Exit, String)> {
    let shown = path.display();
    let unreadable = |e: std::io::Error| {
        (
            Exit::NoInput,
            format!("cannot read script `{shown}`: {}", io_reason(&e)),
        )
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err((
            Exit::NoInput,
            format!("cannot read script `{shown}`: it is a directory"),
        ));
    }
    if meta.len() > MAX_SCRIPT_BYTES {
        return Err((
            Exit::Compile,
            format!("script `{shown}` is {} bytes; rhrel reads scripts up to {MAX_SCRIPT_BYTES} bytes (10 MiB)", meta.len()),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCRIPT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    decode(bytes).map_err(|msg| (Exit::Compile, format!("script `{shown}` {msg}")))
}

/// UTF-8 text without a byte-order mark; the error says where the first bad byte is.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let col = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        format!("is not valid UTF-8 (line {line}, column {col}, byte {at})")
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    if text.contains('\0') {
        return Err("contains NUL bytes: is it a binary file?".into());
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
        assert!(err.contains("line 2, column 7"), "{err}");
    }
}
