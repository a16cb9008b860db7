//! What the app knows about itself.

use tracing::instrument;

use crate::config::Mode;
use crate::error::IpcError;
use crate::models::{AppInfo, PageTiming, SignInDto, vault_state};
use crate::state::EvergreenExt;

/// Version, data directory, vault state, demo mode.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn app_info<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Result<AppInfo, IpcError> {
    Ok(current_info(&app))
}

/// What `app_info` answers; also written into a new window's page before its scripts run.
pub fn current_info<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> AppInfo {
    let state = app.evergreen();
    let opened = state.opened();
    let core = &opened.core;
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: core.data_dir().root().display().to_string(),
        vault: vault_state(core.vault_state()),
        demo: opened.mode == Mode::Demo,
        online: core.online(),
        demo_instagram_url: opened.demo.as_ref().map(|d| d.instagram.www.to_string()),
        mode: opened.mode.as_str(),
        first_run: state.first_run(),
        sign_in: state.sign_in().as_ref().map(SignInDto::from),
        config_problems: state.config.problems.clone(),
    }
}

/// Close the window to the tray (Ctrl+W): the webview is destroyed, Evergreen keeps renewing.
#[tauri::command]
#[instrument(skip_all)]
pub fn close_window<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    crate::window::close(&app);
}

/// The page's first real screen is painted: logged with the time since the process started
/// and where the page spent its part (start-up figures in docs/PERFORMANCE.md come from this
/// line).
#[tauri::command]
pub fn page_painted<R: tauri::Runtime>(app: tauri::AppHandle<R>, timing: Option<PageTiming>) {
    app.evergreen().page_painted();
    let since_start = crate::STARTED.get().map(|t| t.elapsed().as_millis());
    let t = timing.unwrap_or_default();
    tracing::info!(
        since_start_ms = since_start,
        html_ms = t.html_ms.round(),
        scripts_ms = t.scripts_ms.round(),
        mounted_ms = t.mounted_ms.round(),
        state_ms = t.state_ms.round(),
        frame_ms = t.frame_ms.round(),
        painted_ms = t.painted_ms.round(),
        "window painted"
    );
}
