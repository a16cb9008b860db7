//! The tray menu as data, built by a pure function from the state, so it is tested without a
//! tray. Linux trays deliver no clicks on the icon itself: everything is in the menu.

use chrono::{DateTime, Utc};

use crate::account::{AccountId, AccountStatus, AccountView, DisplayStatus};
use crate::vault::VaultState;

/// One entry of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    /// A line of text that does nothing.
    Label(String),
    /// An account: choosing it makes it the active account.
    Account {
        /// Which.
        id: AccountId,
        /// "@brand — refreshed 2 h ago".
        label: String,
        /// The active account is checked.
        active: bool,
    },
    /// A divider.
    Separator,
    /// Open the window on the searchable list of every account ("All 500 accounts…").
    AllAccounts {
        /// What the item says.
        label: String,
        /// Open it filtered to the accounts that need the person.
        needing_you: bool,
    },
    /// Refresh every account now.
    RefreshAll {
        /// Only while unlocked with accounts to renew.
        enabled: bool,
    },
    /// Open (or build again) the window.
    Open,
    /// Lock the vault.
    Lock,
    /// Open the window to unlock.
    Unlock,
    /// Quit Evergreen; the label says when renewals are in progress.
    Quit {
        /// "Quit Evergreen" or "Quit (renewing 2 accounts)".
        label: String,
    },
}

/// The whole tray.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    /// Use the icon with the attention mark.
    pub attention: bool,
    /// The menu, top to bottom.
    pub items: Vec<TrayItem>,
}

impl TrayModel {
    /// The demo's menu while the real accounts are kept open behind it: when they need the
    /// person (or renew nothing, locked), the icon says so and a line under the summary says
    /// where to go, so it is never only a notification.
    pub fn with_real_accounts_behind(mut self, behind: &TrayModel) -> Self {
        if behind.attention {
            self.attention = true;
            self.items.insert(
                1,
                TrayItem::Label("Your real accounts need you: switch back to them in Settings".into()),
            );
        }
        self
    }
}

/// "2 h ago", "just now", "3 d ago".
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes();
    match minutes {
        m if m < 2 => "just now".into(),
        m if m < 120 => format!("{m} min ago"),
        m if m < 48 * 60 => format!("{} h ago", m / 60),
        m => format!("{} d ago", m / (24 * 60)),
    }
}

fn line(view: &AccountView, now: DateTime<Utc>) -> String {
    let a = &view.account;
    let state = match view.status {
        DisplayStatus::Refreshing => "refreshing…".to_string(),
        DisplayStatus::Locked => "locked".to_string(),
        DisplayStatus::Stored(AccountStatus::Connected) => {
            format!("refreshed {}", ago(a.token_refreshed_at, now))
        }
        DisplayStatus::Stored(AccountStatus::Expiring) => {
            let days = (a.token_expires_at - now).num_days();
            if days >= 1 {
                format!("expires in {days} d, renewal failing")
            } else {
                "expires today, renewal failing".into()
            }
        }
        DisplayStatus::Stored(AccountStatus::NeedsReconnect) => "Reconnect needed".into(),
        DisplayStatus::Stored(AccountStatus::NeedsInstagramLogin) => {
            format!("Log in on {}", a.network.name())
        }
    };
    let handle = crate::label::named(&a.username, a.network, None);
    match &view.label {
        Some(label) => format!("{handle} · {label} — {state}"),
        None => format!("{handle} — {state}"),
    }
}

fn needs_attention(view: &AccountView) -> bool {
    view.status.needs_attention()
}

/// Up to this many accounts the menu lists them all; beyond, it lists the active one and at
/// most this many that need attention, and "All accounts…" opens the searchable window.
pub const LISTED_AT_MOST: usize = 10;

/// How urgent an account's trouble is: a dead token first, then a login to confirm, then
/// expiry, the nearest first.
fn urgency(view: &AccountView) -> (u8, DateTime<Utc>) {
    let rank = match view.status {
        DisplayStatus::Stored(AccountStatus::NeedsReconnect) => 0,
        DisplayStatus::Stored(AccountStatus::NeedsInstagramLogin) => 1,
        _ => 2,
    };
    (rank, view.account.token_expires_at)
}

