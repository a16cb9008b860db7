//! [`Evergreen`]: the core as the shell uses it. One value per profile, cheap to clone.
//!
//! Consistency (DESIGN §3): the vault is the truth for tokens, SQLite for everything else.
//! Every change to an account goes through the [`Ledger`](crate::ledger::Ledger), vault
//! first, then SQLite; unlocking reconciles the two. The rest of `impl Evergreen` lives
//! beside its concept: `lifecycle.rs` (the vault), `connecting.rs`, `roster.rs`,
//! `refresh/`, `notify.rs`, `profile.rs`, `settings.rs`, `auto_unlock.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use crate::Error;
use crate::account::{Account, AccountId, AccountView, DisplayStatus};
use crate::change::{Change, ChangeSink};
use crate::clock::Clock;
use crate::connect::{Connector, RelayClient};
use crate::keyring::LoginKeyring;
use crate::ledger::Ledger;
use crate::paths::{DataDir, ProfileLock};
use crate::refresh::Engine;
use crate::store::{Event, EventKind, Store};
use crate::vault::{TokenVault, VaultState};
use evergreen_instagram::Endpoints;

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
    /// The relay that connects accounts (none: no sign-in service is set up; accounts already
    /// connected still renew, since renewals go to Instagram directly).
    pub relay: Option<evergreen_instagram::Url>,
    /// Instagram (or the sandbox), for refreshes and checks.
    pub instagram: Endpoints,
    /// Threads (or the sandbox's), for refreshes and checks.
    pub threads: evergreen_instagram::threads::Endpoints,
    /// Per-call timeout towards the networks (default 30 s).
    pub instagram_timeout: Option<std::time::Duration>,
    /// Delivers desktop notifications.
    pub notifier: Arc<dyn crate::notify::Notifier>,
    /// How long a connect flow waits for the browser (default ten minutes).
    pub flow_ttl: Option<chrono::Duration>,
    /// The login keyring, for automatic unlock ([`crate::keyring::none`] where there is none).
    pub keyring: Arc<dyn LoginKeyring>,
}

/// Evergreen's core for one profile.
#[derive(Clone)]
pub struct Evergreen {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: DataDir,
    /// This process's claim on the directory, given up by [`Evergreen::close`].
    claimed: std::sync::Mutex<Option<ProfileLock>>,
    /// Closed for good: nothing may unlock, lock or reset its vault again.
    closed: std::sync::atomic::AtomicBool,
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    vault: Box<dyn TokenVault>,
    store: Store,
    connector: Connector,
    engine: Engine,
    sink: ChangeSink,
    notifier: Arc<dyn crate::notify::Notifier>,
    keyring: Arc<dyn LoginKeyring>,
    /// One change of automatic unlock at a time (on, off, the start's unlock, a passphrase
    /// change or reset that touches the keyring).
    keyring_changes: tokio::sync::Mutex<()>,
    /// The unlock at start was tried (it runs once per start).
    start_unlock_tried: AtomicBool,
    /// *Lock* was chosen: the start's unlock, still waiting for the keyring, must not open.
    start_unlock_cancelled: AtomicBool,
    /// Why the start's unlock could not use the keyring, until the vault is unlocked.
    auto_unlock_fallback: std::sync::Mutex<Option<String>>,
}

impl Evergreen {
    /// Open a profile: its metadata store (created if new) and its vault (locked). The
    /// profile is this process's until the value (and every clone) is dropped.
    pub fn open(setup: Setup) -> Result<Self, Error> {
        let Setup {
            data_dir,
            clock,
            vault,
            sink,
            relay,
            instagram,
            threads,
            instagram_timeout,
            notifier,
            flow_ttl,
            keyring,
        } = setup;
        let relay = relay.map(relay_client).transpose()?;
        let claimed = data_dir.claim()?;
        let store = Store::open(&data_dir.metadata_db())?;
        let mut connector = Connector::new(clock.clone(), relay, &instagram, &threads);
        if let Some(ttl) = flow_ttl {
            connector = connector.with_ttl(ttl);
        }
        let timeout = instagram_timeout.unwrap_or(std::time::Duration::from_secs(30));
        let engine = Engine::new(evergreen_instagram::Clients::new(instagram, threads, timeout));
        Ok(Self {
            inner: Arc::new(Inner {
                data_dir,
                claimed: std::sync::Mutex::new(Some(claimed)),
                closed: std::sync::atomic::AtomicBool::new(false),
                ledger: Ledger::default(),
                clock,
                vault,
                store,
                connector,
                engine,
                sink,
                notifier,
                keyring,
                keyring_changes: tokio::sync::Mutex::new(()),
                start_unlock_tried: AtomicBool::new(false),
                start_unlock_cancelled: AtomicBool::new(false),
                auto_unlock_fallback: std::sync::Mutex::new(None),
            }),
        })
    }

