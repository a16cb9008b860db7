//! Every event the shell emits, in one place and one naming scheme (`area://what`). The UI
//! mirrors this list in `ui/src/lib/events.ts`; payloads are camelCase and never hold a token.

use evergreen_core::Change;
use serde::Serialize;
use tauri::{Emitter, Runtime};

/// A link was delivered and its outcome buffered: refetch `link_notices`.
pub const LINK_NOTICE: &str = "connect://notice";
/// The vault was created, unlocked, locked, reset or restored. Payload: `{ state }`.
pub const VAULT_CHANGED: &str = "vault://changed";
/// Accounts were added or removed, or the active one changed: refetch the list.
pub const ACCOUNTS_CHANGED: &str = "accounts://changed";
/// One account changed. Payload: `{ id }`.
pub const ACCOUNT_UPDATED: &str = "accounts://updated";
/// Instagram started or stopped answering. Payload: `{ online }`.
pub const CONNECTIVITY_CHANGED: &str = "app://connectivity";

#[derive(Clone, Serialize)]
struct VaultPayload {
    state: &'static str,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountPayload {
    id: String,
}

/// Emit the event for a core [`Change`].
pub fn emit_change<R: Runtime>(app: &impl Emitter<R>, change: Change) {
    let result = match change {
        Change::AccountsChanged => app.emit(ACCOUNTS_CHANGED, ()),
        Change::AccountUpdated { id } => app.emit(ACCOUNT_UPDATED, AccountPayload { id: id.to_string() }),
        Change::ConnectivityChanged { online } => {
            app.emit(CONNECTIVITY_CHANGED, serde_json::json!({ "online": online }))
        }
        Change::VaultChanged { state } => {
            app.emit(VAULT_CHANGED, VaultPayload { state: crate::models::vault_state(state) })
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "event not delivered");
    }
}

/// Emit an event with no payload. A failure to emit only means no page is listening.
pub fn emit<R: Runtime>(app: &impl Emitter<R>, event: &str) {
    if let Err(error) = app.emit(event, ()) {
        tracing::debug!(%error, event, "event not delivered");
    }
}
