//! What to tell the user, and when (DESIGN §4, Notifications): only when something needs a
//! person, each at most once per token generation (persisted, so a restart never repeats
//! one), never on success. The core decides; a [`Notifier`] only delivers.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::account::{Account, AccountId, AccountStatus, Network, StatusReason};
use crate::label::{Labels, named};
use crate::refresh::RefreshPolicy;
use crate::store::{Event, EventKind, NotificationKind};
use crate::vault::VaultState;
use crate::{Error, Evergreen};

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The account it is about (for one shown for several accounts: the first of them).
    pub account: AccountId,
    /// That account's handle, "@brand" ("@brand on Threads": see [`named`]).
    pub handle: String,
    /// That account's network (a group is of one network: its words name it).
    pub network: Network,
    /// Which one (with the token's expiry, the key that makes it once-only).
    pub kind: NotificationKind,
    /// The token generation it is about.
    pub token_expires_at: DateTime<Utc>,
    /// One line.
    pub title: String,
    /// What happened and what to do.
    pub body: String,
}

/// Delivers notifications: the desktop's in the app, a recorder in tests.
pub trait Notifier: Send + Sync {
    /// Show `notification`. Delivery failures are the notifier's to log; the core has already
    /// recorded it as sent.
    fn notify(&self, notification: &Notification);
}

/// A notifier that shows nothing (tools, tests that do not look).
pub fn silent() -> Arc<dyn Notifier> {
    struct Silent;
    impl Notifier for Silent {
        fn notify(&self, _: &Notification) {}
    }
    Arc::new(Silent)
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%a %-d %b").to_string()
}

/// The notifications `accounts` call for now, before checking which were already sent.
/// Pure: the rules, nothing else.
pub fn wanted(
    accounts: &[Account],
    labels: &Labels,
    vault: VaultState,
    policy: &RefreshPolicy,
    now: DateTime<Utc>,
) -> Vec<Notification> {
    let mut out = Vec::new();
    let locked = vault != VaultState::Unlocked;
    for a in accounts {
        let name = named(&a.username, a.network, labels.get(&a.id));
        let (network, site) = (a.network.name(), a.network.site());
        let note = |kind, title: String, body: String| Notification {
            account: a.id,
            handle: name.clone(),
            network: a.network,
            kind,
            token_expires_at: a.token_expires_at,
            title,
            body,
        };
        match a.status {
            AccountStatus::NeedsReconnect => out.push(note(
                NotificationKind::NeedsReconnect,
                format!("{name} needs Reconnect"),
                format!(
                    "{name} needs Reconnect: {}. Open Evergreen and choose Reconnect. Your {network} account itself is fine.",
                    a.status_reason.unwrap_or(StatusReason::Other).words(a.network)
                ),
            )),
            AccountStatus::NeedsInstagramLogin => out.push(note(
                NotificationKind::NeedsInstagramLogin,
                format!("{name}: log in on {network}"),
                format!(
                    "To keep {name} connected, {network} wants you to confirm a login on {site} or in the {network} app. Then open Evergreen and choose Check again."
                ),
            )),
            AccountStatus::Connected | AccountStatus::Expiring => {
                let left = a.token_expires_at - now;
                let stuck = a.failing_since.is_some() || locked;
                if stuck && left <= policy.warn_first() && left > chrono::Duration::zero() {
                    let kind = if left <= policy.warn_last() {
                        NotificationKind::ExpiresVerySoon
                    } else {
                        NotificationKind::ExpiresSoon
                    };
                    let why = match (locked, a.failing_since) {
                        (true, _) => "Evergreen is locked, so it can't renew it. Open Evergreen and unlock it.".to_string(),
                        (false, Some(since)) => format!(
                            "Automatic renewal has failed since {}. Open Evergreen and choose Reconnect to keep it working.",
                            day(since)
                        ),
                        (false, None) => "Open Evergreen and choose Reconnect to keep it working.".to_string(),
                    };
                    out.push(note(
                        kind,
                        format!("{name}: {network} access ends {}", day(a.token_expires_at)),
                        format!("{name}: {network} access ends {}. {why}", day(a.token_expires_at)),
                    ));
                }
            }
        }
    }
    // One nudge to unlock when a renewal is due while locked: about the account due first.
    if locked
        && let Some(a) = accounts
            .iter()
            .filter(|a| a.status.is_alive() && a.next_refresh_at.is_some_and(|at| at <= now))
            .min_by_key(|a| a.next_refresh_at)
    {
        out.push(Notification {
            account: a.id,
            handle: named(&a.username, a.network, labels.get(&a.id)),
            network: a.network,
            kind: NotificationKind::VaultLocked,
            token_expires_at: a.token_expires_at,
            title: "Evergreen is locked".into(),
            body: format!(
                "Evergreen is locked, so it can't renew {}. Open Evergreen and unlock it.",
                named(&a.username, a.network, labels.get(&a.id))
            ),
        });
    }
    out
}

