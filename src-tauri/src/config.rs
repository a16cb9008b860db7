//! The app's configuration, read once from the environment in `run()`. Nothing else reads
//! environment variables.

use std::path::PathBuf;

/// How the app was started.
#[derive(Debug, Clone)]
pub struct Config {
    /// `EVERGREEN_DATA_DIR`: use this directory instead of the platform's data directory
    /// (tests, several profiles side by side).
    pub data_dir: Option<PathBuf>,
    /// `EVERGREEN_RELAY_URL`: the relay to connect accounts through. Unset means demo mode:
    /// a sandbox Instagram and a relay run inside the app, on loopback.
    pub relay_url: Option<String>,
    /// `EVERGREEN_LOG`: a tracing filter (`info`, `evergreen_core=debug`, …).
    pub log_filter: Option<String>,
    /// `APPIMAGE` is set: running from an AppImage, which registers its own scheme handler.
    pub appimage: bool,
}

impl Config {
    /// Read the environment.
    pub fn from_env() -> Self {
        let non_empty = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            data_dir: non_empty("EVERGREEN_DATA_DIR").map(PathBuf::from),
            relay_url: non_empty("EVERGREEN_RELAY_URL"),
            log_filter: non_empty("EVERGREEN_LOG"),
            appimage: non_empty("APPIMAGE").is_some(),
        }
    }

    /// Demo mode runs the whole connect flow offline against the sandbox.
    pub fn is_demo(&self) -> bool {
        self.relay_url.is_none()
    }
}
