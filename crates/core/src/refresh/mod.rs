//! Keeping every token alive (DESIGN §4): validation on unlock, the scheduler, "Refresh now"
//! and "Refresh all", all through one path: [`Evergreen::sweep`].
//!
//! Guarantees:
//! * One refresh at a time per account: each attempt takes the account's lock and reads the
//!   token (from the ledger: a renewed one not yet saved first, then the vault) after taking
//!   it, so a click and the timer never send two refreshes. An attempt holds one lock, only
//!   until its result is staged in the ledger: two sweeps can never wait for each other.
//! * A renewed token is what every later read sees at once, and durable about a second after
//!   Instagram's answer: a sweep applies its staged results when they have waited
//!   [`GROUP_WINDOW`] or fill a group, looked at each time an attempt ends (so at the latest
//!   when the next call in flight ends), and all of them before it returns. The vault saves of
//!   a sweep are grouped by time and size, never by holding locks.
//! * Only a classified dead token, a checkpoint or expiry ends an account. A refusal that
//!   could end it otherwise (a missing permission, or anything Meta does not document) is
//!   checked with `GET /me` first: if `/me` answers, the account stays connected and the
//!   renewal is tried again later. Transient failures back off (doubling, capped, jittered).
//! * Never more than the policy's concurrency in flight, whatever runs at once.
//! * Lock and quit first let the calls in flight finish and their results be saved.

mod limit;
pub(crate) mod outcome;
mod policy;
mod scheduler;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use evergreen_instagram::{ApiError, Clients, ErrorClass, Me, Network, Transport};
use futures_util::StreamExt;
use tokio::sync::Notify;

pub use limit::MAX_CONCURRENCY;
pub use outcome::SweepReport;
pub use policy::{CHECKPOINT_RECHECK, INSTAGRAM_MIN_AGE, InvalidPolicy, RefreshPolicy};
pub use scheduler::{AFTER_FAILED_WRITE, RECHECK};

use crate::account::{AccountId, AccountStatus};
use crate::ledger::{Flushed, Staged};
use crate::vault::{TokenRecord, VaultState};
use crate::{Error, Evergreen};
use limit::Limiter;
use outcome::Result as AttemptResult;

/// Staged results are applied at least this often while a sweep runs.
pub const GROUP_WINDOW: chrono::Duration = chrono::Duration::seconds(1);
/// A group is applied early once it holds this many results…
const MIN_GROUP: usize = 64;
/// …or this fraction of the sweep (each save rewrites the whole snapshot, so a huge sweep
/// uses bigger groups rather than more saves).
const GROUPS_PER_SWEEP: usize = 16;

/// Why a sweep runs: decides what "due" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The scheduler: refresh what is due, skip what another path just refreshed.
    Scheduled,
    /// Right after unlocking: refresh what is due, check (`GET /me`) everything else.
    Unlock,
    /// "Refresh now" / "Refresh all": refresh whatever Instagram allows (24 h or older),
    /// check the rest.
    Manual,
}

/// The engine's state: Instagram, per-account locks, what is in flight, whether Instagram
/// answers at all.
pub(crate) struct Engine {
    clients: Clients,
    locks: Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<()>>>>,
    refreshing: Mutex<HashSet<AccountId>>,
    limiter: Limiter,
    online: Mutex<Option<bool>>,
    catch_up: Mutex<bool>,
    /// Calls to Instagram (or the relay) in flight whose result is not staged yet: renewals,
    /// checks, a connect from its handoff to its save, an orphan token's recovery.
    in_flight: AtomicUsize,
    settled: Notify,
    /// Locks (or a quit) waiting for the calls in flight: start no new call while any does.
    quiescing: AtomicUsize,
    /// Quitting: no new call, ever.
    closing: AtomicBool,
    /// Sweeps started since the engine was made (a loop would show here).
    sweeps: AtomicUsize,
    pub(crate) wake: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts a call in flight until its result is staged (or the attempt is dropped).
pub(crate) struct InFlight<'a>(&'a Engine);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.settled.notify_waiters();
        }
    }
}

impl Engine {
    pub(crate) fn clients(&self) -> &Clients {
        &self.clients
    }

    pub(crate) fn new(clients: Clients) -> Self {
        Self {
            clients,
            locks: Mutex::default(),
            refreshing: Mutex::default(),
            limiter: Limiter::new(MAX_CONCURRENCY),
            online: Mutex::new(None),
            catch_up: Mutex::new(false),
            in_flight: AtomicUsize::new(0),
            settled: Notify::new(),
            quiescing: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
            sweeps: AtomicUsize::new(0),
            wake: Notify::new(),
        }
    }

