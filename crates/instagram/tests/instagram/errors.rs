//! Every row of the reference's error table, produced by the sandbox and classified by the
//! client; and no failure mode lets a token, code or secret into an error's text.

use std::time::Duration;

use evergreen_instagram::{AccessToken, ApiError, ErrorClass, Transport};
use evergreen_sandbox::{Fault, FaultKind};

use crate::support::{Fixture, REDIRECT};

/// The call under test: refresh (after 25 h) or `/me`, with a known token.
#[derive(Clone, Copy, Debug)]
enum Call {
    Refresh,
    Me,
    Media,
}

async fn call(f: &Fixture, call: Call, token: &AccessToken) -> ApiError {
    match call {
        Call::Refresh => f.client.refresh(token).await.map(|_| ()),
        Call::Me => f.client.me(token).await.map(|_| ()),
        Call::Media => f.client.media(token, None, 10).await.map(|_| ()),
    }
    .expect_err("the call must fail")
}

#[track_caller]
fn assert_clean(e: &ApiError, secrets: &[&str]) {
    for text in [e.to_string(), format!("{e:?}")] {
        for secret in secrets {
            assert!(!text.contains(secret), "secret in {text}");
        }
        assert!(!text.contains("access_token="), "a URL with its token in {text}");
    }
}

/// Inject `fault` for the next call to `endpoint`, make it, check the class and cleanliness.
async fn check_fault(fault: FaultKind, calls: &[Call], expected: ErrorClass, transport: Transport) {
    let f = Fixture::new().await;
    let token = f.long_lived("evergreen.shop");
    f.advance(chrono::Duration::hours(25));
    for &c in calls {
        f.sandbox.world().add_fault(Fault::new(fault.clone(), 1));
        let e = call(&f, c, &token).await;
        assert_eq!(e.class, expected, "{fault:?} on {c:?}: {e:?}");
        assert_eq!(e.transport, transport, "{fault:?} on {c:?}");
        assert_clean(&e, &[token.expose()]);
    }
    // The fault is spent: the next call goes through.
    f.client.me(&token).await.expect("after the fault");
}

const ALL: &[Call] = &[Call::Refresh, Call::Me, Call::Media];

#[tokio::test]
async fn transient_faults_are_transient() {
    check_fault(FaultKind::Http500, ALL, ErrorClass::Transient, Transport::Answered).await;
    check_fault(FaultKind::Code2, ALL, ErrorClass::Transient, Transport::Answered).await;
    check_fault(FaultKind::HtmlError, ALL, ErrorClass::Transient, Transport::Malformed).await;
    check_fault(FaultKind::MalformedJson, ALL, ErrorClass::Transient, Transport::Malformed).await;
    check_fault(FaultKind::Drop, ALL, ErrorClass::Transient, Transport::Network).await;
    check_fault(FaultKind::Timeout, &[Call::Refresh, Call::Me], ErrorClass::Transient, Transport::Timeout)
        .await;
}

#[tokio::test]
async fn rate_limits_are_rate_limits_with_the_wait_the_headers_give() {
    for code in [4, 17, 32, 613] {
        check_fault(
            FaultKind::RateLimit { code },
            ALL,
            ErrorClass::RateLimited { retry_after: None },
            Transport::Answered,
        )
        .await;
    }
    check_fault(
        FaultKind::RateLimit { code: 80001 },
        ALL,
        ErrorClass::RateLimited { retry_after: Some(Duration::from_secs(15 * 60)) },
        Transport::Answered,
    )
    .await;
    check_fault(
        FaultKind::Http429,
        ALL,
        ErrorClass::RateLimited { retry_after: Some(Duration::from_secs(120)) },
        Transport::Malformed,
    )
    .await;
}

#[tokio::test]
async fn a_missing_permission_is_its_own_class() {
    check_fault(FaultKind::Permission, ALL, ErrorClass::PermissionMissing, Transport::Answered).await;
}

#[tokio::test]
async fn latency_slows_a_call_without_failing_it() {
    let f = Fixture::new().await;
    let token = f.long_lived("evergreen.shop");
    f.sandbox.world().add_fault(Fault::new(FaultKind::Latency { ms: 50 }, 1).on("me"));
    f.client.me(&token).await.expect("slow but fine");
    assert_eq!(f.sandbox.world().calls(0).last().unwrap().fault.as_deref(), Some("latency_50ms"));
}

