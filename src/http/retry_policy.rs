//! When and how long the http API waits before trying a request again: exponential backoff
//! with jitter, or the server's own `Retry-After`.

use std::time::Duration;

/// The first backoff; each later one doubles, up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether an HTTP status is worth another try: rate limited, or a server-side failure.
pub(crate) fn retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// The wait before retry number `attempt + 1` (attempt 0 = after the first failure):
/// `FIRST_BACKOFF · 2^attempt`, capped, then a random point in its upper half so that many
/// deploys failing together do not retry in lockstep.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let full = FIRST_BACKOFF
        .saturating_mul(1u32 << attempt.min(16))
        .min(MAX_BACKOFF);
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// A `Retry-After` header: delay-seconds, or an HTTP date (the wait until then).
pub(crate) fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        for attempt in 0..3 {
            let d = backoff(attempt);
            let full = FIRST_BACKOFF * (1 << attempt);
            assert!(d >= full / 2 && d <= full, "{d:?}");
        }
        assert!(backoff(40) <= MAX_BACKOFF);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn statuses() {
        assert!(retryable_status(503) && retryable_status(429));
        assert!(!retryable_status(404) && !retryable_status(200));
    }
}
