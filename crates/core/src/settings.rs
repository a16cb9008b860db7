//! Typed settings over the `settings` table: each key's JSON, its default, its validation.

use crate::account::AccountId;
use crate::refresh::{InvalidPolicy, RefreshPolicy};
use crate::store::{self, Reader, Writer};

const REFRESH_POLICY: &str = "refresh_policy";
const ACTIVE_ACCOUNT: &str = "active_account";
const LAUNCH_AT_LOGIN: &str = "launch_at_login";

impl Reader<'_> {
    /// The refresh policy; the default when unset or unreadable (a bad value never stops
    /// renewals).
    pub fn refresh_policy(&self) -> Result<RefreshPolicy, store::Error> {
        Ok(self
            .setting(REFRESH_POLICY)?
            .and_then(|v| serde_json::from_str::<RefreshPolicy>(&v).ok())
            .filter(|p| p.validate().is_ok())
            .unwrap_or_default())
    }

    /// The account the dashboard shows, if set.
    pub fn active_account(&self) -> Result<Option<AccountId>, store::Error> {
        Ok(self.setting(ACTIVE_ACCOUNT)?.and_then(|v| serde_json::from_str::<String>(&v).ok()?.parse().ok()))
    }

    /// Whether Evergreen starts (hidden) when the user logs in.
    pub fn launch_at_login(&self) -> Result<bool, store::Error> {
        Ok(self.setting(LAUNCH_AT_LOGIN)?.is_some_and(|v| v == "true"))
    }
}

impl Writer<'_> {
    /// Store a validated refresh policy.
    pub fn set_refresh_policy(
        &self,
        policy: &RefreshPolicy,
    ) -> Result<Result<(), InvalidPolicy>, store::Error> {
        if let Err(invalid) = policy.validate() {
            return Ok(Err(invalid));
        }
        self.set_setting(REFRESH_POLICY, &serde_json::to_string(policy).expect("a policy serializes"))?;
        Ok(Ok(()))
    }

    /// Remember the active account (or none).
    pub fn set_active_account(&self, id: Option<AccountId>) -> Result<(), store::Error> {
        match id {
            Some(id) => {
                self.set_setting(ACTIVE_ACCOUNT, &serde_json::to_string(&id.to_string()).expect("a string"))
            }
            None => self.remove_setting(ACTIVE_ACCOUNT),
        }
    }

    /// Remember the launch-at-login choice.
    pub fn set_launch_at_login(&self, on: bool) -> Result<(), store::Error> {
        self.set_setting(LAUNCH_AT_LOGIN, if on { "true" } else { "false" })
    }
}

impl crate::Evergreen {
    /// The refresh policy in force.
    pub fn refresh_policy(&self) -> Result<RefreshPolicy, crate::Error> {
        Ok(self.store().read(|r| r.refresh_policy())?)
    }

    /// Change the refresh policy; refused (with the field and the bound) when out of bounds.
    pub fn set_refresh_policy(&self, policy: RefreshPolicy) -> Result<(), crate::Error> {
        let now = self.now();
        // Through the ledger: the accounts' next refresh moves, and no renewal result is
        // written over it from an older copy.
        self.ledger().now(self, |_| {
            Ok(self.store().write(|w| {
                if let Err(invalid) = w.set_refresh_policy(&policy)? {
                    return Ok(Err(invalid));
                }
                // Healthy accounts follow the new rhythm at once; failing ones keep their backoff.
                for mut account in w.reader().accounts()? {
                    if account.status.is_alive() && account.refresh_failures == 0 {
                        account.next_refresh_at = policy.due_at(&account);
                        account.updated_at = now;
                        w.save_account(&account)?;
                    }
                }
                Ok(Ok(()))
            })??)
        })?;
        // Next-refresh times depend on the policy: let the scheduler look again.
        self.engine().wake.notify_waiters();
        Ok(())
    }

    /// Whether Evergreen starts (hidden) at login.
    pub fn launch_at_login(&self) -> Result<bool, crate::Error> {
        Ok(self.store().read(|r| r.launch_at_login())?)
    }

    /// Remember the launch-at-login choice (the shell writes the login entry).
    pub fn set_launch_at_login(&self, on: bool) -> Result<(), crate::Error> {
        Ok(self.store().write(|w| w.set_launch_at_login(on))?)
    }

    /// The newest `limit` events of the audit trail.
    pub fn recent_events(&self, limit: u32) -> Result<Vec<store::StoredEvent>, crate::Error> {
        Ok(self.store().read(|r| r.events(limit.min(500), None))?)
    }
}
