//! What the core reports to whoever shows it. The shell maps each variant to an event; the
//! core does not know who listens. A closed enum, so every trigger is visible here.

use std::sync::Arc;

use crate::account::AccountId;
use crate::vault::VaultState;

/// Something the UI (or tray) should redraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Accounts were added or removed, or the active account changed.
    AccountsChanged,
    /// One account's data or status changed.
    AccountUpdated {
        /// Which.
        id: AccountId,
    },
    /// The vault was created, unlocked, locked, reset or restored.
    VaultChanged {
        /// Its state now.
        state: VaultState,
    },
    /// Instagram started or stopped answering.
    ConnectivityChanged {
        /// Whether it answers.
        online: bool,
    },
}

/// Where changes go: given at construction, called synchronously, must not block.
pub type ChangeSink = Arc<dyn Fn(Change) + Send + Sync>;

/// A sink that drops everything (tests that do not look, tools).
pub fn ignore_changes() -> ChangeSink {
    Arc::new(|_| {})
}
