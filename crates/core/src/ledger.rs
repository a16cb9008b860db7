//! The one writer. Every change to an account — connect, reconnect, disconnect, a renewal's
//! result, a status change, reconciliation, reset, lock — is applied here, one at a time, to
//! the account *as it is now*: nothing writes a row back from a copy it read earlier.
//!
//! * **Renewal results are staged, then applied in groups.** An attempt hands its result to
//!   [`Ledger::stage`] and lets its account go; a renewed token is kept in memory
//!   ([`Ledger::token`] reads it before the vault) until a [`Ledger::flush`] makes it durable
//!   with one snapshot save for the whole group, then applies every staged result to its row
//!   in one SQLite transaction. Sweeps flush by time and size, never by holding locks, so two
//!   sweeps cannot wait for each other.
//! * **A token that could not be saved is not forgotten.** It stays in memory, is what every
//!   read sees, and every later flush tries to save it again (ARCHITECTURE.md: Meta does not
//!   say whether the old token survives a renewal, so the new one is the only one we trust).
//! * **Tickets.** A reader gets a [`Ticket`] with the token; a result staged under a ticket that
//!   a connect, reconnect, disconnect, reset or lock has since made stale is dropped, so a
//!   renewal in flight can never undo any of them.
//! * **Order.** Changes made at once (a connect, a disconnect) first apply whatever is staged,
//!   so the rows see events in the order they happened.
//!
//! Lock order: `writing`, then `state`, then the vault's own lock. Nothing here takes an
//! account's renewal lock, so an attempt holding one may always wait for the ledger.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use crate::Evergreen;
use crate::account::AccountId;
use crate::refresh::SweepReport;
use crate::refresh::outcome::{self, Result as AttemptResult};
use crate::vault::{TokenRecord, VaultChange};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Proof of what a reader saw: the ledger's epoch (bumped by lock, unlock and reset) and the
/// account's generation (bumped by a connect, reconnect or disconnect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    epoch: u64,
    generation: u64,
}

/// One attempt's result, waiting to be applied.
pub(crate) struct Staged {
    /// The account.
    pub id: AccountId,
    /// What happened.
    pub result: AttemptResult,
    /// The token record the attempt used (its dates are the vault's truth), if it had one.
    pub used: Option<TokenRecord>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The report of the sweep it belongs to, filled in when applied.
    pub tally: Arc<Mutex<SweepReport>>,
}

#[derive(Default)]
struct State {
    epoch: u64,
    generations: HashMap<AccountId, u64>,
    /// Renewed tokens not yet durable: what reads see before the vault.
    unsaved: HashMap<AccountId, TokenRecord>,
    /// Since when the oldest of them waits (wall time of the profile's clock).
    unsaved_since: Option<DateTime<Utc>>,
    /// Results waiting to be applied to their rows, oldest first.
    staged: Vec<Staged>,
}

impl State {
    fn ticket(&self, id: AccountId) -> Ticket {
        Ticket { epoch: self.epoch, generation: self.generations.get(&id).copied().unwrap_or(0) }
    }

    /// The account's token changes hands (connect, reconnect, disconnect): what was read or
    /// staged before is stale.
    fn replace(&mut self, id: AccountId) {
        *self.generations.entry(id).or_default() += 1;
        self.unsaved.remove(&id);
        self.staged.retain(|s| s.id != id);
        if self.unsaved.is_empty() {
            self.unsaved_since = None;
        }
    }

    /// Lock, unlock or reset: everything read before is stale and every token in memory goes.
    fn new_epoch(&mut self) -> usize {
        self.epoch += 1;
        let lost = self.unsaved.len();
        self.unsaved.clear();
        self.unsaved_since = None;
        self.staged.clear();
        lost
    }
}

/// Inside [`Ledger::now`]: mark accounts whose token changes hands.
pub(crate) struct Replacing<'a> {
    state: &'a mut State,
}

impl Replacing<'_> {
    /// `id`'s token is replaced or removed: results read before are dropped, and a renewed
    /// token still unsaved is forgotten.
    pub fn replace(&mut self, id: AccountId) {
        self.state.replace(id);
    }

    /// Whether `ticket` is still current for `id`.
    pub fn is_current(&self, id: AccountId, ticket: Ticket) -> bool {
        self.state.ticket(id) == ticket
    }
}

