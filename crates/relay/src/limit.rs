//! Per-client rate limits on starting and redeeming sign-ins: the one definition of the limit,
//! in two forms. Both are the same smooth limit (GCRA: `per_minute` requests, refilled one every
//! `60 / per_minute` seconds), keyed by the client's address:
//!
//! * [`PerClient`]: counted in this process, for the in-memory store (one replica);
//! * [`GCRA_LUA`]: the same step as a Lua function, which the Redis store runs at the start of
//!   the script that does the operation, so a limit shared by every replica costs no extra
//!   round trip. It runs on Redis' clock, so replicas whose clocks differ still agree.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// `admit(key, interval_ms, burst)`: 0 and the request counted, or the milliseconds to wait
/// (nothing counted).
pub const GCRA_LUA: &str = r"
local function admit(key, interval, burst)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local next_tat = tat + interval
  local wait = next_tat - burst * interval - now
  if wait > 0 then return math.ceil(wait) end
  redis.call('SET', key, tostring(next_tat), 'PX', math.max(1, math.ceil(next_tat - now)))
  return 0
end
";

/// The GCRA interval of `per_minute` (at least 1), in milliseconds.
pub fn interval_ms(per_minute: u32) -> f64 {
    60_000.0 / f64::from(per_minute.max(1))
}

/// A limit of `per_minute` requests per client address, in this process.
pub struct PerClient(DefaultKeyedRateLimiter<IpAddr>);

impl PerClient {
    /// Allow `per_minute` (at least 1) per address.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Self(RateLimiter::keyed(Quota::per_minute(n)))
    }

    /// Count one request from `ip`, or say how many milliseconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        match self.0.check_key(&ip) {
            Ok(()) => {
                // Keep the table to addresses seen recently: an attacker's many addresses do
                // not pile up.
                if self.0.len() > 10_000 {
                    self.0.retain_recent();
                }
                Ok(())
            }
            Err(not_until) => {
                Err((not_until.wait_time_from(DefaultClock::default().now()).as_millis() as u64).max(1))
            }
        }
    }
}
