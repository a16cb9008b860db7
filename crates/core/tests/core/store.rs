//! The SQLite metadata store on real files: a test per method.

use chrono::Duration;
use evergreen_core::account::StatusReason;
use evergreen_core::account::{Account, AccountId, AccountStatus, AccountType, Network};
use evergreen_core::store::{Event, EventKind, NotificationKind, Store};

use crate::support::{profile, t0};

fn account(ig: &str, username: &str) -> Account {
    Account {
        network: evergreen_core::account::Network::Instagram,
        id: AccountId::new(),
        network_user_id: ig.into(),
        app_scoped_id: None,
        username: username.into(),
        account_type: AccountType::Business,
        profile_picture_url: Some("https://example.com/a.jpg".into()),
        status: AccountStatus::Connected,
        status_reason: None,
        token_expires_at: t0() + Duration::days(60),
        token_refreshed_at: t0(),
        last_validated_at: Some(t0()),
        next_refresh_at: Some(t0() + Duration::days(2)),
        created_at: t0(),
        updated_at: t0(),
        refresh_failures: 0,
        failing_since: None,
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let (dir, data) = profile();
    let store = Store::open(&data.metadata_db()).unwrap();
    (dir, store)
}

#[test]
fn the_database_uses_wal_foreign_keys_and_the_latest_schema() {
    let (dir, data) = profile();
    drop(Store::open(&data.metadata_db()).unwrap());
    let conn = rusqlite::Connection::open(data.metadata_db()).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 5);
    drop(conn);
    // Reopening an up-to-date database is a no-op.
    Store::open(&data.metadata_db()).unwrap();
    drop(dir);
}

#[test]
fn the_data_directory_and_its_files_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, data) = profile();
    let nested = evergreen_core::paths::DataDir::new(dir.path().join("profile"));
    let store = Store::open(&nested.metadata_db()).unwrap();
    store
        .write(|w| {
            w.record_event(&Event { account: None, at: t0(), kind: EventKind::Vault, detail: "x".into() })
        })
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(nested.root()), 0o700);
    for entry in std::fs::read_dir(nested.root()).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    // An existing profile made with the usual 0755 (an older version) is tightened when
    // opened. (A directory that is not a profile is left alone: `paths`' own test.)
    drop(Store::open(&data.metadata_db()).unwrap());
    std::fs::set_permissions(data.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::open(&data.metadata_db()).unwrap());
    assert_eq!(mode(data.root()), 0o700);
}

#[test]
fn commits_survive_a_power_cut() {
    let (_dir, data) = profile();
    let store = Store::open(&data.metadata_db()).unwrap();
    let synchronous: i64 = store.read(|r| r.pragma("synchronous")).unwrap();
    assert_eq!(synchronous, 2, "synchronous=FULL: a commit is on disk when it returns");
}

#[test]
fn accounts_round_trip_and_are_listed_by_username() {
    let (_dir, store) = store();
    let b = account("17841400000000002", "brand");
    let a = account("17841400000000001", "atelier");
    store
        .write(|w| {
            w.save_account(&b)?;
            w.save_account(&a)
        })
        .unwrap();
    let all = store.read(|r| r.accounts()).unwrap();
    assert_eq!(all, vec![a.clone(), b.clone()]);
    assert_eq!(store.read(|r| r.account(a.id)).unwrap(), Some(a.clone()));
    assert_eq!(
        store.read(|r| r.account_by_network_id(Network::Instagram, "17841400000000002")).unwrap(),
        Some(b.clone())
    );
    assert_eq!(
        store.read(|r| r.account_by_network_id(Network::Threads, "17841400000000002")).unwrap(),
        None,
        "an id is the network's own"
    );
    assert_eq!(store.read(|r| r.account(AccountId::new())).unwrap(), None);
}

#[test]
fn saving_an_account_again_updates_it_in_place() {
    let (_dir, store) = store();
    let mut a = account("1", "brand");
    store.write(|w| w.save_account(&a)).unwrap();
    a.username = "brand_new".into();
    a.status = AccountStatus::NeedsReconnect;
    a.status_reason = Some(StatusReason::PasswordChanged);
    a.next_refresh_at = None;
    a.refresh_failures = 3;
    a.failing_since = Some(t0() + Duration::hours(1));
    store.write(|w| w.save_account(&a)).unwrap();
    assert_eq!(store.read(|r| r.accounts()).unwrap(), vec![a]);
}

#[test]
fn network_user_id_is_unique() {
    let (_dir, store) = store();
    store.write(|w| w.save_account(&account("1", "one"))).unwrap();
    assert!(store.write(|w| w.save_account(&account("1", "dupe"))).is_err());
    assert_eq!(store.read(|r| r.accounts()).unwrap().len(), 1, "the failed transaction left nothing");
}

