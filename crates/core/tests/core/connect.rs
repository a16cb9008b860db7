//! The connect flow end to end below the UI: core ↔ a real relay ↔ the sandbox, on loopback.

use chrono::Duration;
use evergreen_core::Code;
use evergreen_core::account::AccountStatus;
use evergreen_core::connect::FlowPurpose;
use evergreen_core::vault::TokenVault;
use evergreen_sandbox::person::{Decision, sign_in};
use evergreen_sandbox::{Fault, FaultKind};

use crate::support::{PASS, Stack, cheap_vault, pass};

#[tokio::test]
async fn connecting_saves_the_account_and_its_token_vault_first() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    assert!(
        !flow.authorize_url.contains("force_authentication"),
        "a first connect reuses the browser's login"
    );
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let connection = s.core.finish_connect(&link).await.unwrap();
    assert_eq!(connection.account.username, "evergreen.shop");
    assert_eq!(connection.state, flow.state);
    assert!(!connection.reconnected);
    assert_eq!(connection.account.status, AccountStatus::Connected);
    assert_eq!(connection.account.token_expires_at, s.core.now() + Duration::days(60));
    let hops: Vec<&str> = s.sandbox.world().calls(0).iter().map(|c| c.endpoint).collect();
    assert_eq!(
        hops,
        ["authorize", "code_exchange", "long_lived_exchange", "me", "me"],
        "the person consented, the relay exchanged, the app checked whose token it got"
    );

    s.core.lock().await.unwrap();
    let vault = cheap_vault(&evergreen_core::paths::DataDir::new(s.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    let record = vault.get(&connection.account.id).unwrap().expect("the token is in the vault");
    assert!(record.token.expose().starts_with("IGAA"));
}

#[tokio::test]
async fn connecting_the_same_account_twice_keeps_one_row_and_a_second_account_adds_one() {
    let s = Stack::new().await;
    for (purpose, username) in [
        (FlowPurpose::Connect, "evergreen.shop"),
        (FlowPurpose::AddAccount, "evergreen.shop"),
        (FlowPurpose::AddAccount, "studio.ama"),
    ] {
        let flow =
            s.core.start_connect(evergreen_core::account::Network::Instagram, purpose.clone()).await.unwrap();
        assert_eq!(flow.authorize_url.contains("force_authentication=1"), purpose == FlowPurpose::AddAccount);
        let link = sign_in(&flow.authorize_url, &Decision::allow(username)).await.unwrap();
        s.core.finish_connect(&link).await.unwrap();
    }
    let mut names: Vec<String> = s.core.accounts().unwrap().into_iter().map(|a| a.account.username).collect();
    names.sort();
    assert_eq!(names, ["evergreen.shop", "studio.ama"]);
}

#[tokio::test]
async fn a_reconnect_into_another_account_says_so() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let first = s
        .core
        .finish_connect(&sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap())
        .await
        .unwrap();
    let flow = s
        .core
        .start_connect(
            evergreen_core::account::Network::Instagram,
            FlowPurpose::Reconnect {
                network: evergreen_core::account::Network::Instagram,
                network_user_id: first.account.network_user_id.clone(),
            },
        )
        .await
        .unwrap();
    let other = s
        .core
        .finish_connect(&sign_in(&flow.authorize_url, &Decision::allow("studio.ama")).await.unwrap())
        .await
        .unwrap();
    assert_eq!(other.wrong_account.as_deref(), Some("evergreen.shop"));
}

#[tokio::test]
async fn each_failure_has_its_own_code() {
    let s = Stack::new().await;
    let cases = [
        (Decision::Cancel, Code::ConnectCancelled),
        (Decision::allow("pat.personal"), Code::NotProfessional),
        (
            Decision::Allow { username: "evergreen.shop".into(), granted: Some(vec![]) },
            Code::PermissionsMissing,
        ),
    ];
    for (decision, code) in cases {
        let flow = s
            .core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap();
        let link = sign_in(&flow.authorize_url, &decision).await.unwrap();
        assert_eq!(s.core.finish_connect(&link).await.unwrap_err().code(), code, "{decision:?}");
    }
    assert!(s.core.accounts().unwrap().is_empty(), "nothing was saved");
}