/// What a flush did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flushed {
    /// Snapshot saves made.
    pub vault_saves: usize,
    /// Some renewed token is still only in memory (the vault refused the save).
    pub tokens_unsaved: bool,
    /// The metadata could not be written; the results wait for the next flush.
    pub rows_unwritten: bool,
}

impl Flushed {
    /// Whether anything could not be made durable.
    pub fn failed(&self) -> bool {
        self.tokens_unsaved || self.rows_unwritten
    }
}

/// The writer of one profile.
#[derive(Default)]
pub(crate) struct Ledger {
    writing: Mutex<()>,
    state: Mutex<State>,
}

impl Ledger {
    /// The account's token as the product knows it (renewed but unsaved first, then the
    /// vault), with the ticket to stage a result under.
    pub fn token(
        &self,
        core: &Evergreen,
        id: AccountId,
    ) -> (Result<Option<TokenRecord>, crate::vault::Error>, Ticket) {
        let state = lock(&self.state);
        let ticket = state.ticket(id);
        if let Some(record) = state.unsaved.get(&id) {
            return (Ok(Some(record.clone())), ticket);
        }
        (core.vault().get(&id), ticket)
    }

    /// Whether `ticket` is still the current one for `id` (nothing replaced its token since).
    pub fn is_current(&self, id: AccountId, ticket: Ticket) -> bool {
        lock(&self.state).ticket(id) == ticket
    }

    /// Keep an attempt's result until the next flush. A result read under a stale ticket is
    /// dropped (its account was reconnected, disconnected, locked or reset meanwhile):
    /// returns whether it was kept.
    pub fn stage(&self, ticket: Ticket, staged: Staged) -> bool {
        let mut state = lock(&self.state);
        if state.ticket(staged.id) != ticket {
            return false;
        }
        if let AttemptResult::Refreshed { record, .. } = &staged.result {
            state.unsaved.insert(staged.id, record.as_ref().clone());
            state.unsaved_since.get_or_insert(staged.at);
        }
        state.staged.push(staged);
        true
    }

