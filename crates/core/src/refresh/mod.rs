//! Keeping every token alive (DESIGN §4): validation on unlock, the scheduler, "Refresh now"
//! and "Refresh all", all through one path: [`Evergreen::sweep`].
//!
//! Guarantees:
//! * One refresh at a time per account: each attempt takes the account's lock and re-reads
//!   the vault after taking it, so a click and the timer never send two refreshes.
//! * A new token is durable in the vault before the account shows as refreshed; a sweep's
//!   vault writes are grouped (one snapshot save per batch, not per account).
//! * Only a classified authentication error or expiry ends an account; transient failures
//!   back off (doubling, capped, jittered) and keep the status.
//! * Never more than the policy's concurrency in flight, whatever runs at once.

mod outcome;
mod policy;
mod scheduler;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use evergreen_instagram::{ApiError, Client, Endpoints, Me, Transport};
use futures_util::StreamExt;
use tokio::sync::{Notify, OwnedMutexGuard, Semaphore};

pub use outcome::SweepReport;
pub use policy::{CHECKPOINT_RECHECK, INSTAGRAM_MIN_AGE, InvalidPolicy, RefreshPolicy};

use crate::account::{Account, AccountId, AccountStatus};
use crate::vault::{TokenRecord, VaultState};
use crate::{Error, Evergreen};
use outcome::{Attempt, Result as AttemptResult};