#[test]
fn earliest_refresh_is_the_minimum() {
    let (_dir, store) = store();
    assert_eq!(store.read(|r| r.earliest_refresh()).unwrap(), None);
    let mut a = account("1", "a");
    a.next_refresh_at = Some(t0() + Duration::hours(5));
    let mut b = account("2", "b");
    b.next_refresh_at = Some(t0() + Duration::hours(3));
    let mut c = account("3", "c");
    c.next_refresh_at = None;
    store
        .write(|w| {
            w.save_account(&a)?;
            w.save_account(&b)?;
            w.save_account(&c)
        })
        .unwrap();
    assert_eq!(store.read(|r| r.earliest_refresh()).unwrap(), Some(t0() + Duration::hours(3)));
}

#[test]
fn deleting_an_account_removes_its_notification_marks() {
    let (_dir, store) = store();
    let a = account("1", "a");
    store.write(|w| w.save_account(&a)).unwrap();
    store
        .write(|w| w.mark_notification_sent(a.id, NotificationKind::NeedsReconnect, a.token_expires_at, t0()))
        .unwrap();
    assert!(store.write(|w| w.delete_account(a.id)).unwrap());
    assert!(!store.write(|w| w.delete_account(a.id)).unwrap(), "already gone");
    assert!(
        !store
            .read(|r| r.notification_sent(a.id, NotificationKind::NeedsReconnect, a.token_expires_at))
            .unwrap()
    );
}

#[test]
fn settings_set_read_and_remove() {
    let (_dir, store) = store();
    assert_eq!(store.read(|r| r.setting("active_account")).unwrap(), None);
    store.write(|w| w.set_setting("active_account", "\"abc\"")).unwrap();
    store.write(|w| w.set_setting("active_account", "\"def\"")).unwrap();
    assert_eq!(store.read(|r| r.setting("active_account")).unwrap().as_deref(), Some("\"def\""));
    store.write(|w| w.remove_setting("active_account")).unwrap();
    assert_eq!(store.read(|r| r.setting("active_account")).unwrap(), None);
}

#[test]
fn events_are_listed_newest_first_and_by_account() {
    let (_dir, store) = store();
    let a = AccountId::new();
    let event = |account, minutes, kind| Event {
        account,
        at: t0() + Duration::minutes(minutes),
        kind,
        detail: format!("at {minutes}"),
    };
    store
        .write(|w| {
            w.record_event(&event(Some(a), 1, EventKind::Connected))?;
            w.record_event(&event(None, 2, EventKind::Vault))?;
            w.record_event(&event(Some(a), 3, EventKind::Refreshed))
        })
        .unwrap();
    let all = store.read(|r| r.events(10, None)).unwrap();
    assert_eq!(
        all.iter().map(|e| e.event.kind).collect::<Vec<_>>(),
        [EventKind::Refreshed, EventKind::Vault, EventKind::Connected]
    );
    assert_eq!(all[0].event, event(Some(a), 3, EventKind::Refreshed));
    let mine = store.read(|r| r.events(10, Some(a))).unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(store.read(|r| r.events(1, None)).unwrap().len(), 1);
}

#[test]
fn the_audit_trail_is_bounded() {
    let (_dir, store) = store();
    store
        .write(|w| {
            for i in 0..5_300 {
                w.record_event(&Event {
                    account: None,
                    at: t0(),
                    kind: EventKind::Validated,
                    detail: i.to_string(),
                })?;
            }
            Ok(())
        })
        .unwrap();
    let kept = store.read(|r| r.events(10_000, None)).unwrap();
    assert!(kept.len() <= 5_100, "kept {}", kept.len());
    assert_eq!(kept[0].event.detail, "5299", "the newest survive");
}

#[test]
fn a_notification_is_marked_once_per_token_generation() {
    let (_dir, store) = store();
    let a = account("1", "a");
    store.write(|w| w.save_account(&a)).unwrap();
    let gen1 = a.token_expires_at;
    let gen2 = gen1 + Duration::days(2);
    assert!(
        store.write(|w| w.mark_notification_sent(a.id, NotificationKind::ExpiresSoon, gen1, t0())).unwrap()
    );
    assert!(
        !store.write(|w| w.mark_notification_sent(a.id, NotificationKind::ExpiresSoon, gen1, t0())).unwrap()
    );
    assert!(store.read(|r| r.notification_sent(a.id, NotificationKind::ExpiresSoon, gen1)).unwrap());
    assert!(!store.read(|r| r.notification_sent(a.id, NotificationKind::ExpiresSoon, gen2)).unwrap());
    assert!(!store.read(|r| r.notification_sent(a.id, NotificationKind::ExpiresVerySoon, gen1)).unwrap());
}
