//! Resident memory of this process, and `--max-memory` sizes (`512M`, `1G`, MiB).

/// Peak resident set size of this process so far, in bytes (`getrusage`: one cheap
/// syscall, so the progress callback can sample it often). The peak is what a cap bounds.
pub fn resident_bytes() -> Option<u64> {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    // Linux reports ru_maxrss in KiB.
    u64::try_from(usage.ru_maxrss).ok().map(|kib| kib * 1024)
}

/// Parses `512M`, `1G`, `300MiB`, `2048K` or a plain number of MiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("invalid size `{text}` (e.g. 512M, 1G)"))?;
    let scale: f64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "M" | "MB" | "MIB" => 1024.0 * 1024.0,
        "K" | "KB" | "KIB" => 1024.0,
        "G" | "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("invalid size `{text}` (e.g. 512M, 1G)")),
    };
    let bytes = value * scale;
    if bytes < 16.0 * 1024.0 * 1024.0 {
        return Err(format!(
            "--max-memory `{text}` is below the 16M rhrel itself needs"
        ));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("512M"), Ok(512 << 20));
        assert_eq!(super::parse_size("1G"), Ok(1 << 30));
        assert_eq!(super::parse_size("64"), Ok(64 << 20));
        assert!(super::parse_size("lots").is_err());
        assert!(super::parse_size("1K").is_err());
        assert!(super::resident_bytes().unwrap_or(1) > 0);
    }
}
