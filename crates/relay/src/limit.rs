//! Per-client rate limits on starting and redeeming sign-ins: in this process for one replica,
//! or in Redis when several share the work (a client spreading its requests over replicas gets
//! no more than from one). Both are the same smooth limit (GCRA: `per_minute` requests, refilled
//! one every `60 / per_minute` seconds); the shared one runs on Redis' clock, so replicas whose
//! clocks differ still agree.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::Script;

use crate::error::Error;
use crate::store::Redis;

/// A limit of `per_minute` requests per client address.
pub enum PerClient {
    /// Counted in this process.
    Local(DefaultKeyedRateLimiter<IpAddr>),
    /// Counted in Redis, under `rate:<name>:<address>`.
    Shared {
        /// Where.
        redis: Redis,
        /// Which limit (`sessions`, `redemptions`).
        name: &'static str,
        /// The limit.
        per_minute: u32,
        /// The GCRA step, on the server.
        script: Script,
    },
}

const GCRA: &str = r"
-- KEYS: the client's limit; ARGV: interval (ms), burst. Answers 0, or the ms to wait.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - tonumber(ARGV[2]) * interval - now
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.max(1, math.ceil(next_tat - now)))
return 0
";

impl PerClient {
    /// Allow `per_minute` (at least 1) per address, in this process.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Self::Local(RateLimiter::keyed(Quota::per_minute(n)))
    }

    /// Allow `per_minute` (at least 1) per address across every replica on `redis`.
    pub fn shared(redis: Redis, name: &'static str, per_minute: u32) -> Self {
        Self::Shared { redis, name, per_minute: per_minute.max(1), script: Script::new(GCRA) }
    }

    /// Count one request from `ip`, or say how long to wait. A shared limit whose Redis does
    /// not answer refuses (503): an unlimited relay is what a flood would want.
    pub async fn check(&self, ip: IpAddr) -> Result<(), Error> {
        let wait_ms = match self {
            Self::Local(limiter) => match limiter.check_key(&ip) {
                Ok(()) => {
                    // Keep the table to addresses seen recently: an attacker's many addresses
                    // do not pile up.
                    if limiter.len() > 10_000 {
                        limiter.retain_recent();
                    }
                    0
                }
                Err(not_until) => {
                    (not_until.wait_time_from(DefaultClock::default().now()).as_millis() as u64).max(1)
                }
            },
            Self::Shared { redis, name, per_minute, script } => {
                let mut invocation = script.prepare_invoke();
                invocation
                    .key(redis.key(&format!("rate:{name}:{ip}")))
                    .arg(60_000.0 / f64::from(*per_minute))
                    .arg(*per_minute);
                redis.run::<u64>(invocation).await.map_err(Error::from)?
            }
        };
        if wait_ms == 0 {
            return Ok(());
        }
        // Up, never down: a client told 1 s when the next place comes in 1.4 s is refused again.
        Err(Error::RateLimited { retry_after_secs: wait_ms.div_ceil(1000).max(1) })
    }
}
