//! [`Evergreen`]: the core as the shell uses it. One value per profile, cheap to clone.
//!
//! Consistency (DESIGN §3): the vault is the truth for tokens, SQLite for everything else.
//! Writes go vault first, then SQLite; unlocking reconciles the two.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::account::{Account, AccountId, AccountStatus, AccountType};
use crate::change::{Change, ChangeSink};
use crate::clock::Clock;
use crate::connect::{Collected, Connector, FlowPurpose, RelayClient, StartedFlow};
use crate::deep_link::FlowState;
use crate::paths::DataDir;
use crate::refresh::Engine;
use crate::store::{Event, EventKind, Store};
use crate::vault::{Passphrase, TokenRecord, TokenVault, VaultChange, VaultState};
use crate::{Error, vault};
use evergreen_instagram::Endpoints;

/// Status reason: the vault had no token for an account that SQLite listed.
pub const REASON_TOKEN_MISSING: &str = "token_missing";
/// Status reason: the user reset the vault, erasing every token.
pub const REASON_VAULT_RESET: &str = "vault_reset";

/// What Instagram told us about an account when it was connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Instagram's `user_id` (the professional account id).
    pub instagram_user_id: String,
    /// Handle without `@`.
    pub username: String,
    /// Business or creator.
    pub account_type: AccountType,
    /// Avatar URL.
    pub profile_picture_url: Option<String>,
}

/// What the UI shows for an account's status: the stored one, or one of two live states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayStatus {
    /// As stored.
    Stored(AccountStatus),
    /// A renewal is in flight.
    Refreshing,
    /// The vault is locked, so nothing can be renewed; dates are from the last check.
    Locked,
}

impl DisplayStatus {
    /// Wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stored(s) => s.as_str(),
            Self::Refreshing => "refreshing",
            Self::Locked => "locked",
        }
    }
}

/// An account as listed for the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    /// The stored metadata.
    pub account: Account,
    /// What to show.
    pub status: DisplayStatus,
}

/// How unlocking went, beyond "it worked".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Accounts that had no token in the vault and now need a reconnect.
    pub missing_tokens: Vec<AccountId>,
    /// Tokens that belonged to no account and were removed.
    pub orphan_tokens: usize,
    /// Accounts whose token dates were brought in line with the vault.
    pub dates_repaired: usize,
}

/// What a profile's core is built from.
pub struct Setup {
    /// Where its files live.
    pub data_dir: DataDir,
    /// Its clock.
    pub clock: Arc<dyn Clock>,
    /// Its token vault.
    pub vault: Box<dyn TokenVault>,
    /// Where changes are reported.
    pub sink: ChangeSink,
    /// The relay that connects accounts.
    pub relay: evergreen_instagram::Url,
    /// Instagram (or the sandbox), for refreshes and checks.
    pub instagram: Endpoints,
    /// Per-call timeout towards Instagram (default 30 s).
    pub instagram_timeout: Option<std::time::Duration>,
    /// Delivers desktop notifications.
    pub notifier: Arc<dyn crate::notify::Notifier>,
    /// How long a connect flow waits for the browser (default ten minutes).
    pub flow_ttl: Option<chrono::Duration>,
}

/// A finished connection, for the confirmation the user sees.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The account as saved.
    pub account: Account,
    /// It existed before (a reconnect or a repeat), and was updated in place.
    pub reconnected: bool,
    /// The flow's state (the waiting dialog matches it).
    pub state: FlowState,
    /// The user asked to reconnect this account but signed in to another one.
    pub wrong_account: Option<String>,
}

/// Evergreen's core for one profile.
#[derive(Clone)]
pub struct Evergreen {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: DataDir,
    clock: Arc<dyn Clock>,
    vault: Box<dyn TokenVault>,
    store: Store,
    connector: Connector,
    engine: Engine,
    sink: ChangeSink,
    notifier: Arc<dyn crate::notify::Notifier>,
}

