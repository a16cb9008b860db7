//! The shared store: Redis, so any replica can take the session another started and redeem the
//! handoff a third made. Each operation is one Lua script (one round trip, atomic on the server):
//!
//! * a session is `SET … PX` under `s:<state>` and taken with `GETDEL`;
//! * a handoff is redeemed by a compare-and-delete script: it deletes the record only when the
//!   challenge matches, so a wrong verifier burns nothing, and of two redemptions on two
//!   replicas exactly one gets it. (Chosen over a key derived from id and challenge because it
//!   keeps the three answers — unknown, expired, wrong verifier — the app and the in-memory
//!   store already give; the comparison is of the challenge, which is no secret: knowing it does
//!   not yield a verifier.)
//! * the size bounds are sorted sets per kind, and per client, scored by expiry: a count is
//!   `ZCARD` after dropping the expired, so a record counts exactly as long as it lives;
//! * lifetimes are judged by the relay's clock (like memory), and each key also carries a Redis
//!   expiry of its lifetime, so nothing outlives its time even if no replica runs;
//! * the token is sealed ([`HandoffKey`]) before it is sent;
//! * starting and redeeming first run the client's rate limit ([`GCRA_LUA`], under
//!   `rate:<limit>:<address>`) in the same script: one round trip for both, and a request over
//!   the limit changes nothing.
//!
//! Keys live under one prefix. Scripts touch keys they build from it, so this is for a single
//! Redis (or a primary with replicas), not Redis Cluster. Every call is bounded by the
//! configured timeout; a Redis that is down or slow is [`Unavailable`], and the connection
//! manager reconnects by itself when it returns.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Script, ScriptInvocation};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::{
    Bounds, Handoff, HandoffKey, HandoffPayload, Redeemed, Refused, Session, SessionStore, Unavailable,
};
use crate::limit::{GCRA_LUA, interval_ms};

/// Connections to the shared Redis, with its key prefix and the longest any call may take.
/// Cheap to clone (the connections are shared).
#[derive(Clone)]
pub struct Redis {
    /// A few multiplexed connections, taken in turn: one is a single task that every request
    /// would queue behind (measured: two replicas on one Redis outran one replica).
    connections: Arc<[ConnectionManager]>,
    next: Arc<AtomicUsize>,
    prefix: String,
    timeout: Duration,
}

/// How many connections one replica keeps to Redis.
const CONNECTIONS: usize = 4;

impl Redis {
    /// A lazy connection to `info` (connected on first use, reconnected after a failure), every
    /// call bounded by `timeout`.
    pub fn lazy(info: redis::ConnectionInfo, prefix: &str, timeout: Duration) -> redis::RedisResult<Self> {
        let client = redis::Client::open(info)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            // Fail fast and let the next request try again: a request never waits out a
            // reconnection schedule.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let connections = (0..CONNECTIONS)
            .map(|_| ConnectionManager::new_lazy_with_config(client.clone(), config.clone()))
            .collect::<redis::RedisResult<Arc<[_]>>>()?;
        Ok(Self { connections, next: Arc::default(), prefix: prefix.to_string(), timeout })
    }

    fn connection(&self) -> ConnectionManager {
        self.connections[self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len()].clone()
    }

    /// `prefix + name`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Run `invocation`, within the timeout. `EVALSHA`, and `EVAL` once after a Redis restart
    /// forgot the script.
    pub async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: ScriptInvocation<'_>,
    ) -> Result<T, Unavailable> {
        let mut connection = self.connection();
        self.bounded(async {
            match invocation.invoke_async(&mut connection).await {
                Err(error) if found_dead(&error) => invocation.invoke_async(&mut connection).await,
                answer => answer,
            }
        })
        .await
    }

    async fn bounded<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Result<T, Unavailable> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Unavailable(describe(&error))),
            Err(_) => Err(Unavailable(format!("no answer within {} ms", self.timeout.as_millis()))),
        }
    }
}

/// The connection was found closed (Redis restarted since it was last used): the connection
/// manager reconnects, and the call is worth one more try on the new connection, within the
/// same timeout. Never after a timeout, when the first try may still be running. A connection
/// that died after running a script and before answering would make the retry see its effect
/// (a session already taken, a handoff already redeemed: the person is told to start again);
/// a Redis that dies there has lost everything it held anyway, persistence being off.
fn found_dead(error: &redis::RedisError) -> bool {
    !error.is_timeout()
        && (error.is_connection_dropped() || error.is_io_error() || error.is_connection_refusal())
}

/// A Redis error for the log: its kind and category, never a value (errors quote none, but
/// a script error could quote its arguments).
fn describe(error: &redis::RedisError) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connection_refusal() || error.is_connection_dropped() || error.is_io_error() {
        "not reachable".into()
    } else {
        format!("{:?}", error.kind())
    }
}

