//! Per-client rate limits on starting and redeeming sign-ins.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Error;

/// A keyed limiter: `per_minute` requests per client address, refilled smoothly.
pub struct PerClient {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl PerClient {
    /// Allow `per_minute` (at least 1) per address.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Self { limiter: RateLimiter::keyed(Quota::per_minute(n)) }
    }

    /// Count one request from `ip`, or say how long to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), Error> {
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Up, never down: a client told 1 s when the next place comes in 1.4 s is refused again.
            Error::RateLimited { retry_after_secs: (wait.as_secs_f64().ceil() as u64).max(1) }
        })?;
        // Keep the table to addresses seen recently: an attacker's many addresses do not pile up.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}