impl Evergreen {
    /// Open a profile: its metadata store (created if new) and its vault (locked).
    pub fn open(setup: Setup) -> Result<Self, Error> {
        let Setup { data_dir, clock, vault, sink, relay, instagram, instagram_timeout, notifier, flow_ttl } =
            setup;
        let store = Store::open(&data_dir.metadata_db())?;
        let mut connector = Connector::new(clock.clone(), RelayClient::new(relay));
        if let Some(ttl) = flow_ttl {
            connector = connector.with_ttl(ttl);
        }
        let engine = Engine::new(instagram, instagram_timeout.unwrap_or(std::time::Duration::from_secs(30)));
        Ok(Self {
            inner: Arc::new(Inner { data_dir, clock, vault, store, connector, engine, sink, notifier }),
        })
    }

    /// The profile's data directory.
    pub fn data_dir(&self) -> &DataDir {
        &self.inner.data_dir
    }

    /// The metadata store (read access for the shell's queries and tests).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Pending connect flows.
    pub fn connector(&self) -> &Connector {
        &self.inner.connector
    }

    /// Now, by the profile's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub(crate) fn emit(&self, change: Change) {
        (self.inner.sink)(change);
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn vault(&self) -> &dyn TokenVault {
        self.inner.vault.as_ref()
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    pub(crate) fn notifier(&self) -> &dyn crate::notify::Notifier {
        self.inner.notifier.as_ref()
    }

    /// Renewals in flight right now.
    pub fn refreshing(&self) -> usize {
        self.inner.engine.refreshing_count()
    }

    /// The tray menu for the state right now.
    pub fn tray_model(&self) -> Result<crate::tray::TrayModel, Error> {
        Ok(crate::tray::model(
            &self.accounts()?,
            self.active_account()?,
            self.vault_state(),
            self.inner.engine.refreshing_count(),
            self.now(),
        ))
    }

    pub(crate) fn instagram(&self) -> &evergreen_instagram::Client {
        self.inner.engine.client()
    }

    /// Run vault work (Argon2, file I/O) off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Evergreen) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| Error::Internal(format!("vault task failed: {e}")))?
    }

    fn record(
        &self,
        account: Option<AccountId>,
        kind: EventKind,
        detail: impl Into<String>,
    ) -> Result<(), Error> {
        let event = Event { account, at: self.now(), kind, detail: detail.into() };
        self.inner.store.write(|w| w.record_event(&event).map(|_| ()))?;
        Ok(())
    }

    /// Missing, locked or unlocked.
    pub fn vault_state(&self) -> VaultState {
        self.inner.vault.state()
    }

    /// Create the vault with `passphrase`; it is left unlocked.
    pub async fn create_vault(&self, passphrase: Passphrase) -> Result<(), Error> {
        self.blocking(move |this| {
            this.inner.vault.create(&passphrase)?;
            this.record(None, EventKind::Vault, "Vault created")?;
            this.inner.engine.wake.notify_waiters();
            this.emit(Change::VaultChanged { state: VaultState::Unlocked });
            Ok(())
        })
        .await
    }

    /// Unlock the vault and reconcile it with the metadata.
    pub async fn unlock(&self, passphrase: Passphrase) -> Result<Reconciliation, Error> {
        self.blocking(move |this| {
            this.inner.vault.unlock(&passphrase)?;
            this.after_unlock("Vault unlocked")
        })
        .await
    }

    /// Replace a damaged vault file by its last good copy and unlock.
    pub async fn restore_last_good(&self, passphrase: Passphrase) -> Result<Reconciliation, Error> {
        self.blocking(move |this| {
            this.inner.vault.restore_last_good(&passphrase)?;
            this.after_unlock("Vault restored from its last good copy")
        })
        .await
    }

    fn after_unlock(&self, what: &str) -> Result<Reconciliation, Error> {
        let report = self.reconcile()?;
        self.record(None, EventKind::Vault, what)?;
        self.inner.engine.request_catch_up();
        self.emit(Change::VaultChanged { state: VaultState::Unlocked });
        if report != Reconciliation::default() {
            self.emit(Change::AccountsChanged);
        }
        Ok(report)
    }

    /// Forget the key and every token in memory.
    pub fn lock(&self) -> Result<(), Error> {
        if self.inner.vault.state() != VaultState::Unlocked {
            return Ok(());
        }
        self.inner.vault.lock();
        self.record(None, EventKind::Vault, "Vault locked")?;
        self.emit(Change::VaultChanged { state: VaultState::Locked });
        Ok(())
    }

