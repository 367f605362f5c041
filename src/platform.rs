//! The one table of hosting platforms, read from the variables each sets in a release: what
//! `platform()` returns to a script and what the timeout default is based on.

use std::time::Duration;

/// A hosting platform rhrel knows.
#[derive(Debug)]
pub(crate) struct Platform {
    /// The name `platform()` returns.
    pub name: &'static str,
    /// Variables of which any one being set means this platform.
    pub markers: &'static [&'static str],
    /// The release phase's default deadline (below the platform's own kill) and how the
    /// timeout message names it, when this platform has one.
    pub release_limit: Option<(Duration, &'static str)>,
}

/// Checked in order: the first platform with a marker set wins.
pub(crate) const PLATFORMS: &[Platform] = &[
    Platform {
        name: "heroku",
        markers: &["DYNO"],
        release_limit: Some((
            Duration::from_secs(55 * 60),
            "default on a Heroku release dyno",
        )),
    },
    Platform {
        name: "fly",
        // Fly sets RELEASE_COMMAND=1 in the release machine, FLY_APP_NAME everywhere.
        markers: &["FLY_APP_NAME", "RELEASE_COMMAND"],
        release_limit: Some((Duration::from_secs(4 * 60 + 30), "default on Fly.io")),
    },
    Platform {
        name: "render",
        markers: &["RENDER"],
        release_limit: None,
    },
    Platform {
        name: "railway",
        markers: &["RAILWAY_ENVIRONMENT"],
        release_limit: None,
    },
    Platform {
        name: "kubernetes",
        markers: &["KUBERNETES_SERVICE_HOST"],
        release_limit: None,
    },
];

/// The platform whose marker is set, `None` when running locally.
pub(crate) fn detect(get: impl Fn(&str) -> Option<String>) -> Option<&'static Platform> {
    PLATFORMS
        .iter()
        .find(|p| p.markers.iter().any(|m| get(m).is_some()))
}

/// The default deadline of a run and how to name it: the platform's release limit (on
/// Heroku only in a release dyno, `DYNO=release.N`), else 10 minutes.
pub(crate) fn default_limit(get: impl Fn(&str) -> Option<String>) -> (Duration, &'static str) {
    let fallback = (Duration::from_secs(10 * 60), "default");
    let Some(platform) = detect(&get) else {
        return fallback;
    };
    if platform.name == "heroku" && !get("DYNO").is_some_and(|d| d.starts_with("release.")) {
        return fallback;
    }
    platform.release_limit.unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_is_named_once() {
        for (i, p) in PLATFORMS.iter().enumerate() {
            assert!(!p.markers.is_empty());
            assert!(PLATFORMS[..i].iter().all(|q| q.name != p.name));
        }
    }

    #[test]
    fn release_command_alone_is_fly_for_both() {
        let get = |k: &str| (k == "RELEASE_COMMAND").then(|| "1".to_string());
        assert_eq!(detect(get).map(|p| p.name), Some("fly"));
        assert_eq!(default_limit(get).0.as_secs(), 270);
    }
}
