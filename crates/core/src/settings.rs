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
