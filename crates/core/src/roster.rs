//! The list of connected accounts: which one is active, and disconnecting one.

use crate::account::AccountId;
use crate::change::Change;
use crate::store::{Event, EventKind};
use crate::vault::{VaultChange, VaultState};
use crate::{Error, Evergreen};

impl Evergreen {
    /// The account the dashboard shows: the one chosen, or the first listed when none was
    /// chosen or the chosen one is gone.
    pub fn active_account(&self) -> Result<Option<AccountId>, Error> {
        let (chosen, accounts) = self.store().read(|r| Ok((r.active_account()?, r.accounts()?)))?;
        Ok(chosen
            .filter(|id| accounts.iter().any(|a| a.id == *id))
            .or_else(|| accounts.first().map(|a| a.id)))
    }

    /// Choose the active account (from the switcher or the tray); it persists across restarts.
    pub fn set_active_account(&self, id: &str) -> Result<(), Error> {
        let account = self.account(id)?;
        self.store().write(|w| w.set_active_account(Some(account.id)))?;
        self.emit(Change::AccountsChanged);
        Ok(())
    }

    /// Forget an account, through the ledger: its token first (the vault is the truth), then
    /// its metadata; a renewal of it in flight is dropped. While the vault is locked the
    /// token stays until the next unlock removes it (recorded, so it is never taken for an
    /// account whose metadata was lost). The audit trail keeps a line. Nothing changes on
    /// Instagram: the user removes the app there.
    pub fn disconnect(&self, id: &str) -> Result<(), Error> {
        let account = self.account(id)?;
        let now = self.now();
        self.ledger().now(self, |replacing| {
            replacing.replace(account.id);
            let unlocked = self.vault_state() == VaultState::Unlocked;
            if unlocked {
                self.vault().apply(vec![VaultChange::Remove(account.id)])?;
            }
            self.store().write(|w| {
                w.delete_account(account.id)?;
                if unlocked {
                    w.token_forgotten(account.id)?;
                } else {
                    w.forget_token_later(account.id, now)?;
                }
                if w.reader().active_account()? == Some(account.id) {
                    w.set_active_account(None)?;
                }
                w.record_event(&Event {
                    account: Some(account.id),
                    at: now,
                    kind: EventKind::Disconnected,
                    detail: format!("Disconnected @{}; Evergreen forgot its access", account.username),
                })?;
                Ok(())
            })?;
            Ok(())
        })?;
        self.emit(Change::AccountsChanged);
        Ok(())
    }
}
