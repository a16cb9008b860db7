//! The vault's life on the facade: create, unlock (and reconcile with the metadata), lock,
//! restore the last good copy, change the passphrase, reset. Each of these starts a new epoch
//! of the ledger: whatever was read before is stale, and every token in memory is dropped.

use std::collections::HashSet;

use evergreen_instagram::ErrorClass;

use crate::account::{Account, AccountId, AccountStatus, AccountType, StatusReason};
use crate::change::Change;
use crate::store::{Event, EventKind};
use crate::vault::{Passphrase, VaultChange, VaultState};
use crate::{Error, Evergreen};

/// How unlocking went, beyond "it worked".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Accounts that had no token in the vault and now need a reconnect.
    pub missing_tokens: Vec<AccountId>,
    /// Tokens that belong to no listed account: kept, and the account is rebuilt from
    /// Instagram's `/me` when the catch-up runs (a token Evergreen holds is never thrown away
    /// because metadata is missing).
    pub orphan_tokens: usize,
    /// Tokens of accounts disconnected while the vault was locked, removed now.
    pub forgotten_tokens: usize,
    /// Accounts whose token dates were brought in line with the vault.
    pub dates_repaired: usize,
}

impl Evergreen {
    /// Create the vault with `passphrase`; it is left unlocked.
    pub async fn create_vault(&self, passphrase: Passphrase) -> Result<(), Error> {
        self.blocking(move |this| {
            this.ledger().new_epoch(this, || Ok(this.vault().create(&passphrase)?))?;
            this.set_auto_unlock_fallback(None);
            this.note(None, EventKind::Vault, "Vault created");
            this.engine().wake.notify_waiters();
            this.emit(Change::VaultChanged { state: VaultState::Unlocked });
            Ok(())
        })
        .await
    }

    /// Unlock the vault and reconcile it with the metadata.
    pub async fn unlock(&self, passphrase: Passphrase) -> Result<Reconciliation, Error> {
        self.blocking(move |this| {
            this.ledger().new_epoch(this, || Ok(this.vault().unlock(&passphrase)?))?;
            this.after_unlock("Vault unlocked")
        })
        .await
    }

    /// Replace a damaged vault file by its last good copy and unlock.
    pub async fn restore_last_good(&self, passphrase: Passphrase) -> Result<Reconciliation, Error> {
        self.blocking(move |this| {
            this.ledger().new_epoch(this, || Ok(this.vault().restore_last_good(&passphrase)?))?;
            this.after_unlock("Vault restored from its last good copy")
        })
        .await
    }

    pub(crate) fn after_unlock(&self, what: &str) -> Result<Reconciliation, Error> {
        // Best effort: the vault is open, and what reconciling could not write heals itself (a
        // row without a token is found at its next attempt, dates follow the vault, tokens to
        // forget are removed at the catch-up). A failing disk never keeps a person out.
        let report = self.reconcile().unwrap_or_else(|error| {
            tracing::error!(%error, "vault and account list not reconciled");
            Reconciliation::default()
        });
        self.set_auto_unlock_fallback(None);
        self.note(None, EventKind::Vault, what);
        self.engine().request_catch_up();
        // The state as it is now: a *Lock* may already have followed the unlock.
        self.emit(Change::VaultChanged { state: self.vault_state() });
        if report != Reconciliation::default() {
            self.emit(Change::AccountsChanged);
        }
        Ok(report)
    }

    /// Forget the key and every token in memory — after the calls to Instagram in flight have
    /// finished and every renewal is saved, so locking in the middle of a sweep loses none.
    pub async fn lock(&self) -> Result<(), Error> {
        // Also a start's unlock still waiting for the keyring: *Lock* is the last word.
        self.cancel_start_unlock();
        if self.vault_state() != VaultState::Unlocked {
            return Ok(());
        }
        self.engine().quiesce().await;
        let locked = self
            .blocking(|this| {
                this.ledger().new_epoch(this, || {
                    this.vault().lock();
                    Ok(())
                })
            })
            .await;
        self.engine().resume();
        let ((), lost) = locked?;
        self.note(None, EventKind::Vault, "Vault locked");
        self.emit(Change::VaultChanged { state: VaultState::Locked });
        if lost > 0 {
            tracing::error!(lost, "renewed tokens were still unsaved when the vault locked");
            let what = format!(
                "{lost} renewed connection(s) could not be saved before Evergreen locked; if a renewal fails after the next unlock, choose Reconnect"
            );
            self.note(None, EventKind::Vault, what.clone());
            // Locked all the same (the person asked for it), but told: Instagram may have
            // ended the old token when it issued the one that was lost.
            return Err(crate::vault::Error::Io(std::io::Error::other(what)).into());
        }
        Ok(())
    }