/// What a notification asks of the person: one notification can say it for many accounts,
/// and clicking it opens the place where it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Reconnect: the network ended the connection.
    Reconnect,
    /// Log in on the network's site or in its app, then *Check again*.
    LogIn,
    /// Keep the access from ending: unlock Evergreen, or reconnect.
    RenewBeforeExpiry,
    /// Unlock Evergreen.
    Unlock,
}

impl Notification {
    /// What it asks of the person (a group shares it).
    pub fn asks(&self) -> Action {
        action(self.kind)
    }
}

fn action(kind: NotificationKind) -> Action {
    match kind {
        NotificationKind::NeedsReconnect => Action::Reconnect,
        NotificationKind::NeedsInstagramLogin => Action::LogIn,
        NotificationKind::ExpiresSoon | NotificationKind::ExpiresVerySoon => Action::RenewBeforeExpiry,
        NotificationKind::VaultLocked => Action::Unlock,
    }
}

/// "@a", "@a and @b", "@a, @b and @c", "@a, @b and 10 more".
fn handles(group: &[&Notification]) -> String {
    match group {
        [] => String::new(),
        [one] => one.handle.clone(),
        [a, b] => format!("{} and {}", a.handle, b.handle),
        [a, b, c] => format!("{}, {} and {}", a.handle, b.handle, c.handle),
        [a, b, rest @ ..] => format!("{}, {} and {} more", a.handle, b.handle, rest.len()),
    }
}

/// What the desktop shows for the notifications of one sweep (or one unlock): an account
/// alone keeps its own; several of one network that need the same action share one ("12
/// accounts need reconnecting: @a, @b and 10 more"), about the first of them. Once-only stays
/// per account and token generation: every account in a group was recorded as notified. Pure.
pub fn grouped(fresh: &[Notification]) -> Vec<Notification> {
    let mut by_action: std::collections::BTreeMap<(Action, Network), Vec<&Notification>> = Default::default();
    for n in fresh {
        by_action.entry((action(n.kind), n.network)).or_default().push(n);
    }
    let mut out = Vec::new();
    for ((action, network), group) in by_action {
        let (network, site) = (network.name(), network.site());
        let [first, ..] = group.as_slice() else { continue };
        if group.len() == 1 || action == Action::Unlock {
            out.extend(group.iter().map(|n| (*n).clone()));
            continue;
        }
        let (count, who) = (group.len(), handles(&group));
        let (title, body) = match action {
            Action::Reconnect => (
                format!("{count} accounts need reconnecting"),
                format!(
                    "{who} need Reconnect. Open Evergreen: Integrations lists them under “Needs you”, each with its reason. The {network} accounts themselves are fine."
                ),
            ),
            Action::LogIn => (
                format!("{count} accounts: log in on {network}"),
                format!(
                    "To keep {who} connected, {network} wants you to confirm a login on {site} or in the {network} app. Then open Evergreen and choose Check again on each."
                ),
            ),
            Action::RenewBeforeExpiry => {
                let soonest =
                    group.iter().map(|n| n.token_expires_at).min().unwrap_or(first.token_expires_at);
                (
                    format!("{count} accounts' {network} access ends soon"),
                    format!(
                        "{network} access for {who} ends from {} and Evergreen can't renew it yet. Open Evergreen: unlock it if it asks, or choose Reconnect on each.",
                        day(soonest)
                    ),
                )
            }
            Action::Unlock => unreachable!("kept one by one above"),
        };
        out.push(Notification { title, body, ..(*first).clone() });
    }
    out
}