    /// Protect the vault with a new passphrase.
    pub async fn change_passphrase(&self, current: Passphrase, new: Passphrase) -> Result<(), Error> {
        self.blocking(move |this| {
            this.inner.vault.change_passphrase(&current, &new)?;
            this.record(None, EventKind::Vault, "Vault passphrase changed")
        })
        .await
    }

    /// "Forgot passphrase": erase the vault. Every token is gone; accounts stay listed and
    /// each needs a reconnect. A new vault must be created afterwards.
    pub async fn reset_vault(&self) -> Result<(), Error> {
        self.blocking(|this| {
            this.inner.vault.reset()?;
            let now = this.now();
            this.inner.store.write(|w| {
                for mut account in w.reader().accounts()? {
                    account.status = AccountStatus::NeedsReconnect;
                    account.status_reason = Some(REASON_VAULT_RESET.into());
                    account.next_refresh_at = None;
                    account.updated_at = now;
                    w.save_account(&account)?;
                }
                w.record_event(&Event {
                    account: None,
                    at: now,
                    kind: EventKind::Vault,
                    detail: "Vault reset: every saved connection was erased".into(),
                })?;
                Ok(())
            })?;
            this.emit(Change::VaultChanged { state: VaultState::Missing });
            this.emit(Change::AccountsChanged);
            Ok(())
        })
        .await
    }

