//! Where the relay keeps sign-ins in progress and tokens waiting for their app: behind a small
//! trait, so a shared store can replace memory when several replicas serve one app. Bounded:
//! a full store refuses new records rather than growing, and one client cannot fill it.
//! Records leave on time: every use purges what has expired (in order of expiry, O(1) each),
//! and the server purges every few seconds as well, so a token waits no longer than its
//! handoff's lifetime even when nobody calls. Nothing here touches disk.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use evergreen_instagram::AccessToken;
use serde::Serialize;

/// A sign-in started by an app, waiting for Instagram's redirect.
#[derive(Debug, Clone)]
pub struct Session {
    /// The `state` sent to Instagram and back.
    pub state: String,
    /// Who started it (the rate limits' key), for the per-client cap.
    pub client: IpAddr,
    /// `BASE64URL(SHA256(verifier))` from the app.
    pub challenge: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// What the app receives for a handoff, exactly once.
#[derive(Clone, Serialize)]
pub struct HandoffPayload {
    /// The long-lived token. Serialized here and nowhere else in the relay.
    #[serde(with = "evergreen_instagram::serde_expose")]
    pub access_token: AccessToken,
    /// Its lifetime in seconds, as Instagram gave it.
    pub expires_in: u64,
    /// The professional account id (`/me`'s `user_id`): the account's key.
    pub user_id: String,
    /// The app-scoped id (`/me`'s `id`, what the code exchange calls `user_id`).
    pub app_scoped_id: Option<String>,
    /// The sign-in's `state`, echoed so the app can check the handoff answers its own flow.
    pub state: String,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: Option<String>,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: String,
    /// Avatar.
    pub profile_picture_url: Option<String>,
    /// Granted permissions.
    pub permissions: Vec<String>,
}

impl fmt::Debug for HandoffPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandoffPayload")
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A finished sign-in, waiting for the app that holds the verifier.
#[derive(Debug, Clone)]
pub struct Handoff {
    /// The session's challenge: the redeemer must prove it has the verifier.
    pub challenge: String,
    /// What to hand over.
    pub payload: HandoffPayload,
    /// When it is destroyed unredeemed.
    pub expires_at: DateTime<Utc>,
}

/// The store is at its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// Why a session was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The store is at its bound.
    Full,
    /// This client has as many sign-ins waiting as it may.
    TooManyForClient,
}

/// The outcome of a redemption attempt.
#[derive(Debug)]
pub enum Redeemed {
    /// Verified and removed: the caller owns the only copy.
    Handoff(Box<Handoff>),
    /// No such handoff (never existed, already redeemed, or purged).
    Unknown,
    /// It existed but its time ran out; it is gone now.
    Expired,
    /// The verifier does not match; the handoff stays for its rightful owner.
    WrongVerifier,
}

/// Sessions and handoffs.
pub trait SessionStore: Send + Sync {
    /// Keep a new session; refused at the bound, or when its client has too many waiting.
    fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused>;
    /// Remove and return the session for `state`, expired or not (single use).
    fn take_session(&self, state: &str) -> Option<Session>;
    /// Keep a new handoff under `id`; `Full` at the bound.
    fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Full>;
    /// Atomically check and remove the handoff `id`: of two concurrent redemptions, exactly one
    /// can win.
    fn redeem(&self, id: &str, now: DateTime<Utc>, verify: &dyn Fn(&Handoff) -> bool) -> Redeemed;
    /// How many sessions and handoffs are held (after purging the expired).
    fn counts(&self, now: DateTime<Utc>) -> (usize, usize);
    /// Drop every expired record.
    fn purge(&self, now: DateTime<Utc>);
}

/// The default store: memory, bounded, one mutex (a few small records per sign-in).
pub struct InMemoryStore {
    max_sessions: usize,
    max_handoffs: usize,
    max_per_client: usize,
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
    /// A store holding at most these many records of each kind, and `max_per_client` sessions
    /// of one client.
    pub fn new(max_sessions: usize, max_handoffs: usize, max_per_client: usize) -> Self {
        Self { max_sessions, max_handoffs, max_per_client, inner: Mutex::default() }
    }

    fn maps(&self) -> MutexGuard<'_, Maps> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SessionStore for InMemoryStore {
    fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused> {
        let mut maps = self.maps();
        maps.purge(now);
        if maps.sessions.len() >= self.max_sessions {
            return Err(Refused::Full);
        }
        let waiting = maps.per_client.get(&session.client).copied().unwrap_or(0);
        if waiting >= self.max_per_client {
            return Err(Refused::TooManyForClient);
        }
        *maps.per_client.entry(session.client).or_default() += 1;
        maps.session_expiry.push_back((session.expires_at, session.state.clone()));
        maps.sessions.insert(session.state.clone(), session);
        Ok(())
    }

    fn take_session(&self, state: &str) -> Option<Session> {
        self.maps().forget_session(state)
    }

    fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Full> {
        let mut maps = self.maps();
        maps.purge(now);
        if maps.handoffs.len() >= self.max_handoffs {
            return Err(Full);
        }
        maps.handoff_expiry.push_back((handoff.expires_at, id.clone()));
        maps.handoffs.insert(id, handoff);
        Ok(())
    }

    fn redeem(&self, id: &str, now: DateTime<Utc>, verify: &dyn Fn(&Handoff) -> bool) -> Redeemed {
        let mut maps = self.maps();
        let Some(handoff) = maps.handoffs.get(id) else {
            maps.purge(now);
            return Redeemed::Unknown;
        };
        if handoff.expires_at <= now {
            maps.handoffs.remove(id);
            maps.purge(now);
            return Redeemed::Expired;
        }
        if !verify(handoff) {
            return Redeemed::WrongVerifier;
        }
        let redeemed = maps.handoffs.remove(id).map_or(Redeemed::Unknown, |h| Redeemed::Handoff(Box::new(h)));
        maps.purge(now);
        redeemed
    }

    fn counts(&self, now: DateTime<Utc>) -> (usize, usize) {
        let mut maps = self.maps();
        maps.purge(now);
        (maps.sessions.len(), maps.handoffs.len())
    }

    fn purge(&self, now: DateTime<Utc>) {
        self.maps().purge(now);
    }
}
