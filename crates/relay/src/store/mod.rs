//! Where the relay keeps sign-ins in progress and tokens waiting for their app: behind a small
//! async trait with two homes, memory (one replica, [`InMemoryStore`]) and Redis (any number of
//! replicas, [`RedisStore`]), so handlers never know which. Both keep the same promises:
//! bounded (a full store refuses new records rather than growing, and one client cannot fill
//! it); a session is taken once; a handoff is redeemed once, and a wrong verifier does not burn
//! it; records leave on time; starting and redeeming count against the client's rate limit in
//! the same step as the operation (on Redis, one round trip for both). Nothing here touches disk. A shared store that does not answer
//! is [`Unavailable`], never a hang: the handlers answer 503.

mod memory;
mod redis;
mod seal;

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use evergreen_instagram::{AccessToken, Network};
use serde::{Deserialize, Serialize};

pub use memory::InMemoryStore;
pub use redis::{Redis, RedisStore};
pub use seal::{HandoffKey, InvalidKey};

/// A sign-in started by an app, waiting for Instagram's redirect.
#[derive(Clone)]
pub struct Session {
    /// The network the app asked to connect: only that network's callback finishes it.
    pub network: Network,
    /// The `state` sent to the network and back.
    pub state: String,
    /// Who started it (the rate limits' key), for the per-client cap.
    pub client: IpAddr,
    /// `BASE64URL(SHA256(verifier))` from the app.
    pub challenge: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Without `state` (what the callback is matched by) or the challenge.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("network", &self.network)
            .field("client", &self.client)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn instagram() -> Network {
    Network::Instagram
}

/// What the app receives for a handoff, exactly once.
#[derive(Clone, Serialize, Deserialize)]
pub struct HandoffPayload {
    /// Which network the token is for (a record sealed before Threads was offered is
    /// Instagram's).
    #[serde(default = "instagram")]
    pub network: Network,
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

/// The shared store did not answer in time, or refused the connection: nothing was changed
/// that the caller can rely on, and the request is answered 503. The reason is for the log
/// (it never holds a record's content).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the session store is unavailable: {0}")]
pub struct Unavailable(pub String);

/// How much a store holds, and how fast one client may use it.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Sessions held at once.
    pub max_sessions: usize,
    /// Handoffs held at once.
    pub max_handoffs: usize,
    /// Sessions one client may have waiting.
    pub max_sessions_per_client: usize,
    /// Sessions one client may start per minute.
    pub sessions_per_minute: u32,
    /// Redemptions one client may attempt per minute.
    pub redemptions_per_minute: u32,
}

impl Bounds {
    /// The bounds `config` sets.
    pub fn of(config: &crate::Config) -> Self {
        Self {
            max_sessions: config.max_sessions,
            max_handoffs: config.max_handoffs,
            max_sessions_per_client: config.max_sessions_per_client,
            sessions_per_minute: config.sessions_per_minute,
            redemptions_per_minute: config.redemptions_per_minute,
        }
    }
}

/// Why a record was not kept, or a redemption not attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The store is at its bound.
    Full,
    /// This client has as many sign-ins waiting as it may (sessions only).
    TooManyForClient,
    /// This client is over its rate limit: nothing was done.
    RateLimited {
        /// When the next attempt is allowed.
        retry_after_ms: u64,
    },
    /// The shared store did not answer.
    Unavailable(String),
}

impl From<Unavailable> for Refused {
    fn from(e: Unavailable) -> Self {
        Self::Unavailable(e.0)
    }
}

/// The outcome of a redemption attempt.
#[derive(Debug)]
pub enum Redeemed {
    /// Verified and removed: the caller owns the only copy that anyone can redeem (on Redis, the
    /// call's retry memo keeps a sealed copy for at most `redis_timeout_ms`, under a random name
    /// only this call knows).
    Handoff(Box<Handoff>),
    /// No such handoff (never existed, already redeemed, or purged).
    Unknown,
    /// It existed but its time ran out; it is gone now.
    Expired,
    /// The verifier does not match; the handoff stays for its rightful owner.
    WrongVerifier,
}

/// Sessions and handoffs. `now` is the relay's clock (a test's, or the system's): lifetimes
/// are judged by it, so every store expires records at the same moment.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// Count a start against its client's limit, and keep the new session; refused over the
    /// limit, at the bound, or when its client has too many waiting.
    async fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused>;
    /// Remove and return the session for `state`, expired or not (single use).
    async fn take_session(&self, state: &str) -> Result<Option<Session>, Unavailable>;
    /// Keep a new handoff under `id`; `Full` at the bound (never `TooManyForClient`).
    async fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Refused>;
    /// Count an attempt against `client`'s limit, then atomically check and remove the handoff
    /// `id` if its challenge is `challenge` (the redeemer's verifier, hashed): of two concurrent
    /// redemptions, exactly one can win, and a wrong challenge leaves the handoff for its owner.
    /// Refused only `RateLimited` or `Unavailable`.
    async fn redeem(
        &self,
        id: &str,
        challenge: &str,
        client: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, Refused>;
    /// How many sessions and handoffs are held (the expired not counted).
    async fn counts(&self, now: DateTime<Utc>) -> Result<(usize, usize), Unavailable>;
    /// Drop every expired record.
    async fn purge(&self, now: DateTime<Utc>) -> Result<(), Unavailable>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_prints_neither_its_state_nor_its_challenge() {
        let session = Session {
            network: Network::Instagram,
            state: "state-secret-value".into(),
            client: "203.0.113.7".parse().unwrap(),
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            expires_at: Utc::now(),
        };
        let printed = format!("{session:?}");
        assert!(!printed.contains("state-secret-value") && !printed.contains("E9Melhoa2"), "{printed}");
    }
}
