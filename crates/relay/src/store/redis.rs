//! The shared store: Redis, so any replica can take the session another started and redeem the
//! handoff a third made. Each operation is one Lua script (one round trip, atomic on the server):
//!
//! * a session is `SET … PX` under `s:<name>` and taken with `GETDEL`; a handoff lives under
//!   `h:<name>`. A name is a keyed hash of the `state` or handoff id ([`HandoffKey::name`]), and
//!   every record is sealed to what it is stored under, so Redis holds no `state`, id, challenge
//!   of a session or token that a reader could use or a writer could replace;
//! * a handoff is redeemed by a compare-and-delete script: it deletes the record only when the
//!   challenge matches, so a wrong verifier burns nothing, and of two redemptions on two
//!   replicas exactly one gets it. (Chosen over a key derived from id and challenge because it
//!   keeps the three answers — unknown, expired, wrong verifier — the app and the in-memory
//!   store already give; the comparison is of the challenge, which is no secret: knowing it does
//!   not yield a verifier.)
//! * the size bounds are sorted sets per kind, and per client, scored by expiry: a count is
//!   `ZCARD` after dropping the expired, so a record counts exactly as long as it lives;
//! * lifetimes are judged by the relay's clock (like memory, and so the tests can move it): the
//!   replicas' clocks must agree (NTP), as a replica ahead by a minute ends records a minute
//!   early. Each key also carries a Redis expiry of its lifetime, so nothing outlives its time
//!   even if no replica runs; the rate limits run on Redis' own clock;
//! * starting and redeeming first run the client's rate limit ([`GCRA_LUA`], under
//!   `rate:<limit>:<address>`) in the same script: one round trip for both, and a request over
//!   the limit changes nothing;
//! * every script first checks that the replicas on this Redis share this replica's key
//!   (`key-check` holds the first one's [`HandoffKey::fingerprint`]): a replica given another
//!   key answers 503 and changes nothing, rather than destroying records it cannot open.
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

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use super::seal::Sealed;
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
            Ok(Err(error)) if error.code() == Some(WRONG_KEY) => Err(Unavailable(
                "this replica's RELAY_HANDOFF_KEY is not the key of the replicas already using this Redis \
                 (give every replica the same key; see relay.toml)"
                    .into(),
            )),
            Ok(Err(error)) => Err(Unavailable(describe(&error))),
            Err(_) => Err(Unavailable(format!("no answer within {} ms", self.timeout.as_millis()))),
        }
    }
}

/// The connection was found closed (Redis restarted since it was last used, or the link
/// dropped): the connection manager reconnects, and the call is worth one more try on the new
/// connection, within the same timeout. Never after a timeout, when the first try may still be
/// running. The driver cannot say whether the first try reached Redis, so every script is safe
/// to run twice with the same arguments: an insert finds its own record, and a take or a
/// redemption that ran but whose answer was lost finds it again under the call's memo.
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

/// Starts every script: `same_key(KEYS[1], ARGV[1])` is false when the replicas already using
/// this Redis have another key than this one's fingerprint `ARGV[1]` (the first to come records
/// its own). Checked before anything is read or changed, so a misconfigured replica destroys
/// nothing: every record it would open is another key's.
const SAME_KEY_LUA: &str = r"
local function same_key(key, fingerprint)
  local held = redis.call('GET', key)
  if held == fingerprint then return true end
  if held then return false end
  redis.call('SET', key, fingerprint)
  return true
end
if not same_key(KEYS[1], ARGV[1]) then return redis.error_reply('WRONGKEY another RELAY_HANDOFF_KEY') end
";

/// The error code a script answers with when [`SAME_KEY_LUA`] fails.
const WRONG_KEY: &str = "WRONGKEY";

// The scripts below are each run as `SAME_KEY_LUA` (and where they count a request,
// `GCRA_LUA`) followed by the script. Each is safe to run twice with the same arguments, as
// `Redis::run` may (see `found_dead`): an insert finds its own record already there, and a
// take or a redemption finds the answer it gave under its call's memo (`ARGV` names its life).

/// Answers `{0}` kept, `{1}` full, `{2}` too many for the client, `{3, ms}` over the limit.
const INSERT_SESSION: &str = r"
-- KEYS: key check, sessions set, this client's set, the session, this client's limit;
-- ARGV: fingerprint, now, max, max per client, expires, ttl, value, name, interval, burst
if redis.call('GET', KEYS[4]) == ARGV[7] then return {0} end
local wait = admit(KEYS[5], tonumber(ARGV[9]), tonumber(ARGV[10]))
if wait > 0 then return {3, wait} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {1} end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return {2} end
redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[8])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[6]) then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end
return {0}
";

const TAKE_SESSION: &str = r"
-- KEYS: key check, the session, sessions set, this call's memo;
-- ARGV: fingerprint, name, the client sets' key prefix, the memo's life
local memo = redis.call('GET', KEYS[4])
if memo then return memo end
local value = redis.call('GETDEL', KEYS[2])
if not value then return false end
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', ARGV[3] .. cjson.decode(value)['client'], ARGV[2])
redis.call('SET', KEYS[4], value, 'PX', ARGV[4])
return value
";

