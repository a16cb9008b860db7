//! The core facade: vault lifecycle, reconciliation, connections saved vault-first.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use evergreen_core::account::StatusReason;
use evergreen_core::account::{AccountStatus, AccountType};
use evergreen_core::clock::ManualClock;
use evergreen_core::paths::DataDir;
use evergreen_core::vault::{TokenVault, VaultChange, VaultState};
use evergreen_core::{Change, Code, DisplayStatus, Evergreen, Profile};

use crate::support::{NO_RELAY, PASS, cheap_vault, core, pass, profile, record, setup, t0};

fn profile_of(ig: &str, username: &str) -> Profile {
    Profile {
        network: evergreen_core::account::Network::Instagram,
        network_user_id: ig.into(),
        app_scoped_id: None,
        username: username.into(),
        account_type: AccountType::Business,
        profile_picture_url: None,
    }
}

#[tokio::test]
async fn create_lock_unlock_and_the_wrong_passphrase() {
    let (_dir, core, _clock) = core();
    assert_eq!(core.vault_state(), VaultState::Missing);
    let err = core.unlock(pass(PASS)).await.unwrap_err();
    assert_eq!(err.code(), Code::VaultMissing);
    assert_eq!(core.create_vault(pass("short")).await.unwrap_err().code(), Code::WeakPassphrase);
    core.create_vault(pass(PASS)).await.unwrap();
    assert_eq!(core.vault_state(), VaultState::Unlocked);
    assert_eq!(core.create_vault(pass(PASS)).await.unwrap_err().code(), Code::VaultExists);
    core.lock().await.unwrap();
    assert_eq!(core.vault_state(), VaultState::Locked);
    assert_eq!(core.unlock(pass("not it at all, sorry")).await.unwrap_err().code(), Code::WrongPassphrase);
    core.unlock(pass(PASS)).await.unwrap();
    let kinds: Vec<String> =
        core.store().read(|r| r.events(10, None)).unwrap().into_iter().map(|e| e.event.detail).collect();
    assert_eq!(kinds, ["Vault unlocked", "Vault locked", "Vault created"]);
}

#[tokio::test]
async fn connecting_the_same_instagram_account_twice_updates_one_row() {
    let (_dir, core, clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    let (first, existed) =
        core.save_connection(profile_of("178414", "brand"), record("IGAA-one", t0())).unwrap();
    assert!(!existed);
    clock.advance(std::time::Duration::from_secs(3600));
    let mut renamed = profile_of("178414", "brand_renamed");
    renamed.account_type = AccountType::Creator;
    let (second, existed) = core.save_connection(renamed, record("IGAA-two", core.now())).unwrap();
    assert!(existed, "a reconnect");
    assert_eq!(second.id, first.id, "same account, repaired in place");
    assert_eq!(second.created_at, first.created_at);
    let accounts = core.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].account.username, "brand_renamed");
    assert_eq!(accounts[0].status, DisplayStatus::Stored(AccountStatus::Connected));
    assert_eq!(accounts[0].account.token_expires_at, core.now() + Duration::days(60));
    let events = core.store().read(|r| r.events(10, Some(first.id))).unwrap();
    assert_eq!(events[0].event.detail, "Reconnected @brand_renamed; access valid until 30 Apr 2026");
}

