//! What the app knows about itself.

use tauri::State;
use tracing::instrument;

use crate::error::IpcError;
use crate::models::{AppInfo, vault_state};
use crate::state::AppState;

/// Version, data directory, vault state, demo mode.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn app_info<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AppInfo, IpcError> {
    use tauri::Manager;
    let demo = app.try_state::<crate::demo::Demo>();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.core.data_dir().root().display().to_string(),
        vault: vault_state(state.core.vault_state()),
        demo: state.config.is_demo(),
        online: state.core.online(),
        demo_instagram_url: demo.map(|d| d.instagram.www.to_string()),
    })
}

/// Close the window to the tray (Ctrl+W): the webview is destroyed, Evergreen keeps renewing.
#[tauri::command]
#[instrument(skip_all)]
pub fn close_window<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    crate::window::close(&app);
}

/// The page's first real screen is painted: logged with the time since the process started
/// (start-up figures in docs/PERFORMANCE.md come from this line).
#[tauri::command]
pub fn page_painted() {
    let since_start = crate::STARTED.get().map(|t| t.elapsed().as_millis());
    tracing::info!(since_start_ms = since_start, "window painted");
}
