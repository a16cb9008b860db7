//! The connect flow as the UI sees it: start, open the page again, cancel, paste a link, and
//! read how delivered links ended.

use evergreen_core::connect::FlowPurpose;
use evergreen_core::deep_link::FlowState;
use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};
use tracing::instrument;

use crate::browser;
use crate::deep_link::{Origin, handle_link};
use crate::error::IpcError;
use crate::models::{ConnectStarted, LinkNotice};
use crate::state::AppState;

/// What the user clicked.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// "Connect Instagram".
    Connect,
    /// "Connect another account" (Instagram is asked for a fresh login).
    Add,
    /// "Reconnect" on an account.
    Reconnect,
}

/// Start a sign-in and open Instagram's page in the browser.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn start_connect<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    purpose: Purpose,
    account_id: Option<String>,
    network: Option<String>,
) -> Result<ConnectStarted, IpcError> {
    // Which network's button (a reconnect is on its account's, whatever is sent).
    let network = crate::models::network(network.as_deref())?;
    let purpose = match (purpose, account_id) {
        (Purpose::Connect, _) => FlowPurpose::Connect,
        (Purpose::Add, _) => FlowPurpose::AddAccount,
        (Purpose::Reconnect, Some(id)) => state.core().reconnect_purpose(&id)?,
        (Purpose::Reconnect, None) => return Err(evergreen_core::Error::UnknownAccount.into()),
    };
    let flow = state.core().start_connect(network, purpose).await?;
    let browser_opened = browser::open(&app, &state.config.browser, &flow.authorize_url).is_ok();
    Ok(ConnectStarted {
        state: flow.state.as_str().to_string(),
        authorize_url: flow.authorize_url,
        browser_opened,
    })
}

fn flow_state(flow: String) -> Result<FlowState, IpcError> {
    FlowState::new(flow).map_err(|e| evergreen_core::Error::from(e).into())
}

/// Open the page of a pending sign-in again.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn reopen_connect<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    flow: String,
) -> Result<(), IpcError> {
    let url = state
        .core()
        .connect_url(&flow_state(flow)?)
        .ok_or(evergreen_core::Error::Connect(evergreen_core::connect::Error::LinkExpired))?;
    browser::open(&app, &state.config.browser, &url)
}

/// Cancel a pending sign-in: its link will be refused if it arrives.
#[tauri::command(async)]
#[instrument(skip_all, err(Debug))]
pub fn cancel_connect(state: State<'_, AppState>, flow: String) -> Result<bool, IpcError> {
    Ok(state.core().cancel_connect(&flow_state(flow)?))
}

/// A link pasted into the waiting dialog: checked exactly like a delivered one; the outcome
/// arrives as a notice.
#[tauri::command]
#[instrument(skip_all, err(Debug))]
pub async fn submit_link<R: Runtime>(app: AppHandle<R>, link: String) -> Result<(), IpcError> {
    handle_link(&app, link.trim(), Origin::Pasted).await
}

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
