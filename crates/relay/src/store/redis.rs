//! The shared store: Redis, so any replica can take the session another started and redeem the
//! handoff a third made. Each operation is one Lua script (one round trip, atomic on the server):
//!
//! * a session is `SET … PX` under `v1:<fingerprint>:s:<name>` and taken with `GETDEL`; a
//!   handoff lives under `v1:<fingerprint>:h:<name>`. A name is a keyed hash of the `state` or
//!   handoff id ([`HandoffKey::name`]), and every record is sealed to what it is stored under, so
//!   Redis holds no `state`, id, challenge of a session or token that a reader could use or a
//!   writer could replace. A record that does not open is refused like a missing one (the
//!   person starts again) and logged as an error;
//! * the records of one `RELAY_HANDOFF_KEY` live under its [`HandoffKey::fingerprint`]: replicas
//!   with different keys never read each other's records, so rotating the key is deploying the
//!   new one (the sign-ins in flight that cross from an old replica to a new one start again).
//!   Every purge notes the key in use (`keys`, scored by time): more than one in a minute is
//!   logged as a warning, which is how a replica given the wrong key is found;
//! * a handoff is redeemed by a compare-and-delete script: it deletes the record only when the
//!   challenge matches, so a wrong verifier burns nothing, and of two redemptions on two
//!   replicas exactly one gets it. (Chosen over a key derived from id and challenge because it
//!   keeps the three answers — unknown, expired, wrong verifier — the app and the in-memory
//!   store already give; the comparison is of the challenge, which is no secret: knowing it does
//!   not yield a verifier.)
//! * the size bounds are sorted sets per kind, and per client, scored by expiry, shared by every
//!   key: a count is `ZCARD` after dropping the expired, so a record counts exactly as long as
//!   it lives;
//! * lifetimes are judged by the relay's clock (like memory, and so the tests can move it): the
//!   replicas' clocks must agree (NTP), as a replica ahead by a minute ends records a minute
//!   early. Each key also carries a Redis expiry of its lifetime, so nothing outlives its time
//!   even if no replica runs; the rate limits run on Redis' own clock;
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
use evergreen_instagram::Network;
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

fn instagram() -> Network {
    Network::Instagram
}

/// The relay's clock (`state::Now`, which holds the store: named here, not imported).
type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The connection to the shared Redis, with its key prefix and the longest any call may take.
/// Cheap to clone (the connection is shared).
#[derive(Clone)]
pub struct Redis {
    link: Arc<Link>,
    prefix: String,
    timeout: Duration,
}

/// The replica's connection to Redis, and how to make it anew.
struct Link {
    current: std::sync::RwLock<Connection>,
    client: redis::Client,
    config: ConnectionManagerConfig,
    /// The relay's clock, for [`RENEW_AT_MOST_EVERY`].
    now: Now,
    /// When the connection was last made anew.
    renewed: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// One multiplexed connection: the requests in flight at a moment go out in one write and Redis
/// reads them in one go (against four taken in turn, Redis' CPU per request fell by a fifth;
/// docs/PERFORMANCE.md, *The relay on Redis*). Its generation says which one it is, so a
/// failure seen on one already replaced replaces nothing.
#[derive(Clone)]
struct Connection {
    generation: u64,
    manager: ConnectionManager,
}

/// The connection manager reconnects by itself only after an I/O error: a connection whose
/// set-up Redis refused (`AUTH` before its password was applied, its client limit reached) it
/// keeps, failed, for ever. So after a call fails with any other error, a `PING` on the same
/// connection tells the call's own refusal (out of memory, read-only, a script's error: the
/// `PING` is answered, the connection is kept) from a refused connection (the `PING` is refused
/// too), which is made anew — at most this often, so a Redis that refuses every connection is
/// not asked for a new one per request.
const RENEW_AT_MOST_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

impl Redis {
    /// A lazy connection to `info` (connected on first use, reconnected after a failure), every
    /// call bounded by `timeout`; `now` is the relay's clock.
    pub fn lazy(
        info: redis::ConnectionInfo,
        prefix: &str,
        timeout: Duration,
        now: Now,
    ) -> redis::RedisResult<Self> {
        let client = redis::Client::open(info.set_tcp_settings(tcp_settings(timeout)))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            // Fail fast and let the next request try again: a request never waits out a
            // reconnection schedule.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())?;
        let link = Link {
            current: std::sync::RwLock::new(Connection { generation: 0, manager }),
            client,
            config,
            now,
            renewed: std::sync::Mutex::new(None),
        };
        Ok(Self { link: Arc::new(link), prefix: prefix.to_string(), timeout })
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
        let connection = self.connection();
        let mut manager = connection.manager.clone();
        let call = async {
            let answer = match invocation.invoke_async(&mut manager).await {
                Err(error) if found_dead(&error) => invocation.invoke_async(&mut manager).await,
                answer => answer,
            };
            if let Err(error) = &answer
                && !error.is_timeout()
                && !found_dead(error)
                && redis::cmd("PING").query_async::<()>(&mut manager).await.is_err_and(|e| !found_dead(&e))
            {
                self.renew(connection.generation, error);
            }
            answer
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Unavailable(describe(&error))),
            Err(_) => Err(Unavailable(format!("no answer within {} ms", self.timeout.as_millis()))),
        }
    }