const INSERT_HANDOFF: &str = r"
-- KEYS: key check, handoffs set, the handoff; ARGV: fingerprint, now, max, expires, ttl, value, name
if redis.call('GET', KEYS[3]) == ARGV[6] then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 1 end
redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
return 0
";

/// 0 unknown, 1 expired (deleted), 2 wrong challenge (kept), 3 redeemed (deleted) + the sealed
/// payload, 4 over the limit + the ms to wait.
const REDEEM: &str = r"
-- KEYS: key check, the handoff, handoffs set, this client's limit, this call's memo;
-- ARGV: fingerprint, name, challenge, now, interval, burst, the memo's life
local memo = redis.call('GET', KEYS[5])
if memo then return {3, memo} end
local wait = admit(KEYS[4], tonumber(ARGV[5]), tonumber(ARGV[6]))
if wait > 0 then return {4, tostring(wait)} end
local value = redis.call('GET', KEYS[2])
if not value then return {0, ''} end
local handoff = cjson.decode(value)
if tonumber(handoff['expires_ms']) <= tonumber(ARGV[4]) then
  redis.call('DEL', KEYS[2]); redis.call('ZREM', KEYS[3], ARGV[2])
  return {1, ''}
end
if handoff['challenge'] ~= ARGV[3] then return {2, ''} end
redis.call('DEL', KEYS[2]); redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('SET', KEYS[5], handoff['sealed'], 'PX', ARGV[7])
return {3, handoff['sealed']}
";

const COUNTS: &str = r"
-- KEYS: key check, sessions set, handoffs set; ARGV: fingerprint, now
return {redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[2], '+inf'), redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[2], '+inf')}
";

const PURGE: &str = r"
-- KEYS: key check, sessions set, handoffs set; ARGV: fingerprint, now
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
return 0
";

/// A session as Redis holds it: its client in the clear (the script keeps the per-client bound
/// with it), the rest sealed to its `state`.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    client: IpAddr,
    sealed: String,
}

/// What a session's seal holds.
#[derive(Serialize, Deserialize)]
struct SealedSession {
    client: IpAddr,
    challenge: String,
    expires_ms: i64,
}

/// A handoff as Redis holds it: the token only sealed. The challenge is in the clear for the
/// compare-and-delete (it is no secret, and the seal is bound to it).
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
    /// A store on `redis` within `bounds`, sealing records with `key`.
    pub fn new(redis: Redis, key: HandoffKey, bounds: Bounds) -> Self {
        let script = |parts: &[&str]| Script::new(&parts.concat());
        let scripts = Scripts {
            insert_session: script(&[GCRA_LUA, SAME_KEY_LUA, INSERT_SESSION]),
            take_session: script(&[SAME_KEY_LUA, TAKE_SESSION]),
            insert_handoff: script(&[SAME_KEY_LUA, INSERT_HANDOFF]),
            redeem: script(&[GCRA_LUA, SAME_KEY_LUA, REDEEM]),
            counts: script(&[SAME_KEY_LUA, COUNTS]),
            purge: script(&[SAME_KEY_LUA, PURGE]),
        };
        Self { redis, key, bounds, scripts }
    }

    /// An invocation of `script` with the key check's key and argument in place.
    fn invoke<'a>(&self, script: &'a Script) -> ScriptInvocation<'a> {
        let mut invocation = script.prepare_invoke();
        invocation.key(self.redis.key("key-check")).arg(self.key.fingerprint());
        invocation
    }

    fn limit_key(&self, limit: &str, client: IpAddr) -> String {
        self.redis.key(&format!("rate:{limit}:{client}"))
    }

    fn session_name(&self, state: &str) -> String {
        self.key.name(Sealed::Session, state)
    }

    fn handoff_name(&self, id: &str) -> String {
        self.key.name(Sealed::Handoff, id)
    }

    fn client_prefix(&self) -> String {
        self.redis.key("client:")
    }

    /// Where one call keeps its answer for its own retry: a random name, so no other call finds it.
    fn memo_key(&self) -> String {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        self.redis.key(&format!("retry:{}", URL_SAFE_NO_PAD.encode(nonce)))
    }

    /// How long a memo is kept: as long as the call that may retry can last.
    fn memo_ms(&self) -> u128 {
        self.redis.timeout.as_millis().max(1)
    }
}