/// After [`GCRA_LUA`]. Answers `{0}` kept, `{1}` full, `{2}` too many for the client, `{3, ms}`
/// over the limit.
const INSERT_SESSION: &str = r"
-- KEYS: sessions set, this client's set, the session, this client's limit;
-- ARGV: now, max, max per client, expires, ttl, value, state, interval, burst
local wait = admit(KEYS[4], tonumber(ARGV[8]), tonumber(ARGV[9]))
if wait > 0 then return {3, wait} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {1} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {2} end
redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
return {0}
";

const TAKE_SESSION: &str = r"
-- KEYS: the session, sessions set; ARGV: state, the client sets' key prefix
local value = redis.call('GETDEL', KEYS[1])
if not value then return false end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', ARGV[2] .. cjson.decode(value)['client'], ARGV[1])
return value
";

const INSERT_HANDOFF: &str = r"
-- KEYS: handoffs set, the handoff; ARGV: now, max, expires, ttl, value, id
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[6])
return 0
";

/// After [`GCRA_LUA`].
const REDEEM: &str = r"
-- KEYS: the handoff, handoffs set, this client's limit; ARGV: id, challenge, now, interval, burst.
-- 0 unknown, 1 expired (deleted), 2 wrong challenge (kept), 3 redeemed (deleted) + sealed payload,
-- 4 over the limit + the ms to wait
local wait = admit(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
if wait > 0 then return {4, tostring(wait)} end
local value = redis.call('GET', KEYS[1])
if not value then return {0, ''} end
local handoff = cjson.decode(value)
if tonumber(handoff['expires_ms']) <= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1]); redis.call('ZREM', KEYS[2], ARGV[1])
  return {1, ''}
end
if handoff['challenge'] ~= ARGV[2] then return {2, ''} end
redis.call('DEL', KEYS[1]); redis.call('ZREM', KEYS[2], ARGV[1])
return {3, handoff['sealed']}
";

const COUNTS: &str = r"
-- KEYS: sessions set, handoffs set; ARGV: now
return {redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf'), redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf')}
";

const PURGE: &str = r"
-- KEYS: sessions set, handoffs set; ARGV: now
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return 0
";

/// A session as Redis holds it.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    client: IpAddr,
    challenge: String,
    expires_ms: i64,
}

/// A handoff as Redis holds it: the token only sealed.
#[derive(Serialize, Deserialize)]
struct StoredHandoff {
    challenge: String,
    expires_ms: i64,
    sealed: String,
}

/// Sessions and handoffs in Redis. See the module's documentation.
pub struct RedisStore {
    redis: Redis,
    key: HandoffKey,
    bounds: Bounds,
    scripts: Scripts,
}

struct Scripts {
    insert_session: Script,
    take_session: Script,
    insert_handoff: Script,
    redeem: Script,
    counts: Script,
    purge: Script,
}

impl RedisStore {
    /// A store on `redis` within `bounds`, sealing tokens with `key`.
    pub fn new(redis: Redis, key: HandoffKey, bounds: Bounds) -> Self {
        let scripts = Scripts {
            insert_session: Script::new(&format!("{GCRA_LUA}{INSERT_SESSION}")),
            take_session: Script::new(TAKE_SESSION),
            insert_handoff: Script::new(INSERT_HANDOFF),
            redeem: Script::new(&format!("{GCRA_LUA}{REDEEM}")),
            counts: Script::new(COUNTS),
            purge: Script::new(PURGE),
        };
        Self { redis, key, bounds, scripts }
    }

    fn limit_key(&self, limit: &str, client: IpAddr) -> String {
        self.redis.key(&format!("rate:{limit}:{client}"))
    }

    fn session_key(&self, state: &str) -> String {
        self.redis.key(&format!("s:{state}"))
    }

    fn handoff_key(&self, id: &str) -> String {
        self.redis.key(&format!("h:{id}"))
    }

    fn client_prefix(&self) -> String {
        self.redis.key("client:")
    }
}