#[tokio::test]
async fn each_revocation_subcode_is_a_dead_token() {
    for subcode in [458, 460, 463, 464, 467] {
        let f = Fixture::new().await;
        let token = f.long_lived("evergreen.shop");
        f.advance(chrono::Duration::hours(25));
        assert_eq!(f.sandbox.world().revoke(&f.user_id("evergreen.shop"), subcode), 1);
        for c in ALL {
            let e = call(&f, *c, &token).await;
            assert_eq!(e.class, ErrorClass::TokenDead { subcode: Some(subcode) }, "{subcode} on {c:?}: {e}");
            assert!(e.fbtrace_id.is_some());
            assert_clean(&e, &[token.expose()]);
        }
    }
}

#[tokio::test]
async fn an_unknown_token_is_dead_and_a_basic_display_token_is_our_bug() {
    let f = Fixture::new().await;
    let unknown = AccessToken::new("IGAAthisTokenWasNeverIssuedByAnyone0123".into());
    let e = call(&f, Call::Me, &unknown).await;
    assert_eq!(e.class, ErrorClass::TokenDead { subcode: None });
    assert_clean(&e, &[unknown.expose()]);
    let basic_display = AccessToken::new("IGQVJYeUk4NW9OLWtyaThOQ0xlseXpJ".into());
    let e = call(&f, Call::Me, &basic_display).await;
    assert_eq!(e.class, ErrorClass::ClientBug);
    assert_clean(&e, &[basic_display.expose()]);
}

#[tokio::test]
async fn a_checkpoint_needs_a_login_on_instagram() {
    let f = Fixture::new().await;
    let token = f.long_lived("studio.ama");
    f.advance(chrono::Duration::hours(25));
    f.sandbox.world().update_account(&f.user_id("studio.ama"), |a| a.checkpoint = true);
    for c in ALL {
        let e = call(&f, *c, &token).await;
        assert_eq!(e.class, ErrorClass::LoginRequired, "{c:?}: {e}");
        assert!(e.message.contains("log in to www.instagram.com"));
    }
    f.sandbox.world().update_account(&f.user_id("studio.ama"), |a| a.checkpoint = false);
    f.client.me(&token).await.expect("after logging in on instagram.com");
}

#[tokio::test]
async fn nothing_listening_is_a_network_failure() {
    let f = Fixture::new().await;
    let url = f.sandbox.url().clone();
    drop(f);
    let client = evergreen_instagram::Client::new(evergreen_instagram::Endpoints::single_host(&url));
    let token = AccessToken::new("IGAAsomeTokenForAClosedPort012345".into());
    let e = client.me(&token).await.unwrap_err();
    assert_eq!((e.class.clone(), e.transport), (ErrorClass::Transient, Transport::Network));
    assert_clean(&e, &[token.expose()]);
}

#[tokio::test]
async fn exchange_failures_never_show_the_code_or_the_secret() {
    let f = Fixture::new().await;
    let code = f.sandbox.world().issue_code(&f.user_id("evergreen.shop"), REDIRECT, vec![]);
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 1).on("code_exchange"));
    let e = f.client.exchange_code(&f.app, &code).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Transient);
    assert_clean(&e, &[&code, f.app.client_secret.expose()]);
    let short = AccessToken::new("IGAAshortLivedButUnknown0123456789".into());
    let e = f.client.exchange_long_lived(&f.app.client_secret, &short).await.unwrap_err();
    assert_clean(&e, &[short.expose(), f.app.client_secret.expose()]);
}

#[tokio::test]
async fn the_call_log_never_holds_a_token() {
    let f = Fixture::new().await;
    let token = f.long_lived("evergreen.shop");
    f.client.me(&token).await.unwrap();
    let _ = f.client.refresh(&token).await;
    let log = serde_json::to_string(&f.sandbox.world().calls(0)).unwrap();
    assert!(!log.contains(token.expose()));
    assert!(log.contains("\"token_age_secs\""), "{log}");
}
