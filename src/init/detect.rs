//! What `rhrel init` finds in the app's directory: the framework (from the table in
//! framework.rs) and the platform, each with the file that gave it away.

use std::path::Path;

use crate::cli::InitPlatform;
use crate::init::framework::{Framework, FRAMEWORKS};

/// A detected thing and the reason, shown to the user (`manage.py exists`).
#[derive(Debug)]
pub(crate) struct Found<T> {
    pub what: T,
    pub reason: String,
}

/// The first framework of the table with a marker present.
pub(crate) fn framework(dir: &Path) -> Option<Found<&'static Framework>> {
    FRAMEWORKS.iter().find_map(|f| {
        f.markers
            .iter()
            .find_map(|m| m.found(dir))
            .map(|reason| Found { what: f, reason })
    })
}

/// Platform marker files, checked in order (a Procfile is last: Fly and others keep one too).
const PLATFORM_FILES: &[(&str, InitPlatform)] = &[
    ("fly.toml", InitPlatform::Fly),
    ("render.yaml", InitPlatform::Render),
    ("railway.toml", InitPlatform::Railway),
    ("railway.json", InitPlatform::Railway),
    ("Chart.yaml", InitPlatform::Kubernetes),
    ("k8s", InitPlatform::Kubernetes),
    ("kubernetes", InitPlatform::Kubernetes),
    ("app.json", InitPlatform::Dokku),
    ("Procfile", InitPlatform::Heroku),
];

/// The platform whose marker file is present.
pub(crate) fn platform(dir: &Path) -> Option<Found<InitPlatform>> {
    PLATFORM_FILES
        .iter()
        .find(|(file, _)| dir.join(file).exists())
        .map(|(file, platform)| Found {
            what: *platform,
            reason: format!("{file} exists"),
        })
}

/// The lowercase name of a platform, as `--platform` spells it.
pub(crate) fn platform_name(p: InitPlatform) -> &'static str {
    match p {
        InitPlatform::Heroku => "heroku",
        InitPlatform::Fly => "fly",
        InitPlatform::Render => "render",
        InitPlatform::Railway => "railway",
        InitPlatform::Dokku => "dokku",
        InitPlatform::Kubernetes => "kubernetes",
    }
}
