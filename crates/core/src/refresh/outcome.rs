//! What an attempt found, and how it changes the account: the status rules of DESIGN §4 in
//! one pure function, [`apply`], which the ledger runs on the account's row as it is when the
//! result is applied (never on a copy read before).

use chrono::{DateTime, Utc};
use evergreen_instagram::{ApiError, ErrorClass, Me};

use super::policy::{CHECKPOINT_RECHECK, RefreshPolicy};
use crate::account::{Account, AccountStatus, AccountType, StatusReason};
use crate::store::{Event, EventKind};
use crate::vault::TokenRecord;

/// An attempt's result, before it is applied.
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
    /// Instagram refused the renewal in a way that could end the account, but `/me` still
    /// answers for the token: the account lives, and the renewal is tried again later.
    RefusedButAlive {
        /// The renewal's refusal.
        error: ApiError,
        /// `/me`'s answer.
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
    /// Nothing to do (another path just refreshed it, or it needs a reconnect).
    Skipped,
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
    /// Something could not be made durable (a vault save or the metadata write failed); the
    /// ledger tries again at its next flush.
    pub write_failed: bool,
}

impl SweepReport {
    /// Add `other`'s counts to these.
    pub fn add(&mut self, other: &SweepReport) {
        self.refreshed += other.refreshed;
        self.checked += other.checked;
        self.retrying += other.retrying;
        self.need_attention += other.need_attention;
        self.skipped += other.skipped;
        self.vault_saves += other.vault_saves;
        self.write_failed |= other.write_failed;
    }
}

fn take_profile(account: &mut Account, me: &Me) {
    account.username = me.username.clone();
    if let Some(kind) = &me.account_type {
        account.account_type = AccountType::parse(kind);
    }
    if me.profile_picture_url.is_some() {
        account.profile_picture_url = me.profile_picture_url.clone();
    }
    if let Some(id) = &me.id {
        account.app_scoped_id = Some(id.0.clone());
    }
}

fn healthy(account: &mut Account) {
    account.status = AccountStatus::Connected;
    account.status_reason = None;
    account.refresh_failures = 0;
    account.failing_since = None;
}

/// The token dates are the vault's: a row that lags behind them (a metadata write that failed
/// or was rolled back after a renewal) takes them, and a newer token means renewals work.
fn take_dates(account: &mut Account, record: Option<&TokenRecord>) {
    let Some(record) = record else { return };
    // Whole seconds: the row keeps seconds, the vault finer.
    let newer = record.issued_at.timestamp() > account.token_refreshed_at.timestamp();
    account.token_refreshed_at = record.issued_at;
    account.token_expires_at = record.expires_at;
    if newer && account.status.is_alive() {
        healthy(account);
    }
}

/// A row after its renewed token was saved late (the vault refused it at first): the token's
/// dates, healthy again, next renewal from them.
pub fn sync_dates(mut account: Account, record: &TokenRecord, policy: &RefreshPolicy) -> Account {
    take_dates(&mut account, Some(record));
    if account.status.is_alive() {
        account.next_refresh_at = policy.due_at(&account);
    }
    account
}

fn end(account: &mut Account, status: AccountStatus, reason: StatusReason) {
    account.status = status;
    account.status_reason = Some(reason);
    account.next_refresh_at = None;
}

