//! The sandbox's size limits, in one place: the engine sets them, and the host API
//! (file reads, HTTP bodies) and the outcome's messages quote them.

/// Deepest script function call chain.
pub(crate) const MAX_CALL_LEVELS: usize = 256;
/// Deepest expression nesting at the top level / inside functions.
pub(crate) const MAX_EXPR_DEPTH: (usize, usize) = (64, 32);
/// Largest string, in bytes.
pub(crate) const MAX_STRING_SIZE: usize = 16 * 1024 * 1024;
/// Largest array, in elements.
pub(crate) const MAX_ARRAY_SIZE: usize = 50_000;
/// Largest object map, in entries.
pub(crate) const MAX_MAP_SIZE: usize = 50_000;
/// Most modules a script may import (stdlib included).
pub(crate) const MAX_MODULES: usize = 64;