impl Evergreen {
    /// Send what the rules call for and has not been sent for this token generation; record
    /// each (so a restart never repeats it) before handing it to the notifier.
    pub fn notify_due(&self) -> Result<Vec<Notification>, Error> {
        let now = self.now();
        let (accounts, labels, policy) =
            self.store().read(|r| Ok((r.accounts()?, r.labels()?, r.refresh_policy()?)))?;
        let candidates = wanted(&accounts, &labels, self.vault_state(), &policy, now);
        let fresh = self.store().write(|w| {
            let mut fresh = Vec::new();
            for n in candidates {
                if w.mark_notification_sent(n.account, n.kind, n.token_expires_at, now)? {
                    w.record_event(&Event {
                        account: Some(n.account),
                        at: now,
                        kind: EventKind::Notified,
                        detail: format!("Notified: {}", n.title),
                    })?;
                    fresh.push(n);
                }
            }
            Ok(fresh)
        })?;
        for n in grouped(&fresh) {
            self.notifier().notify(&n);
        }
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::account::AccountType;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn account(status: AccountStatus, days_left: i64, failing: bool) -> Account {
        Account {
            id: AccountId::new(),
            network: crate::account::Network::Instagram,
            network_user_id: "1".into(),
            app_scoped_id: None,
            username: "brand".into(),
            account_type: AccountType::Business,
            profile_picture_url: None,
            status,
            status_reason: None,
            token_expires_at: now() + Duration::days(days_left),
            token_refreshed_at: now() - Duration::days(60 - days_left),
            last_validated_at: None,
            next_refresh_at: Some(now() - Duration::hours(1)),
            created_at: now(),
            updated_at: now(),
            refresh_failures: u32::from(failing),
            failing_since: failing.then(|| now() - Duration::days(2)),
        }
    }

    #[track_caller]
    fn check(accounts: &[Account], vault: VaultState, expected: &[NotificationKind]) {
        let kinds: Vec<_> = wanted(accounts, &Labels::new(), vault, &RefreshPolicy::default(), now())
            .into_iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(kinds, expected);
    }

    #[test]
    fn the_rules() {
        use NotificationKind::*;
        let unlocked = VaultState::Unlocked;
        check(&[account(AccountStatus::Connected, 50, false)], unlocked, &[]);
        check(&[account(AccountStatus::Connected, 5, false)], unlocked, &[]); // renewing fine: quiet
        check(&[account(AccountStatus::Connected, 50, true)], unlocked, &[]); // failing, far from expiry
        check(&[account(AccountStatus::Expiring, 6, true)], unlocked, &[ExpiresSoon]);
        check(&[account(AccountStatus::Expiring, 0, true)], unlocked, &[]); // expired: that is NeedsReconnect's
        let mut last_day = account(AccountStatus::Expiring, 1, true);
        last_day.token_expires_at = now() + Duration::hours(20);
        check(&[last_day], unlocked, &[ExpiresVerySoon]);
        check(&[account(AccountStatus::NeedsReconnect, 30, false)], unlocked, &[NeedsReconnect]);
        check(&[account(AccountStatus::NeedsInstagramLogin, 30, false)], unlocked, &[NeedsInstagramLogin]);
        check(&[account(AccountStatus::Connected, 30, false)], VaultState::Locked, &[VaultLocked]);
        check(
            &[account(AccountStatus::Connected, 5, false)],
            VaultState::Locked,
            &[ExpiresSoon, VaultLocked],
        );
    }

    #[test]
    fn one_unlock_nudge_for_several_due_accounts_about_the_first_due() {
        let mut a = account(AccountStatus::Connected, 30, false);
        let mut b = account(AccountStatus::Connected, 30, false);
        a.next_refresh_at = Some(now() - Duration::hours(1));
        b.next_refresh_at = Some(now() - Duration::hours(3));
        b.username = "shop".into();
        let notes = wanted(&[a, b], &Labels::new(), VaultState::Locked, &RefreshPolicy::default(), now());
        assert_eq!(notes.len(), 1);
        assert_eq!(
            notes[0].body,
            "Evergreen is locked, so it can't renew @shop. Open Evergreen and unlock it."
        );
    }

    /// `n` accounts that each need `status`, as one sweep finds them.
    fn sweep_finding(n: usize, status: AccountStatus, days_left: i64) -> Vec<Notification> {
        let accounts: Vec<Account> = (0..n)
            .map(|i| Account { username: format!("client.{i}"), ..account(status, days_left, true) })
            .collect();
        wanted(&accounts, &Labels::new(), VaultState::Unlocked, &RefreshPolicy::default(), now())
    }

    #[test]
    fn a_labelled_account_is_named_with_its_label() {
        let a = account(AccountStatus::NeedsReconnect, 30, false);
        let labels = Labels::from([(a.id, crate::label::Label::parse("Harbour Cafe").unwrap().unwrap())]);
        let n = &wanted(&[a], &labels, VaultState::Unlocked, &RefreshPolicy::default(), now())[0];
        assert_eq!(n.title, "@brand (Harbour Cafe) needs Reconnect");
        assert_eq!(n.handle, "@brand (Harbour Cafe)");
    }

    #[test]
    fn one_account_keeps_its_own_notification() {
        let fresh = sweep_finding(1, AccountStatus::NeedsReconnect, 30);
        assert_eq!(grouped(&fresh), fresh);
    }

    #[test]
    fn several_accounts_needing_the_same_share_one() {
        let two = grouped(&sweep_finding(2, AccountStatus::NeedsReconnect, 30));
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].title, "2 accounts need reconnecting");
        assert!(two[0].body.starts_with("@client.0 and @client.1 need Reconnect"), "{}", two[0].body);

