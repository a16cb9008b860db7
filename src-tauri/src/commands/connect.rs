//! The connect flow as the UI sees it.

use tauri::State;
use tracing::instrument;

use crate::error::IpcError;
use crate::models::LinkNotice;
use crate::state::AppState;

/// Outcomes of delivered links the user has not dismissed yet.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn link_notices(state: State<'_, AppState>) -> Result<Vec<LinkNotice>, IpcError> {
    Ok(state.notices_snapshot())
}

/// Dismiss one notice.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn dismiss_link_notice(state: State<'_, AppState>, id: u64) -> Result<(), IpcError> {
    state.dismiss_notice(id);
    Ok(())
}