    fn connection(&self) -> Connection {
        self.link.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// A new connection for the next request, in place of `generation` if it is still the one
    /// and none was made in the last [`RENEW_AT_MOST_EVERY`].
    fn renew(&self, generation: u64, error: &redis::RedisError) {
        let mut current = self.link.current.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut renewed = self.link.renewed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = (self.link.now)();
        if current.generation != generation || renewed.is_some_and(|at| now - at < RENEW_AT_MOST_EVERY) {
            return;
        }
        match ConnectionManager::new_lazy_with_config(self.link.client.clone(), self.link.config.clone()) {
            Ok(manager) => {
                *current = Connection { generation: generation + 1, manager };
                *renewed = Some(now);
                tracing::warn!(error = %describe(error), "Redis refused the relay's connection; connecting again");
            }
            Err(error) => tracing::error!(error = %describe(&error), "could not make a new Redis connection"),
        }
    }
}

/// A link on which what was sent stays unacknowledged this long is dead: the relay's one
/// connection is then closed and made again. Without it, a link that died without a reset (a
/// host lost, a NAT or load-balancer entry dropped) would answer every request 503 until the
/// kernel gave up retransmitting, some 15 minutes. A live host's kernel acknowledges within
/// milliseconds even while Redis is busy, but a Redis that stops reading for this long (frozen,
/// swapping) lets its receive window close, and Linux counts that too: so it is never shorter
/// than twice the longest a call may take, and the requests it cuts off had already been
/// answered 503.
fn dead_link_after(timeout: Duration) -> Duration {
    Duration::from_secs(5).max(timeout * 2)
}

/// How the relay's TCP connection to Redis is set (a Unix socket needs none of it).
fn tcp_settings(timeout: Duration) -> redis::io::tcp::TcpSettings {
    let settings = redis::io::tcp::TcpSettings::default()
        // The requests in flight are written as they come; Nagle's algorithm would hold a
        // small write back until the previous one is acknowledged.
        .set_nodelay(true)
        // An idle link that died is found before the next request needs it.
        .set_keepalive(
            socket2::TcpKeepalive::new()
                .with_time(Duration::from_secs(15))
                .with_interval(Duration::from_secs(5)),
        );
    #[cfg(target_os = "linux")]
    let settings = settings.set_user_timeout(dead_link_after(timeout));
    #[cfg(not(target_os = "linux"))]
    let _ = timeout;
    settings
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

// Each script below is safe to run twice with the same arguments, as `Redis::run` may (see
// `found_dead`): an insert finds its own record already there, and a take or a redemption that
// changed something finds its answer under its call's memo (`ARGV` names its life). A retried
// start or redemption may count twice against its client's limit: the safe direction.
// One order is left: a first try stuck in a stalled Redis's input (the link given up, see
// `dead_link_after`) that runs after its retry and after the record was used would put the
// record back, until its expiry. Nothing comes of it: a session put back leads to a second
// exchange of a code Instagram already took, and a handoff put back opens only with the
// verifier of the app that already redeemed it.

/// Answers `{0}` kept, `{1}` full, `{2}` too many for the client, `{3, ms}` over the limit.
const INSERT_SESSION: &str = r"
-- KEYS: sessions set, this client's set, the session, this client's limit;
-- ARGV: now, max, max per client, expires, ttl, value, name, interval, burst
if redis.call('GET', KEYS[3]) == ARGV[6] then return {0} end
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

/// The session's stored value, or nil. A value not in this relay's format is taken all the
/// same (the replica refuses it; its client's set then keeps the name until it expires), and
/// so is a key of another type put in its place (answered as an empty value).
const TAKE_SESSION: &str = r"
-- KEYS: the session, sessions set, this call's memo; ARGV: name, the client sets' key prefix, the memo's life
local memo = redis.call('GET', KEYS[3])
if memo then return memo end
local value = redis.pcall('GETDEL', KEYS[1])
if type(value) == 'table' and value.err then
  redis.call('DEL', KEYS[1])
  value = ''
end
if not value then return false end
redis.call('ZREM', KEYS[2], ARGV[1])
local ok, stored = pcall(cjson.decode, value)
if ok and type(stored) == 'table' and type(stored['client']) == 'string' then
  redis.pcall('ZREM', ARGV[2] .. stored['client'], ARGV[1])
end
redis.call('SET', KEYS[3], value, 'PX', ARGV[3])
return value
";

const INSERT_HANDOFF: &str = r"
-- KEYS: handoffs set, the handoff; ARGV: now, max, expires, ttl, value, name
if redis.call('GET', KEYS[2]) == ARGV[5] then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[6])
return 0
";

/// `{0}` unknown, `{1}` expired (deleted), `{2}` wrong challenge (kept), `{3, value}` redeemed
/// (deleted), `{4, ms}` over the limit, `{5}` a record not in this relay's format, or a key of
/// another type in its place (deleted).
/// The memo keeps what changed the store, as the outcome's digit and the value.
const REDEEM: &str = r"
-- KEYS: the handoff, handoffs set, this client's limit, this call's memo;
-- ARGV: name, challenge, now, interval, burst, the memo's life
local memo = redis.call('GET', KEYS[4])
if memo then return {tonumber(string.sub(memo, 1, 1)), string.sub(memo, 2)} end
local wait = admit(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
if wait > 0 then return {4, tostring(wait)} end
local function finish(outcome, answer)
  redis.call('DEL', KEYS[1]); redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('SET', KEYS[4], outcome .. answer, 'PX', ARGV[6])
  return {outcome, answer}
end
local value = redis.pcall('GET', KEYS[1])
if type(value) == 'table' and value.err then return finish(5, '') end
if not value then return {0, ''} end
local ok, handoff = pcall(cjson.decode, value)
local expires = ok and type(handoff) == 'table' and tonumber(handoff['expires_ms'])
if not expires then return finish(5, '') end
if expires <= tonumber(ARGV[3]) then return finish(1, '') end
if handoff['challenge'] ~= ARGV[2] then return {2, ''} end
return finish(3, value)
";

const COUNTS: &str = r"
-- KEYS: sessions set, handoffs set; ARGV: now
return {redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf'), redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf')}
";

/// Also says this replica's key is in use, and answers how many keys were in the last minute,
/// by Redis' clock (so replicas whose clocks differ still agree on the minute).
const PURGE: &str = r"
-- KEYS: sessions set, handoffs set, keys in use; ARGV: now, fingerprint, how long a key counts
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local time = redis.call('TIME')
local redis_now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[3], redis_now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', redis_now - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[3]))
return redis.call('ZCARD', KEYS[3])
";

/// How long a key counts as in use after a replica last said so.
const KEY_IN_USE_MS: i64 = 60_000;

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
    /// A record sealed before Threads was offered is Instagram's.
    #[serde(default = "instagram")]
    network: Network,
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
    /// `<prefix>v1:<fingerprint>:`, where this key's records live.
    records: String,
    /// How many keys the last purge found in use, to say so when it changes.
    keys_seen: AtomicUsize,
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
        let scripts = Scripts {
            insert_session: Script::new(&[GCRA_LUA, INSERT_SESSION].concat()),
            take_session: Script::new(TAKE_SESSION),
            insert_handoff: Script::new(INSERT_HANDOFF),
            redeem: Script::new(&[GCRA_LUA, REDEEM].concat()),
            counts: Script::new(COUNTS),
            purge: Script::new(PURGE),
        };
        let records = redis.key(&format!("v1:{}:", key.fingerprint()));
        Self { redis, key, bounds, scripts, records, keys_seen: AtomicUsize::new(1) }
    }

    fn limit_key(&self, limit: &str, client: IpAddr) -> String {
        self.redis.key(&format!("rate:{limit}:{client}"))
    }

    /// Where the session for `state` lives, and its name in the bounds' sets.
    fn session_key(&self, state: &str) -> (String, String) {
        let name = self.key.name(Sealed::Session, state);
        (format!("{}s:{name}", self.records), name)
    }

    /// Where the handoff `id` lives, and its name in the bounds' sets.
    fn handoff_key(&self, id: &str) -> (String, String) {
        let name = self.key.name(Sealed::Handoff, id);
        (format!("{}h:{name}", self.records), name)
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

    /// Drop the expired, note that this replica's key is in use, and answer how many keys the
    /// replicas on this Redis used in the last minute (more than one: a rotation under way, or
    /// a replica given the wrong key).
    async fn purge_and_count_keys(&self, now: DateTime<Utc>) -> Result<usize, Unavailable> {
        let mut invocation = self.scripts.purge.prepare_invoke();
        invocation
            .key(self.redis.key("sessions"))
            .key(self.redis.key("handoffs"))
            .key(self.redis.key("keys"))
            .arg(now.timestamp_millis())
            .arg(self.key.fingerprint())
            .arg(KEY_IN_USE_MS);
        self.redis.run(invocation).await
    }
}

