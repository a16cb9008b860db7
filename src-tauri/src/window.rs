//! The main window: built from Rust (never from the config), so it can be destroyed when
//! closed and built again from the tray with everything it shows held in Rust.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The label the capability in `capabilities/main.json` grants to.
pub const MAIN: &str = "main";

/// Bring the main window forward, building it if it does not exist.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    if let Err(error) = build(app) {
        tracing::error!(%error, "could not open the window");
    }
}

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Evergreen")
        .inner_size(1120.0, 780.0)
        .min_inner_size(720.0, 560.0)
        .build()?;
    Ok(())
}

/// Close the main window to the tray. Closing destroys the webview (its processes end); the
/// core keeps running, and `show` builds the window again.
pub fn close<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN)
        && let Err(error) = window.destroy()
    {
        tracing::warn!(%error, "could not close the window");
    }
}
