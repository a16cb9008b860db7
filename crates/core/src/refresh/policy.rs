//! When to refresh, how to back off, when to warn (DESIGN §4). All in settings, all bounded.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountStatus};

/// Instagram refuses to refresh a token younger than this.
pub const INSTAGRAM_MIN_AGE: Duration = Duration::from_secs(24 * 3600);
/// How often a checkpointed account is looked at again, to notice the user fixed it.
pub const CHECKPOINT_RECHECK: Duration = Duration::from_secs(3600);

/// The refresh policy. Defaults are DESIGN §4's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshPolicy {
    /// Refresh a token once it is this old (seconds). Never under Instagram's 24 h.
    pub refresh_after_secs: u64,
    /// First warning window before expiry while renewals fail (seconds).
    pub warn_first_secs: u64,
    /// Last warning window (seconds).
    pub warn_last_secs: u64,
    /// Accounts refreshed at once.
    pub max_concurrency: u32,
    /// First retry delay after a transient failure (seconds); doubles per failure.
    pub backoff_base_secs: u64,
    /// Longest retry delay (seconds).
    pub backoff_cap_secs: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            refresh_after_secs: 48 * 3600,
            warn_first_secs: 7 * 86_400,
            warn_last_secs: 86_400,
            max_concurrency: 4,
            backoff_base_secs: 60,
            backoff_cap_secs: 3600,
        }
    }
}

/// A policy that cannot work, and why (shown on the settings form).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidPolicy {
    /// The setting at fault.
    pub field: &'static str,
    /// What it must be.
    pub reason: &'static str,
}

impl RefreshPolicy {
    /// Check every bound; `Ok` when the policy can run.
    pub fn validate(&self) -> Result<(), InvalidPolicy> {
        let fail = |field, reason| Err(InvalidPolicy { field, reason });
        if self.refresh_after_secs < INSTAGRAM_MIN_AGE.as_secs() {
            return fail("refresh_after_secs", "Instagram refuses to renew a token under 24 hours old");
        }
        if self.refresh_after_secs > 30 * 86_400 {
            return fail("refresh_after_secs", "at most 30 days, so a failure leaves time to recover");
        }
        if !(3600..=30 * 86_400).contains(&self.warn_first_secs) {
            return fail("warn_first_secs", "between 1 hour and 30 days");
        }
        if self.warn_last_secs < 3600 || self.warn_last_secs >= self.warn_first_secs {
            return fail("warn_last_secs", "at least 1 hour, and shorter than the first warning");
        }
        if !(1..=32).contains(&self.max_concurrency) {
            return fail("max_concurrency", "between 1 and 32");
        }
        if !(1..=3600).contains(&self.backoff_base_secs) {
            return fail("backoff_base_secs", "between 1 second and 1 hour");
        }
        if self.backoff_cap_secs < self.backoff_base_secs || self.backoff_cap_secs > 86_400 {
            return fail("backoff_cap_secs", "at least the first delay, at most 1 day");
        }
        Ok(())
    }

    /// Token age at which a refresh is due.
    pub fn refresh_after(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.refresh_after_secs.max(INSTAGRAM_MIN_AGE.as_secs()) as i64)
    }

    /// The first warning window.
    pub fn warn_first(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.warn_first_secs as i64)
    }

    /// The last warning window.
    pub fn warn_last(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.warn_last_secs as i64)
    }

    /// When a healthy account's token should next be refreshed.
    pub fn due_at(&self, account: &Account) -> Option<DateTime<Utc>> {
        match account.status {
            AccountStatus::Connected | AccountStatus::Expiring => {
                Some(account.token_refreshed_at + self.refresh_after())
            }
            AccountStatus::NeedsInstagramLogin | AccountStatus::NeedsReconnect => None,
        }
    }

    /// The delay before retry number `failures` (1 for the first failure): doubling from the
    /// base, capped, with ±20 % jitter so many accounts do not retry in lockstep.
    pub fn backoff(&self, failures: u32) -> chrono::Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let raw = self.backoff_base_secs.saturating_mul(1u64 << exponent).min(self.backoff_cap_secs);
        let jitter = rand::rng().random_range(0.8..=1.2);
        chrono::Duration::milliseconds((raw as f64 * 1000.0 * jitter) as i64)
    }

    /// Whether an account whose renewals fail is inside the first warning window.
    pub fn is_expiring(&self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        expires_at - now <= self.warn_first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(change: impl FnOnce(&mut RefreshPolicy), field: Option<&str>) {
        let mut policy = RefreshPolicy::default();
        change(&mut policy);
        assert_eq!(policy.validate().err().map(|e| e.field), field);
    }

    #[test]
    fn bounds() {
        check(|_| {}, None);
        check(|p| p.refresh_after_secs = 23 * 3600, Some("refresh_after_secs"));
        check(|p| p.refresh_after_secs = 24 * 3600, None);
        check(|p| p.refresh_after_secs = 31 * 86_400, Some("refresh_after_secs"));
        check(|p| p.warn_first_secs = 60, Some("warn_first_secs"));
        check(|p| p.warn_last_secs = p.warn_first_secs, Some("warn_last_secs"));
        check(|p| p.max_concurrency = 0, Some("max_concurrency"));
        check(|p| p.max_concurrency = 33, Some("max_concurrency"));
        check(|p| p.backoff_base_secs = 0, Some("backoff_base_secs"));
        check(|p| p.backoff_cap_secs = 10, Some("backoff_cap_secs"));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RefreshPolicy::default();
        for (failures, nominal) in [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (50, 3600)] {
            for _ in 0..20 {
                let d = policy.backoff(failures).num_milliseconds() as f64 / 1000.0;
                assert!(d >= nominal as f64 * 0.8 && d <= nominal as f64 * 1.2, "failure {failures}: {d}s");
            }
        }
    }

    #[test]
    fn a_policy_reads_with_defaults_for_missing_fields() {
        let policy: RefreshPolicy = serde_json::from_str(r#"{"max_concurrency": 8}"#).unwrap();
        assert_eq!(policy, RefreshPolicy { max_concurrency: 8, ..RefreshPolicy::default() });
        assert!(serde_json::from_str::<RefreshPolicy>(r#"{"bogus": 1}"#).is_err());
    }
}