/// The lifetime left, in whole milliseconds, at least one (Redis refuses `PX 0`).
fn ttl_ms(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (expires_at - now).num_milliseconds().max(1)
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused> {
        let stored = StoredSession {
            client: session.client,
            challenge: session.challenge.clone(),
            expires_ms: session.expires_at.timestamp_millis(),
        };
        let value = serde_json::to_string(&stored).expect("a session serializes");
        let mut invocation = self.scripts.insert_session.prepare_invoke();
        invocation
            .key(self.redis.key("sessions"))
            .key(format!("{}{}", self.client_prefix(), session.client))
            .key(self.session_key(&session.state))
            .key(self.limit_key("sessions", session.client))
            .arg(now.timestamp_millis())
            .arg(self.bounds.max_sessions)
            .arg(self.bounds.max_sessions_per_client)
            .arg(stored.expires_ms)
            .arg(ttl_ms(session.expires_at, now))
            .arg(value)
            .arg(&session.state)
            .arg(interval_ms(self.bounds.sessions_per_minute))
            .arg(self.bounds.sessions_per_minute.max(1));
        let answer = self.redis.run::<Vec<u64>>(invocation).await?;
        match answer.as_slice() {
            [0] => Ok(()),
            [1] => Err(Refused::Full),
            [2] => Err(Refused::TooManyForClient),
            [3, wait] => Err(Refused::RateLimited { retry_after_ms: *wait }),
            _ => Err(Refused::Unavailable("an answer from Redis not in this relay's format".into())),
        }
    }

    async fn take_session(&self, state: &str) -> Result<Option<Session>, Unavailable> {
        let mut invocation = self.scripts.take_session.prepare_invoke();
        invocation
            .key(self.session_key(state))
            .key(self.redis.key("sessions"))
            .arg(state)
            .arg(self.client_prefix());
        let Some(value) = self.redis.run::<Option<String>>(invocation).await? else {
            return Ok(None);
        };
        let stored: StoredSession = serde_json::from_str(&value)
            .map_err(|_| Unavailable("a session in Redis is not in this relay's format".into()))?;
        Ok(Some(Session {
            state: state.to_string(),
            client: stored.client,
            challenge: stored.challenge,
            expires_at: from_ms(stored.expires_ms),
        }))
    }

    async fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Refused> {
        let mut plaintext = serde_json::to_vec(&handoff.payload).expect("a payload serializes");
        let sealed = self.key.seal(&plaintext, &id, &handoff.challenge);
        plaintext.zeroize();
        let stored = StoredHandoff {
            challenge: handoff.challenge.clone(),
            expires_ms: handoff.expires_at.timestamp_millis(),
            sealed,
        };
        let value = serde_json::to_string(&stored).expect("a handoff serializes");
        let mut invocation = self.scripts.insert_handoff.prepare_invoke();
        invocation
            .key(self.redis.key("handoffs"))
            .key(self.handoff_key(&id))
            .arg(now.timestamp_millis())
            .arg(self.bounds.max_handoffs)
            .arg(stored.expires_ms)
            .arg(ttl_ms(handoff.expires_at, now))
            .arg(value)
            .arg(&id);
        match self.redis.run::<i64>(invocation).await? {
            0 => Ok(()),
            _ => Err(Refused::Full),
        }
    }

    async fn redeem(
        &self,
        id: &str,
        challenge: &str,
        client: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, Refused> {
        let mut invocation = self.scripts.redeem.prepare_invoke();
        invocation
            .key(self.handoff_key(id))
            .key(self.redis.key("handoffs"))
            .key(self.limit_key("redemptions", client))
            .arg(id)
            .arg(challenge)
            .arg(now.timestamp_millis())
            .arg(interval_ms(self.bounds.redemptions_per_minute))
            .arg(self.bounds.redemptions_per_minute.max(1));
        let (outcome, sealed) = self.redis.run::<(i64, String)>(invocation).await?;
        match outcome {
            0 => Ok(Redeemed::Unknown),
            1 => Ok(Redeemed::Expired),
            2 => Ok(Redeemed::WrongVerifier),
            4 => Err(Refused::RateLimited { retry_after_ms: sealed.parse().unwrap_or(1000) }),
            _ => {
                // Deleted already: a payload that does not open is gone, as a redeemed one is.
                let plaintext =
                    self.key.open(&sealed, id, challenge).map_err(|e| Unavailable(e.to_string()))?;
                let payload: HandoffPayload = serde_json::from_slice(&plaintext).map_err(|_| {
                    Refused::Unavailable("a handoff in Redis is not in this relay's format".into())
                })?;
                Ok(Redeemed::Handoff(Box::new(Handoff {
                    challenge: challenge.to_string(),
                    payload,
                    // Not kept in the clear; the redemption has just checked it.
                    expires_at: now,
                })))
            }
        }
    }

    async fn counts(&self, now: DateTime<Utc>) -> Result<(usize, usize), Unavailable> {
        let mut invocation = self.scripts.counts.prepare_invoke();
        invocation
            .key(self.redis.key("sessions"))
            .key(self.redis.key("handoffs"))
            .arg(now.timestamp_millis());
        self.redis.run(invocation).await
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<(), Unavailable> {
        let mut invocation = self.scripts.purge.prepare_invoke();
        invocation
            .key(self.redis.key("sessions"))
            .key(self.redis.key("handoffs"))
            .arg(now.timestamp_millis());
        self.redis.run::<i64>(invocation).await.map(drop)
    }
}
