//! Automatic unlock with the login keyring (opt-in): turning it on and off, and the unlock at
//! start that uses it. See `keyring` for the keyring itself and `vault/header.rs` for the wrap.
//!
//! Order of writes, so a crash or a failure halfway never leaves a way in the person did not
//! choose: turning on writes the vault's wrap first and then the keyring's item (a crash
//! between leaves a wrap whose item is missing: the next start says so and asks for the
//! passphrase); turning off removes the wrap first, then the item (an item left behind opens
//! nothing). One change at a time (`Evergreen::keyring_changes`), so two never cross.

use crate::change::Change;
use crate::keyring::{self, VaultId, WrappingKey};
use crate::store::EventKind;
use crate::vault::{self, Passphrase, VaultState};
use crate::{Error, Evergreen, Reconciliation};

/// Automatic unlock as Settings and the unlock screen show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoUnlock {
    /// Whether the vault opens with the login keyring at start.
    pub enabled: bool,
    /// Why the start could not use it this time (said once, on the unlock screen), until the
    /// vault is unlocked.
    pub fallback: Option<String>,
}

/// What the unlock at start did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartUnlock {
    /// Nothing to do: the option is off, there is no vault, or it is already open.
    NotTried,
    /// Unlocked with the keyring; renewals catch up.
    Unlocked(Reconciliation),
    /// The passphrase is needed this time, for this reason (in words).
    NeedsPassphrase(String),
}

impl Evergreen {
    /// Whether automatic unlock is on, and why it could not be used at start, if it could not.
    pub async fn auto_unlock(&self) -> Result<AutoUnlock, Error> {
        let enabled = self.blocking(|this| Ok(keyring_vault_id(this)?.is_some())).await?;
        Ok(AutoUnlock { enabled, fallback: self.auto_unlock_fallback() })
    }

    /// Turn automatic unlock on: `passphrase` must open the vault. The vault's data key is
    /// wrapped under a new random key, and that key is kept in the login keyring.
    /// Already on, it changes nothing (turn it off and on again for a new key).
    pub async fn enable_auto_unlock(&self, passphrase: Passphrase) -> Result<(), Error> {
        let _one = self.keyring_changes().lock().await;
        let vault_id = VaultId::generate();
        let key = WrappingKey::generate();
        let (id, k) = (vault_id.clone(), key.clone());
        let added = self
            .blocking(move |this| {
                this.ledger().now(this, |_| {
                    if this.vault().keyring_vault_id()?.is_some() {
                        return Ok(false);
                    }
                    this.vault().add_keyring_wrap(&passphrase, &id, &k)?;
                    Ok(true)
                })
            })
            .await?;
        if !added {
            return Ok(());
        }
        if let Err(error) = self.keyring().store(&vault_id, &key).await {
            // The wrap without its item would only fail at the next start: take it back.
            let id = vault_id.clone();
            let undone = self
                .blocking(move |this| {
                    this.ledger().now(this, |_| {
                        if this.vault().keyring_vault_id()? == Some(id) {
                            this.vault().remove_keyring_wrap()?;
                        }
                        Ok(())
                    })
                })
                .await;
            // A store that timed out may still have been written: an item for a wrap that is
            // gone opens nothing, but should not be left behind either.
            if let Err(left) = self.keyring().delete(&vault_id).await {
                tracing::debug!(error = %left, "no item to take back after the failed store");
            }
            if let Err(undo) = undone {
                tracing::error!(%undo, "automatic unlock half turned on: the next start will ask for the passphrase");
                return Err(Error::AutoUnlockHalfOn(error));
            }
            return Err(Error::AutoUnlockNotTurnedOn(error));
        }
        self.record_quietly("Automatic unlock turned on: the login keyring opens the vault at start");
        self.emit(Change::VaultChanged { state: self.vault_state() });
        Ok(())
    }

    /// Turn automatic unlock off: the vault's wrap goes first (from then on the keyring opens
    /// nothing), then the keyring's item.
    pub async fn disable_auto_unlock(&self) -> Result<(), Error> {
        let _one = self.keyring_changes().lock().await;
        let removed = self
            .blocking(|this| this.ledger().now(this, |_| Ok(this.vault().remove_keyring_wrap()?)))
            .await?;
        let Some(vault_id) = removed else { return Ok(()) };
        self.record_quietly("Automatic unlock turned off");
        self.emit(Change::VaultChanged { state: self.vault_state() });
        if let Err(error) = self.keyring().delete(&vault_id).await {
            tracing::warn!(%error, "the keyring's item was left behind");
            return Err(Error::KeyringItemLeft(error));
        }
        Ok(())
    }