    /// Close this profile for good, because the app opens another in its place: renewals and
    /// calls stop, those in flight finish (or `deadline` passes), everything is saved, the
    /// vault is locked (its keys leave memory) and the directory is given up, so it can be
    /// opened again. A clone still held refuses any later unlock, lock or reset.
    pub async fn close(&self, deadline: impl std::future::Future<Output = ()>) -> Result<(), Error> {
        use futures_util::FutureExt as _;
        // One deadline for both waits: a call still out when it passes does not hold the close
        // (and whoever waits on it) until Instagram's timeout.
        let deadline = deadline.shared();
        let saved = self.shutdown(deadline.clone()).await;
        // Never resumed: no call starts on a closed profile.
        tokio::select! {
            () = self.engine().quiesce() => {}
            () = deadline => tracing::warn!("closing with calls to Instagram still out"),
        }
        let locked = self
            .blocking(|this| {
                this.ledger().new_epoch(this, || {
                    this.vault().lock();
                    this.mark_closed();
                    Ok(())
                })
            })
            .await;
        let lost = locked.as_ref().map_or(0, |((), lost)| *lost);
        if lost > 0 {
            tracing::error!(lost, "renewed tokens were still unsaved when the profile closed");
            // Written before the directory is given up: nothing of this core writes after.
            self.note(
                None,
                EventKind::Vault,
                format!(
                    "{lost} renewed connection(s) could not be saved before Evergreen closed this profile; if a renewal fails the next time it is open, choose Reconnect"
                ),
            );
        }
        self.store().close();
        self.release_claim();
        locked?;
        // No change is announced: the page already shows the profile that replaced this one.
        saved
    }

    /// Protect the vault with a new passphrase (and a new data key). With automatic unlock on,
    /// the new data key is wrapped under the login keyring's key too; if the keyring cannot
    /// give it now, automatic unlock is turned off (and the activity log says so).
    pub async fn change_passphrase(&self, current: Passphrase, new: Passphrase) -> Result<(), Error> {
        let _one = self.keyring_changes().lock().await;
        let keyring = self.keyring_key_for_change().await?;
        let key = keyring.as_ref().and_then(|(_, key)| key.clone());
        let still_on = self
            .blocking(move |this| {
                this.ledger()
                    .now(this, |_| Ok(this.vault().change_passphrase(&current, &new, key.as_ref())?))?;
                this.record(None, EventKind::Vault, "Vault passphrase changed")?;
                Ok(this.vault().keyring_vault_id().ok().flatten().is_some())
            })
            .await?;
        if let Some((vault_id, _)) = keyring
            && !still_on
        {
            self.note(
                None,
                EventKind::Vault,
                "Automatic unlock was turned off: the login keyring couldn't be read while the passphrase changed. Turn it on again in Settings",
            );
            self.forget_keyring_item(&vault_id).await;
            self.emit(Change::VaultChanged { state: self.vault_state() });
        }
        Ok(())
    }

