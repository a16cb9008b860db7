//! The refresh engine against the sandbox over loopback, on a manual clock both share: months
//! pass in seconds, nothing sleeps for real.

use std::time::Duration;

use chrono::Duration as Span;
use evergreen_core::account::StatusReason;
use evergreen_core::account::{AccountStatus, Network};
use evergreen_core::refresh::{RefreshPolicy, Trigger};
use evergreen_core::vault::TokenVault;
use evergreen_sandbox::{Fault, FaultKind};

use crate::support::{Fleet, PASS, pass};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_running_two_hours_a_day_keeps_every_token_alive_for_180_days() {
    let mut f = Fleet::new().await;
    let ids: Vec<_> = ["brand", "shop", "studio"].iter().map(|u| f.connect(u).id).collect();
    f.core.lock().await.unwrap();
    for day in 0..180 {
        f.start().await;
        let before = f.clock.sleeps_started();
        f.core.unlock(pass(PASS)).await.unwrap();
        f.settle_after(before).await;
        f.run_for(2 * HOUR).await;
        for id in &ids {
            let a = f.account(*id);
            assert_eq!(a.status, AccountStatus::Connected, "day {day}: {a:?}");
            assert!(a.token_expires_at > f.core.now() + Span::days(50), "day {day}: never near expiry");
        }
        f.core.lock().await.unwrap();
        f.stop().await;
        f.clock.advance(22 * HOUR);
    }
    let calls = f.refresh_calls();
    assert!(calls.len() >= 3 * 180 / 3, "about one refresh per account every 2–3 days: {}", calls.len());
    assert!(calls.iter().all(|(_, status)| *status == 200), "every refresh succeeded");
    let youngest = calls.iter().map(|(age, _)| *age).min().unwrap();
    assert!(youngest >= 48 * 3600, "never a refresh under 48 h, let alone 24 h: youngest {youngest} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_for_50_days_is_refreshed_on_unlock() {
    let mut f = Fleet::new().await;
    let id = f.connect("brand").id;
    f.core.lock().await.unwrap();
    f.clock.advance(50 * DAY);
    f.start().await;
    let before = f.clock.sleeps_started();
    f.core.unlock(pass(PASS)).await.unwrap();
    f.settle_after(before).await;
    let a = f.account(id);
    assert_eq!(a.status, AccountStatus::Connected);
    assert_eq!(a.token_expires_at, f.core.now() + Span::days(60), "renewed at once, valid 60 days from now");
    assert_eq!(f.refresh_calls().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_for_61_days_needs_reconnect_and_says_it_expired_while_closed() {
    let mut f = Fleet::new().await;
    let id = f.connect("brand").id;
    f.core.lock().await.unwrap();
    f.clock.advance(61 * DAY);
    f.start().await;
    let before = f.clock.sleeps_started();
    f.core.unlock(pass(PASS)).await.unwrap();
    f.settle_after(before).await;
    let a = f.account(id);
    assert_eq!(a.status, AccountStatus::NeedsReconnect);
    assert_eq!(a.status_reason.map(StatusReason::as_str), Some("expired_while_closed"));
    assert!(f.refresh_calls().is_empty(), "an expired token is never sent");
    let events = f.core.store().read(|r| r.events(5, Some(id))).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event.detail
                == "@brand: the access expired while Evergreen was closed; reconnect needed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_keep_the_account_and_back_off() {
    for fault in [
        FaultKind::Http500,
        FaultKind::Code2,
        FaultKind::Timeout,
        FaultKind::Drop,
        FaultKind::MalformedJson,
        FaultKind::HtmlError,
    ] {
        let (f, a) = Fleet::after_fault(Network::Instagram, fault.clone()).await;
        assert_eq!(a.status, AccountStatus::Connected, "{fault:?}");
        assert_eq!(a.refresh_failures, 1, "{fault:?}");
        assert_eq!(a.failing_since, Some(f.core.now()));
        let wait = a.next_refresh_at.unwrap() - f.core.now();
        assert!((48..=72).contains(&wait.num_seconds()), "{fault:?}: retry after 60 s ±20 %, got {wait}");
        let events = f.core.store().read(|r| r.events(1, Some(a.id))).unwrap();
        assert!(events[0].event.detail.starts_with("Couldn't renew @brand"), "{fault:?}: {:?}", events[0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_wait_as_instagram_says() {
    let (f, a) = Fleet::after_fault(Network::Instagram, FaultKind::RateLimit { code: 80001 }).await;
    assert_eq!(
        a.next_refresh_at.unwrap() - f.core.now(),
        Span::minutes(15),
        "estimated_time_to_regain_access"
    );
    assert_eq!(a.status, AccountStatus::Connected);
    let (f, a) = Fleet::after_fault(Network::Instagram, FaultKind::Http429).await;
    assert_eq!(a.next_refresh_at.unwrap() - f.core.now(), Span::minutes(2), "Retry-After");
    for code in [4, 17, 32, 613] {
        let (f, a) = Fleet::after_fault(Network::Instagram, FaultKind::RateLimit { code }).await;
        assert_eq!(
            a.next_refresh_at.unwrap() - f.core.now(),
            Span::minutes(15),
            "code {code}: no estimate, 15 min"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_renewal_is_checked_with_me_and_an_account_that_answers_stays_connected() {
    // Instagram refuses the renewal with a permission error but `/me` still answers: an
    // ambiguous refusal never ends an account on its own.
    let (f, a) = Fleet::after_fault(Network::Instagram, FaultKind::Permission).await;
    assert_eq!((a.status, a.status_reason), (AccountStatus::Connected, None));
    assert_eq!(a.refresh_failures, 1);
    assert!(a.next_refresh_at.unwrap() > f.core.now(), "tried again later");
    let events = f.core.store().read(|r| r.events(3, Some(a.id))).unwrap();
    assert!(
        events[0].event.detail.starts_with("Instagram refused to renew @brand")
            && events[0].event.detail.contains("still answers, so it stays connected"),
        "the activity says why: {:?}",
        events[0].event.detail
    );
    let calls: Vec<_> = f.sandbox.world().calls(0).into_iter().map(|c| (c.endpoint, c.status)).collect();
    assert!(calls.ends_with(&[("refresh", 403), ("me", 200)]), "confirmed with /me: {calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_permission_confirmed_by_me_needs_a_reconnect() {
    let f = Fleet::new().await;
    let id = f.connect("brand").id;
    f.clock.advance(49 * HOUR);
    // Every call refused: the renewal and the check that follows it.
    f.sandbox.world().add_fault(Fault::new(FaultKind::Permission, 2));
    f.core.sweep(vec![id], Trigger::Scheduled).await;
    let a = f.account(id);
    assert_eq!(
        (a.status, a.status_reason.map(StatusReason::as_str)),
        (AccountStatus::NeedsReconnect, Some("permission_missing"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_renewal_that_me_cannot_confirm_is_retried_not_ended() {
    let f = Fleet::new().await;
    let id = f.connect("brand").id;
    f.clock.advance(49 * HOUR);
    f.sandbox.world().add_fault(Fault::new(FaultKind::Permission, 1).on("refresh"));
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 1).on("me"));
    f.core.sweep(vec![id], Trigger::Scheduled).await;
    let a = f.account(id);
    assert_eq!((a.status, a.refresh_failures), (AccountStatus::Connected, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_needs_a_reconnect_with_the_reason() {
    for (subcode, reason) in [
        (458, "app_removed"),
        (460, "password_changed"),
        (463, "expired"),
        (464, "unconfirmed_user"),
        (467, "logged_out"),
    ] {
        let f = Fleet::new().await;
        let a = f.connect("brand");
        f.clock.advance(49 * HOUR);
        f.sandbox.world().revoke(&a.network_user_id, subcode);
        f.core.sweep(vec![a.id], Trigger::Scheduled).await;
        let a = f.account(a.id);
        assert_eq!(
            (a.status, a.status_reason.map(StatusReason::as_str)),
            (AccountStatus::NeedsReconnect, Some(reason))
        );
        assert_eq!(a.next_refresh_at, None, "a dead token is never retried");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_waits_for_a_login_on_instagram_then_recovers() {
    let mut f = Fleet::new().await;
    let a = f.connect("brand");
    f.start().await;
    f.sandbox.world().update_account(&a.network_user_id, |acc| acc.checkpoint = true);
    f.run_for(49 * HOUR).await;
    let now = f.account(a.id);
    assert_eq!(
        (now.status, now.status_reason.map(StatusReason::as_str)),
        (AccountStatus::NeedsInstagramLogin, Some("checkpoint"))
    );
    f.sandbox.world().update_account(&a.network_user_id, |acc| acc.checkpoint = false);
    f.run_for(HOUR).await;
    let now = f.account(a.id);
    assert_eq!(now.status, AccountStatus::Connected, "rechecked within the hour: {now:?}");
    f.run_for(HOUR).await;
    assert!(f.account(a.id).token_refreshed_at > a.token_refreshed_at, "and renewed once healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_of_a_day_never_marks_an_account_dead() {
    let mut f = Fleet::new().await;
    let a = f.connect("brand");
    f.start().await;
    f.run_for(48 * HOUR - Duration::from_secs(60)).await;
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 100_000));
    f.run_for(DAY).await;
    let during = f.account(a.id);
    assert_eq!(during.status, AccountStatus::Connected, "a day of 500s: {during:?}");
    assert!(
        during.refresh_failures >= 20,
        "retried all day, backing off to hourly: {}",
        during.refresh_failures
    );
    assert!(f.refresh_calls().len() < 40, "but not in a loop: {}", f.refresh_calls().len());
    f.sandbox.world().clear_faults();
    f.run_for(2 * HOUR).await;
    let after = f.account(a.id);
    assert_eq!(
        (after.status, after.refresh_failures, after.failing_since),
        (AccountStatus::Connected, 0, None)
    );
    assert!(after.token_refreshed_at > a.token_refreshed_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_inside_the_warning_window_turns_expiring() {
    let f = Fleet::new().await;
    let a = f.connect("brand");
    f.clock.advance(54 * DAY);
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 1).on("refresh"));
    f.core.sweep(vec![a.id], Trigger::Scheduled).await;
    assert_eq!(f.account(a.id).status, AccountStatus::Expiring);
    f.clock.advance(HOUR);
    f.core.sweep(vec![a.id], Trigger::Scheduled).await;
    assert_eq!(f.account(a.id).status, AccountStatus::Connected, "a success clears it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_now_during_a_timer_refresh_sends_exactly_one_refresh() {
    let f = Fleet::new().await;
    let a = f.connect("brand");
    f.clock.advance(49 * HOUR);
    f.sandbox.world().add_fault(Fault::new(FaultKind::Latency { ms: 300 }, 1).on("refresh"));
    let timer = {
        let core = f.core.clone();
        tokio::spawn(async move { core.sweep(vec![a.id], Trigger::Scheduled).await })
    };
    // Let the timer's attempt take the account's lock and send its refresh.
    while f.refresh_calls().is_empty() && f.sandbox.world().stats().in_flight == 0 {
        tokio::task::yield_now().await;
    }
    let manual = f.core.refresh_now(&a.id.to_string()).await.unwrap();
    let timer = timer.await.unwrap();
    assert_eq!(timer.refreshed + manual.refreshed, 1);
    assert_eq!(f.refresh_calls().len(), 1, "one refresh call for one account");
    assert_eq!(manual.checked, 1, "the click re-read the vault, saw a fresh token, and only checked it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_now_on_a_young_token_only_checks_it() {
    let f = Fleet::new().await;
    let a = f.connect("brand");
    f.clock.advance(HOUR);
    let report = f.core.refresh_now(&a.id.to_string()).await.unwrap();
    assert_eq!((report.refreshed, report.checked), (0, 1));
    assert!(f.refresh_calls().is_empty(), "Instagram refuses under 24 h: not even asked");
    f.clock.advance(24 * HOUR);
    assert_eq!(
        f.core.refresh_now(&a.id.to_string()).await.unwrap().refreshed,
        1,
        "a manual refresh needs only 24 h"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_due_accounts_never_exceed_the_concurrency_and_share_few_vault_saves() {
    let f = Fleet::new().await;
    let ids: Vec<_> = (0..1000).map(|i| f.connect(&format!("acct{i}")).id).collect();
    let policy = RefreshPolicy { max_concurrency: 4, ..RefreshPolicy::default() };
    f.core.store().write(|w| w.set_refresh_policy(&policy).map(|_| ())).unwrap();
    f.clock.advance(49 * HOUR);
    f.sandbox.world().set_latency_ms(2);
    f.sandbox.world().reset_stats();
    let report = f.core.sweep(ids, Trigger::Scheduled).await;
    assert_eq!(report.refreshed, 1000);
    let stats = f.sandbox.world().stats();
    assert!(
        stats.max_in_flight <= 4,
        "at most 4 calls in flight, measured at the sandbox: {}",
        stats.max_in_flight
    );
    assert!(stats.max_in_flight >= 2, "and they did run concurrently: {}", stats.max_in_flight);
    assert_eq!(report.vault_saves, 16, "1,000 new tokens in 16 snapshot saves");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_laptop_is_noticed_within_the_recheck_period() {
    let mut f = Fleet::new().await;
    let a = f.connect("brand");
    f.start().await;
    // The laptop sleeps for 3 days: wall time jumps, the monotonic clock does not.
    f.clock.jump_wall(3 * DAY);
    assert!(f.refresh_calls().is_empty());
    let wake = f.clock.next_wake_in().unwrap();
    assert!(wake <= Duration::from_secs(300), "the scheduler never sleeps more than 5 minutes: {wake:?}");
    f.run_for(wake).await;
    assert_eq!(f.refresh_calls().len(), 1, "noticed at the next re-check");
    assert!(f.account(a.id).token_refreshed_at > a.token_refreshed_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_scheduler_wakes_at_most_twelve_times_an_hour() {
    let mut f = Fleet::new().await;
    f.connect("brand");
    f.start().await;
    let before = f.clock.sleeps_started();
    f.run_for(HOUR).await;
    let wakeups = f.clock.sleeps_started() - before;
    assert!(wakeups <= 12, "{wakeups} wake-ups in an idle hour");
    f.core.lock().await.unwrap();
    let before = f.clock.sleeps_started();
    f.run_for(HOUR).await;
    assert!(f.clock.sleeps_started() - before <= 12, "locked, idle too");
    f.stop().await;
    let vault = crate::support::cheap_vault(&evergreen_core::paths::DataDir::new(f.dir.path()));
    assert_eq!(vault.state(), evergreen_core::vault::VaultState::Locked);
}
