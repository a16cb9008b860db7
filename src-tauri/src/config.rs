//! The app's configuration, read once from the environment in `run()`. Nothing else reads
//! environment variables.

use std::path::PathBuf;

/// How to open Instagram's login page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// The user's default browser.
    System,
    /// Append the URL as a line to this file instead (end-to-end tests play the browser).
    Record(PathBuf),
}

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
    /// `EVERGREEN_LOG_FILE`: also append the log to this file.
    pub log_file: Option<PathBuf>,
    /// `APPIMAGE` is set: running from an AppImage, which registers its own scheme handler.
    pub appimage: bool,
    /// `EVERGREEN_BROWSER`: `system` (default) or `record:/path/to/file`.
    pub browser: Browser,
    /// `EVERGREEN_CONNECT_TTL_SECS`: how long a sign-in waits for the browser (default 600).
    pub connect_ttl_secs: Option<u32>,
    /// `--hidden` on the command line: started at login, stay in the tray.
    pub start_hidden: bool,
    /// `EVERGREEN_WEBKIT_TUNING=off`: leave WebKit at its defaults (to rule the tuning out when
    /// a page draws wrongly on some graphics stack, and to measure what it buys).
    pub webkit_tuning: bool,
    /// `TAURI_AUTOMATION=true` (set by tauri-driver): a WebDriver session controls the
    /// webviews. Its automation session does not survive WebKit's network process being
    /// ended, so the window-closed release keeps that process under automation.
    pub automation: bool,
}

/// The flag the login entry starts Evergreen with.
pub const HIDDEN_FLAG: &str = "--hidden";

impl Config {
    /// Read the environment.
    pub fn from_env() -> Self {
        let non_empty = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let browser = match non_empty("EVERGREEN_BROWSER") {
            Some(v) if v.starts_with("record:") => Browser::Record(PathBuf::from(&v["record:".len()..])),
            _ => Browser::System,
        };
        Self {
            data_dir: non_empty("EVERGREEN_DATA_DIR").map(PathBuf::from),
            relay_url: non_empty("EVERGREEN_RELAY_URL"),
            log_filter: non_empty("EVERGREEN_LOG"),
            log_file: non_empty("EVERGREEN_LOG_FILE").map(PathBuf::from),
            appimage: non_empty("APPIMAGE").is_some(),
            browser,
            connect_ttl_secs: non_empty("EVERGREEN_CONNECT_TTL_SECS").and_then(|v| v.parse().ok()),
            start_hidden: std::env::args().skip(1).any(|a| a == HIDDEN_FLAG),
            webkit_tuning: non_empty("EVERGREEN_WEBKIT_TUNING").is_none_or(|v| v != "off"),
            automation: non_empty("TAURI_AUTOMATION").is_some_and(|v| v == "true"),
        }
    }

    /// The defaults: demo mode, platform data directory, system browser.
    pub fn demo() -> Self {
        Self {
            data_dir: None,
            relay_url: None,
            log_filter: None,
            log_file: None,
            appimage: false,
            browser: Browser::System,
            connect_ttl_secs: None,
            start_hidden: false,
            webkit_tuning: true,
            automation: false,
        }
    }

    /// Demo mode runs the whole connect flow offline against the sandbox.
    pub fn is_demo(&self) -> bool {
        self.relay_url.is_none()
    }
}
