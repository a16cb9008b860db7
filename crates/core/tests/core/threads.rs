//! Threads accounts in the core: connected through the real relay and the sandbox's Threads,
//! renewed beside Instagram's in one sweep, every error class of Threads' table, links and
//! handoffs that never cross networks, and a Threads token found without its account.

use std::time::Duration;

use evergreen_core::account::{AccountStatus, Network, StatusReason};
use evergreen_core::connect::FlowPurpose;
use evergreen_core::refresh::Trigger;
use evergreen_core::vault::TokenVault;
use evergreen_sandbox::FaultKind;
use evergreen_sandbox::person::{Decision, sign_in};

use crate::support::{Fleet, PASS, Stack, cheap_vault, pass};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_threads_profile_connects_through_the_relay_and_its_token_is_threads() {
    let s = Stack::new().await;
    let flow = s.core.start_connect(Network::Threads, FlowPurpose::Connect).await.unwrap();
    let page = evergreen_instagram::Url::parse(&flow.authorize_url).unwrap();
    assert_eq!(page.origin(), s.sandbox.threads_url().origin(), "Threads' own Authorization Window");
    let link = sign_in(&flow.authorize_url, &Decision::allow("harbour.cafe")).await.unwrap();
    assert!(link.starts_with("app.evergreen:/oauth/threads?"), "{link}");
    let connection = s.core.finish_connect(&link).await.unwrap();
    let account = &connection.account;
    assert_eq!((account.network, account.username.as_str()), (Network::Threads, "harbour.cafe"));
    assert_eq!(account.status, AccountStatus::Connected);
    let hops: Vec<&str> = s.sandbox.world().calls(0).iter().map(|c| c.endpoint).collect();
    assert_eq!(
        hops,
        [
            "threads_authorize",
            "threads_code_exchange",
            "threads_long_lived_exchange",
            "threads_me",
            "threads_me"
        ],
        "every hop on Threads, none on Instagram"
    );
    s.core.lock().await.unwrap();
    let vault = cheap_vault(&evergreen_core::paths::DataDir::new(s.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    let record = vault.get(&account.id).unwrap().expect("the token is in the vault");
    assert_eq!(record.network, Network::Threads);
    assert!(record.token.expose().starts_with("THAA"));
}

#[tokio::test]
async fn a_link_or_a_handoff_never_finishes_another_networks_sign_in() {
    let s = Stack::new().await;
    // An Instagram sign-in under way; a Threads link naming its state (the state is public).
    let instagram = s.core.start_connect(Network::Instagram, FlowPurpose::Connect).await.unwrap();
    let forged = format!(
        "app.evergreen:/oauth/threads?handoff=h0000000000000000000000&state={}",
        instagram.state.as_str()
    );
    assert_eq!(s.core.finish_connect(&forged).await.unwrap_err().code().as_str(), "link_not_ours");
    // The real one still finishes: the forged link changed nothing.
    let link = sign_in(&instagram.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    assert_eq!(s.core.finish_connect(&link).await.unwrap().account.network, Network::Instagram);
    // A Threads sign-in whose real link is rewritten to Instagram's path is not accepted either.
    let threads = s.core.start_connect(Network::Threads, FlowPurpose::Connect).await.unwrap();
    let link = sign_in(&threads.authorize_url, &Decision::allow("north.bakery")).await.unwrap();
    let rewritten = link.replace("/oauth/threads?", "/oauth/instagram?");
    assert_eq!(s.core.finish_connect(&rewritten).await.unwrap_err().code().as_str(), "link_not_ours");
    assert_eq!(s.core.finish_connect(&link).await.unwrap().account.username, "north.bakery");
}

#[tokio::test]
async fn reconnect_is_on_the_accounts_own_network() {
    let s = Stack::new().await;
    let flow = s.core.start_connect(Network::Threads, FlowPurpose::Connect).await.unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("harbour.cafe")).await.unwrap();
    let first = s.core.finish_connect(&link).await.unwrap().account;
    let purpose = s.core.reconnect_purpose(&first.id.to_string()).unwrap();
    // Asked for Instagram, the reconnect of a Threads account is on Threads.
    let again = s.core.start_connect(Network::Instagram, purpose).await.unwrap();
    let page = evergreen_instagram::Url::parse(&again.authorize_url).unwrap();
    assert_eq!(page.origin(), s.sandbox.threads_url().origin());
    let link = sign_in(&again.authorize_url, &Decision::allow("harbour.cafe")).await.unwrap();
    let connection = s.core.finish_connect(&link).await.unwrap();
    assert!(connection.reconnected);
    assert_eq!(connection.account.id, first.id, "the same account, repaired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sweep_renews_both_networks_each_on_its_own() {
    let f = Fleet::new().await;
    let instagram = f.connect("brand");
    let threads = f.connect_threads("brand.threads");
    f.clock.advance(49 * HOUR);
    let report = f.core.sweep(vec![instagram.id, threads.id], Trigger::Scheduled).await;
    assert_eq!(report.refreshed, 2, "{report:?}");
    for (id, before) in [(instagram.id, &instagram), (threads.id, &threads)] {
        let after = f.account(id);
        assert_eq!(after.status, AccountStatus::Connected);
        assert!(after.token_refreshed_at > before.token_refreshed_at, "{after:?}");
        assert_eq!(after.network, before.network);
    }
    let calls: Vec<(&str, u16)> = f.sandbox.world().calls(0).iter().map(|c| (c.endpoint, c.status)).collect();
    assert!(calls.contains(&("refresh", 200)) && calls.contains(&("threads_refresh", 200)), "{calls:?}");
    assert!(!calls.iter().any(|(_, status)| *status != 200), "no call went to the wrong network: {calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_class_of_threads() {
    // Transient: kept, retried.
    for fault in [
        FaultKind::Http500,
        FaultKind::Code2,
        FaultKind::Drop,
        FaultKind::MalformedJson,
        FaultKind::HtmlError,
    ] {
        let (_, a) = Fleet::after_fault(Network::Threads, fault.clone()).await;
        assert_eq!((a.status, a.refresh_failures), (AccountStatus::Connected, 1), "{fault:?}");
    }
    // Throttled: kept, waits.
    for code in [4, 17, 32, 613] {
        let (f, a) = Fleet::after_fault(Network::Threads, FaultKind::RateLimit { code }).await;
        assert_eq!(a.status, AccountStatus::Connected, "code {code}");
        assert!(a.next_refresh_at.unwrap() > f.core.now(), "code {code}");
    }
    // Instagram's own business-use-case code means nothing on Threads: transient, kept.
    let (_, a) = Fleet::after_fault(Network::Threads, FaultKind::RateLimit { code: 80001 }).await;
    assert_eq!(a.status, AccountStatus::Connected);
    // A permission refusal is confirmed with /me, which still answers: kept.
    let (f, a) = Fleet::after_fault(Network::Threads, FaultKind::Permission).await;
    assert_eq!((a.status, a.status_reason), (AccountStatus::Connected, None));
    let calls: Vec<_> = f.sandbox.world().calls(0).into_iter().map(|c| (c.endpoint, c.status)).collect();
    assert!(calls.ends_with(&[("threads_refresh", 403), ("threads_me", 200)]), "{calls:?}");
    // A dead token, with its reason.
    for (subcode, reason) in [(460, "password_changed"), (467, "logged_out"), (458, "app_removed")] {
        let f = Fleet::new().await;
        let a = f.connect_threads("brand.threads");
        f.clock.advance(49 * HOUR);
        f.sandbox.world().revoke(&a.network_user_id, subcode);
        f.core.sweep(vec![a.id], Trigger::Scheduled).await;
        let a = f.account(a.id);
        assert_eq!(
            (a.status, a.status_reason.map(StatusReason::as_str)),
            (AccountStatus::NeedsReconnect, Some(reason))
        );
    }
    // A checkpoint: a login on the network's site first.
    let f = Fleet::new().await;
    let a = f.connect_threads("brand.threads");
    f.clock.advance(49 * HOUR);
    f.sandbox.world().update_account(&a.network_user_id, |acc| acc.checkpoint = true);
    f.core.sweep(vec![a.id], Trigger::Scheduled).await;
    assert_eq!(f.account(a.id).status, AccountStatus::NeedsInstagramLogin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threads_token_whose_account_row_was_lost_is_asked_of_threads_and_listed_again() {
    let mut f = Fleet::new().await;
    let a = f.connect_threads("brand.threads");
    f.core.store().write(|w| w.delete_account(a.id).map(|_| ())).unwrap();
    f.core.lock().await.unwrap();
    f.start().await;
    let before = f.clock.sleeps_started();
    f.core.unlock(pass(PASS)).await.unwrap();
    f.settle_after(before).await;
    let listed = f.core.store().read(|r| r.accounts()).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((listed[0].network, listed[0].username.as_str()), (Network::Threads, "brand.threads"));
    let calls: Vec<&str> = f.sandbox.world().calls(0).iter().map(|c| c.endpoint).collect();
    assert!(calls.contains(&"threads_me") && !calls.contains(&"me"), "asked of Threads alone: {calls:?}");
}