    /// At start (the login start too): with automatic unlock on, open the vault with the login
    /// keyring, once per start. Whatever keeps it from working is said once and leaves the
    /// vault locked for the passphrase; *Lock* before it answers wins.
    pub async fn unlock_at_start(&self) -> StartUnlock {
        let _one = self.keyring_changes().lock().await;
        if !self.take_start_unlock() || self.vault_state() != VaultState::Locked {
            return StartUnlock::NotTried;
        }
        let vault_id = match self.blocking(keyring_vault_id).await {
            Ok(Some(id)) => id,
            // Off, or a header that does not read: the unlock screen says what it says.
            Ok(None) | Err(_) => return StartUnlock::NotTried,
        };
        let key = match self.keyring().fetch(&vault_id).await {
            Ok(key) => key,
            Err(error) => return self.fall_back(&error),
        };
        let unlocked = self
            .blocking(move |this| {
                let opened = this.ledger().new_epoch(this, || {
                    // A *Lock* or an unlock while the keyring answered: theirs is the last word.
                    if !this.start_unlock_still_wanted() || this.vault().state() != VaultState::Locked {
                        return Ok(false);
                    }
                    this.vault().unlock_with_keyring(&key)?;
                    // *Lock* while the snapshot loaded found the vault still locked and did
                    // nothing: its word is the last, so lock again here.
                    if !this.start_unlock_still_wanted() {
                        this.vault().lock();
                        return Ok(false);
                    }
                    Ok(true)
                })?;
                match opened {
                    (true, _) => this.after_unlock("Vault unlocked with the login keyring").map(Some),
                    (false, _) => Ok(None),
                }
            })
            .await;
        match unlocked {
            Ok(Some(report)) => {
                tracing::info!("the vault opened with the login keyring");
                StartUnlock::Unlocked(report)
            }
            // The profile closed meanwhile (a move to the other profile, *Quit*): nothing to say.
            Ok(None) | Err(Error::Closed) => StartUnlock::NotTried,
            Err(Error::Vault(vault::Error::WrongKeyringKey)) => self.fall_back(&keyring::Error::WrongKey),
            Err(error) => {
                tracing::warn!(%error, "the vault did not open with the login keyring");
                self.fall_back_saying(format!("{error} Evergreen needs its passphrase this time."))
            }
        }
    }

    fn fall_back(&self, why: &keyring::Error) -> StartUnlock {
        tracing::warn!(error = %why, "automatic unlock fell back to the passphrase");
        self.fall_back_saying(format!("{why}, so Evergreen needs its passphrase this time."))
    }

    fn fall_back_saying(&self, words: String) -> StartUnlock {
        self.set_auto_unlock_fallback(Some(words.clone()));
        self.record_quietly(format!("Automatic unlock didn't work: {words}"));
        self.emit(Change::VaultChanged { state: self.vault_state() });
        StartUnlock::NeedsPassphrase(words)
    }

    /// The login keyring's key for the passphrase change to wrap the new data key with, while
    /// automatic unlock is on: `None` when it is off or the keyring cannot give it (then the
    /// change turns automatic unlock off, and says so).
    pub(crate) async fn keyring_key_for_change(
        &self,
    ) -> Result<Option<(VaultId, Option<WrappingKey>)>, Error> {
        let Some(vault_id) = self.blocking(keyring_vault_id).await? else { return Ok(None) };
        let key = match self.keyring().fetch(&vault_id).await {
            Ok(key) => Some(key),
            Err(error) => {
                tracing::warn!(%error, "the login keyring could not give its key for the passphrase change");
                None
            }
        };
        Ok(Some((vault_id, key)))
    }

    /// Delete an item that opens nothing any more; a failure is logged and noted, not raised.
    pub(crate) async fn forget_keyring_item(&self, vault_id: &VaultId) {
        if let Err(error) = self.keyring().delete(vault_id).await {
            tracing::warn!(%error, "an old item was left in the login keyring");
            self.record_quietly(
                "Evergreen couldn't remove an old key from your login keyring; it opens nothing now, and you can delete “Evergreen vault key” in your keyring's app",
            );
        }
    }

    fn record_quietly(&self, what: impl Into<String>) {
        self.note(None, EventKind::Vault, what);
    }
}

fn keyring_vault_id(this: &Evergreen) -> Result<Option<VaultId>, Error> {
    match this.vault().keyring_vault_id() {
        Err(vault::Error::Missing) => Ok(None),
        other => Ok(other?),
    }
}
