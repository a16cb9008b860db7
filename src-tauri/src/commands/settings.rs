//! Settings and the activity log.

use evergreen_core::Code;
use evergreen_core::refresh::RefreshPolicy;
use tauri::State;
use tracing::instrument;

use crate::error::IpcError;
use crate::models::{EventDto, PolicyDto, SettingsDto};
use crate::state::AppState;

/// The refresh policy and the launch-at-login choice.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn get_settings(state: State<'_, AppState>) -> Result<SettingsDto, IpcError> {
    Ok(SettingsDto {
        refresh_policy: state.core().refresh_policy()?.into(),
        launch_at_login: state.core().launch_at_login()?,
    })
}

/// Change the refresh policy (validated in the core; an out-of-bounds field is refused).
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn set_refresh_policy(state: State<'_, AppState>, policy: PolicyDto) -> Result<(), IpcError> {
    Ok(state.core().set_refresh_policy(RefreshPolicy::from(policy))?)
}

/// The newest events of the audit trail.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn recent_events(state: State<'_, AppState>, limit: Option<u32>) -> Result<Vec<EventDto>, IpcError> {
    Ok(state.core().recent_events(limit.unwrap_or(100))?.into_iter().map(EventDto::from).collect())
}

/// Start Evergreen (hidden, in the tray) when the user logs in, or stop doing so: writes or
/// removes the desktop's autostart entry, then remembers the choice.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn set_launch_at_login<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    on: bool,
) -> Result<(), IpcError> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let applied = if on { launcher.enable() } else { launcher.disable() };
    applied.map_err(|error| {
        tracing::warn!(%error, "autostart entry");
        IpcError::new(
            Code::AutostartFailed,
            "Evergreen couldn't change your login items. Check that ~/.config/autostart is writable.",
        )
    })?;
    Ok(state.core().set_launch_at_login(on)?)
}