/// What Instagram wants is said in its own words: a checkpoint, a token ended at once.
#[tokio::test]
async fn instagram_refusals_during_sign_in_say_what_to_do() {
    use evergreen_sandbox::{Fault, FaultKind};
    let s = Stack::new().await;
    let user =
        s.sandbox.world().accounts().into_iter().find(|a| a.username == "evergreen.shop").unwrap().user_id;
    s.sandbox.world().update_account(&user, |a| a.checkpoint = true);
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let error = s.core.finish_connect(&link).await.unwrap_err();
    assert_eq!(error.code(), Code::InstagramLoginRequired);
    assert!(error.to_string().contains("Log in on instagram.com"), "{error}");
    s.sandbox.world().update_account(&user, |a| a.checkpoint = false);

    s.sandbox.world().add_fault(Fault::new(FaultKind::Dead { subcode: 460 }, 1).on("me"));
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let error = s.core.finish_connect(&link).await.unwrap_err();
    assert_eq!(error.code(), Code::InstagramSessionRejected);
    assert!(error.to_string().contains("Log out of Instagram in your browser"), "{error}");
    assert!(s.core.accounts().unwrap().is_empty());
}

/// Meta calls the code exchange's `user_id` app-scoped, and `/me` reports a different
/// professional `user_id`: the sign-in succeeds, keyed on the professional id, with both kept.
#[tokio::test]
async fn a_sign_in_whose_two_ids_differ_connects_keyed_on_the_professional_id() {
    let s = Stack::new().await;
    let account = s.sandbox.world().accounts().into_iter().find(|a| a.username == "evergreen.shop").unwrap();
    assert_ne!(account.user_id, account.app_scoped_id);
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let connection = s.core.finish_connect(&link).await.expect("connects");
    assert_eq!(connection.account.network_user_id, account.user_id);
    assert_eq!(connection.account.app_scoped_id.as_deref(), Some(account.app_scoped_id.as_str()));
    let row = s.core.store().read(|r| r.account(connection.account.id)).unwrap().unwrap();
    assert_eq!(row.app_scoped_id.as_deref(), Some(account.app_scoped_id.as_str()), "kept in the metadata");
}

#[tokio::test]
async fn a_replayed_link_is_refused() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    s.core.finish_connect(&link).await.unwrap();
    assert_eq!(s.core.finish_connect(&link).await.unwrap_err().code(), Code::LinkAlreadyUsed);
}

#[tokio::test]
async fn a_handoff_under_another_flows_state_is_refused_by_the_relay() {
    let s = Stack::new().await;
    let a = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let b = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link_a = sign_in(&a.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let forged = link_a.replace(a.state.as_str(), b.state.as_str());
    assert_eq!(
        s.core.finish_connect(&forged).await.unwrap_err().code(),
        Code::ConnectFailed,
        "wrong verifier"
    );
    assert!(s.core.accounts().unwrap().is_empty());
    assert!(s.core.connector().is_pending(&b.state), "the forged link did not end b");
    s.core.finish_connect(&link_a).await.expect("a's own link still works: a wrong verifier burns nothing");
}

/// The `state` is public (the opener's argv, the browser's history): a link forged with it must
/// not end the person's sign-in.
#[tokio::test]
async fn a_forged_link_with_the_pending_state_does_not_end_the_sign_in() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let real = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    let state = flow.state.as_str();
    for forged in [
        format!("app.evergreen:/oauth/instagram?handoff=forgedHandoffId0123456789&state={state}"),
        format!("app.evergreen:/oauth/instagram?error=access_denied&state={state}"),
        format!("app.evergreen:/oauth/instagram?error=not_professional&state={state}"),
    ] {
        assert!(s.core.finish_connect(&forged).await.is_err(), "{forged}");
        assert!(s.core.connector().is_pending(&flow.state), "still waiting after {forged}");
    }
    let connection = s.core.finish_connect(&real).await.expect("the real link still connects");
    assert_eq!(connection.account.username, "evergreen.shop");
    assert!(!s.core.connector().is_pending(&flow.state), "finished once the token arrived");
}