    /// Make the vault and the metadata agree (DESIGN §3).
    fn reconcile(&self) -> Result<Reconciliation, Error> {
        let vault = &self.inner.vault;
        let mut report = Reconciliation::default();
        let accounts = self.inner.store.read(|r| r.accounts())?;
        let known: std::collections::HashSet<AccountId> = accounts.iter().map(|a| a.id).collect();
        let orphans: Vec<VaultChange> =
            vault.accounts()?.into_iter().filter(|id| !known.contains(id)).map(VaultChange::Remove).collect();
        report.orphan_tokens = orphans.len();
        vault.apply(orphans)?;

        let now = self.now();
        let mut changed = Vec::new();
        for mut account in accounts {
            match vault.get(&account.id)? {
                None if account.status.is_alive() || account.status == AccountStatus::NeedsInstagramLogin => {
                    account.status = AccountStatus::NeedsReconnect;
                    account.status_reason = Some(REASON_TOKEN_MISSING.into());
                    account.next_refresh_at = None;
                    account.updated_at = now;
                    report.missing_tokens.push(account.id);
                    changed.push(account);
                }
                Some(record)
                    if record.expires_at != account.token_expires_at
                        || record.issued_at != account.token_refreshed_at =>
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
        if !changed.is_empty() {
            self.inner.store.write(|w| {
                for account in &changed {
                    w.save_account(account)?;
                    if account.status_reason.as_deref() == Some(REASON_TOKEN_MISSING)
                        && report.missing_tokens.contains(&account.id)
                    {
                        w.record_event(&Event {
                            account: Some(account.id),
                            at: now,
                            kind: EventKind::StatusChanged,
                            detail: format!(
                                "@{}: no saved connection was found; reconnect needed",
                                account.username
                            ),
                        })?;
                    }
                }
                Ok(())
            })?;
        }
        Ok(report)
    }

    /// Every account with what to show for its status.
    pub fn accounts(&self) -> Result<Vec<AccountView>, Error> {
        let locked = self.inner.vault.state() != VaultState::Unlocked;
        let accounts = self.inner.store.read(|r| r.accounts())?;
        Ok(accounts
            .into_iter()
            .map(|account| {
                let status = if locked && account.status.is_alive() {
                    DisplayStatus::Locked
                } else if self.inner.engine.is_refreshing(account.id) {
                    DisplayStatus::Refreshing
                } else {
                    DisplayStatus::Stored(account.status)
                };
                AccountView { account, status }
            })
            .collect())
    }

    /// One account, by the id the UI holds.
    pub fn account(&self, id: &str) -> Result<Account, Error> {
        let id: AccountId = id.parse().map_err(|_| Error::UnknownAccount)?;
        self.inner.store.read(|r| r.account(id))?.ok_or(Error::UnknownAccount)
    }

    /// The purpose of "Reconnect" on the account the UI names.
    pub fn reconnect_purpose(&self, id: &str) -> Result<FlowPurpose, Error> {
        Ok(FlowPurpose::Reconnect { instagram_user_id: self.account(id)?.instagram_user_id })
    }

    /// Start connecting: a flow at the relay, whose login page the shell opens.
    pub async fn start_connect(&self, purpose: FlowPurpose) -> Result<StartedFlow, Error> {
        if self.vault_state() != VaultState::Unlocked {
            return Err(vault::Error::Locked.into());
        }
        self.inner.connector.start(purpose).await
    }

    /// The login page of a pending flow, to open again.
    pub fn connect_url(&self, state: &FlowState) -> Option<String> {
        self.inner.connector.authorize_url(state)
    }

    /// Forget a pending flow; its link will be refused.
    pub fn cancel_connect(&self, state: &FlowState) -> bool {
        self.inner.connector.cancel(state)
    }

    /// Finish a flow from the link the browser sent back: collect the token with the flow's
    /// verifier and save the account (vault first). Every failure is an error with its own
    /// message; a refused link changes nothing.
    pub async fn finish_connect(&self, link: &str) -> Result<Connection, Error> {
        let accepted = self.inner.connector.receive_link(link)?;
        if self.vault_state() != VaultState::Unlocked {
            return Err(vault::Error::Locked.into());
        }
        let Collected { handoff, purpose, state } = self.inner.connector.collect_accepted(accepted).await?;
        let now = self.now();
        let lifetime = chrono::Duration::seconds(
            i64::try_from(handoff.expires_in).unwrap_or(i64::MAX).min(366 * 86_400),
        );
        let wanted = match &purpose {
            FlowPurpose::Reconnect { instagram_user_id } if *instagram_user_id != handoff.user_id => {
                self.inner.store.read(|r| r.account_by_instagram_id(instagram_user_id))?.map(|a| a.username)
            }
            _ => None,
        };
        let profile = Profile {
            instagram_user_id: handoff.user_id,
            username: handoff.username,
            account_type: AccountType::parse(&handoff.account_type),
            profile_picture_url: handoff.profile_picture_url,
        };
        let record = TokenRecord { token: handoff.access_token, issued_at: now, expires_at: now + lifetime };
        let (account, reconnected) = self.save_connection(profile, record)?;
        Ok(Connection { account, reconnected, state, wrong_account: wanted })
    }

    /// Save a freshly connected account: token in the vault first, then the metadata,
    /// matched on Instagram's user id so a reconnect repairs the same account and never
    /// duplicates it. Returns the account and whether it already existed.
    pub fn save_connection(&self, profile: Profile, record: TokenRecord) -> Result<(Account, bool), Error> {
        if self.inner.vault.state() != VaultState::Unlocked {
            return Err(vault::Error::Locked.into());
        }
        let now = self.now();
        let existing = self.inner.store.read(|r| r.account_by_instagram_id(&profile.instagram_user_id))?;
        let reconnect = existing.is_some();
        let account = Account {
            id: existing.as_ref().map_or_else(AccountId::new, |a| a.id),
            instagram_user_id: profile.instagram_user_id,
            username: profile.username,
            account_type: profile.account_type,
            profile_picture_url: profile.profile_picture_url,
            status: AccountStatus::Connected,
            status_reason: None,
            token_expires_at: record.expires_at,
            token_refreshed_at: record.issued_at,
            last_validated_at: Some(now),
            next_refresh_at: Some(
                record.issued_at + self.inner.store.read(|r| r.refresh_policy())?.refresh_after(),
            ),
            created_at: existing.as_ref().map_or(now, |a| a.created_at),
            updated_at: now,
            refresh_failures: 0,
            failing_since: None,
        };
        self.inner.vault.apply(vec![VaultChange::Put(account.id, record)])?;
        let (kind, verb) = if reconnect {
            (EventKind::Reconnected, "Reconnected")
        } else {
            (EventKind::Connected, "Connected")
        };
        self.inner.store.write(|w| {
            w.save_account(&account)?;
            w.record_event(&Event {
                account: Some(account.id),
                at: now,
                kind,
                detail: format!(
                    "{verb} @{}; access valid until {}",
                    account.username,
                    account.token_expires_at.format("%-d %b %Y")
                ),
            })
        })?;
        self.emit(Change::AccountsChanged);
        self.inner.engine.wake.notify_waiters();
        Ok((account, reconnect))
    }
}