/// The lifetime left, in whole milliseconds, at least one (Redis refuses `PX 0`).
fn ttl_ms(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (expires_at - now).num_milliseconds().max(1)
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A record that was in Redis under this key's name but does not open: someone who can write to
/// Redis altered it. It is gone (taken or deleted), and the sign-in with it: the person is told
/// to start again, and the operator why.
fn refused_altered(what: &str) {
    tracing::error!(
        record = what,
        "a record in Redis does not open with this relay's key: it was altered by something other \
         than a relay (check who can write to Redis); the sign-in it belonged to must start again"
    );
}

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn insert_session(&self, session: Session, now: DateTime<Utc>) -> Result<(), Refused> {
        let expires_ms = session.expires_at.timestamp_millis();
        let mut sealed = serde_json::to_vec(&SealedSession {
            network: session.network,
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
        let (key, name) = self.session_key(&session.state);
        let mut invocation = self.scripts.insert_session.prepare_invoke();
        invocation
            .key(self.redis.key("sessions"))
            .key(format!("{}{}", self.client_prefix(), session.client))
            .key(key)
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
        let (key, name) = self.session_key(state);
        let mut invocation = self.scripts.take_session.prepare_invoke();
        invocation
            .key(key)
            .key(self.redis.key("sessions"))
            .key(self.memo_key())
            .arg(&name)
            .arg(self.client_prefix())
            .arg(self.memo_ms());
        // Bytes, not text: a value that is not UTF-8 is an altered record, not a Redis failure.
        let Some(value) = self.redis.run::<Option<Vec<u8>>>(invocation).await? else {
            return Ok(None);
        };
        let opened = serde_json::from_slice::<StoredSession>(&value).ok().and_then(|stored| {
            let plaintext = self.key.open(Sealed::Session, &stored.sealed, &[state]).ok()?;
            serde_json::from_slice::<SealedSession>(&plaintext).ok()
        });
        let Some(session) = opened else {
            refused_altered("session");
            return Ok(None);
        };
        Ok(Some(Session {
            network: session.network,
            state: state.to_string(),
            client: session.client,
            challenge: session.challenge,
            expires_at: from_ms(session.expires_ms),
        }))
    }

    async fn insert_handoff(&self, id: String, handoff: Handoff, now: DateTime<Utc>) -> Result<(), Refused> {
        let expires_ms = handoff.expires_at.timestamp_millis();
        let mut plaintext = serde_json::to_vec(&handoff.payload).expect("a payload serializes");
        let sealed =
            self.key.seal(Sealed::Handoff, &plaintext, &[&id, &handoff.challenge, &expires_ms.to_string()]);
        plaintext.zeroize();
        let stored = StoredHandoff { challenge: handoff.challenge.clone(), expires_ms, sealed };
        let value = serde_json::to_string(&stored).expect("a handoff serializes");
        let (key, name) = self.handoff_key(&id);
        let mut invocation = self.scripts.insert_handoff.prepare_invoke();
        invocation
            .key(self.redis.key("handoffs"))
            .key(key)
            .arg(now.timestamp_millis())
            .arg(self.bounds.max_handoffs)
            .arg(expires_ms)
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
        let (key, name) = self.handoff_key(id);
        let mut invocation = self.scripts.redeem.prepare_invoke();
        invocation
            .key(key)
            .key(self.redis.key("handoffs"))
            .key(self.limit_key("redemptions", client))
            .key(self.memo_key())
            .arg(&name)
            .arg(challenge)
            .arg(now.timestamp_millis())
            .arg(interval_ms(self.bounds.redemptions_per_minute))
            .arg(self.bounds.redemptions_per_minute.max(1))
            .arg(self.memo_ms());
        let (outcome, answer) = self.redis.run::<(i64, Vec<u8>)>(invocation).await?;
        match outcome {
            0 => Ok(Redeemed::Unknown),
            1 => Ok(Redeemed::Expired),
            2 => Ok(Redeemed::WrongVerifier),
            3 => {
                // Deleted already: a record that does not open is gone, as a redeemed one is.
                let opened = serde_json::from_slice::<StoredHandoff>(&answer).ok().and_then(|stored| {
                    let binding = [id, challenge, &stored.expires_ms.to_string()];
                    let plaintext = self.key.open(Sealed::Handoff, &stored.sealed, &binding).ok()?;
                    serde_json::from_slice::<HandoffPayload>(&plaintext).ok()
                });
                let Some(payload) = opened else {
                    refused_altered("handoff");
                    return Ok(Redeemed::Unknown);
                };
                Ok(Redeemed::Handoff(Box::new(Handoff {
                    challenge: challenge.to_string(),
                    payload,
                    // Not kept in the clear; the redemption has just checked it.
                    expires_at: now,
                })))
            }
            4 => Err(Refused::RateLimited {
                retry_after_ms: std::str::from_utf8(&answer)
                    .ok()
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(1000),
            }),
            5 => {
                refused_altered("handoff");
                Ok(Redeemed::Unknown)
            }
            _ => Err(Refused::Unavailable("an answer from Redis not in this relay's format".into())),
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
        let keys = self.purge_and_count_keys(now).await?;
        let before = self.keys_seen.swap(keys, Ordering::Relaxed);
        if keys > 1 && before != keys {
            tracing::warn!(
                keys,
                "replicas with different RELAY_HANDOFF_KEYs use this Redis: a sign-in that crosses \
                 from one to another fails and must start again (expected while a key is rotated; \
                 otherwise give every replica the same key)"
            );
        } else if keys <= 1 && before > 1 {
            tracing::info!("every replica on this Redis uses the same RELAY_HANDOFF_KEY again");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_tcp_link_is_given_up_within_seconds_and_writes_go_out_at_once() {
        let settings = tcp_settings(Duration::from_millis(500));
        assert!(settings.nodelay());
        assert!(settings.keepalive().is_some());
        #[cfg(target_os = "linux")]
        assert_eq!(settings.user_timeout(), Some(Duration::from_secs(5)));
    }

    #[test]
    fn a_slow_redis_is_never_cut_off_before_its_calls_have_timed_out() {
        for ms in [50, 500, 2_500, 10_000] {
            let timeout = Duration::from_millis(ms);
            assert!(dead_link_after(timeout) >= timeout * 2, "{ms} ms");
            assert!(dead_link_after(timeout) >= Duration::from_secs(5));
        }
    }
}
