//! The one-replica store: memory, bounded, one mutex (a few small records per sign-in).
//! Every use purges what has expired (in order of expiry, O(1) each), and the server purges
//! every few seconds as well, so a token waits no longer than its handoff's lifetime even when
//! nobody calls.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use super::{Bounds, Handoff, Redeemed, Refused, Session, SessionStore, Unavailable};
use crate::limit::PerClient;
use crate::pkce::constant_time_eq;

/// The default store.
pub struct InMemoryStore {
    bounds: Bounds,
    session_limit: PerClient,
    redeem_limit: PerClient,
    inner: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    sessions: HashMap<String, Session>,
    handoffs: HashMap<String, Handoff>,
    /// Sessions waiting per client.
    per_client: HashMap<IpAddr, usize>,
    /// Keys in the order they expire (one lifetime per kind, so insertion order).
    session_expiry: VecDeque<(DateTime<Utc>, String)>,
    handoff_expiry: VecDeque<(DateTime<Utc>, String)>,
}

impl Maps {
    fn forget_session(&mut self, state: &str) -> Option<Session> {
        let session = self.sessions.remove(state)?;
        if let Some(n) = self.per_client.get_mut(&session.client) {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&session.client);
            }
        }
        Some(session)
    }

    fn purge(&mut self, now: DateTime<Utc>) {
        while let Some((at, _)) = self.session_expiry.front()
            && *at <= now
        {
            let (_, state) = self.session_expiry.pop_front().expect("just looked");
            if self.sessions.get(&state).is_some_and(|s| s.expires_at <= now) {
                self.forget_session(&state);
            }
        }
        while let Some((at, _)) = self.handoff_expiry.front()
            && *at <= now
        {
            let (_, id) = self.handoff_expiry.pop_front().expect("just looked");
            if self.handoffs.get(&id).is_some_and(|h| h.expires_at <= now) {
                self.handoffs.remove(&id);
            }
        }
        // Keys already taken leave their queue entries behind; keep the queues bounded too.
        if self.session_expiry.len() > 2 * self.sessions.len() + 64 {
            let sessions = &self.sessions;
            self.session_expiry.retain(|(_, k)| sessions.contains_key(k));
        }
        if self.handoff_expiry.len() > 2 * self.handoffs.len() + 64 {
            let handoffs = &self.handoffs;
            self.handoff_expiry.retain(|(_, k)| handoffs.contains_key(k));
        }
    }
}

impl InMemoryStore {
    /// A store within `bounds`.
    pub fn new(bounds: Bounds) -> Self {
        Self {
            bounds,
            session_limit: PerClient::per_minute(bounds.sessions_per_minute),
            redeem_limit: PerClient::per_minute(bounds.redemptions_per_minute),
            inner: Mutex::default(),
        }
    }

    fn maps(&self) -> MutexGuard<'_, Maps> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl SessionStore for InMemoryStore {
    async fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused> {
        self.session_limit
            .check(session.client)
            .map_err(|retry_after_ms| Refused::RateLimited { retry_after_ms })?;
        let mut maps = self.maps();
        maps.purge(now);
        if maps.sessions.len() >= self.bounds.max_sessions {
            return Err(Refused::Full);
        }
        let waiting = maps.per_client.get(&session.client).copied().unwrap_or(0);
        if waiting >= self.bounds.max_sessions_per_client {
            return Err(Refused::TooManyForClient);
        }
        *maps.per_client.entry(session.client).or_default() += 1;
        maps.session_expiry.push_back((session.expires_at, session.state.clone()));
        maps.sessions.insert(session.state.clone(), session);
        Ok(())
    }

    async fn take_session(&self, state: &str) -> Result<Option<Session>, Unavailable> {
        Ok(self.maps().forget_session(state))
    }

    async fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Refused> {
        let mut maps = self.maps();
        maps.purge(now);
        if maps.handoffs.len() >= self.bounds.max_handoffs {
            return Err(Refused::Full);
        }
        maps.handoff_expiry.push_back((handoff.expires_at, id.clone()));
        maps.handoffs.insert(id, handoff);
        Ok(())
    }

    async fn redeem(
        &self,
        id: &str,
        challenge: &str,
        client: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, Refused> {
        self.redeem_limit.check(client).map_err(|retry_after_ms| Refused::RateLimited { retry_after_ms })?;
        let mut maps = self.maps();
        let Some(handoff) = maps.handoffs.get(id) else {
            maps.purge(now);
            return Ok(Redeemed::Unknown);
        };
        if handoff.expires_at <= now {
            maps.handoffs.remove(id);
            maps.purge(now);
            return Ok(Redeemed::Expired);
        }
        if !constant_time_eq(handoff.challenge.as_bytes(), challenge.as_bytes()) {
            return Ok(Redeemed::WrongVerifier);
        }
        let redeemed = maps.handoffs.remove(id).map_or(Redeemed::Unknown, |h| Redeemed::Handoff(Box::new(h)));
        maps.purge(now);
        Ok(redeemed)
    }

    async fn counts(&self, now: DateTime<Utc>) -> Result<(usize, usize), Unavailable> {
        let mut maps = self.maps();
        maps.purge(now);
        Ok((maps.sessions.len(), maps.handoffs.len()))
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<(), Unavailable> {
        self.maps().purge(now);
        Ok(())
    }
}
