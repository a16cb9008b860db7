//! What an attempt found, and how it changes the account: the status rules of DESIGN §4 in
//! one function, [`apply`].

use chrono::{DateTime, Utc};
use evergreen_instagram::{ApiError, ErrorClass, Me};
use tokio::sync::OwnedMutexGuard;

use super::policy::{CHECKPOINT_RECHECK, RefreshPolicy};
use crate::account::{Account, AccountStatus, AccountType};
use crate::store::{Event, EventKind};
use crate::vault::TokenRecord;

/// Status reasons the UI turns into words (see `ui/src/features/accounts`).
pub mod reason {
    /// Instagram says the user removed the app (subcode 458).
    pub const APP_REMOVED: &str = "app_removed";
    /// The password changed or Meta reset the session (460).
    pub const PASSWORD_CHANGED: &str = "password_changed";
    /// Instagram says the token expired (463).
    pub const EXPIRED: &str = "expired";
    /// The token expired while Evergreen was not running (or was locked).
    pub const EXPIRED_WHILE_CLOSED: &str = "expired_while_closed";
    /// The Instagram user is not confirmed (464).
    pub const UNCONFIRMED_USER: &str = "unconfirmed_user";
    /// The user logged out or the session was invalidated (467, or no subcode).
    pub const LOGGED_OUT: &str = "logged_out";
    /// Instagram wants a login on instagram.com (checkpoint).
    pub const CHECKPOINT: &str = "checkpoint";
    /// A permission is missing.
    pub const PERMISSION_MISSING: &str = "permission_missing";
    /// The vault had no token for the account.
    pub const TOKEN_MISSING: &str = crate::app::REASON_TOKEN_MISSING;
}

fn dead_reason(subcode: Option<i64>) -> &'static str {
    match subcode {
        Some(458) => reason::APP_REMOVED,
        Some(460) => reason::PASSWORD_CHANGED,
        Some(463) => reason::EXPIRED,
        Some(464) => reason::UNCONFIRMED_USER,
        _ => reason::LOGGED_OUT,
    }
}

fn reason_words(reason: &str) -> &'static str {
    match reason {
        reason::APP_REMOVED => "Evergreen was removed from the account's apps",
        reason::PASSWORD_CHANGED => "after a password change or a security check",
        reason::EXPIRED => "the access expired",
        reason::EXPIRED_WHILE_CLOSED => "the access expired while Evergreen was closed",
        reason::UNCONFIRMED_USER => "the account isn't confirmed",
        reason::PERMISSION_MISSING => "a permission is missing",
        reason::TOKEN_MISSING => "no saved connection was found",
        _ => "the session ended",
    }
}

/// An attempt's result, before it is written.
pub enum Result {
    /// A new token (and, usually, a fresh profile).
    Refreshed {
        /// The new token's record.
        record: Box<TokenRecord>,
        /// `/me` with the new token, when it answered.
        me: Option<Me>,
    },
    /// `/me` answered for the current token.
    Checked {
        /// The profile.
        me: Me,
    },
    /// Instagram answered an error, or did not answer.
    Failed(ApiError),
    /// The token had already expired; never sent.
    Expired {
        /// Found at unlock: it expired while Evergreen was closed or locked.
        while_closed: bool,
    },
    /// The vault holds no token for the account.
    NoToken,
    /// The token was renewed but the vault could not save it.
    NotSaved,
    /// Nothing to do (another path just refreshed it, or it needs a reconnect).
    Skipped,
}

/// One account's attempt, holding the account's lock until it is written.
pub struct Attempt {
    /// The account as re-read under the lock.
    pub account: Account,
    /// What happened.
    pub result: Result,
    /// Released after the write.
    pub guard: OwnedMutexGuard<()>,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Tokens renewed.
    pub refreshed: usize,
    /// Accounts checked with `/me` only.
    pub checked: usize,
    /// Attempts that failed and will be retried.
    pub retrying: usize,
    /// Accounts that now need the user (reconnect or Instagram login).
    pub need_attention: usize,
    /// Accounts left alone.
    pub skipped: usize,
    /// Vault snapshot saves.
    pub vault_saves: usize,
}

fn take_profile(account: &mut Account, me: &Me) {
    account.username = me.username.clone();
    if let Some(kind) = &me.account_type {
        account.account_type = AccountType::parse(kind);
    }
    if me.profile_picture_url.is_some() {
        account.profile_picture_url = me.profile_picture_url.clone();
    }
}

fn healthy(account: &mut Account) {
    account.status = AccountStatus::Connected;
    account.status_reason = None;
    account.refresh_failures = 0;
    account.failing_since = None;
}

