//! The main window: built from Rust (never from the config), so it can be destroyed when
//! closed and built again from the tray with everything it shows held in Rust.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent};

use crate::state::EvergreenExt;

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
    if let Err(error) = build(app, None) {
        tracing::error!(%error, "could not open the window");
    }
}

/// A page the desktop can open the window on (the tray, a notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Every account, searchable, on one of its state filters.
    Integrations(Shown),
    /// Settings, where the person moves between the demo and their real accounts.
    Settings,
}

/// Which accounts Integrations opens on: the UI's `?state=` words
/// (`ui/src/features/accounts/filter.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// All of them.
    All,
    /// Those that need the person ("Needs you").
    NeedingYou,
    /// Those whose access ends soon ("Expiring").
    Expiring,
}

impl Route {
    /// The page's address after `#` (the UI keeps its route in the hash).
    pub fn hash(self) -> &'static str {
        match self {
            Route::Integrations(Shown::All) => "#/settings/integrations",
            Route::Integrations(Shown::NeedingYou) => "#/settings/integrations?state=needs_you",
            Route::Integrations(Shown::Expiring) => "#/settings/integrations?state=expiring",
            Route::Settings => "#/settings",
        }
    }

    /// Script that moves the page there (the hash is one of ours: a constant, never input).
    fn script(self) -> String {
        format!("location.hash = {};", serde_json::Value::from(self.hash()))
    }
}

/// Bring the main window forward on `route`, building it there if it does not exist.
pub fn show_at<R: Runtime>(app: &AppHandle<R>, route: Route) {
    if let Some(window) = app.get_webview_window(MAIN) {
        show(app);
        if let Err(error) = window.eval(route.script()) {
            tracing::warn!(%error, "could not move the window to the page asked for");
        }
        return;
    }
    if let Err(error) = build(app, Some(route)) {
        tracing::error!(%error, "could not open the window");
    }
}

/// Whether the main window is on screen (it is destroyed when closed to the tray).
pub fn is_visible<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(MAIN).is_some_and(|window| window.is_visible().unwrap_or(false))
}

fn build<R: Runtime>(app: &AppHandle<R>, route: Option<Route>) -> tauri::Result<()> {
    let mut boot = boot_script(app);
    if let Some(route) = route {
        // Before the page's scripts run: its router starts there.
        boot.push_str(&route.script());
    }
    let window = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .initialization_script(boot)
        .title("Evergreen")
        .inner_size(1120.0, 780.0)
        .min_inner_size(720.0, 560.0)
        .build()?;
    if app.evergreen().config.webkit_tuning {
        tune(&window);
    }
    let handle = app.clone();
    let release = crate::memory::Release { network_process: !app.evergreen().config.automation };
    window.on_window_event(move |event| {
        if matches!(event, WindowEvent::Destroyed) {
            crate::memory::release_after_close(&handle, release);
        }
    });
    Ok(())
}

/// The app's state (vault, demo mode; never a secret) written into the page before its scripts
/// run, so the first screen is drawn without waiting for an IPC round trip. The page fetches it
/// again at once, so a change in between is not missed.
fn boot_script<R: Runtime>(app: &AppHandle<R>) -> String {
    let info = crate::commands::app::current_info(app);
    // JSON is a JavaScript expression; serialising AppInfo (strings and flags) cannot fail.
    let json = serde_json::to_string(&info).unwrap_or_else(|_| "null".into());
    format!("window.__EVERGREEN_BOOT__ = {json};")
}

/// WebKit's defaults suit a browser; Evergreen shows one local page. Each setting here was
/// kept because it lowered memory without slowing first paint (docs/PERFORMANCE.md).
#[cfg(target_os = "linux")]
fn tune<R: Runtime>(window: &WebviewWindow<R>) {
    let applied = window.with_webview(|webview| {
        use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
        let view = webview.inner();
        if let Some(context) = view.context() {
            // One local document: no memory cache sized for browsing.
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_page_cache(false);
            settings.set_enable_dns_prefetching(false);
            settings.set_enable_webgl(false);
            settings.set_enable_media(false);
            // Flat cards and text: GPU compositing buys nothing but a GL context.
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(error) = applied {
        tracing::warn!(%error, "WebKit settings not applied");
    }
}

#[cfg(not(target_os = "linux"))]
fn tune<R: Runtime>(_: &WebviewWindow<R>) {}

/// Close the main window to the tray. Closing destroys the webview (its processes end); the
/// core keeps running, and `show` builds the window again.
pub fn close<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN)
        && let Err(error) = window.destroy()
    {
        tracing::warn!(%error, "could not close the window");
    }
}