/// Most concurrency any policy may ask for: the semaphore's size.
const MAX_CONCURRENCY: usize = 32;
/// Results written to the vault in one save: at least this many…
const MIN_BATCH: usize = 64;
/// …and at most this many saves per sweep (each save rewrites the whole snapshot, so a huge
/// sweep uses bigger batches rather than more saves).
const SAVES_PER_SWEEP: usize = 16;

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
    client: Client,
    locks: Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<()>>>>,
    refreshing: Mutex<HashSet<AccountId>>,
    permits: Arc<Semaphore>,
    permits_in_use_limit: Mutex<usize>,
    online: Mutex<Option<bool>>,
    catch_up: Mutex<bool>,
    pub(crate) wake: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Engine {
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn new(instagram: Endpoints, timeout: std::time::Duration) -> Self {
        Self {
            client: Client::with_timeout(instagram, timeout),
            locks: Mutex::default(),
            refreshing: Mutex::default(),
            permits: Arc::new(Semaphore::new(MAX_CONCURRENCY)),
            permits_in_use_limit: Mutex::new(MAX_CONCURRENCY),
            online: Mutex::new(None),
            catch_up: Mutex::new(false),
            wake: Notify::new(),
        }
    }

    fn account_lock(&self, id: AccountId) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.locks).entry(id).or_default().clone()
    }

    /// Shrink or grow the global limit to the policy's concurrency.
    fn set_concurrency(&self, wanted: usize) {
        let wanted = wanted.clamp(1, MAX_CONCURRENCY);
        let mut current = lock(&self.permits_in_use_limit);
        if wanted > *current {
            self.permits.add_permits(wanted - *current);
        } else if wanted < *current {
            self.permits.forget_permits(*current - wanted);
        }
        *current = wanted;
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

    /// Refresh or check `ids`, at most the policy's concurrency at once, grouping vault writes.
    pub async fn sweep(&self, ids: Vec<AccountId>, trigger: Trigger) -> SweepReport {
        let policy = self.store().read(|r| r.refresh_policy()).unwrap_or_default();
        self.engine().set_concurrency(policy.max_concurrency as usize);
        let mut report = SweepReport::default();
        let batch_size = ids.len().div_ceil(SAVES_PER_SWEEP).max(MIN_BATCH);
        let mut batch: Vec<Attempt> = Vec::new();
        let mut attempts = futures_util::stream::iter(ids)
            .map(|id| self.attempt(id, trigger, policy))
            .buffer_unordered(policy.max_concurrency.max(1) as usize);
        while let Some(attempt) = attempts.next().await {
            if let Some(attempt) = attempt {
                batch.push(attempt);
            }
            if batch.len() >= batch_size {
                self.flush(std::mem::take(&mut batch), policy, &mut report);
            }
        }
        self.flush(batch, policy, &mut report);
        if let Err(error) = self.notify_due() {
            tracing::error!(%error, "notifications not checked");
        }
        report
    }

    /// One account: lock, re-read, decide, call Instagram. Writes nothing (see `flush`).
    async fn attempt(&self, id: AccountId, trigger: Trigger, policy: RefreshPolicy) -> Option<Attempt> {
        let guard: OwnedMutexGuard<()> = self.engine().account_lock(id).lock_owned().await;
        let account = self.store().read(|r| r.account(id)).ok()??;
        let now = self.now();
        let record = match self.vault().get(&id) {
            Ok(record) => record,
            // Locked meanwhile: nothing to do until the next unlock.
            Err(_) => return None,
        };
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
        let result = match plan {
            Plan::Skip => AttemptResult::Skipped,
            Plan::NoToken => AttemptResult::NoToken,
            Plan::Expired => AttemptResult::Expired { while_closed: trigger == Trigger::Unlock },
            Plan::Check | Plan::Refresh => {
                let record = record.expect("planned only with a token");
                self.mark_refreshing(id, true);
                let permit = self.engine().permits.clone().acquire_owned().await.expect("never closed");
                let result = self.call(&record, matches!(plan, Plan::Refresh)).await;
                drop(permit);
                result
            }
        };
        Some(Attempt { account, result, guard })
    }

    /// The network part: refresh (then `/me` with the new token), or `/me` alone.
    async fn call(&self, record: &TokenRecord, refresh: bool) -> AttemptResult {
        let client = &self.engine().client;
        if !refresh {
            return match client.me(&record.token).await {
                Ok(me) => self.answered(AttemptResult::Checked { me }),
                Err(error) => self.failed(error),
            };
        }
        match client.refresh(&record.token).await {
            Ok(fresh) => {
                let issued_at = self.now();
                let lifetime =
                    chrono::Duration::from_std(fresh.expires_in).unwrap_or(chrono::Duration::days(60));
                let record = TokenRecord { token: fresh.token, issued_at, expires_at: issued_at + lifetime };
                // Re-read the profile with the new token (a renamed handle, a new avatar); a
                // failure here does not undo the refresh.
                let me: Option<Me> = client.me(&record.token).await.ok();
                self.answered(AttemptResult::Refreshed { record: Box::new(record), me })
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

    /// Make a batch's results durable: new tokens to the vault in one save, then every
    /// account's metadata and events in one transaction; then let the accounts go.
    fn flush(&self, batch: Vec<Attempt>, policy: RefreshPolicy, report: &mut SweepReport) {
        if batch.is_empty() {
            return;
        }
        let now = self.now();
        let mut batch = batch;
        let puts: Vec<_> = batch
            .iter()
            .filter_map(|a| match &a.result {
                AttemptResult::Refreshed { record, .. } => {
                    Some(crate::vault::VaultChange::Put(a.account.id, record.as_ref().clone()))
                }
                _ => None,
            })
            .collect();
        if !puts.is_empty() {
            report.vault_saves += 1;
            if let Err(error) = self.vault().apply(puts) {
                // Nothing new is durable: record the failure, keep the old tokens (they stay
                // valid until their own expiry) and retry later.
                tracing::error!(%error, "renewed tokens could not be saved");
                for attempt in &mut batch {
                    if matches!(attempt.result, AttemptResult::Refreshed { .. }) {
                        attempt.result = AttemptResult::NotSaved;
                    }
                }
            }
        }
        let updates: Vec<(Account, Vec<crate::store::Event>)> =
            batch.iter().map(|a| outcome::apply(a, &policy, now, report)).collect();
        let written = self.store().write(|w| {
            for (account, events) in &updates {
                w.save_account(account)?;
                for event in events {
                    w.record_event(event)?;
                }
            }
            Ok(())
        });
        if let Err(error) = written {
            tracing::error!(%error, "refresh results could not be recorded");
        }
        for attempt in batch {
            let id = attempt.account.id;
            drop(attempt.guard);
            self.mark_refreshing(id, false);
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
}
