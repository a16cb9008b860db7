//! The interleavings and write failures reported in "Renewal never silently stops", each as it
//! was reproduced: the real scheduler, a real vault and SQLite, the sandbox over loopback.
//! Timeouts here only detect a hang (a deadlock would otherwise stop the test run); nothing
//! waits for a timer.

use std::time::Duration;

use evergreen_core::account::{AccountStatus, StatusReason};
use evergreen_core::paths::DataDir;
use evergreen_core::refresh::Trigger;
use evergreen_core::vault::{TokenVault, VaultChange};
use evergreen_core::{Code, Evergreen, ignore_changes};
use evergreen_sandbox::{Fault, FaultKind};

use crate::support::{Fleet, NO_RELAY, PASS, cheap_vault, pass, setup};

const HOUR: Duration = Duration::from_secs(3600);
/// Far longer than any of these takes on a loaded machine: reaching it means a hang.
const HANG: Duration = Duration::from_secs(60);

/// Wait (on the sandbox, not a timer) until some refresh call is in flight.
async fn until_a_refresh_is_in_flight(f: &Fleet) {
    while f.sandbox.world().stats().in_flight == 0 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_all_while_the_scheduler_sweeps_retries_finishes_and_refreshes_each_once() {
    let f = Fleet::new().await;
    let ids: Vec<_> = (0..12).map(|i| f.connect(&format!("brand{i:02}")).id).collect();
    f.clock.advance(49 * HOUR);
    // Two renewals fail at first and come due for a retry; everything overlaps.
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 2).on("refresh"));
    f.sandbox.world().set_latency_ms(40);
    let scheduler = tokio::spawn(f.core.clone().run_scheduler());
    let all = tokio::time::timeout(HANG, f.core.refresh_all()).await.expect("Refresh all never returned");
    all.unwrap();
    tokio::time::timeout(HANG, f.core.refresh_now(&ids[0].to_string()))
        .await
        .expect("Refresh now never returned")
        .unwrap();
    tokio::time::timeout(HANG, f.clock.until_sleeps_started(1)).await.expect("the scheduler never slept");
    // The retries, a few minutes later.
    f.run_for(10 * 60 * Duration::from_secs(1)).await;
    scheduler.abort();
    for id in &ids {
        let a = f.account(*id);
        assert_eq!((a.status, a.refresh_failures), (AccountStatus::Connected, 0), "{a:?}");
    }
    assert!(
        !f.core.accounts().unwrap().iter().any(|v| v.status == evergreen_core::DisplayStatus::Refreshing)
    );
    let successful = f.refresh_calls().iter().filter(|(_, status)| *status == 200).count();
    assert_eq!(successful, 12, "one renewal per account: {:?}", f.refresh_calls());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metadata_write_that_fails_never_makes_the_scheduler_spin() {
    let mut f = Fleet::new().await;
    let id = f.connect("brand").id;
    f.clock.advance(49 * HOUR);
    // Every metadata write fails for a while: the renewal reaches the vault, its row lags.
    f.core.store().fail_next_writes(1_000);
    f.start().await;
    let before = f.clock.sleeps_started();
    f.run_for(HOUR).await;
    let wakeups = f.clock.sleeps_started() - before;
    assert!(wakeups <= 70, "one look a minute at most while writes fail: {wakeups} wake-ups in an hour");
    assert_eq!(f.refresh_calls().len(), 1, "renewed once, never again because the row lagged");
    f.core.store().fail_next_writes(0);
    f.run_for(2 * 60 * Duration::from_secs(1)).await;
    let a = f.account(id);
    assert!(a.token_refreshed_at > crate::support::t0(), "the row caught up once writes worked: {a:?}");
    assert_eq!(f.refresh_calls().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_that_cannot_save_keeps_the_renewed_token_and_calls_instagram_once() {
    let mut f = Fleet::new().await;
    let id = f.connect("brand").id;
    f.clock.advance(49 * HOUR);
    f.vault_faults.fail_next(1_000);
    f.start().await;
    f.run_for(HOUR).await;
    assert_eq!(f.refresh_calls().len(), 1, "the renewed token is kept in memory: no second renewal");
    assert_eq!(f.account(id).status, AccountStatus::Connected);
    f.vault_faults.fail_next(0);
    f.run_for(10 * 60 * Duration::from_secs(1)).await;
    let vault = cheap_vault(&DataDir::new(f.dir.path()));
    f.stop().await;
    f.release_profile().await;
    vault.unlock(&pass(PASS)).unwrap();
    let saved = vault.get(&id).unwrap().unwrap();
    let at_instagram = f.sandbox.world().token(saved.token.expose()).unwrap();
    assert!(saved.issued_at > crate::support::t0(), "the renewed token reached the vault once it could");
    assert_eq!(at_instagram.expires_at, saved.expires_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnecting_during_a_renewal_in_flight_stays_disconnected() {
    let f = Fleet::new().await;
    let a = f.connect("brand");
    f.clock.advance(49 * HOUR);
    f.sandbox.world().add_fault(Fault::new(FaultKind::Latency { ms: 300 }, 1).on("refresh"));
    let sweep = {
        let core = f.core.clone();
        tokio::spawn(async move { core.sweep(vec![a.id], Trigger::Scheduled).await })
    };
    until_a_refresh_is_in_flight(&f).await;
    f.core.disconnect(&a.id.to_string()).unwrap();
    tokio::time::timeout(HANG, sweep).await.unwrap().unwrap();
    assert!(f.core.store().read(|r| r.account(a.id)).unwrap().is_none(), "still gone");
    f.core.lock().await.unwrap();
    let vault = cheap_vault(&DataDir::new(f.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&a.id).unwrap(), None, "the renewed token was not put back");
    let events = f.core.store().read(|r| r.events(3, Some(a.id))).unwrap();
    assert_eq!(events[0].event.detail, "Disconnected @brand; Evergreen forgot its access");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_saved_during_a_renewal_in_flight_is_not_overwritten() {
    let f = Fleet::new().await;
    let a = f.connect("brand");
    f.clock.advance(49 * HOUR);
    f.sandbox.world().revoke(&a.network_user_id, 460);
    f.sandbox.world().add_fault(Fault::new(FaultKind::Latency { ms: 300 }, 1).on("refresh"));
    let sweep = {
        let core = f.core.clone();
        tokio::spawn(async move { core.sweep(vec![a.id], Trigger::Scheduled).await })
    };
    until_a_refresh_is_in_flight(&f).await;
    // The person reconnects while the renewal of the dead token is out.
    let reconnected = f.reconnect(&a.network_user_id, "brand");
    tokio::time::timeout(HANG, sweep).await.unwrap().unwrap();
    let now = f.account(a.id);
    assert_eq!((now.status, now.status_reason), (AccountStatus::Connected, None), "{now:?}");
    assert_eq!(now.next_refresh_at, reconnected.next_refresh_at, "still renewed in 48 h");
    assert_eq!(now.token_refreshed_at, reconnected.token_refreshed_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_account_row_was_lost_is_listed_again_from_instagram() {
    let mut f = Fleet::new().await;
    let kept = f.connect("kept");
    let lost = f.connect("lost");
    f.start().await;
    f.core.lock().await.unwrap();
    // The metadata rolls back (a power cut, an old backup): the row of `lost` is gone.
    f.core.store().write(|w| w.delete_account(lost.id).map(|_| ())).unwrap();
    let before = f.clock.sleeps_started();
    let report = f.core.unlock(pass(PASS)).await.unwrap();
    assert_eq!(report.orphan_tokens, 1, "kept, not deleted");
    f.settle_after(before).await;
    let back = f.core.store().read(|r| r.account(lost.id)).unwrap().expect("listed again");
    assert_eq!((back.username.as_str(), back.status), ("lost", AccountStatus::Connected));
    assert_eq!(back.network_user_id, lost.network_user_id);
    assert_eq!(back.token_expires_at, lost.token_expires_at, "the vault's dates");
    assert!(f.core.store().read(|r| r.account(kept.id)).unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_disconnected_while_locked_is_not_brought_back() {
    let mut f = Fleet::new().await;
    let gone = f.connect("gone");
    f.start().await;
    f.core.lock().await.unwrap();
    f.core.disconnect(&gone.id.to_string()).unwrap();
    let before = f.clock.sleeps_started();
    let report = f.core.unlock(pass(PASS)).await.unwrap();
    assert_eq!((report.forgotten_tokens, report.orphan_tokens), (1, 0));
    f.settle_after(before).await;
    assert!(f.core.store().read(|r| r.account(gone.id)).unwrap().is_none());
    f.stop().await;
    f.release_profile().await;
    let vault = cheap_vault(&DataDir::new(f.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&gone.id).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_orphan_token_is_removed_and_a_second_copy_of_a_listed_account_too() {
    let mut f = Fleet::new().await;
    let listed = f.connect("listed");
    let dead = f.connect("dead");
    f.start().await;
    f.core.lock().await.unwrap();
    f.core.store().write(|w| w.delete_account(dead.id).map(|_| ())).unwrap();
    f.sandbox.world().revoke(&dead.network_user_id, 458);
    // An old copy of `listed`'s token under another id (as an old vault backup would hold).
    let side = cheap_vault(&DataDir::new(f.dir.path()));
    side.unlock(&pass(PASS)).unwrap();
    let copy = side.get(&listed.id).unwrap().unwrap();
    let copy_id = evergreen_core::account::AccountId::new();
    side.apply(vec![VaultChange::Put(copy_id, copy)]).unwrap();
    side.lock();
    let before = f.clock.sleeps_started();
    assert_eq!(f.core.unlock(pass(PASS)).await.unwrap().orphan_tokens, 2);
    f.settle_after(before).await;
    assert_eq!(f.core.accounts().unwrap().len(), 1, "only the listed account");
    f.core.lock().await.unwrap();
    side.unlock(&pass(PASS)).unwrap();
    assert_eq!(side.get(&dead.id).unwrap(), None);
    assert_eq!(side.get(&copy_id).unwrap(), None);
    assert!(side.get(&listed.id).unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_in_the_middle_of_a_sweep_loses_no_renewal() {
    let f = Fleet::new().await;
    let ids: Vec<_> = (0..8).map(|i| f.connect(&format!("brand{i}")).id).collect();
    f.clock.advance(49 * HOUR);
    f.sandbox.world().set_latency_ms(100);
    let sweep = {
        let core = f.core.clone();
        let ids = ids.clone();
        tokio::spawn(async move { core.sweep(ids, Trigger::Scheduled).await })
    };
    until_a_refresh_is_in_flight(&f).await;
    tokio::time::timeout(HANG, f.core.lock()).await.unwrap().unwrap();
    tokio::time::timeout(HANG, sweep).await.unwrap().unwrap();
    let vault = cheap_vault(&DataDir::new(f.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    let renewed = f.refresh_calls().iter().filter(|(_, s)| *s == 200).count();
    assert!(renewed >= 1);
    let saved_new =
        ids.iter().filter(|id| vault.get(id).unwrap().unwrap().issued_at > crate::support::t0()).count();
    assert_eq!(saved_new, renewed, "every token Instagram renewed before the lock is in the vault");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_cannot_open_the_same_profile() {
    let f = Fleet::new().await;
    let clock = f.clock.clone();
    let again = Evergreen::open(setup(&DataDir::new(f.dir.path()), &clock, NO_RELAY, ignore_changes()));
    let error = again.err().expect("refused");
    assert_eq!(error.code(), Code::ProfileInUse);
    assert_eq!(
        error.to_string(),
        "Another copy of Evergreen is already using this profile. Close it, or use that copy."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_ends_the_account_at_expiry() {
    let mut f = Fleet::new().await;
    let a = f.connect("brand");
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 1_000_000));
    f.start().await;
    f.run_for(61 * 24 * HOUR).await;
    let now = f.account(a.id);
    assert_eq!((now.status, now.status_reason), (AccountStatus::NeedsReconnect, Some(StatusReason::Expired)));
}

/// Found by the simulation: an unlock whose reconciliation could not save returned an error
/// with the vault left open, and the token of an account disconnected while locked stayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlock_whose_reconciliation_cannot_save_still_unlocks_and_forgets_later() {
    let mut f = Fleet::new().await;
    let gone = f.connect("gone");
    f.start().await;
    f.core.lock().await.unwrap();
    f.core.disconnect(&gone.id.to_string()).unwrap();
    f.vault_faults.fail_next(1);
    let before = f.clock.sleeps_started();
    f.core.unlock(pass(PASS)).await.expect("the vault opens whatever the disk does");
    f.settle_after(before).await;
    f.stop().await;
    f.release_profile().await;
    let vault = cheap_vault(&DataDir::new(f.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    assert_eq!(vault.get(&gone.id).unwrap(), None, "removed at the catch-up, once the disk let it");
}

/// Found by the simulation: when the catch-up's removal failed too, the token of an account
/// disconnected while locked stayed in the vault until the next unlock, Quit included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disconnected_accounts_token_is_removed_once_the_disk_lets_it_without_another_unlock() {
    for by_quit in [false, true] {
        let mut f = Fleet::new().await;
        let gone = f.connect("gone");
        f.start().await;
        f.core.lock().await.unwrap();
        f.core.disconnect(&gone.id.to_string()).unwrap();
        // The reconciliation's removal and the catch-up's both fail.
        f.vault_faults.fail_next(2);
        let before = f.clock.sleeps_started();
        f.core.unlock(pass(PASS)).await.unwrap();
        f.settle_after(before).await;
        assert_eq!(f.vault_faults.remaining(), 0, "both removals were tried");
        if by_quit {
            f.core.shutdown(std::future::pending()).await.expect("Quit removes it");
        } else {
            f.run_for(evergreen_core::refresh::AFTER_FAILED_WRITE + std::time::Duration::from_secs(1)).await;
        }
        // Locking saves nothing more, so what is on disk is what the two paths did.
        f.core.lock().await.unwrap();
        let vault = cheap_vault(&DataDir::new(f.dir.path()));
        vault.unlock(&pass(PASS)).unwrap();
        let how = if by_quit { "at quit" } else { "by the scheduler" };
        assert_eq!(vault.get(&gone.id).unwrap(), None, "removed {how}");
    }
}

/// Found by the simulation: a lock whose renewed tokens could not be saved said it went well,
/// though the renewal was lost (and Instagram may have ended the old token with it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_that_loses_a_renewal_says_so() {
    let f = Fleet::new().await;
    let a = f.connect("brand");
    f.clock.advance(49 * HOUR);
    f.vault_faults.fail_next(2);
    let report = f.core.refresh_now(&a.id.to_string()).await.unwrap();
    assert!(report.write_failed, "the renewal is staged, not saved");
    let error = f.core.lock().await.expect_err("told");
    assert_eq!(error.code(), Code::Storage);
    assert!(error.to_string().contains("1 renewed connection(s) could not be saved"), "{error}");
    assert_eq!(f.core.vault_state(), evergreen_core::vault::VaultState::Locked, "locked all the same");
}
