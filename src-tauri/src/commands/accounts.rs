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