#[tokio::test]
async fn a_second_account_is_a_second_row_and_locked_accounts_show_locked() {
    let (_dir, core, _clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    core.save_connection(profile_of("1", "one"), record("IGAA-1", t0())).unwrap();
    core.save_connection(profile_of("2", "two"), record("IGAA-2", t0())).unwrap();
    assert_eq!(core.accounts().unwrap().len(), 2);
    core.lock().await.unwrap();
    assert!(core.accounts().unwrap().iter().all(|a| a.status == DisplayStatus::Locked));
    assert_eq!(
        core.save_connection(profile_of("3", "three"), record("IGAA-3", t0())).unwrap_err().code(),
        Code::VaultLocked,
        "nothing is saved while locked"
    );
}

#[tokio::test]
async fn unlocking_reconciles_vault_and_metadata() {
    let (dir, data) = profile();
    let clock = ManualClock::at(t0());
    let changes = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let changes = changes.clone();
        Arc::new(move |c: Change| changes.lock().unwrap().push(c))
    };
    let core = Evergreen::open(setup(&data, &clock, NO_RELAY, sink)).unwrap();
    core.create_vault(pass(PASS)).await.unwrap();
    let (kept, _) = core.save_connection(profile_of("1", "kept"), record("IGAA-kept", t0())).unwrap();
    let (lost, _) = core.save_connection(profile_of("2", "lost"), record("IGAA-lost", t0())).unwrap();
    core.lock().await.unwrap();

    // Meddle behind the core's back: drop one token, add an orphan, advance another's dates
    // (as a crash between the vault write and the SQLite write would leave them).
    let side = cheap_vault(&data);
    side.unlock(&pass(PASS)).unwrap();
    let newer = record("IGAA-kept-2", t0() + Duration::days(2));
    side.apply(vec![
        VaultChange::Remove(lost.id),
        VaultChange::Put(evergreen_core::account::AccountId::new(), record("IGAA-orphan", t0())),
        VaultChange::Put(kept.id, newer.clone()),
    ])
    .unwrap();
    side.lock();
    changes.lock().unwrap().clear();

    let report = core.unlock(pass(PASS)).await.unwrap();
    assert_eq!(report.missing_tokens, vec![lost.id]);
    assert_eq!(report.orphan_tokens, 1);
    assert_eq!(report.dates_repaired, 1);
    let accounts = core.accounts().unwrap();
    let lost_now = accounts.iter().find(|a| a.account.id == lost.id).unwrap();
    assert_eq!(lost_now.status, DisplayStatus::Stored(AccountStatus::NeedsReconnect));
    assert_eq!(lost_now.account.status_reason, Some(StatusReason::TokenMissing));
    let kept_now = accounts.iter().find(|a| a.account.id == kept.id).unwrap();
    assert_eq!(kept_now.account.token_expires_at, newer.expires_at, "the vault wins");
    assert_eq!(
        *changes.lock().unwrap(),
        vec![Change::VaultChanged { state: VaultState::Unlocked }, Change::AccountsChanged]
    );

    // A second unlock finds nothing to repair; the orphan token is kept (no scheduler runs
    // here to look it up at Instagram: see `refresh::a_token_whose_account_row_was_lost_*`).
    core.lock().await.unwrap();
    assert_eq!(
        core.unlock(pass(PASS)).await.unwrap(),
        evergreen_core::Reconciliation { orphan_tokens: 1, ..Default::default() }
    );
    drop(dir);
}