/// The lifetime left, in whole milliseconds, at least one (Redis refuses `PX 0`).
fn ttl_ms(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (expires_at - now).num_milliseconds().max(1)
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn not_ours(what: &str) -> Unavailable {
    Unavailable(format!("{what} in Redis is not in this relay's format or does not open with its key"))
}

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused> {
        let expires_ms = session.expires_at.timestamp_millis();
        let mut sealed = serde_json::to_vec(&SealedSession {
            client: session.client,
            challenge: session.challenge.clone(),
            expires_ms,
        })
        .expect("a session serializes");
        let stored = StoredSession {
            client: session.client,
            sealed: self.key.seal(Sealed::Session, &sealed, &[&session.state]),
        };
        sealed.zeroize();
        let value = serde_json::to_string(&stored).expect("a session serializes");
        let name = self.session_name(&session.state);
        let mut invocation = self.invoke(&self.scripts.insert_session);
        invocation
            .key(self.redis.key("sessions"))
            .key(format!("{}{}", self.client_prefix(), session.client))
            .key(self.redis.key(&format!("s:{name}")))
            .key(self.limit_key("sessions", session.client))
            .arg(now.timestamp_millis())
            .arg(self.bounds.max_sessions)
            .arg(self.bounds.max_sessions_per_client)
            .arg(expires_ms)
            .arg(ttl_ms(session.expires_at, now))
            .arg(value)
            .arg(&name)
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
        let name = self.session_name(state);
        let mut invocation = self.invoke(&self.scripts.take_session);
        invocation
            .key(self.redis.key(&format!("s:{name}")))
            .key(self.redis.key("sessions"))
            .key(self.memo_key())
            .arg(&name)
            .arg(self.client_prefix())
            .arg(self.memo_ms());
        let Some(value) = self.redis.run::<Option<String>>(invocation).await? else {
            return Ok(None);
        };
        // Taken already: a record that does not open (altered in Redis) is gone, and the sign-in
        // with it, rather than trusted.
        let stored: StoredSession = serde_json::from_str(&value).map_err(|_| not_ours("a session"))?;
        let opened =
            self.key.open(Sealed::Session, &stored.sealed, &[state]).map_err(|_| not_ours("a session"))?;
        let session: SealedSession = serde_json::from_slice(&opened).map_err(|_| not_ours("a session"))?;
        Ok(Some(Session {
            state: state.to_string(),
            client: session.client,
            challenge: session.challenge,
            expires_at: from_ms(session.expires_ms),
        }))
    }

    async fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Refused> {
        let mut plaintext = serde_json::to_vec(&handoff.payload).expect("a payload serializes");
        let sealed = self.key.seal(Sealed::Handoff, &plaintext, &[&id, &handoff.challenge]);
        plaintext.zeroize();
        let stored = StoredHandoff {
            challenge: handoff.challenge.clone(),
            expires_ms: handoff.expires_at.timestamp_millis(),
            sealed,
        };
        let value = serde_json::to_string(&stored).expect("a handoff serializes");
        let name = self.handoff_name(&id);
        let mut invocation = self.invoke(&self.scripts.insert_handoff);
        invocation
            .key(self.redis.key("handoffs"))
            .key(self.redis.key(&format!("h:{name}")))
            .arg(now.timestamp_millis())
            .arg(self.bounds.max_handoffs)
            .arg(stored.expires_ms)
            .arg(ttl_ms(handoff.expires_at, now))
            .arg(value)
            .arg(&name);
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
        let name = self.handoff_name(id);
        let mut invocation = self.invoke(&self.scripts.redeem);
        invocation
            .key(self.redis.key(&format!("h:{name}")))
            .key(self.redis.key("handoffs"))
            .key(self.limit_key("redemptions", client))
            .key(self.memo_key())
            .arg(&name)
            .arg(challenge)
            .arg(now.timestamp_millis())
            .arg(interval_ms(self.bounds.redemptions_per_minute))
            .arg(self.bounds.redemptions_per_minute.max(1))
            .arg(self.memo_ms());
        let (outcome, sealed) = self.redis.run::<(i64, String)>(invocation).await?;
        match outcome {
            0 => Ok(Redeemed::Unknown),
            1 => Ok(Redeemed::Expired),
            2 => Ok(Redeemed::WrongVerifier),
            4 => Err(Refused::RateLimited { retry_after_ms: sealed.parse().unwrap_or(1000) }),
            _ => {
                // Deleted already: a payload that does not open is gone, as a redeemed one is.
                let plaintext = self
                    .key
                    .open(Sealed::Handoff, &sealed, &[id, challenge])
                    .map_err(|_| not_ours("a handoff"))?;
                let payload: HandoffPayload =
                    serde_json::from_slice(&plaintext).map_err(|_| not_ours("a handoff"))?;
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
        let mut invocation = self.invoke(&self.scripts.counts);
        invocation
            .key(self.redis.key("sessions"))
            .key(self.redis.key("handoffs"))
            .arg(now.timestamp_millis());
        self.redis.run(invocation).await
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<(), Unavailable> {
        let mut invocation = self.invoke(&self.scripts.purge);
        invocation
            .key(self.redis.key("sessions"))
            .key(self.redis.key("handoffs"))
            .arg(now.timestamp_millis());
        self.redis.run::<i64>(invocation).await.map(drop)
    }
}
