//! Threads through the relay: a sign-in started for Threads goes to Threads' Authorization
//! Window, comes back on Threads' own callback, and hands the app a Threads token on Threads'
//! deep link, once, PKCE-bound — everything that holds for Instagram's, on both stores.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{Relay, THREADS_REDIRECT, challenge_of, link_params, on_each_store};

fn redeem_body(handoff: &str, verifier: &str) -> String {
    json!({"handoff": handoff, "code_verifier": verifier}).to_string()
}

on_each_store! {
    async fn a_threads_sign_in_goes_to_threads_and_hands_over_a_threads_token_once(store: Store) {
        let relay = Relay::with_threads(store).await;
        let (verifier, state, authorize_url) = relay.start_threads().await;
        let url = url::Url::parse(&authorize_url).unwrap();
        assert_eq!(url.origin(), relay.sandbox.threads_url().origin(), "Threads' own host");
        let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        let threads_app = relay.sandbox.world().threads_app.clone().unwrap();
        assert_eq!(params["client_id"], threads_app.client_id, "the Threads app's id, not Instagram's");
        assert_eq!(params["redirect_uri"], THREADS_REDIRECT);
        assert_eq!(params["scope"], "threads_basic");
        assert_eq!(params["state"], state);

        let code = relay.threads_code_for("harbour.cafe");
        let page = relay.get(&format!("/v1/callback/threads?code={code}&state={state}")).await;
        let link = page.deep_link();
        assert!(link.starts_with("app.evergreen:/oauth/threads?"), "{link}");
        let handoff = link_params(&link)["handoff"].clone();
        let answer = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let payload = answer.json();
        assert_eq!(payload["network"], "threads");
        assert_eq!(payload["username"], "harbour.cafe");
        assert!(payload["access_token"].as_str().unwrap().starts_with("THAA"), "a Threads token");
        assert_eq!(payload["expires_in"], 60 * 86_400);
        let again = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
        assert_eq!(again.status, StatusCode::GONE, "once");
    }

    async fn a_sign_in_never_finishes_on_the_other_networks_callback(store: Store) {
        let relay = Relay::with_threads(store).await;
        // Started for Threads, a code arrives on Instagram's callback: nothing is handed over.
        let (_, state, _) = relay.start_threads().await;
        let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
        let page = relay.get(&format!("/v1/callback?code={code}&state={state}")).await;
        assert!(page.body.contains("started for Threads and came back from Instagram"), "{}", page.body);
        assert!(!page.body.contains("handoff="), "{}", page.body);
        // And the other way round.
        let (_, state, _) = relay.start().await;
        let code = relay.threads_code_for("harbour.cafe");
        let page = relay.get(&format!("/v1/callback/threads?code={code}&state={state}")).await;
        assert!(page.body.contains("started for Instagram and came back from Threads"), "{}", page.body);
        assert!(!page.body.contains("handoff="), "{}", page.body);
    }

    async fn a_service_without_a_threads_app_says_so_and_an_unknown_network_is_refused(store: Store) {
        let relay = Relay::new(store).await;
        let start = |network: &str| {
            json!({"code_challenge": challenge_of("v".repeat(43).as_str()), "code_challenge_method": "S256", "network": network})
                .to_string()
        };
        let answer = relay.post("/v1/sessions", start("threads")).await;
        assert_eq!((answer.status, answer.json()["code"].clone()), (StatusCode::BAD_REQUEST, json!("network_not_offered")));
        assert!(answer.json()["message"].as_str().unwrap().contains("does not connect Threads accounts"));
        let answer = relay.post("/v1/sessions", start("facebook")).await;
        assert_eq!((answer.status, answer.json()["code"].clone()), (StatusCode::BAD_REQUEST, json!("bad_request")));
        // A relay with the Threads app says so in its info.
        let relay = Relay::with_threads(store).await;
        let info = relay.get("/v1/info").await.json();
        assert_eq!(info["networks"], json!(["instagram", "threads"]));
        assert_eq!(info["threads_app_id"], json!(relay.sandbox.world().threads_app.clone().unwrap().client_id));
    }

    async fn threads_refusing_during_sign_in_comes_back_in_threads_words(store: Store) {
        let relay = Relay::with_threads(store).await;
        let (_, state, _) = relay.start_threads().await;
        let page = relay.get(&format!("/v1/callback/threads?error=access_denied&state={state}")).await;
        let params = link_params(&page.deep_link());
        assert_eq!(params["error"], "access_denied");
        assert_eq!(params["error_description"], "You cancelled the Threads login.");
        assert!(page.deep_link().starts_with("app.evergreen:/oauth/threads?"));
        let (_, state, _) = relay.start_threads().await;
        relay.sandbox.world().add_fault(
            evergreen_sandbox::Fault::new(evergreen_sandbox::FaultKind::Http500, 1).on("threads_long_lived_exchange"),
        );
        let code = relay.threads_code_for("harbour.cafe");
        let page = relay.get(&format!("/v1/callback/threads?code={code}&state={state}")).await;
        let params = link_params(&page.deep_link());
        assert_eq!(params["error"], "instagram_unavailable");
        assert_eq!(params["error_description"], "Threads is having trouble right now.");
    }
}