    /// "Forgot passphrase": erase the vault. Every token is gone; accounts stay listed and
    /// each needs a reconnect. A new vault must be created afterwards.
    pub async fn reset_vault(&self) -> Result<(), Error> {
        let _one = self.keyring_changes().lock().await;
        let keyring_items = self.blocking(|this| Ok(this.vault().keyring_vault_ids_on_disk())).await?;
        let reset = self
            .blocking(|this| {
                let now = this.now();
                this.ledger().new_epoch(this, || {
                    this.vault().reset()?;
                    this.store().write(|w| {
                        for mut account in w.reader().accounts()? {
                            account.status = AccountStatus::NeedsReconnect;
                            account.status_reason = Some(StatusReason::VaultReset);
                            account.next_refresh_at = None;
                            account.updated_at = now;
                            w.save_account(&account)?;
                        }
                        for id in w.reader().tokens_to_forget()? {
                            w.token_forgotten(id)?;
                        }
                        w.record_event(&Event {
                            account: None,
                            at: now,
                            kind: EventKind::Vault,
                            detail: "Vault reset: every saved connection was erased".into(),
                        })?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
                this.set_auto_unlock_fallback(None);
                this.emit(Change::VaultChanged { state: VaultState::Missing });
                this.emit(Change::AccountsChanged);
                Ok(())
            })
            .await;
        // The vault is gone (also when the reset failed after erasing it): the keyring's key
        // opens nothing now, and goes too.
        if reset.is_ok() || self.vault_state() == VaultState::Missing {
            for vault_id in &keyring_items {
                self.forget_keyring_item(vault_id).await;
            }
        }
        reset
    }

    /// Make the vault and the metadata agree (DESIGN §3), through the ledger.
    fn reconcile(&self) -> Result<Reconciliation, Error> {
        let now = self.now();
        self.ledger().now(self, |replacing| {
            let vault = self.vault();
            let mut report = Reconciliation::default();
            let (accounts, to_forget) = self.store().read(|r| Ok((r.accounts()?, r.tokens_to_forget()?)))?;
            let known: HashSet<AccountId> = accounts.iter().map(|a| a.id).collect();
            let in_vault: HashSet<AccountId> = vault.accounts()?.into_iter().collect();
            let forget: Vec<AccountId> =
                to_forget.iter().copied().filter(|id| in_vault.contains(id) && !known.contains(id)).collect();
            report.forgotten_tokens = forget.len();
            report.orphan_tokens =
                in_vault.iter().filter(|id| !known.contains(id) && !to_forget.contains(id)).count();
            for id in &forget {
                replacing.replace(*id);
            }
            vault.apply(forget.iter().map(|id| VaultChange::Remove(*id)).collect())?;

            let mut changed = Vec::new();
            for mut account in accounts {
                match vault.get(&account.id)? {
                    None if account.status.is_alive()
                        || account.status == AccountStatus::NeedsInstagramLogin =>
                    {
                        account.status = AccountStatus::NeedsReconnect;
                        account.status_reason = Some(StatusReason::TokenMissing);
                        account.next_refresh_at = None;
                        account.updated_at = now;
                        report.missing_tokens.push(account.id);
                        changed.push(account);
                    }
                    // Whole seconds: the rows keep seconds, the vault finer.
                    Some(record)
                        if record.expires_at.timestamp() != account.token_expires_at.timestamp()
                            || record.issued_at.timestamp() != account.token_refreshed_at.timestamp() =>
                    {
                        // A crash between the vault write and the SQLite write: the vault wins.
                        account.token_expires_at = record.expires_at;
                        account.token_refreshed_at = record.issued_at;
                        account.updated_at = now;
                        report.dates_repaired += 1;
                        changed.push(account);
                    }
                    _ => {}
                }
            }
            self.store().write(|w| {
                for id in &to_forget {
                    w.token_forgotten(*id)?;
                }
                for account in &changed {
                    w.save_account(account)?;
                    if report.missing_tokens.contains(&account.id) {
                        w.record_event(&Event {
                            account: Some(account.id),
                            at: now,
                            kind: EventKind::StatusChanged,
                            detail: format!(
                                "{}: {}; reconnect needed",
                                crate::label::named(&account.username, account.network, None),
                                StatusReason::TokenMissing.words(account.network)
                            ),
                        })?;
                    }
                }
                Ok(())
            })?;
            Ok(report)
        })
    }

    /// Tokens the vault holds for no listed account (the metadata was restored from an older
    /// backup, deleted, or rolled back): ask Instagram whose they are and list the account
    /// again. A dead one is removed; one Instagram cannot be asked about now waits for the
    /// next unlock. Runs at the catch-up after an unlock.
    pub(crate) async fn recover_orphan_tokens(&self) {
        if let Err(error) = self.forget_tokens_of_disconnected() {
            tracing::error!(%error, "tokens of disconnected accounts not removed yet");
        }
        let orphans = match self.orphan_tokens() {
            Ok(orphans) => orphans,
            Err(error) => return tracing::error!(%error, "orphan tokens not looked at"),
        };
        let mut recovered = false;
        for id in orphans {
            // A lock or a quit waits for this call, and none starts while one is under way.
            let Some(_call) = self.engine().start_call() else { break };
            let (Ok(Some(record)), ticket) = self.ledger().token(self, id) else { continue };
            let answer = self.networks().me(record.network, &record.token).await;
            let now = self.now();
            let done = self.ledger().now(self, |replacing| {
                // Listed meanwhile (a connect, or another recovery), or the vault locked or
                // was reset while Instagram answered: nothing to do.
                if self.store().read(|r| r.account(id))?.is_some() || !replacing.is_current(id, ticket) {
                    return Ok(false);
                }
                match &answer {
                    Ok(me) => {
                        let user_id = me.user_id.0.clone();
                        if let Some(listed) =
                            self.store().read(|r| r.account_by_network_id(record.network, &user_id))?
                        {
                            // The account is listed under another id with its own token: this
                            // is an older copy.
                            replacing.replace(id);
                            self.vault().apply(vec![VaultChange::Remove(id)])?;
                            self.store().write(|w| {
                                w.record_event(&Event {
                                    account: Some(listed.id),
                                    at: now,
                                    kind: EventKind::Vault,
                                    detail: format!(
                                        "Removed an older saved connection of {}",
                                        crate::label::named(&listed.username, listed.network, None)
                                    ),
                                })
                            })?;
                            return Ok(true);
                        }
                        let policy = self.store().read(|r| r.refresh_policy())?;
                        let account = Account {
                            id,
                            network: record.network,
                            network_user_id: user_id,
                            app_scoped_id: me.id.as_ref().map(|i| i.0.clone()),
                            username: me.username.clone(),
                            account_type: AccountType::parse(me.account_type.as_deref().unwrap_or("")),
                            profile_picture_url: me.profile_picture_url.clone(),
                            status: AccountStatus::Connected,
                            status_reason: None,
                            token_expires_at: record.expires_at,
                            token_refreshed_at: record.issued_at,
                            last_validated_at: Some(now),
                            next_refresh_at: Some(record.issued_at + policy.refresh_after()),
                            refresh_failures: 0,
                            failing_since: None,
                            created_at: now,
                            updated_at: now,
                        };
                        self.store().write(|w| {
                            w.save_account(&account)?;
                            w.record_event(&Event {
                                account: Some(id),
                                at: now,
                                kind: EventKind::Connected,
                                detail: format!(
                                    "Found the saved connection of {} missing from the account list; listed it again",
                                    crate::label::named(&account.username, account.network, None)
                                ),
                            })
                        })?;
                        Ok(true)
                    }
                    Err(error) if matches!(error.class, ErrorClass::TokenDead { .. }) => {
                        replacing.replace(id);
                        self.vault().apply(vec![VaultChange::Remove(id)])?;
                        self.store().write(|w| {
                            w.record_event(&Event {
                                account: None,
                                at: now,
                                kind: EventKind::Vault,
                                detail: format!(
                                    "Removed a saved connection of an unlisted account that {} had ended",
                                    record.network.name()
                                ),
                            })
                        })?;
                        Ok(true)
                    }
                    Err(error) => {
                        tracing::warn!(%error, "an unlisted saved connection could not be looked up; kept for later");
                        Ok(false)
                    }
                }
            });
            match done {
                Ok(changed) => recovered |= changed,
                Err(error) => tracing::error!(%error, "an unlisted saved connection could not be restored"),
            }
        }
        if recovered {
            self.emit(Change::AccountsChanged);
        }
    }

    /// Remove the tokens of accounts disconnected while the vault was locked (reconciling does
    /// it at unlock; this catches what a failed write left).
    /// Remove the tokens of accounts disconnected while the vault was locked: at the catch-up
    /// after an unlock, and again (from the scheduler and at quit) while a failed save keeps
    /// one in the vault. Nothing to do while locked.
    pub(crate) fn forget_tokens_of_disconnected(&self) -> Result<(), Error> {
        self.ledger().now(self, |replacing| {
            if self.vault_state() != VaultState::Unlocked {
                return Ok(());
            }
            let (to_forget, listed) = self.store().read(|r| {
                Ok((r.tokens_to_forget()?, r.accounts()?.into_iter().map(|a| a.id).collect::<HashSet<_>>()))
            })?;
            let in_vault: HashSet<AccountId> = self.vault().accounts()?.into_iter().collect();
            let remove: Vec<AccountId> = to_forget
                .iter()
                .copied()
                .filter(|id| in_vault.contains(id) && !listed.contains(id))
                .collect();
            if to_forget.is_empty() {
                return Ok(());
            }
            for id in &remove {
                replacing.replace(*id);
            }
            self.vault().apply(remove.iter().map(|id| VaultChange::Remove(*id)).collect())?;
            self.store().write(|w| {
                for id in &to_forget {
                    w.token_forgotten(*id)?;
                }
                Ok(())
            })?;
            Ok(())
        })
    }

    fn orphan_tokens(&self) -> Result<Vec<AccountId>, Error> {
        let (known, to_forget) = self.store().read(|r| {
            Ok((r.accounts()?.into_iter().map(|a| a.id).collect::<HashSet<_>>(), r.tokens_to_forget()?))
        })?;
        Ok(self
            .vault()
            .accounts()?
            .into_iter()
            .filter(|id| !known.contains(id) && !to_forget.contains(id))
            .collect())
    }
}