/// The account after `result`, and the events that say what happened; `used` is the token
/// record the attempt started from, `saved` whether a renewed token is durable yet.
pub fn apply(
    mut account: Account,
    result: &Result,
    used: Option<&TokenRecord>,
    saved: bool,
    policy: &RefreshPolicy,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> (Account, Vec<Event>) {
    let original = account.clone();
    let before = account.status;
    let name = crate::label::named(&account.username, account.network, None);
    let network = account.network;
    let id = account.id;
    let mut events = Vec::new();
    let mut event = |kind, detail: String| events.push(Event { account: Some(id), at: now, kind, detail });
    match result {
        Result::Refreshed { record, me } if saved => {
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
        Result::Refreshed { .. } => {
            // Renewed, but only in memory so far: the ledger keeps the new token and saves it
            // at its next flush; the row keeps the dates of the saved one until then.
            report.retrying += 1;
            take_dates(&mut account, used);
            retry_later(&mut account, policy, now, None);
            event(
                EventKind::RefreshFailed,
                format!(
                    "Renewed {name} but could not save it yet; Evergreen keeps the new access and tries again"
                ),
            );
        }
        Result::Checked { me } => {
            report.checked += 1;
            take_profile(&mut account, me);
            take_dates(&mut account, used);
            account.last_validated_at = Some(now);
            if account.status == AccountStatus::NeedsInstagramLogin {
                healthy(&mut account);
            }
            account.next_refresh_at = Some(policy.due_at(&account).unwrap_or(now).max(now));
            event(EventKind::Validated, format!("Checked {name}: {network} answered"));
        }
        Result::RefusedButAlive { error, me } => {
            report.retrying += 1;
            take_profile(&mut account, me);
            take_dates(&mut account, used);
            account.last_validated_at = Some(now);
            retry_later(&mut account, policy, now, Some(policy_cap(policy)));
            let at = account.next_refresh_at.expect("just set");
            event(
                EventKind::RefreshFailed,
                format!(
                    "{network} refused to renew {name} ({error}), but the account still answers, so it stays connected. Trying again at {}",
                    at.format("%H:%M")
                ),
            );
        }
        Result::Skipped => {
            report.skipped += 1;
            take_dates(&mut account, used);
            // Keep the scheduler from finding it due again.
            if account.status.is_alive() {
                account.next_refresh_at = policy.due_at(&account);
            }
        }
        Result::Expired { while_closed } => {
            report.need_attention += 1;
            let why = if *while_closed { StatusReason::ExpiredWhileClosed } else { StatusReason::Expired };
            end(&mut account, AccountStatus::NeedsReconnect, why);
            event(EventKind::StatusChanged, format!("{name}: {}; reconnect needed", why.words(network)));
        }
        Result::NoToken => {
            report.need_attention += 1;
            end(&mut account, AccountStatus::NeedsReconnect, StatusReason::TokenMissing);
            event(
                EventKind::StatusChanged,
                format!("{name}: {}; reconnect needed", StatusReason::TokenMissing.words(network)),
            );
        }
        Result::Failed(error) => match &error.class {
            ErrorClass::TokenDead { subcode } => {
                report.need_attention += 1;
                let why = StatusReason::of_dead_token(*subcode);
                end(&mut account, AccountStatus::NeedsReconnect, why);
                event(
                    EventKind::RefreshFailed,
                    format!("{network} ended the connection of {name}: {}", why.words(network)),
                );
            }
            ErrorClass::PermissionMissing => {
                // Only after `/me` confirmed it (the renewal engine asks before it gets here).
                report.need_attention += 1;
                end(&mut account, AccountStatus::NeedsReconnect, StatusReason::PermissionMissing);
                event(
                    EventKind::RefreshFailed,
                    format!("{name}: a permission is missing; reconnect and allow every permission"),
                );
            }
            ErrorClass::LoginRequired => {
                report.need_attention += 1;
                account.status = AccountStatus::NeedsInstagramLogin;
                account.status_reason = Some(StatusReason::Checkpoint);
                account.next_refresh_at =
                    Some(now + chrono::Duration::from_std(CHECKPOINT_RECHECK).expect("small"));
                event(
                    EventKind::RefreshFailed,
                    format!("{name}: {}", StatusReason::Checkpoint.words(network)),
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
                        "{network} asked to slow down for {name}; trying again at {}",
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
    if account != original {
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
    if account.status.is_alive() && policy.is_expiring(account.token_expires_at, now) {
        account.status = AccountStatus::Expiring;
    }
}
