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
    Ok(state.core.accounts()?.into_iter().map(AccountDto::from).collect())
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
    Ok(state.core.refresh_now(&id).await?.into())
}

/// "Refresh all".
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn refresh_all(state: State<'_, AppState>) -> Result<RefreshReport, IpcError> {
    Ok(state.core.refresh_all().await?.into())
}