    /// Connect new accounts through another sign-in service (or none). Connected accounts
    /// are not touched: renewals go to Instagram directly. A sign-in already under way
    /// finishes at the service it started with.
    pub fn set_relay(&self, relay: Option<evergreen_instagram::Url>) -> Result<(), Error> {
        self.inner.connector.set_relay(relay.map(relay_client).transpose()?);
        Ok(())
    }

    pub(crate) fn keyring(&self) -> &dyn LoginKeyring {
        self.inner.keyring.as_ref()
    }

    pub(crate) fn keyring_changes(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.keyring_changes
    }

    /// True the first time only: the start's unlock runs once.
    pub(crate) fn take_start_unlock(&self) -> bool {
        !self.inner.start_unlock_tried.swap(true, Ordering::SeqCst)
    }

    /// A start's unlock still waiting must not open the vault any more (*Lock* was chosen).
    pub(crate) fn cancel_start_unlock(&self) {
        self.inner.start_unlock_cancelled.store(true, Ordering::SeqCst);
    }

    pub(crate) fn start_unlock_still_wanted(&self) -> bool {
        !self.inner.start_unlock_cancelled.load(Ordering::SeqCst)
    }

    pub(crate) fn auto_unlock_fallback(&self) -> Option<String> {
        self.inner.auto_unlock_fallback.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub(crate) fn set_auto_unlock_fallback(&self, why: Option<String>) {
        *self.inner.auto_unlock_fallback.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = why;
    }

    /// Whether [`Evergreen::close`] has closed this profile.
    pub(crate) fn is_closed(&self) -> bool {
        self.inner.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Mark the profile closed (under the ledger's write lock, so no vault change follows).
    pub(crate) fn mark_closed(&self) {
        self.inner.closed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Give up the claim on the directory: it may be opened again (by this process too).
    pub(crate) fn release_claim(&self) {
        self.inner.claimed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
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

    pub(crate) fn ledger(&self) -> &Ledger {
        &self.inner.ledger
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

    /// Every network's client.
    pub(crate) fn networks(&self) -> &evergreen_instagram::Clients {
        self.inner.engine.clients()
    }

    /// Run vault work (Argon2, file I/O) off the async threads.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Evergreen) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| Error::Internal(format!("vault task failed: {e}")))?
    }

    pub(crate) fn record(
        &self,
        account: Option<AccountId>,
        kind: EventKind,
        detail: impl Into<String>,
    ) -> Result<(), Error> {
        let event = Event { account, at: self.now(), kind, detail: detail.into() };
        self.inner.store.write(|w| w.record_event(&event).map(|_| ()))?;
        Ok(())
    }

    /// Record an event for the audit trail, best effort: a failing disk is logged, and never
    /// undoes or hides what already happened (an unlock, a lock).
    pub(crate) fn note(&self, account: Option<AccountId>, kind: EventKind, detail: impl Into<String>) {
        if let Err(error) = self.record(account, kind, detail) {
            tracing::error!(%error, "the activity could not be recorded");
        }
    }

    /// Missing, locked or unlocked.
    pub fn vault_state(&self) -> VaultState {
        self.inner.vault.state()
    }

    /// Every account with what to show for its status.
    pub fn accounts(&self) -> Result<Vec<AccountView>, Error> {
        let locked = self.inner.vault.state() != VaultState::Unlocked;
        let (accounts, mut labels) = self.inner.store.read(|r| Ok((r.accounts()?, r.labels()?)))?;
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
                let label = labels.remove(&account.id);
                AccountView { account, status, label }
            })
            .collect())
    }

    /// One account, by the id the UI holds.
    pub fn account(&self, id: &str) -> Result<Account, Error> {
        let id: AccountId = id.parse().map_err(|_| Error::UnknownAccount)?;
        self.inner.store.read(|r| r.account(id))?.ok_or(Error::UnknownAccount)
    }
}

/// A client for the relay at `url`, which must be https or plain http to this computer.
fn relay_client(url: evergreen_instagram::Url) -> Result<RelayClient, Error> {
    if !crate::connect::is_https_or_loopback(&url) {
        return Err(crate::connect::Error::RelayNotHttps.into());
    }
    Ok(RelayClient::new(url))
}