    /// Results waiting to be applied, and since when the oldest waits (a renewed token that
    /// could not be saved counts too: it waits for the next flush).
    pub fn pending(&self) -> (usize, Option<DateTime<Utc>>) {
        let state = lock(&self.state);
        let oldest = state.staged.first().map(|s| s.at);
        let since = match (oldest, state.unsaved_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A renewal is staged and unsaved at once: count it once.
        (state.staged.len().max(state.unsaved.len()), since)
    }

    /// Whether anything waits for a flush.
    pub fn is_dirty(&self) -> bool {
        let state = lock(&self.state);
        !state.unsaved.is_empty() || !state.staged.is_empty()
    }

    /// Make every unsaved token durable (one snapshot save) and apply every staged result to
    /// its row (one transaction).
    pub fn flush(&self, core: &Evergreen) -> Flushed {
        let _writing = lock(&self.writing);
        self.flush_locked(core)
    }

    fn flush_locked(&self, core: &Evergreen) -> Flushed {
        let mut flushed = Flushed::default();
        let (tokens, staged) = {
            let mut state = lock(&self.state);
            (state.unsaved.clone(), std::mem::take(&mut state.staged))
        };
        let mut tokens_saved = true;
        let mut saved_now: Vec<(AccountId, TokenRecord)> = Vec::new();
        if !tokens.is_empty() {
            flushed.vault_saves = 1;
            let puts = tokens.iter().map(|(id, record)| VaultChange::Put(*id, record.clone())).collect();
            match core.vault().apply(puts) {
                Ok(()) => {
                    let mut state = lock(&self.state);
                    state.unsaved.retain(|id, record| tokens.get(id) != Some(record));
                    if state.unsaved.is_empty() {
                        state.unsaved_since = None;
                    }
                    saved_now = tokens.iter().map(|(id, r)| (*id, r.clone())).collect();
                }
                Err(error) => {
                    tracing::error!(%error, unsaved = tokens.len(), "renewed tokens could not be saved yet");
                    tokens_saved = false;
                    flushed.tokens_unsaved = true;
                }
            }
        }
        // Tokens saved now whose result was applied at an earlier flush (the vault refused
        // them then): their rows take the new dates.
        let staged_ids: std::collections::HashSet<AccountId> = staged.iter().map(|s| s.id).collect();
        saved_now.retain(|(id, _)| !staged_ids.contains(id));
        if staged.is_empty() && saved_now.is_empty() {
            return flushed;
        }
        let policy = core.store().read(|r| r.refresh_policy()).unwrap_or_default();
        let mut tallies: Vec<SweepReport> = vec![SweepReport::default(); staged.len()];
        let written = core.store().write(|w| {
            for (id, record) in &saved_now {
                if let Some(row) = w.reader().account(*id)? {
                    let synced = outcome::sync_dates(row.clone(), record, &policy);
                    if synced != row {
                        w.save_account(&synced)?;
                    }
                }
            }
            for (item, tally) in staged.iter().zip(tallies.iter_mut()) {
                *tally = SweepReport::default();
                // Gone: disconnected after the attempt read it. Nothing to apply.
                let Some(row) = w.reader().account(item.id)? else { continue };
                // Not saved only if this very token was in this flush's save, and it failed.
                let saved = match &item.result {
                    AttemptResult::Refreshed { record, .. } => {
                        tokens_saved || tokens.get(&item.id) != Some(record.as_ref())
                    }
                    _ => true,
                };
                let (row, events) =
                    outcome::apply(row, &item.result, item.used.as_ref(), saved, &policy, item.at, tally);
                w.save_account(&row)?;
                for event in &events {
                    w.record_event(event)?;
                }
            }
            Ok(())
        });
        match written {
            Ok(()) => {
                for (item, tally) in staged.iter().zip(&tallies) {
                    lock(&item.tally).add(tally);
                }
                let mut ids: Vec<AccountId> = staged.iter().map(|s| s.id).collect();
                ids.sort();
                ids.dedup();
                for id in ids {
                    core.emit(crate::Change::AccountUpdated { id });
                }
            }
            Err(error) => {
                tracing::error!(%error, results = staged.len(), "renewal results could not be recorded yet");
                flushed.rows_unwritten = true;
                // Back in front, in order, for the next flush; a stale ticket since then has
                // already removed what no longer applies.
                let mut state = lock(&self.state);
                let newer = std::mem::take(&mut state.staged);
                state.staged = staged;
                state.staged.extend(newer);
            }
        }
        flushed
    }

    /// Apply a change at once: first everything staged (so rows see events in order), then
    /// `change`, with the state locked so no reader sees half of it. `change` marks the
    /// accounts whose token changes hands with [`Replacing::replace`].
    pub fn now<T>(
        &self,
        core: &Evergreen,
        change: impl FnOnce(&mut Replacing<'_>) -> Result<T, crate::Error>,
    ) -> Result<T, crate::Error> {
        let _writing = lock(&self.writing);
        if core.is_closed() {
            return Err(crate::Error::Closed);
        }
        self.flush_locked(core);
        let mut state = lock(&self.state);
        change(&mut Replacing { state: &mut state })
    }

    /// Start a new epoch (lock, unlock, reset) after `change`, with the state locked: every
    /// token in memory is dropped. Returns how many renewed tokens were still unsaved and are
    /// lost with it.
    pub fn new_epoch<T>(
        &self,
        core: &Evergreen,
        change: impl FnOnce() -> Result<T, crate::Error>,
    ) -> Result<(T, usize), crate::Error> {
        let _writing = lock(&self.writing);
        if core.is_closed() {
            return Err(crate::Error::Closed);
        }
        self.flush_locked(core);
        let mut state = lock(&self.state);
        let value = change();
        // Even when `change` failed half-way (a reset that removed the vault, then could not
        // write the rows): what was read before is stale either way.
        let lost = state.new_epoch();
        Ok((value?, lost))
    }
}
