//! Every behaviour and every bad input of the three endpoints.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use evergreen_sandbox::{Fault, FaultKind};
use serde_json::json;

use crate::support::{Relay, link_params, on_each_store};

on_each_store! {
    async fn a_session_gives_instagrams_login_url_with_our_redirect_and_state(store: Store) {
        let relay = Relay::new(store).await;
        let (_, state, url) = relay.start().await;
        assert!(url.starts_with(relay.sandbox.url().as_str()), "{url}");
        assert!(url.contains("redirect_uri=https%3A%2F%2Frelay.example.test%2Fv1%2Fcallback"), "{url}");
        assert!(url.contains(&format!("state={state}")));
        assert!(url.contains("scope=instagram_business_basic"));
        assert!(!url.contains("force_authentication"));
        let forced = relay
            .post(
                "/v1/sessions",
                json!({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256", "force_authentication": true})
                    .to_string(),
            )
            .await;
        assert!(forced.json()["authorize_url"].as_str().unwrap().ends_with("&force_authentication=1"));
        assert_eq!(forced.json()["expires_in"], 600);
    }
}

on_each_store! {
    async fn info_says_who_the_relay_is_for_the_apps_settings(store: Store) {
        let relay = Relay::with(store, |c| c.name = "Harbour Agency sign-in".into()).await;
        let answer = relay.get("/v1/info").await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.json(),
            json!({
                "service": "evergreen-relay",
                "api": 1,
                "name": "Harbour Agency sign-in",
                "version": env!("CARGO_PKG_VERSION"),
                "instagram_app_id": relay.sandbox.world().app.client_id,
                "permissions": ["instagram_business_basic"],
                "networks": ["instagram"],
                "threads_app_id": null,
            })
        );
        // Nothing secret in it, whatever the configuration.
        assert!(!answer.body.contains(relay.sandbox.world().app.client_secret.as_str()));
    }
}

on_each_store! {
    async fn bad_session_requests_are_answered_clearly(store: Store) {
        let relay = Relay::new(store).await;
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        for (body, status, code) in [
            (
                json!({"code_challenge": challenge, "code_challenge_method": "plain"}).to_string(),
                400,
                "bad_request",
            ),
            (json!({"code_challenge": "short", "code_challenge_method": "S256"}).to_string(), 400, "bad_request"),
            (json!({"code_challenge_method": "S256"}).to_string(), 400, "bad_request"),
            (
                json!({"code_challenge": challenge, "code_challenge_method": "S256", "extra": 1}).to_string(),
                400,
                "bad_request",
            ),
            ("{not json".to_string(), 400, "bad_request"),
            (format!("{{\"code_challenge\": \"{}\"}}", "a".repeat(10_000)), 413, "too_large"),
        ] {
            let answer = relay.post("/v1/sessions", body.clone()).await;
            assert_eq!(answer.status.as_u16(), status, "{body:.60}: {}", answer.body);
            assert_eq!(answer.json()["code"], code, "{body:.60}");
            assert!(answer.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
}

on_each_store! {
    async fn a_session_flood_is_bounded(store: Store) {
        let relay = Relay::with(store, |c| {
            c.max_sessions = 5;
            c.sessions_per_minute = 1_000;
        })
        .await;
        for _ in 0..5 {
            relay.start().await;
        }
        let answer = relay
            .post("/v1/sessions", json!({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}).to_string())
            .await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.json()["code"], "busy");
        // Once the old ones expire, there is room again.
        relay.advance(chrono::Duration::minutes(11));
        relay.start().await;
        assert_eq!(relay.metrics().await["sessions"], 1);
    }
}

on_each_store! {
    async fn session_creation_is_rate_limited_per_client(store: Store) {
        let relay = Relay::with(store, |c| c.sessions_per_minute = 3).await;
        for _ in 0..3 {
            relay.start().await;
        }
        let answer = relay
            .post("/v1/sessions", json!({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}).to_string())
            .await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        // Three a minute: the next place comes in 20 s, and the answer never says less.
        let wait: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((19..=20).contains(&wait), "rounded up: {wait}");
    }
}

on_each_store! {
    async fn forged_forwarded_for_hops_do_not_escape_the_rate_limit(store: Store) {
        let relay = Relay::with(store, |c| {
            c.sessions_per_minute = 3;
            c.trusted_proxies = 1;
        })
        .await;
        // One client (203.0.113.7, as our proxy appends it) writing a new first hop every time.
        let mut refused = 0;
        for i in 0..50 {
            let answer = relay.start_from(&format!("198.51.100.{i}, 203.0.113.7")).await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            }
        }
        assert_eq!(refused, 47, "three sessions for the one real client, whatever it writes");
        // Another client is not affected.
        assert_eq!(relay.start_from("203.0.113.8").await.status, StatusCode::CREATED);
    }
}

on_each_store! {
    async fn forwarded_for_from_a_peer_outside_the_proxy_networks_is_ignored(store: Store) {
        // The proxy is said to be on 10.0.0.0/8; these requests come from 127.0.0.1 (around it).
        let relay = Relay::with(store, |c| {
            c.sessions_per_minute = 3;
            c.trusted_proxies = 1;
            c.proxy_networks = vec!["10.0.0.0/8".parse().unwrap()];
        })
        .await;
        let mut statuses = Vec::new();
        for i in 0..6 {
            statuses.push(relay.start_from(&format!("203.0.113.{i}")).await.status);
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(),
            3,
            "one peer, one bucket, whatever it writes: {statuses:?}"
        );
    }
}

on_each_store! {
    async fn a_request_id_sent_by_a_client_is_replaced_by_ours(store: Store) {
        let relay = Relay::new(store).await;
        let request = axum::http::Request::get("/healthz")
            .header("x-request-id", "forged-id")
            .body(axum::body::Body::empty())
            .unwrap();
        let answer = relay.send(request).await;
        let id = answer.headers.get("x-request-id").expect("an id").to_str().unwrap();
        assert!(id.starts_with('r') && !id.contains("forged"), "{id}");
    }
}

on_each_store! {
    async fn one_client_cannot_fill_the_store(store: Store) {
        let relay = Relay::with(store, |c| {
            c.sessions_per_minute = 1_000;
            c.max_sessions_per_client = 4;
            c.trusted_proxies = 1;
        })
        .await;
        for _ in 0..4 {
            assert_eq!(relay.start_from("203.0.113.7").await.status, StatusCode::CREATED);
        }
        let answer = relay.start_from("203.0.113.7").await;
        assert_eq!(
            (answer.status, answer.json()["code"].clone()),
            (StatusCode::TOO_MANY_REQUESTS, json!("too_many_sessions"))
        );
        // An IPv6 client is one client for its whole /64.
        for i in 0..4 {
            assert_eq!(relay.start_from(&format!("2001:db8:7:7::{i}")).await.status, StatusCode::CREATED);
        }
        assert_eq!(relay.start_from("2001:db8:7:7:ffff::1").await.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(relay.start_from("203.0.113.99").await.status, StatusCode::CREATED, "others still can");
    }
}

on_each_store! {
    async fn health_says_nothing_and_metrics_need_their_token(store: Store) {
        let relay = Relay::new(store).await;
        relay.start().await;
        assert_eq!(relay.get("/healthz").await.json(), json!({"status": "ok"}));
        assert_eq!(relay.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(relay.metrics().await, json!({"sessions": 1, "handoffs": 0}));
        let closed = Relay::with(store, |c| c.metrics_token = None).await;
        assert_eq!(closed.get("/metrics").await.status, StatusCode::NOT_FOUND);
    }
}

on_each_store! {
    async fn a_completed_sign_in_is_handed_over_once_to_the_verifier_holder(store: Store) {
        let relay = Relay::new(store).await;
        let (verifier, state, page) = relay.sign_in("evergreen.shop").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Instagram connected") && page.body.contains("Open Evergreen"));
        let link = page.deep_link();
        assert!(link.starts_with("app.evergreen:/oauth/instagram?handoff="), "{link}");
        let params = link_params(&link);
        assert_eq!(params["state"], state);
        let handoff = params["handoff"].clone();
        assert!(
            !page.body.replace(&link.replace('&', "&amp;"), "").contains(&handoff),
            "the id is only in the link"
        );

        let redeem = |verifier: String| json!({"handoff": handoff, "code_verifier": verifier}).to_string();
        let answer = relay.post("/v1/handoff", redeem(verifier.clone())).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let payload = answer.json();
        assert!(payload["access_token"].as_str().unwrap().starts_with("IGAA"));
        assert_eq!(payload["expires_in"], 5_184_000);
        assert_eq!(payload["username"], "evergreen.shop");
        assert_eq!(payload["account_type"], "BUSINESS");
        assert_eq!(answer.headers["cache-control"], "no-store");

        let replay = relay.post("/v1/handoff", redeem(verifier)).await;
        assert_eq!((replay.status, replay.json()["code"].clone()), (StatusCode::GONE, json!("unknown_handoff")));
    }
}

on_each_store! {
    async fn a_wrong_verifier_is_refused_and_does_not_burn_the_handoff(store: Store) {
        let relay = Relay::new(store).await;
        let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
        let handoff = link_params(&page.deep_link())["handoff"].clone();
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let answer =
            relay.post("/v1/handoff", json!({"handoff": handoff, "code_verifier": other}).to_string()).await;
        assert_eq!(
            (answer.status, answer.json()["code"].clone()),
            (StatusCode::FORBIDDEN, json!("wrong_verifier"))
        );
        let answer =
            relay.post("/v1/handoff", json!({"handoff": handoff, "code_verifier": verifier}).to_string()).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
}

on_each_store! {
    async fn an_unredeemed_handoff_expires_after_two_minutes(store: Store) {
        let relay = Relay::new(store).await;
        let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
        let handoff = link_params(&page.deep_link())["handoff"].clone();
        relay.advance(chrono::Duration::seconds(121));
        let answer =
            relay.post("/v1/handoff", json!({"handoff": handoff, "code_verifier": verifier}).to_string()).await;
        assert_eq!((answer.status, answer.json()["code"].clone()), (StatusCode::GONE, json!("expired_handoff")));
    }
}

on_each_store! {
    async fn an_unredeemed_handoff_leaves_memory_on_time_even_if_nobody_calls(store: Store) {
        let relay = Relay::new(store).await;
        relay.sign_in("evergreen.shop").await;
        assert_eq!(relay.metrics().await["handoffs"], 1);
        relay.advance(chrono::Duration::seconds(121));
        // What the server's purge does every few seconds, with nothing else asked.
        relay.state.store.purge((relay.state.now)()).await.unwrap();
        assert_eq!(relay.metrics().await, json!({"sessions": 0, "handoffs": 0}));
    }
}

on_each_store! {
    async fn bad_redemptions_are_answered_clearly(store: Store) {
        let relay = Relay::new(store).await;
        for (body, status) in [
            (json!({"handoff": "", "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}), 400),
            (
                json!({"handoff": "x".repeat(500), "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}),
                400,
            ),
            (json!({"handoff": "abc", "code_verifier": "short"}), 400),
            (json!({"handoff": "abc"}), 400),
            (
                json!({"handoff": "never-issued", "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}),
                410,
            ),
        ] {
            let answer = relay.post("/v1/handoff", body.to_string()).await;
            assert_eq!(answer.status.as_u16(), status, "{body}: {}", answer.body);
        }
    }
}

on_each_store! {
    async fn of_two_concurrent_redemptions_exactly_one_wins(store: Store) {
        let relay = Relay::new(store).await;
        for _ in 0..20 {
            let (verifier, _, page) = relay.sign_in("studio.ama").await;
            let body = json!({"handoff": link_params(&page.deep_link())["handoff"], "code_verifier": verifier})
                .to_string();
            let (a, b) = tokio::join!(relay.post("/v1/handoff", body.clone()), relay.post("/v1/handoff", body));
            let mut statuses = [a.status.as_u16(), b.status.as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 410]);
        }
    }
}

on_each_store! {
    async fn callbacks_without_a_known_session_never_reach_the_app(store: Store) {
        let relay = Relay::new(store).await;
        for path in ["/v1/callback", "/v1/callback?code=x", "/v1/callback?code=x&state=forged"] {
            let answer = relay.get(path).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}");
            assert!(!answer.body.contains("app.evergreen:"), "no deep link for {path}");
        }
        let (_, state, _) = relay.start().await;
        let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
        relay.get(&format!("/v1/callback?code={code}&state={state}")).await;
        let again = relay.get(&format!("/v1/callback?code={code}&state={state}")).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "a state works once");
    }
}

/// Start a sign-in, come back with `query` (plus the state), and return the error code and
/// description the app receives.
async fn failure(relay: &Relay, query: &str) -> (String, String) {
    let (_, state, _) = relay.start().await;
    let answer = relay.get(&format!("/v1/callback?{query}&state={state}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let params = link_params(&answer.deep_link());
    assert_eq!(params["state"], state);
    assert!(!params.contains_key("handoff"));
    (params["error"].clone(), params["error_description"].clone())
}

on_each_store! {
    async fn each_failure_reaches_the_app_as_its_own_error(store: Store) {
        let relay = Relay::new(store).await;
        let (code, text) =
            failure(&relay, "error=access_denied&error_reason=user_denied&error_description=The+user+denied")
                .await;
        assert_eq!((code.as_str(), text.as_str()), ("access_denied", "You cancelled the Instagram login."));

        let personal = relay.code_for("pat.personal", &["instagram_business_basic"]);
        assert_eq!(failure(&relay, &format!("code={personal}")).await.0, "not_professional");

        let unticked = relay.code_for("evergreen.shop", &[]);
        let (code, text) = failure(&relay, &format!("code={unticked}")).await;
        assert_eq!(code, "permissions_missing");
        assert!(text.ends_with("Missing: instagram_business_basic."), "{text}");

        assert_eq!(failure(&relay, "code=AQneverIssued").await.0, "instagram_refused");
        assert_eq!(failure(&relay, "state_only=1").await.0, "instagram_refused");

        let (_, state, _) = relay.start().await;
        relay.advance(chrono::Duration::minutes(11));
        let late = relay.get(&format!("/v1/callback?code=x&state={state}")).await;
        assert_eq!(link_params(&late.deep_link())["error"], "session_expired");
    }
}

on_each_store! {
    async fn instagram_failing_on_any_hop_is_instagram_unavailable(store: Store) {
        let relay = Relay::new(store).await;
        for endpoint in ["code_exchange", "long_lived_exchange", "me"] {
            for kind in [FaultKind::Http500, FaultKind::Drop, FaultKind::RateLimit { code: 4 }] {
                relay.sandbox.world().add_fault(Fault::new(kind.clone(), 1).on(endpoint));
                let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
                let (error, _) = failure(&relay, &format!("code={code}")).await;
                assert_eq!(error, "instagram_unavailable", "{kind:?} on {endpoint}");
            }
        }
        // Refusals say what Instagram wants, each in its own code (they were one
        // `instagram_refused` before).
        for (kind, expected) in [
            (FaultKind::Permission, "permissions_missing"),
            (FaultKind::Dead { subcode: 460 }, "session_rejected"),
        ] {
            relay.sandbox.world().add_fault(Fault::new(kind, 1).on("me"));
            let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
            assert_eq!(failure(&relay, &format!("code={code}")).await.0, expected);
        }
        let user = relay
            .sandbox
            .world()
            .accounts()
            .into_iter()
            .find(|a| a.username == "evergreen.shop")
            .unwrap()
            .user_id;
        relay.sandbox.world().update_account(&user, |a| a.checkpoint = true);
        let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
        assert_eq!(failure(&relay, &format!("code={code}")).await.0, "checkpoint");
    }
}

/// Everything any test of this binary logs, at every level, from the first call on.
pub fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    use std::io::Write;
    use std::sync::OnceLock;
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink(buffer.clone());
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .init();
        buffer
    })
    .clone()
}

on_each_store! {
    async fn the_log_never_holds_a_secret(store: Store) {
        let buffer = captured_log();
        let relay = Relay::new(store).await;
        let (verifier, state, _) = relay.start().await;
        let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
        let page = relay.get(&format!("/v1/callback?code={code}&state={state}")).await;
        let handoff = link_params(&page.deep_link())["handoff"].clone();
        let answer =
            relay.post("/v1/handoff", json!({"handoff": handoff, "code_verifier": verifier}).to_string()).await;
        let token = answer.json()["access_token"].as_str().unwrap().to_string();
        relay.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 1));
        let code2 = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
        let (_, state2, _) = relay.start().await;
        relay.get(&format!("/v1/callback?code={code2}&state={state2}")).await;

        let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert!(log.contains("sign-in finished"), "the log was captured: {log}");
        for secret in
            [token.as_str(), &code, &code2, &verifier, &handoff, &relay.sandbox.world().app.client_secret]
        {
            assert!(!log.contains(secret), "a secret in the log: {log}");
        }
        assert!(log.contains("path=\"/v1/callback\"") && !log.contains("/v1/callback?"), "matched paths only");
    }
}

on_each_store! {
    async fn redemptions_are_rate_limited_per_client_and_a_refused_one_changes_nothing(store: Store) {
        let relay = Relay::with(store, |c| c.redemptions_per_minute = 2).await;
        let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
        let handoff = link_params(&page.deep_link())["handoff"].clone();
        let wrong = json!({"handoff": handoff, "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"});
        for _ in 0..2 {
            assert_eq!(relay.post("/v1/handoff", wrong.to_string()).await.status, StatusCode::FORBIDDEN);
        }
        let right = json!({"handoff": handoff, "code_verifier": verifier}).to_string();
        let limited = relay.post("/v1/handoff", right.clone()).await;
        assert_eq!((limited.status, limited.json()["code"].clone()), (StatusCode::TOO_MANY_REQUESTS, json!("rate_limited")));
        let wait: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((29..=30).contains(&wait), "two a minute: {wait}");
        assert_eq!(relay.metrics().await["handoffs"], 1, "the refused attempt did not touch the handoff");
    }
}