    fn account_lock(&self, id: AccountId) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.locks).entry(id).or_default().clone()
    }

    /// How many refreshes are in flight.
    pub(crate) fn refreshing_count(&self) -> usize {
        lock(&self.refreshing).len()
    }

    /// Accounts with a refresh in flight.
    pub(crate) fn is_refreshing(&self, id: AccountId) -> bool {
        lock(&self.refreshing).contains(&id)
    }

    /// Whether Instagram answered the last call (`None` before any).
    pub(crate) fn online(&self) -> Option<bool> {
        *lock(&self.online)
    }

    /// Ask the scheduler to validate everything and catch up at its next turn.
    pub(crate) fn request_catch_up(&self) {
        *lock(&self.catch_up) = true;
        self.wake.notify_waiters();
    }

    fn take_catch_up(&self) -> bool {
        std::mem::take(&mut *lock(&self.catch_up))
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Start no new call, and wait until every call in flight has staged its result. Calls
    /// end within the Instagram client's timeout, so this does too. Every `quiesce` is paired
    /// with a [`resume`](Self::resume).
    pub(crate) async fn quiesce(&self) {
        self.quiescing.fetch_add(1, Ordering::SeqCst);
        self.settle().await;
    }

    /// Wait until no call is in flight.
    async fn settle(&self) {
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            settled.await;
        }
    }

    /// Calls may start again (once every `quiesce` has resumed).
    pub(crate) fn resume(&self) {
        self.quiescing.fetch_sub(1, Ordering::SeqCst);
    }

    fn is_quiescing(&self) -> bool {
        self.closing.load(Ordering::SeqCst) || self.quiescing.load(Ordering::SeqCst) > 0
    }

    /// Count a call about to start, unless calls are held: the count comes first, so a lock
    /// that saw none in flight also sees the hold before any call starts.
    pub(crate) fn start_call(&self) -> Option<InFlight<'_>> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let call = InFlight(self);
        if self.is_quiescing() { None } else { Some(call) }
    }
}

/// What one attempt should do, decided after taking the account's lock.
enum Plan {
    Refresh,
    Check,
    Skip,
    Expired,
    NoToken,
}

impl Evergreen {
    /// "Refresh now": refresh one account (or check it, if its token is under 24 h old).
    pub async fn refresh_now(&self, id: &str) -> Result<SweepReport, Error> {
        let account = self.account(id)?;
        self.require_unlocked()?;
        Ok(self.sweep(vec![account.id], Trigger::Manual).await)
    }

    /// "Refresh all": every account that still has a living token.
    pub async fn refresh_all(&self) -> Result<SweepReport, Error> {
        self.require_unlocked()?;
        let ids = self
            .store()
            .read(|r| r.accounts())?
            .into_iter()
            .filter(|a| a.status.is_alive())
            .map(|a| a.id)
            .collect();
        Ok(self.sweep(ids, Trigger::Manual).await)
    }

    fn require_unlocked(&self) -> Result<(), Error> {
        if self.vault_state() == VaultState::Unlocked {
            Ok(())
        } else {
            Err(crate::vault::Error::Locked.into())
        }
    }

    /// Whether Instagram answers (`None` until the first call).
    pub fn online(&self) -> Option<bool> {
        self.engine().online()
    }

    /// Sweeps started since this core was opened: what a scheduler that loops would raise.
    pub fn sweeps_started(&self) -> usize {
        self.engine().sweeps.load(Ordering::Relaxed)
    }

    /// Refresh or check `ids`, at most the policy's concurrency at once; results are applied
    /// in groups as they come (by time and size) and all of them before this returns.
    pub async fn sweep(&self, ids: Vec<AccountId>, trigger: Trigger) -> SweepReport {
        self.engine().sweeps.fetch_add(1, Ordering::Relaxed);
        let policy = self.store().read(|r| r.refresh_policy()).unwrap_or_default();
        self.engine().limiter.set(policy.max_concurrency as usize);
        let group = ids.len().div_ceil(GROUPS_PER_SWEEP).max(MIN_GROUP);
        let tally = Arc::new(Mutex::new(SweepReport::default()));
        let mut flushes = Flushes::default();
        let mut attempts = futures_util::stream::iter(ids)
            .map(|id| self.attempt(id, trigger, policy, &tally))
            .buffer_unordered(policy.max_concurrency.max(1) as usize);
        let mut flushing: Option<tokio::task::JoinHandle<Flushed>> = None;
        loop {
            tokio::select! {
                flushed = async { flushing.as_mut().expect("guarded").await }, if flushing.is_some() => {
                    flushing = None;
                    flushes.add(flushed.ok());
                }
                next = attempts.next() => {
                    if next.is_none() {
                        break;
                    }
                    if flushing.is_none() && self.group_ready(group) {
                        flushing = Some(self.flush_in_background());
                    }
                }
            }
        }
        if let Some(pending) = flushing {
            flushes.add(pending.await.ok());
        }
        flushes.add(self.flush_in_background().await.ok());
        let mut report = lock(&tally).clone();
        report.vault_saves = flushes.saves;
        report.write_failed = flushes.failed;
        if let Err(error) = self.notify_due() {
            tracing::error!(%error, "notifications not checked");
        }
        report
    }

