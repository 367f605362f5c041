//! Memory rhrel uses, counted by the global allocator, and `--max-memory` sizes (`512M`, `1G`, MiB).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes currently allocated through [`CountingAllocator`].
static IN_USE: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting the bytes in use. The progress callback compares the count
/// with `--max-memory` between every two script operations (one atomic load), so a memory bomb
/// that dodges Rhai's size limits (values captured by closures) stops within one operation —
/// sampling the resident size every few thousand operations let one 16 MiB string per
/// operation run gigabytes past the cap.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` unchanged; only the counter is added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                IN_USE.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

/// Heap bytes in use right now.
#[inline]
pub(crate) fn heap_bytes() -> u64 {
    IN_USE.load(Ordering::Relaxed) as u64
}

/// Parses `512M`, `1G`, `300MiB`, `2048K` or a plain number of MiB.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
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
    }

    /// The unit-test binary counts as the `rhrel` binary does (`main.rs` installs it there).
    #[global_allocator]
    static ALLOCATOR: super::CountingAllocator = super::CountingAllocator;

    #[test]
    fn the_allocator_counts_live_bytes() {
        // Other tests allocate and free concurrently: allow them a margin.
        let before = super::heap_bytes();
        let block = std::hint::black_box(vec![1u8; 64 << 20]);
        let during = super::heap_bytes();
        drop(block);
        assert!(
            during >= before + (48 << 20),
            "before {before}, during {during}"
        );
    }
}