#[tokio::test]
async fn a_link_that_arrives_while_locked_can_be_used_after_unlocking() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    s.core.lock().await.unwrap();
    assert_eq!(s.core.finish_connect(&link).await.unwrap_err().code(), Code::VaultLocked);
    assert!(s.core.connector().is_pending(&flow.state), "not consumed");
    s.core.unlock(pass(PASS)).await.unwrap();
    s.core.finish_connect(&link).await.expect("connects after unlocking");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_while_a_sign_in_is_being_saved_waits_for_it_and_loses_nothing() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    // The handoff is collected (once, for ever); the app's own /me is slow.
    s.sandbox.world().add_fault(Fault::new(FaultKind::Latency { ms: 300 }, 1).on("me"));
    let finishing = {
        let core = s.core.clone();
        tokio::spawn(async move { core.finish_connect(&link).await })
    };
    while s.sandbox.world().stats().in_flight == 0 {
        tokio::task::yield_now().await;
    }
    s.core.lock().await.unwrap();
    let connection = finishing.await.unwrap().expect("the sign-in finished before the vault locked");
    let vault = cheap_vault(&evergreen_core::paths::DataDir::new(s.dir.path()));
    vault.unlock(&pass(PASS)).unwrap();
    assert!(vault.get(&connection.account.id).unwrap().is_some(), "its token is in the vault");
}

#[tokio::test]
async fn a_relay_answer_beyond_any_valid_size_is_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let body = format!(
            "{{\"state\":\"{}\",\"authorize_url\":\"https://www.instagram.com/\"}}",
            "x".repeat(200_000)
        );
        let head = format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(body.as_bytes()).await;
    });
    let relay = evergreen_core::connect::RelayClient::new(evergreen_instagram::Url::parse(&url).unwrap());
    let verifier = evergreen_core::connect::PkceVerifier::generate();
    assert!(matches!(
        relay.start(evergreen_core::account::Network::Instagram, &verifier.challenge(), false).await,
        Err(evergreen_core::connect::Error::RelayRefused)
    ));
}

#[tokio::test]
async fn an_expired_flow_is_refused_without_asking_the_relay() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    s.clock.advance(std::time::Duration::from_secs(11 * 60));
    assert_eq!(s.core.finish_connect(&link).await.unwrap_err().code(), Code::LinkExpired);
}

#[tokio::test]
async fn a_cancelled_flow_refuses_its_link() {
    let s = Stack::new().await;
    let flow = s
        .core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap();
    assert!(s.core.cancel_connect(&flow.state));
    assert_eq!(s.core.connect_url(&flow.state), None);
    let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
    assert_eq!(s.core.finish_connect(&link).await.unwrap_err().code(), Code::LinkAlreadyUsed);
}

#[tokio::test]
async fn a_relay_that_is_down_is_reported_as_unreachable() {
    let s = Stack::with_relay(false).await;
    assert_eq!(
        s.core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap_err()
            .code(),
        Code::RelayUnreachable
    );
}

#[tokio::test]
async fn connecting_needs_an_unlocked_vault() {
    let s = Stack::new().await;
    s.core.lock().await.unwrap();
    assert_eq!(
        s.core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap_err()
            .code(),
        Code::VaultLocked
    );
}

/// However the relay goes away mid-flow, the person is told to start again, promptly.
mod relay_restarts {
    use std::time::Duration;

    use evergreen_core::Code;
    use evergreen_core::connect::FlowPurpose;
    use evergreen_sandbox::person::{Decision, sign_in};

    use crate::support::Stack;

    /// Never a hang: every answer comes well within this.
    const PROMPT: Duration = Duration::from_secs(20);

