//! Connected accounts.

use tauri::State;
use tracing::instrument;

use crate::error::IpcError;
use crate::models::AccountDto;
use crate::state::AppState;

/// Every account with its status; works while the vault is locked (from metadata).
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountDto>, IpcError> {
    Ok(state.core().accounts()?.into_iter().map(AccountDto::from).collect())
}

/// What a refresh did, for the button's feedback.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshReport {
    /// Tokens renewed.
    pub refreshed: usize,
    /// Accounts only checked (tokens under 24 h old cannot be renewed yet).
    pub checked: usize,
    /// Attempts that failed and will be retried.
    pub retrying: usize,
    /// Accounts that now need the user.
    pub need_attention: usize,
}

impl From<evergreen_core::refresh::SweepReport> for RefreshReport {
    fn from(r: evergreen_core::refresh::SweepReport) -> Self {
        Self {
            refreshed: r.refreshed,
            checked: r.checked,
            retrying: r.retrying,
            need_attention: r.need_attention,
        }
    }
}

/// "Refresh now" on one account.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn refresh_account(state: State<'_, AppState>, id: String) -> Result<RefreshReport, IpcError> {
    Ok(state.core().refresh_now(&id).await?.into())
}

/// "Refresh all".
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn refresh_all(state: State<'_, AppState>) -> Result<RefreshReport, IpcError> {
    Ok(state.core().refresh_all().await?.into())
}

/// The account the dashboard shows (`null` with no account).
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn active_account(state: State<'_, AppState>) -> Result<Option<String>, IpcError> {
    Ok(state.core().active_account()?.map(|id| id.to_string()))
}

/// Switch the active account.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn set_active_account(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    Ok(state.core().set_active_account(&id)?)
}

/// Tag an account with a client or brand ("" removes the tag).
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn set_account_label(state: State<'_, AppState>, id: String, label: String) -> Result<(), IpcError> {
    Ok(state.core().set_label(&id, &label)?)
}

/// Forget an account (after the UI's confirmation).
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn disconnect_account(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    Ok(state.core().disconnect(&id)?)
}

/// The account's profile, live from Instagram.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn account_profile(
    state: State<'_, AppState>,
    id: String,
) -> Result<crate::models::ProfileDto, IpcError> {
    Ok(state.core().live_profile(&id).await?.into())
}

/// A page of the account's recent posts.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn account_media(
    state: State<'_, AppState>,
    id: String,
    after: Option<String>,
) -> Result<crate::models::MediaPageDto, IpcError> {
    Ok(state.core().recent_media(&id, after.as_deref()).await?.into())
}

/// Open a network's site (to clear a checkpoint): its fixed address, not a general opener.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn open_network<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    network: Option<String>,
) -> Result<(), IpcError> {
    let network = crate::models::network(network.as_deref())?;
    crate::browser::open(&app, &state.config.browser, network.home_page())
}
