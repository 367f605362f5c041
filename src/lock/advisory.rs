//! The advisory lock itself: its key (the first 8 bytes of the SHA-256 of the name, so every
//! release computes the same one), taking it without waiting, releasing it, and who holds it
//! (`pg_locks` joined with `pg_stat_activity`).

use postgres::Client;
use sha2::{Digest, Sha256};

/// The lock's 64-bit key: stable across releases, machines and rhrel versions.
pub(crate) fn key(name: &str) -> i64 {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// `pg_try_advisory_lock`: true when this session now holds the lock.
pub(crate) fn try_lock(client: &mut Client, key: i64) -> Result<bool, postgres::Error> {
    client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .map(|row| row.get(0))
}

/// `pg_advisory_unlock`: false when the session did not hold it (it was lost).
pub(crate) fn unlock(client: &mut Client, key: i64) -> Result<bool, postgres::Error> {
    client
        .query_one("SELECT pg_advisory_unlock($1)", &[&key])
        .map(|row| row.get(0))
}

/// The session holding a lock, as far as this user may see it.
pub(crate) struct Holder {
    pub pid: i32,
    /// Its `application_name` (`rhrel migrate` for another rhrel), when set and visible.
    pub application: Option<String>,
    /// Seconds since that session connected, when visible.
    pub connected_for: Option<f64>,
}

/// A bigint advisory lock shows in `pg_locks` as classid (high half), objid (low half),
/// objsubid 1, in the current database.
const HOLDER: &str = "SELECT l.pid, a.application_name, \
       extract(epoch FROM now() - a.backend_start)::float8 \
     FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
       AND l.classid::int8 = (($1::int8 >> 32) & 4294967295) \
       AND l.objid::int8 = ($1::int8 & 4294967295) \
     LIMIT 1";

/// Who holds the lock `key` now, or `None` (it was just released, or is not visible).
pub(crate) fn holder(client: &mut Client, key: i64) -> Result<Option<Holder>, postgres::Error> {
    Ok(client.query_opt(HOLDER, &[&key])?.map(|row| Holder {
        pid: row.get(0),
        application: row.get::<_, Option<String>>(1).filter(|a| !a.is_empty()),
        connected_for: row.get(2),
    }))
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn keys_are_stable_and_distinct() {
        // The first 8 bytes of sha256("migrate"), big-endian: other tools can compute it.
        assert_eq!(key("migrate"), key("migrate"));
        assert_ne!(key("migrate"), key("migrate2"));
        assert_eq!(key("migrate"), 0x3bc8_01a3_3ea8_3df4);
    }
}