        let twelve = grouped(&sweep_finding(12, AccountStatus::NeedsReconnect, 30));
        assert_eq!(twelve.len(), 1);
        assert_eq!(twelve[0].title, "12 accounts need reconnecting");
        assert!(
            twelve[0].body.starts_with("@client.0, @client.1 and 10 more need Reconnect"),
            "{}",
            twelve[0].body
        );

        let all = sweep_finding(500, AccountStatus::NeedsReconnect, 30);
        let shown = grouped(&all);
        assert_eq!(shown.len(), 1, "one notification for a mass failure");
        assert_eq!(shown[0].title, "500 accounts need reconnecting");
        assert_eq!(shown[0].account, all[0].account);

        let logins = grouped(&sweep_finding(3, AccountStatus::NeedsInstagramLogin, 30));
        assert_eq!(logins[0].title, "3 accounts: log in on Instagram");
        assert!(
            logins[0].body.starts_with(
                "To keep @client.0, @client.1 and @client.2 connected, Instagram wants you to confirm a login on instagram.com"
            ),
            "{}",
            logins[0].body
        );

        let expiring = grouped(&sweep_finding(12, AccountStatus::Expiring, 6));
        assert_eq!(expiring[0].title, "12 accounts' Instagram access ends soon");
        assert!(expiring[0].body.contains("ends from Sun 8 Mar"), "{}", expiring[0].body);
    }

    #[test]
    fn different_actions_stay_apart() {
        let mut fresh = sweep_finding(12, AccountStatus::NeedsReconnect, 30);
        fresh.extend(sweep_finding(1, AccountStatus::NeedsInstagramLogin, 30));
        fresh.extend(sweep_finding(2, AccountStatus::Expiring, 6));
        let titles: Vec<String> = grouped(&fresh).into_iter().map(|n| n.title).collect();
        assert_eq!(
            titles,
            [
                "12 accounts need reconnecting",
                "@client.0: log in on Instagram",
                "2 accounts' Instagram access ends soon"
            ]
        );
        // What a click on each opens is what it asks.
        let asks: Vec<Action> = grouped(&fresh).iter().map(Notification::asks).collect();
        assert_eq!(asks, [Action::Reconnect, Action::LogIn, Action::RenewBeforeExpiry]);
    }

    #[test]
    fn the_words_say_what_happened_and_what_to_do() {
        let mut a = account(AccountStatus::NeedsReconnect, 30, false);
        a.status_reason = Some(StatusReason::PasswordChanged);
        let n = &wanted(&[a], &Labels::new(), VaultState::Unlocked, &RefreshPolicy::default(), now())[0];
        assert_eq!(n.title, "@brand needs Reconnect");
        assert_eq!(
            n.body,
            "@brand needs Reconnect: Instagram ended the connection after a password change or a security check. Open Evergreen and choose Reconnect. Your Instagram account itself is fine."
        );
        let n = &wanted(
            &[account(AccountStatus::Expiring, 6, true)],
            &Labels::new(),
            VaultState::Unlocked,
            &RefreshPolicy::default(),
            now(),
        )[0];
        assert_eq!(n.title, "@brand: Instagram access ends Sun 8 Mar");
        assert_eq!(
            n.body,
            "@brand: Instagram access ends Sun 8 Mar. Automatic renewal has failed since Sat 28 Feb. Open Evergreen and choose Reconnect to keep it working."
        );
    }

    #[test]
    fn a_threads_profile_is_told_in_threads_words() {
        let mut a = account(AccountStatus::NeedsInstagramLogin, 30, false);
        a.network = Network::Threads;
        let n =
            &wanted(&[a.clone()], &Labels::new(), VaultState::Unlocked, &RefreshPolicy::default(), now())[0];
        assert_eq!(n.title, "@brand on Threads: log in on Threads");
        assert_eq!(
            n.body,
            "To keep @brand on Threads connected, Threads wants you to confirm a login on threads.com or in the Threads app. Then open Evergreen and choose Check again."
        );
        a.status = AccountStatus::NeedsReconnect;
        a.status_reason = Some(StatusReason::AppRemoved);
        let n =
            &wanted(&[a.clone()], &Labels::new(), VaultState::Unlocked, &RefreshPolicy::default(), now())[0];
        assert_eq!(
            n.body,
            "@brand on Threads needs Reconnect: Evergreen was removed from the account's apps on Threads. Open Evergreen and choose Reconnect. Your Threads account itself is fine."
        );
        a.status = AccountStatus::Expiring;
        a.status_reason = None;
        a.token_expires_at = now() + Duration::days(6);
        a.failing_since = Some(now() - Duration::days(2));
        let n = &wanted(&[a], &Labels::new(), VaultState::Unlocked, &RefreshPolicy::default(), now())[0];
        assert_eq!(n.title, "@brand on Threads: Threads access ends Sun 8 Mar");
        assert!(!n.body.contains("Instagram"), "{}", n.body);
    }

    #[test]
    fn groups_are_of_one_network() {
        let mut fresh = sweep_finding(3, AccountStatus::NeedsInstagramLogin, 30);
        let mut threads = sweep_finding(2, AccountStatus::NeedsInstagramLogin, 30);
        for n in &mut threads {
            n.network = Network::Threads;
        }
        fresh.extend(threads);
        let shown = grouped(&fresh);
        let titles: Vec<&str> = shown.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["3 accounts: log in on Instagram", "2 accounts: log in on Threads"]);
        assert!(shown[1].body.contains("on threads.com or in the Threads app"), "{}", shown[1].body);
        assert!(!shown[1].body.contains("Instagram"), "{}", shown[1].body);
    }
}