    async fn connect_again_works(s: &Stack) {
        let flow = s
            .core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap();
        let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
        s.core.finish_connect(&link).await.expect("starting again connects");
        assert_eq!(s.core.accounts().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn restarted_before_instagram_returns_the_browser_says_connect_again() {
        let mut s = Stack::new().await;
        let flow = s
            .core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap();
        s.stop_relay().await;
        s.start_relay().await;
        let page =
            tokio::time::timeout(PROMPT, sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")))
                .await
                .expect("the browser gets an answer")
                .expect_err("no deep link for a sign-in the relay forgot");
        assert!(page.contains("Go back to Evergreen and choose Connect again"), "{page}");
        assert!(s.core.accounts().unwrap().is_empty());
        connect_again_works(&s).await;
    }

    #[tokio::test]
    async fn restarted_before_the_app_collects_says_start_again() {
        let mut s = Stack::new().await;
        let flow = s
            .core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap();
        let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
        s.stop_relay().await;
        s.start_relay().await;
        let error =
            tokio::time::timeout(PROMPT, s.core.finish_connect(&link)).await.expect("prompt").unwrap_err();
        assert_eq!(error.code(), Code::ConnectFailed);
        assert!(error.to_string().contains("Start again from Evergreen"), "{error}");
        assert!(s.core.accounts().unwrap().is_empty(), "nothing half-saved");
        connect_again_works(&s).await;
    }

    #[tokio::test]
    async fn down_while_the_app_collects_says_so_at_once() {
        let mut s = Stack::new().await;
        let flow = s
            .core
            .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
            .await
            .unwrap();
        let link = sign_in(&flow.authorize_url, &Decision::allow("evergreen.shop")).await.unwrap();
        s.stop_relay().await;
        let error =
            tokio::time::timeout(PROMPT, s.core.finish_connect(&link)).await.expect("prompt").unwrap_err();
        assert!(error.to_string().contains("couldn't reach its sign-in service"), "{error}");
        s.start_relay().await;
        connect_again_works(&s).await;
    }
}

/// A fake relay that answers every request with `body` (status 201).
async fn fake_relay(body: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn a_relay_cannot_send_the_browser_to_a_page_that_is_not_instagrams() {
    let relay =
        fake_relay(r#"{"state":"s","authorize_url":"https://evil.example/oauth/authorize?x=1"}"#.into())
            .await;
    let (_dir, data) = crate::support::profile();
    let clock = evergreen_core::clock::ManualClock::at(crate::support::t0());
    let mut setup = crate::support::setup(&data, &clock, &relay, evergreen_core::ignore_changes());
    setup.instagram = evergreen_instagram::Endpoints::instagram();
    let core = evergreen_core::Evergreen::open(setup).unwrap();
    core.create_vault(pass(PASS)).await.unwrap();
    let error = core
        .start_connect(evergreen_core::account::Network::Instagram, FlowPurpose::Connect)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::RelayUntrusted);
    assert!(error.to_string().contains("not Instagram's"), "{error}");
}

#[tokio::test]
async fn a_plain_http_relay_is_refused_unless_it_is_this_computer() {
    let (_dir, data) = crate::support::profile();
    let clock = evergreen_core::clock::ManualClock::at(crate::support::t0());
    let setup =
        crate::support::setup(&data, &clock, "http://relay.example.com/", evergreen_core::ignore_changes());
    let error = evergreen_core::Evergreen::open(setup).err().expect("refused");
    assert_eq!(error.code(), Code::RelayUntrusted);
    for fine in [
        "https://relay.example.com/",
        "http://127.0.0.1:8788/",
        "http://localhost:8788/",
        "http://[::1]:8788/",
    ] {
        let (_dir, data) = crate::support::profile();
        let setup = crate::support::setup(&data, &clock, fine, evergreen_core::ignore_changes());
        assert!(evergreen_core::Evergreen::open(setup).is_ok(), "{fine}");
    }
}
