//! Where the relay keeps sign-ins in progress and tokens waiting for their app: behind a small
//! trait, so a shared store can replace memory when several replicas serve one app. Bounded:
//! a full store refuses new records rather than growing. Nothing here touches disk.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use evergreen_instagram::AccessToken;
use serde::Serialize;

/// A sign-in started by an app, waiting for Instagram's redirect.
#[derive(Debug, Clone)]
pub struct Session {
    /// The `state` sent to Instagram and back.
    pub state: String,
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
    /// Keep a new session; `Full` at the bound (after dropping expired ones).
    fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Full>;
    /// Remove and return the session for `state`, expired or not (single use).
    fn take_session(&self, state: &str) -> Option<Session>;
    /// Keep a new handoff under `id`; `Full` at the bound.
    fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Full>;
    /// Atomically check and remove the handoff `id`: of two concurrent redemptions, exactly one
    /// can win.
    fn redeem(&self, id: &str, now: DateTime<Utc>, verify: &dyn Fn(&Handoff) -> bool) -> Redeemed;
    /// How many sessions and handoffs are held.
    fn counts(&self) -> (usize, usize);
}

/// The default store: memory, bounded, one mutex (a few small records per sign-in).
pub struct InMemoryStore {
    max_sessions: usize,
    max_handoffs: usize,
    inner: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    sessions: HashMap<String, Session>,
    handoffs: HashMap<String, Handoff>,
}

impl InMemoryStore {
    /// A store holding at most these many records of each kind.
    pub fn new(max_sessions: usize, max_handoffs: usize) -> Self {
        Self { max_sessions, max_handoffs, inner: Mutex::default() }
    }

    fn maps(&self) -> MutexGuard<'_, Maps> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SessionStore for InMemoryStore {
    fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Full> {
        let mut maps = self.maps();
        if maps.sessions.len() >= self.max_sessions {
            maps.sessions.retain(|_, s| s.expires_at > now);
        }
        if maps.sessions.len() >= self.max_sessions {
            return Err(Full);
        }
        maps.sessions.insert(session.state.clone(), session);
        Ok(())
    }

    fn take_session(&self, state: &str) -> Option<Session> {
        self.maps().sessions.remove(state)
    }

    fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Full> {
        let mut maps = self.maps();
        if maps.handoffs.len() >= self.max_handoffs {
            maps.handoffs.retain(|_, h| h.expires_at > now);
        }
        if maps.handoffs.len() >= self.max_handoffs {
            return Err(Full);
        }
        maps.handoffs.insert(id, handoff);
        Ok(())
    }

    fn redeem(&self, id: &str, now: DateTime<Utc>, verify: &dyn Fn(&Handoff) -> bool) -> Redeemed {
        let mut maps = self.maps();
        let Some(handoff) = maps.handoffs.get(id) else { return Redeemed::Unknown };
        if handoff.expires_at <= now {
            maps.handoffs.remove(id);
            return Redeemed::Expired;
        }
        if !verify(handoff) {
            return Redeemed::WrongVerifier;
        }
        maps.handoffs.remove(id).map_or(Redeemed::Unknown, |h| Redeemed::Handoff(Box::new(h)))
    }

    fn counts(&self) -> (usize, usize) {
        let maps = self.maps();
        (maps.sessions.len(), maps.handoffs.len())
    }
}