/// The account after `attempt`, and the events that say what happened.
pub fn apply(
    attempt: &Attempt,
    policy: &RefreshPolicy,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> (Account, Vec<Event>) {
    let mut account = attempt.account.clone();
    let before = account.status;
    let name = format!("@{}", account.username);
    let id = account.id;
    let mut events = Vec::new();
    let mut event = |kind, detail: String| events.push(Event { account: Some(id), at: now, kind, detail });
    match &attempt.result {
        Result::Refreshed { record, me } => {
            report.refreshed += 1;
            if let Some(me) = me {
                take_profile(&mut account, me);
                account.last_validated_at = Some(now);
            }
            healthy(&mut account);
            account.token_refreshed_at = record.issued_at;
            account.token_expires_at = record.expires_at;
            account.next_refresh_at = Some(record.issued_at + policy.refresh_after());
            let next = account.next_refresh_at.expect("just set");
            event(EventKind::Refreshed, format!("Refreshed {name} — next refresh {}", next.format("%-d %b")));
        }
        Result::Checked { me } => {
            report.checked += 1;
            take_profile(&mut account, me);
            account.last_validated_at = Some(now);
            if account.status == AccountStatus::NeedsInstagramLogin {
                healthy(&mut account);
            }
            account.next_refresh_at = Some(policy.due_at(&account).unwrap_or(now).max(now));
            event(EventKind::Validated, format!("Checked @{}: Instagram answered", account.username));
        }
        Result::Skipped => {
            report.skipped += 1;
            // Keep the scheduler from finding it due again.
            if account.status.is_alive() {
                account.next_refresh_at = policy.due_at(&account);
            }
        }
        Result::Expired { while_closed } => {
            report.need_attention += 1;
            let why = if *while_closed { reason::EXPIRED_WHILE_CLOSED } else { reason::EXPIRED };
            account.status = AccountStatus::NeedsReconnect;
            account.status_reason = Some(why.into());
            account.next_refresh_at = None;
            event(EventKind::StatusChanged, format!("{name}: {}; reconnect needed", reason_words(why)));
        }
        Result::NoToken => {
            report.need_attention += 1;
            account.status = AccountStatus::NeedsReconnect;
            account.status_reason = Some(reason::TOKEN_MISSING.into());
            account.next_refresh_at = None;
            event(
                EventKind::StatusChanged,
                format!("{name}: {}; reconnect needed", reason_words(reason::TOKEN_MISSING)),
            );
        }
        Result::NotSaved => {
            report.retrying += 1;
            retry_later(&mut account, policy, now, None);
            event(
                EventKind::RefreshFailed,
                format!("Renewed {name} but could not save it; trying again later"),
            );
        }
        Result::Failed(error) => match &error.class {
            ErrorClass::TokenDead { subcode } => {
                report.need_attention += 1;
                let why = dead_reason(*subcode);
                account.status = AccountStatus::NeedsReconnect;
                account.status_reason = Some(why.into());
                account.next_refresh_at = None;
                event(
                    EventKind::RefreshFailed,
                    format!("Instagram ended the connection of {name}: {}", reason_words(why)),
                );
            }
            ErrorClass::PermissionMissing => {
                report.need_attention += 1;
                account.status = AccountStatus::NeedsReconnect;
                account.status_reason = Some(reason::PERMISSION_MISSING.into());
                account.next_refresh_at = None;
                event(
                    EventKind::RefreshFailed,
                    format!("{name}: a permission is missing; reconnect and allow every permission"),
                );
            }
            ErrorClass::LoginRequired => {
                report.need_attention += 1;
                account.status = AccountStatus::NeedsInstagramLogin;
                account.status_reason = Some(reason::CHECKPOINT.into());
                account.next_refresh_at =
                    Some(now + chrono::Duration::from_std(CHECKPOINT_RECHECK).expect("small"));
                event(
                    EventKind::RefreshFailed,
                    format!("{name}: Instagram wants a login on instagram.com first"),
                );
            }
            ErrorClass::RateLimited { retry_after } => {
                report.retrying += 1;
                let wait = retry_after
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .unwrap_or(chrono::Duration::minutes(15));
                retry_later(&mut account, policy, now, Some(wait));
                let at = account.next_refresh_at.expect("just set");
                event(
                    EventKind::RefreshFailed,
                    format!(
                        "Instagram asked to slow down for {name}; trying again at {}",
                        at.format("%H:%M")
                    ),
                );
            }
            ErrorClass::Transient | ErrorClass::ClientBug => {
                report.retrying += 1;
                let wait = matches!(error.class, ErrorClass::ClientBug).then(|| policy_cap(policy));
                retry_later(&mut account, policy, now, wait);
                let at = account.next_refresh_at.expect("just set");
                event(
                    EventKind::RefreshFailed,
                    format!("Couldn't renew {name}: {error}. Trying again at {}", at.format("%H:%M")),
                );
            }
        },
    }
    if account.status != before {
        event(
            EventKind::StatusChanged,
            format!("{name} is now {}", account.status.as_str().replace('_', " ")),
        );
    }
    if account != attempt.account {
        account.updated_at = now;
    }
    (account, events)
}

fn policy_cap(policy: &RefreshPolicy) -> chrono::Duration {
    chrono::Duration::seconds(policy.backoff_cap_secs as i64)
}

/// A failure that does not end the account: count it, wait, and warn once inside the window.
fn retry_later(
    account: &mut Account,
    policy: &RefreshPolicy,
    now: DateTime<Utc>,
    wait: Option<chrono::Duration>,
) {
    account.refresh_failures = account.refresh_failures.saturating_add(1);
    account.failing_since.get_or_insert(now);
    let wait = wait.unwrap_or_else(|| policy.backoff(account.refresh_failures));
    account.next_refresh_at = Some(now + wait);
    if policy.is_expiring(account.token_expires_at, now) {
        account.status = AccountStatus::Expiring;
    }
}
