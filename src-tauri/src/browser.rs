//! Opening Instagram's login page. Only the login page of a flow the core started is ever
//! opened: the UI has no opener of its own.

use std::io::Write;

use evergreen_core::Code;
use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;

use crate::config::Browser;
use crate::error::IpcError;

/// Open `url` as configured.
pub fn open<R: Runtime>(app: &AppHandle<R>, browser: &Browser, url: &str) -> Result<(), IpcError> {
    match browser {
        Browser::System => app.opener().open_url(url, None::<&str>).map_err(|error| {
            tracing::warn!(%error, "could not open the browser");
            IpcError::new(
                Code::BrowserUnavailable,
                "Evergreen couldn't open your browser. Use Copy link and paste it into your browser.",
            )
        }),
        Browser::Record(path) => std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| writeln!(file, "{url}"))
            .map_err(|error| IpcError::internal(&error)),
    }
}