    /// Whether the staged results should be applied now: a big enough group, or one that has
    /// waited [`GROUP_WINDOW`]. Looked at as each attempt ends; the sweep's end applies the rest.
    fn group_ready(&self, group: usize) -> bool {
        let (waiting, since) = self.ledger().pending();
        waiting > 0 && (waiting >= group || since.is_some_and(|at| self.now() - at >= GROUP_WINDOW))
    }

    fn flush_in_background(&self) -> tokio::task::JoinHandle<Flushed> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.ledger().flush(&this))
    }

    /// One account: lock, read, decide, call Instagram, stage the result in the ledger.
    async fn attempt(
        &self,
        id: AccountId,
        trigger: Trigger,
        policy: RefreshPolicy,
        tally: &Arc<Mutex<SweepReport>>,
    ) {
        let _guard = self.engine().account_lock(id).lock_owned().await;
        if self.engine().is_quiescing() {
            return;
        }
        let Ok(Some(account)) = self.store().read(|r| r.account(id)) else { return };
        let (read, ticket) = self.ledger().token(self, id);
        let record = match read {
            Ok(record) => record,
            // Locked meanwhile: nothing to do until the next unlock.
            Err(crate::vault::Error::Locked) => return,
            // A record the vault cannot read is no token: the account needs a reconnect, and
            // the person hears of it (rather than renewals stopping unseen).
            Err(error) => {
                tracing::error!(%error, "a token record could not be read");
                None
            }
        };
        let now = self.now();
        let plan = match (&record, account.status) {
            (_, AccountStatus::NeedsReconnect) => Plan::Skip,
            (None, _) => Plan::NoToken,
            (Some(r), _) if now >= r.expires_at => Plan::Expired,
            (Some(_), AccountStatus::NeedsInstagramLogin) => Plan::Check,
            (Some(r), _) => {
                let age = now - r.issued_at;
                let due = age >= policy.refresh_after();
                let allowed = age >= chrono::Duration::from_std(INSTAGRAM_MIN_AGE).expect("small");
                match trigger {
                    Trigger::Scheduled if due => Plan::Refresh,
                    Trigger::Scheduled => Plan::Skip,
                    Trigger::Unlock if due => Plan::Refresh,
                    Trigger::Unlock => Plan::Check,
                    Trigger::Manual if allowed => Plan::Refresh,
                    Trigger::Manual => Plan::Check,
                }
            }
        };
        let mut in_flight = None;
        let result = match plan {
            Plan::Skip => AttemptResult::Skipped,
            Plan::NoToken => AttemptResult::NoToken,
            Plan::Expired => AttemptResult::Expired { while_closed: trigger == Trigger::Unlock },
            Plan::Check | Plan::Refresh => {
                let record = record.as_ref().expect("planned only with a token");
                self.mark_refreshing(id, true);
                let permit = self.engine().limiter.acquire().await;
                // Held by a lock or a quit, or read before one: the token may be gone.
                let call = self.engine().start_call().filter(|_| self.ledger().is_current(id, ticket));
                let Some(call) = call else {
                    self.mark_refreshing(id, false);
                    return;
                };
                in_flight = Some(call);
                let result = self.call(account.network, record, matches!(plan, Plan::Refresh)).await;
                drop(permit);
                result
            }
        };
        self.ledger()
            .stage(ticket, Staged { id, result, used: record, at: self.now(), tally: tally.clone() });
        drop(in_flight);
        self.mark_refreshing(id, false);
    }

    /// The network part: refresh (then `/me` with the new token), or `/me` alone, on the
    /// account's network.
    async fn call(&self, network: Network, record: &TokenRecord, refresh: bool) -> AttemptResult {
        let clients = &self.engine().clients;
        if !refresh {
            return match clients.me(network, &record.token).await {
                Ok(me) => self.answered(AttemptResult::Checked { me }),
                Err(error) => self.failed(error),
            };
        }
        match clients.refresh(network, &record.token).await {
            Ok(fresh) => {
                let issued_at = self.now();
                let lifetime =
                    chrono::Duration::from_std(fresh.expires_in).unwrap_or(chrono::Duration::days(60));
                let record =
                    TokenRecord { network, token: fresh.token, issued_at, expires_at: issued_at + lifetime };
                // Re-read the profile with the new token (a renamed handle, a new avatar); a
                // failure here does not undo the refresh. Not while a lock or quit waits: the
                // new token must be saved first, and soon.
                let me: Option<Me> = if self.engine().is_quiescing() {
                    None
                } else {
                    clients.me(network, &record.token).await.ok()
                };
                self.answered(AttemptResult::Refreshed { record: Box::new(record), me })
            }
            Err(error) if needs_confirmation(&error) => {
                // A refusal Meta does not document as the end of a token: ask `/me` before
                // anything changes. Its own answer is trusted (it is the basic read).
                match clients.me(network, &record.token).await {
                    Ok(me) => self.answered(AttemptResult::RefusedButAlive { error, me }),
                    Err(me_error) if me_error.class == ErrorClass::Transient => {
                        // Unknown either way: keep the account and try the renewal later.
                        self.failed(ApiError { class: ErrorClass::Transient, ..error })
                    }
                    Err(me_error) => self.failed(me_error),
                }
            }
            Err(error) => self.failed(error),
        }
    }

    fn answered(&self, result: AttemptResult) -> AttemptResult {
        self.set_online(true);
        result
    }

    fn failed(&self, error: ApiError) -> AttemptResult {
        self.set_online(!matches!(error.transport, Transport::Network | Transport::Timeout));
        AttemptResult::Failed(error)
    }

    fn set_online(&self, online: bool) {
        let changed = lock(&self.engine().online).replace(online) != Some(online);
        if changed {
            self.emit(crate::Change::ConnectivityChanged { online });
        }
    }

    fn mark_refreshing(&self, id: AccountId, on: bool) {
        let changed = {
            let mut set = lock(&self.engine().refreshing);
            if on { set.insert(id) } else { set.remove(&id) }
        };
        if changed {
            self.emit(crate::Change::AccountUpdated { id });
        }
    }

    /// Accounts the scheduler should look at now.
    pub(crate) fn due_now(&self, now: DateTime<Utc>) -> Vec<AccountId> {
        self.store()
            .read(|r| r.accounts())
            .unwrap_or_default()
            .into_iter()
            .filter(|a| {
                // An expired token ends the account at once, whatever backoff its renewals
                // are in: the person hears of it at expiry, not at the next retry.
                a.status != AccountStatus::NeedsReconnect
                    && (a.next_refresh_at.is_some_and(|at| at <= now) || a.token_expires_at <= now)
            })
            .map(|a| a.id)
            .collect()
    }

    /// Make every result staged so far durable now (whatever is in flight goes on), and
    /// remove the tokens of disconnected accounts a failed save left in the vault.
    pub async fn save_now(&self) -> Result<(), Error> {
        let saved = match self.flush_in_background().await {
            Ok(flushed) if flushed.failed() => Err(Error::Internal("results could not all be saved".into())),
            Ok(_) => Ok(()),
            Err(e) => Err(Error::Internal(format!("the writer failed: {e}"))),
        };
        let forgotten = self.blocking(|this| this.forget_tokens_of_disconnected()).await;
        saved.and(forgotten)
    }

    /// Whether a disconnected account's token waits to be removed from the open vault.
    pub(crate) fn tokens_wait_to_be_forgotten(&self) -> bool {
        self.vault_state() == VaultState::Unlocked
            && self.store().read(|r| r.tokens_to_forget()).is_ok_and(|ids| !ids.is_empty())
    }

    /// What *Quit* does before the process ends: start no new call, ever; let the calls in
    /// flight finish until `deadline` (the shell gives a few seconds); then, whatever is still
    /// out, make every result staged so far durable. Errors when something could not be saved.
    pub async fn shutdown(&self, deadline: impl std::future::Future<Output = ()>) -> Result<(), Error> {
        self.engine().closing.store(true, Ordering::SeqCst);
        tokio::select! {
            () = self.engine().settle() => {}
            () = deadline => tracing::warn!("quitting with calls to Instagram still out"),
        }
        self.save_now().await
    }
}

/// Whether a renewal's refusal must be confirmed with `/me` before it may change the
/// account's life. Dead tokens and checkpoints are documented and trusted; a refusal of a
/// permission is not (Meta documents no error for several refusals a renewal can meet, such as
/// a token under 24 hours old, and a permission's codes cover much else).
fn needs_confirmation(error: &ApiError) -> bool {
    matches!(error.class, ErrorClass::PermissionMissing)
}

/// The flushes of one sweep.
#[derive(Default)]
struct Flushes {
    saves: usize,
    failed: bool,
}

impl Flushes {
    fn add(&mut self, flushed: Option<Flushed>) {
        match flushed {
            Some(f) => {
                self.saves += f.vault_saves;
                self.failed |= f.failed();
            }
            None => self.failed = true,
        }
    }
}