#[tokio::test]
async fn resetting_the_vault_keeps_accounts_and_asks_for_reconnects() {
    let (_dir, core, _clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    core.save_connection(profile_of("1", "one"), record("IGAA-1", t0())).unwrap();
    core.lock().await.unwrap();
    core.reset_vault().await.unwrap();
    assert_eq!(core.vault_state(), VaultState::Missing);
    let accounts = core.accounts().unwrap();
    assert_eq!(accounts.len(), 1, "accounts stay listed");
    assert_eq!(accounts[0].status, DisplayStatus::Stored(AccountStatus::NeedsReconnect));
    assert_eq!(accounts[0].account.status_reason, Some(StatusReason::VaultReset));
    core.create_vault(pass("a new passphrase, longer")).await.unwrap();
}

#[tokio::test]
async fn a_known_token_never_reaches_the_metadata_files() {
    let (dir, core, _clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    let token = "IGAAsecretTokenThatMustStayInTheVault";
    core.save_connection(profile_of("1", "one"), record(token, t0())).unwrap();
    core.save_connection(profile_of("2", "two"), record("IGAA-other", t0())).unwrap();
    let data = DataDir::new(dir.path());
    let mut checked = 0;
    for entry in std::fs::read_dir(data.root()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token found in clear in {}",
            path.display()
        );
        checked += 1;
    }
    assert!(dir.path().join("evergreen.sqlite3-wal").exists(), "the WAL file was checked too");
    assert!(checked >= 4, "database, WAL, vault header and snapshot: {checked}");
    let debug = format!("{:?}", core.accounts().unwrap());
    assert!(!debug.contains(token));
}

#[tokio::test]
async fn the_active_account_persists_and_falls_back_when_disconnected() {
    let (dir, core, _clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    let (one, _) = core.save_connection(profile_of("1", "one"), record("IGAA-1", t0())).unwrap();
    let (two, _) = core.save_connection(profile_of("2", "two"), record("IGAA-2", t0())).unwrap();
    assert_eq!(core.active_account().unwrap(), Some(one.id), "the first listed until one is chosen");
    core.set_active_account(&two.id.to_string()).unwrap();
    assert_eq!(core.active_account().unwrap(), Some(two.id));
    assert_eq!(core.set_active_account("not-an-id").unwrap_err().code(), Code::UnknownAccount);

    // A restart reads the choice back.
    drop(core);
    let data = DataDir::new(dir.path());
    let reopened =
        Evergreen::open(setup(&data, &ManualClock::at(t0()), NO_RELAY, evergreen_core::ignore_changes()))
            .unwrap();
    assert_eq!(reopened.active_account().unwrap(), Some(two.id));

    reopened.unlock(pass(PASS)).await.unwrap();
    reopened.disconnect(&two.id.to_string()).unwrap();
    assert_eq!(reopened.active_account().unwrap(), Some(one.id), "back to the remaining account");
    assert_eq!(reopened.accounts().unwrap().len(), 1);
    let side = cheap_vault(&data);
    reopened.lock().await.unwrap();
    side.unlock(&pass(PASS)).unwrap();
    assert_eq!(side.get(&two.id).unwrap(), None, "its token is gone from the vault");
    let events = reopened.store().read(|r| r.events(1, Some(two.id))).unwrap();
    assert_eq!(events[0].event.detail, "Disconnected @two; Evergreen forgot its access");
}

#[tokio::test]
async fn a_new_policy_moves_healthy_accounts_and_refuses_bad_bounds() {
    use evergreen_core::refresh::RefreshPolicy;
    let (_dir, core, _clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    let (a, _) = core.save_connection(profile_of("1", "one"), record("IGAA-1", t0())).unwrap();
    assert_eq!(a.next_refresh_at, Some(t0() + Duration::hours(48)));
    let faster = RefreshPolicy { refresh_after_secs: 30 * 3600, ..RefreshPolicy::default() };
    core.set_refresh_policy(faster).unwrap();
    assert_eq!(core.refresh_policy().unwrap(), faster);
    let now = core.store().read(|r| r.account(a.id)).unwrap().unwrap();
    assert_eq!(now.next_refresh_at, Some(t0() + Duration::hours(30)));
    let too_fast = RefreshPolicy { refresh_after_secs: 3600, ..RefreshPolicy::default() };
    let error = core.set_refresh_policy(too_fast).unwrap_err();
    assert_eq!(error.code(), Code::InvalidSettings);
    assert_eq!(
        error.to_string(),
        "refresh_after_secs: Instagram refuses to renew a token under 24 hours old"
    );
    assert_eq!(core.refresh_policy().unwrap(), faster, "nothing changed");
}

/// Moving between real and demo closes one profile while calls may still hold it.
#[tokio::test]
async fn a_closed_profile_saves_locks_gives_its_directory_up_and_refuses_to_reopen_its_vault() {
    let (dir, core, clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    core.save_connection(profile_of("17841400000000001", "brand"), record("IGAAclosing", t0())).unwrap();
    let data = DataDir::new(dir.path());
    assert_eq!(
        Evergreen::open(setup(&data, &clock, NO_RELAY, evergreen_core::ignore_changes()))
            .err()
            .map(|e| e.code()),
        Some(Code::ProfileInUse),
        "claimed while open"
    );
    let straggler = core.clone();
    core.close(std::future::pending()).await.unwrap();
    assert_eq!(core.vault_state(), VaultState::Locked, "its keys left memory");
    assert_eq!(
        straggler.unlock(pass(PASS)).await.unwrap_err().code(),
        Code::Internal,
        "a clone cannot reopen it"
    );
    assert_eq!(straggler.vault_state(), VaultState::Locked);
    assert_eq!(straggler.reset_vault().await.unwrap_err().code(), Code::Internal);
    // Given up while a clone is still held: the same directory opens again, whole.
    let reopened = Evergreen::open(setup(&data, &clock, NO_RELAY, evergreen_core::ignore_changes())).unwrap();
    reopened.unlock(pass(PASS)).await.unwrap();
    let brand = reopened.accounts().unwrap()[0].account.id;
    assert_eq!(reopened.accounts().unwrap()[0].account.username, "brand");
    // Nor does the clone write under the new owner: not the account list, not a setting.
    let refused = straggler.disconnect(&brand.to_string()).unwrap_err();
    assert_eq!(
        (refused.code(), refused.to_string()),
        (Code::Internal, evergreen_core::Error::Closed.to_string())
    );
    let policy = evergreen_core::refresh::RefreshPolicy::default;
    let faster = evergreen_core::refresh::RefreshPolicy { refresh_after_secs: 30 * 3600, ..policy() };
    assert_eq!(straggler.set_refresh_policy(faster).unwrap_err().code(), Code::Internal);
    let changed = straggler.change_passphrase(pass(PASS), pass("another passphrase entirely")).await;
    assert_eq!(changed.unwrap_err().code(), Code::Internal, "nor its passphrase");
    assert_eq!(reopened.accounts().unwrap().len(), 1, "still listed");
    assert_eq!(reopened.refresh_policy().unwrap(), policy());
    reopened.lock().await.unwrap();
    reopened.unlock(pass(PASS)).await.expect("the passphrase it had");
}

/// Found by the simulation: a reconnect whose account list could not be written left the new
/// token in the vault under a row still saying "Reconnect", which nothing renews.
#[tokio::test]
async fn a_connect_whose_account_list_cannot_be_written_changes_nothing() {
    let (dir, core, _clock) = core();
    core.create_vault(pass(PASS)).await.unwrap();
    let (brand, _) =
        core.save_connection(profile_of("17841400000000001", "brand"), record("IGAAold", t0())).unwrap();
    core.store()
        .write(|w| {
            let mut row = w.reader().account(brand.id)?.unwrap();
            row.status = AccountStatus::NeedsReconnect;
            w.save_account(&row)
        })
        .unwrap();
    core.store().fail_next_writes(1);
    let error =
        core.save_connection(profile_of("17841400000000001", "brand"), record("IGAAnew", t0())).unwrap_err();
    assert_eq!(error.code(), Code::Storage);
    core.store().fail_next_writes(1);
    core.save_connection(profile_of("17841400000000002", "other"), record("IGAAother", t0())).unwrap_err();
    core.lock().await.unwrap();
    let vault = cheap_vault(&DataDir::new(dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&brand.id).unwrap().unwrap().token.expose(), "IGAAold", "the old token, as before");
    assert_eq!(vault.accounts().unwrap(), vec![brand.id], "and no token of the other");
    assert_eq!(
        core.store().read(|r| r.account(brand.id)).unwrap().unwrap().status,
        AccountStatus::NeedsReconnect
    );
}