/// The account entries: every account while there are few; otherwise the active one, the
/// most urgent that need attention, and a line for the rest.
fn account_items(accounts: &[AccountView], active: Option<AccountId>, now: DateTime<Utc>) -> Vec<TrayItem> {
    let entry = |view: &AccountView| TrayItem::Account {
        id: view.account.id,
        label: line(view, now),
        active: Some(view.account.id) == active,
    };
    if accounts.len() <= LISTED_AT_MOST {
        return accounts.iter().map(entry).collect();
    }
    let mut items: Vec<TrayItem> =
        accounts.iter().filter(|v| Some(v.account.id) == active).map(entry).collect();
    let mut urgent: Vec<&AccountView> =
        accounts.iter().filter(|v| needs_attention(v) && Some(v.account.id) != active).collect();
    urgent.sort_by_key(|v| urgency(v));
    let listed = urgent.len().min(LISTED_AT_MOST);
    items.extend(urgent[..listed].iter().map(|v| entry(v)));
    let unlisted = urgent.len() - listed;
    if unlisted > 0 {
        items.push(TrayItem::Label(format!(
            "and {unlisted} more need{} attention",
            if unlisted == 1 { "s" } else { "" }
        )));
    }
    // "Needs you" is a reconnect or a login on the network (the UI's filter of that name): an
    // account only expiring is not in it, so the window would open on nothing.
    let needing_you = accounts.iter().any(|v| {
        matches!(
            v.status,
            DisplayStatus::Stored(AccountStatus::NeedsReconnect | AccountStatus::NeedsInstagramLogin)
        )
    });
    items.push(TrayItem::AllAccounts { label: format!("All {} accounts…", accounts.len()), needing_you });
    items
}

