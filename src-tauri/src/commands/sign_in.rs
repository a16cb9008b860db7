//! The sign-in service, and the choice between real accounts and the pretend Instagram.

use tauri::{AppHandle, Runtime};
use tracing::instrument;

use crate::config::{Mode, SignInService, Source, keys, save_user_setting};
use crate::error::IpcError;
use crate::models::{AppInfo, ServiceInfoDto};
use crate::state::EvergreenExt;

/// Check a sign-in service before using it: https (plain http only to this computer) and an
/// Evergreen relay answering `GET /v1/info`.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn check_sign_in_service(url: String) -> Result<ServiceInfoDto, IpcError> {
    let (url, info) = evergreen_core::connect::check_sign_in_service(&url).await?;
    Ok(ServiceInfoDto::new(&url, info))
}

/// Check a sign-in service, save it in the user's `config.toml` and connect new accounts
/// through it. Connected accounts are not touched: they renew with Instagram directly.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn set_sign_in_service<R: Runtime>(
    app: AppHandle<R>,
    url: String,
) -> Result<ServiceInfoDto, IpcError> {
    let (url, info) = evergreen_core::connect::check_sign_in_service(&url).await?;
    let state = app.evergreen();
    // A move between profiles in the meantime opens with one service or the other, whole.
    let _one_at_a_time = state.switching.lock().await;
    save_user_setting(&state.config.files.user, keys::SIGN_IN_SERVICE, url.as_str())?;
    // The environment's service wins for this run, as it did at start (tests, development).
    if state.sign_in().is_none_or(|s| s.source != Source::Environment) {
        state.set_sign_in(SignInService {
            url: url.clone(),
            source: Source::UserFile(state.config.files.user.clone()),
        });
        if state.mode() == Mode::Real {
            state.core().set_relay(Some(url.clone()))?;
        }
        if let Some(behind) = state.behind() {
            behind.core.set_relay(Some(url.clone()))?;
        }
    }
    Ok(ServiceInfoDto::new(&url, info))
}

/// Real accounts or the pretend Instagram: the first run's choice, or a move from Settings.
/// Answers what the app is now (the page resets everything it had for the other profile).
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn choose_mode<R: Runtime>(app: AppHandle<R>, mode: Mode) -> Result<AppInfo, IpcError> {
    crate::profile::choose(&app, mode).await?;
    Ok(crate::commands::app::current_info(&app))
}