/// The menu for this state.
pub fn model(
    accounts: &[AccountView],
    active: Option<AccountId>,
    vault: VaultState,
    refreshing: usize,
    now: DateTime<Utc>,
) -> TrayModel {
    let attention = accounts.iter().filter(|a| needs_attention(a)).count();
    let mut items = Vec::new();
    items.push(TrayItem::Label(match (vault, accounts.len(), attention) {
        (VaultState::Missing, _, _) => "Evergreen: create your vault to start".into(),
        (_, 0, _) => "Evergreen: no account connected".into(),
        (VaultState::Locked, _, _) => "Evergreen is locked: renewals paused".into(),
        (_, _, 0) => "Evergreen: all accounts renewing".into(),
        (_, _, 1) => "Evergreen: 1 account needs attention".into(),
        (_, _, n) => format!("Evergreen: {n} accounts need attention"),
    }));
    if !accounts.is_empty() {
        items.push(TrayItem::Separator);
        items.extend(account_items(accounts, active, now));
    }
    items.push(TrayItem::Separator);
    let renewable = accounts.iter().any(|a| a.account.status.is_alive());
    items.push(TrayItem::RefreshAll { enabled: vault == VaultState::Unlocked && renewable });
    items.push(TrayItem::Open);
    match vault {
        VaultState::Unlocked => items.push(TrayItem::Lock),
        VaultState::Locked => items.push(TrayItem::Unlock),
        VaultState::Missing => {}
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::Quit {
        label: match refreshing {
            0 => "Quit Evergreen".into(),
            1 => "Quit (renewing 1 account)".into(),
            n => format!("Quit (renewing {n} accounts)"),
        },
    });
    TrayModel { attention: attention > 0 || (vault == VaultState::Locked && !accounts.is_empty()), items }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::account::{Account, AccountType};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn view(username: &str, status: DisplayStatus) -> AccountView {
        AccountView {
            account: Account {
                id: AccountId::new(),
                network: crate::account::Network::Instagram,
                network_user_id: username.into(),
                app_scoped_id: None,
                username: username.into(),
                account_type: AccountType::Business,
                profile_picture_url: None,
                status: match status {
                    DisplayStatus::Stored(s) => s,
                    _ => AccountStatus::Connected,
                },
                status_reason: None,
                token_expires_at: now() + Duration::days(5) + Duration::hours(2),
                token_refreshed_at: now() - Duration::hours(2),
                last_validated_at: None,
                next_refresh_at: None,
                created_at: now(),
                updated_at: now(),
                refresh_failures: 0,
                failing_since: None,
            },
            status,
            label: None,
        }
    }

    #[test]
    fn real_accounts_that_need_the_person_show_behind_the_demo() {
        let demo = model(
            &[view("pretend.shop", DisplayStatus::Stored(AccountStatus::Connected))],
            None,
            VaultState::Unlocked,
            0,
            now(),
        );
        let fine = model(
            &[view("real.shop", DisplayStatus::Stored(AccountStatus::Connected))],
            None,
            VaultState::Unlocked,
            0,
            now(),
        );
        assert_eq!(demo.clone().with_real_accounts_behind(&fine), demo, "nothing to say");
        let needs = model(
            &[view("real.shop", DisplayStatus::Stored(AccountStatus::NeedsReconnect))],
            None,
            VaultState::Unlocked,
            0,
            now(),
        );
        let shown = demo.clone().with_real_accounts_behind(&needs);
        assert!(shown.attention && !demo.attention);
        assert_eq!(
            shown.items[1],
            TrayItem::Label("Your real accounts need you: switch back to them in Settings".into())
        );
        assert_eq!(shown.items.len(), demo.items.len() + 1);
    }

    fn labels(m: &TrayModel) -> Vec<String> {
        m.items
            .iter()
            .map(|i| match i {
                TrayItem::Label(l) => format!("[{l}]"),
                TrayItem::Account { label, active, .. } => {
                    format!("{}{label}", if *active { "✓ " } else { "" })
                }
                TrayItem::Separator => "---".into(),
                TrayItem::AllAccounts { label, needing_you } => {
                    format!("{label}{}", if *needing_you { " (needing you)" } else { "" })
                }
                TrayItem::RefreshAll { enabled } => {
                    format!("Refresh all{}", if *enabled { "" } else { " (disabled)" })
                }
                TrayItem::Open => "Open Evergreen".into(),
                TrayItem::Lock => "Lock".into(),
                TrayItem::Unlock => "Unlock…".into(),
                TrayItem::Quit { label } => label.clone(),
            })
            .collect()
    }

    #[test]
    fn healthy_accounts() {
        let brand = view("brand", DisplayStatus::Stored(AccountStatus::Connected));
        let m = model(std::slice::from_ref(&brand), Some(brand.account.id), VaultState::Unlocked, 0, now());
        assert!(!m.attention);
        assert_eq!(
            labels(&m),
            [
                "[Evergreen: all accounts renewing]",
                "---",
                "✓ @brand — refreshed 2 h ago",
                "---",
                "Refresh all",
                "Open Evergreen",
                "Lock",
                "---",
                "Quit Evergreen"
            ]
        );
    }

    #[test]
    fn a_mix_of_states_needs_attention() {
        let accounts = [
            view("brand", DisplayStatus::Refreshing),
            view("shop", DisplayStatus::Stored(AccountStatus::NeedsReconnect)),
            view("studio", DisplayStatus::Stored(AccountStatus::NeedsInstagramLogin)),
            view("cafe", DisplayStatus::Stored(AccountStatus::Expiring)),
        ];
        let m = model(&accounts, None, VaultState::Unlocked, 1, now());
        assert!(m.attention);
        assert_eq!(
            labels(&m),
            [
                "[Evergreen: 3 accounts need attention]",
                "---",
                "@brand — refreshing…",
                "@shop — Reconnect needed",
                "@studio — Log in on Instagram",
                "@cafe — expires in 5 d, renewal failing",
                "---",
                "Refresh all",
                "Open Evergreen",
                "Lock",
                "---",
                "Quit (renewing 1 account)"
            ]
        );
    }

    #[test]
    fn a_threads_profile_is_named_with_its_network() {
        let mut studio = view("studio", DisplayStatus::Stored(AccountStatus::NeedsInstagramLogin));
        studio.account.network = crate::account::Network::Threads;
        let mut brand = view("brand", DisplayStatus::Stored(AccountStatus::Connected));
        brand.account.network = crate::account::Network::Threads;
        brand.label = crate::label::Label::parse("Harbour Cafe").unwrap();
        let accounts = [view("brand", DisplayStatus::Stored(AccountStatus::Connected)), brand, studio];
        let m = model(&accounts, None, VaultState::Unlocked, 0, now());
        assert_eq!(
            labels(&m)[2..5],
            [
                "@brand — refreshed 2 h ago",
                "@brand on Threads · Harbour Cafe — refreshed 2 h ago",
                "@studio on Threads — Log in on Threads",
            ]
        );
    }

    #[test]
    fn locked_vault() {
        let accounts = [
            view("brand", DisplayStatus::Locked),
            view("shop", DisplayStatus::Stored(AccountStatus::NeedsReconnect)),
        ];
        let m = model(&accounts, None, VaultState::Locked, 0, now());
        assert!(m.attention, "a locked vault with accounts is worth a look");
        assert_eq!(
            labels(&m),
            [
                "[Evergreen is locked: renewals paused]",
                "---",
                "@brand — locked",
                "@shop — Reconnect needed",
                "---",
                "Refresh all (disabled)",
                "Open Evergreen",
                "Unlock…",
                "---",
                "Quit Evergreen"
            ]
        );
    }

    #[test]
    fn no_account_and_no_vault() {
        assert_eq!(
            labels(&model(&[], None, VaultState::Unlocked, 0, now())),
            [
                "[Evergreen: no account connected]",
                "---",
                "Refresh all (disabled)",
                "Open Evergreen",
                "Lock",
                "---",
                "Quit Evergreen"
            ]
        );
        assert_eq!(
            labels(&model(&[], None, VaultState::Missing, 0, now())),
            [
                "[Evergreen: create your vault to start]",
                "---",
                "Refresh all (disabled)",
                "Open Evergreen",
                "---",
                "Quit Evergreen"
            ]
        );
    }

    /// `n` accounts: the first `bad` need a reconnect, the rest are connected.
    fn agency(n: usize, bad: usize) -> Vec<AccountView> {
        (0..n)
            .map(|i| {
                let status = if i < bad { AccountStatus::NeedsReconnect } else { AccountStatus::Connected };
                view(&format!("client.{i}"), DisplayStatus::Stored(status))
            })
            .collect()
    }

    #[test]
    fn up_to_ten_accounts_are_all_listed() {
        let accounts = agency(LISTED_AT_MOST, 2);
        let m = model(&accounts, Some(accounts[5].account.id), VaultState::Unlocked, 0, now());
        let listed = m.items.iter().filter(|i| matches!(i, TrayItem::Account { .. })).count();
        assert_eq!(listed, LISTED_AT_MOST);
        assert!(!m.items.iter().any(|i| matches!(i, TrayItem::AllAccounts { .. })));
    }

    #[test]
    fn hundreds_of_accounts_make_a_short_menu() {
        for (n, bad) in [(12, 0), (12, 1), (12, 11), (500, 2), (500, 486)] {
            let mut accounts = agency(n, bad);
            // The active account is a healthy one, deep in the list.
            let active = accounts[n - 1].account.id;
            // One is expiring: after the dead ones, however early it sits.
            if bad < n - 1 {
                accounts[n - 2] = view("late.cafe", DisplayStatus::Stored(AccountStatus::Expiring));
            }
            let m = model(&accounts, Some(active), VaultState::Unlocked, 0, now());
            let shown = labels(&m);
            // Summary, the active one, ten, "and N more", All…, and the fixed items: never more.
            assert!(m.items.len() <= 21, "{n} accounts: {} items", m.items.len());
            let attention = bad + usize::from(bad < n - 1);
            assert_eq!(
                shown[0],
                match attention {
                    0 => "[Evergreen: all accounts renewing]".to_string(),
                    1 => "[Evergreen: 1 account needs attention]".to_string(),
                    k => format!("[Evergreen: {k} accounts need attention]"),
                },
                "{n}/{bad}"
            );
            assert_eq!(shown[2], format!("✓ @client.{} — refreshed 2 h ago", n - 1), "the active one first");
            let urgent: Vec<&String> =
                shown.iter().filter(|l| l.contains("Reconnect needed") || l.contains("expires")).collect();
            assert_eq!(urgent.len(), attention.min(LISTED_AT_MOST), "{n}/{bad}: {shown:?}");
            if attention > LISTED_AT_MOST {
                let more = attention - LISTED_AT_MOST;
                let word = if more == 1 { "needs" } else { "need" };
                assert!(shown.contains(&format!("[and {more} more {word} attention]")), "{shown:?}");
            } else if attention > 0 && bad < LISTED_AT_MOST {
                assert!(
                    urgent.last().unwrap().contains("late.cafe"),
                    "expiry after the dead ones: {shown:?}"
                );
            }
            let all = format!("All {n} accounts…{}", if bad > 0 { " (needing you)" } else { "" });
            assert!(shown.contains(&all), "{shown:?}");
        }
    }

    #[test]
    fn times_read_naturally() {
        for (minutes, text) in [
            (0, "just now"),
            (5, "5 min ago"),
            (119, "119 min ago"),
            (120, "2 h ago"),
            (47 * 60, "47 h ago"),
            (72 * 60, "3 d ago"),
        ] {
            assert_eq!(ago(now() - Duration::minutes(minutes), now()), text);
        }
    }
}
