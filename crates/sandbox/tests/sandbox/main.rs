//! The sandbox's contract, request by request, through `router(world).oneshot(request)`:
//! independent of Evergreen's client, so the two check each other.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use evergreen_sandbox::world::TokenKind;
use evergreen_sandbox::{SandboxClock, World, demo_app, router, seed};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const REDIRECT: &str = "https://relay.example.test/v1/callback";

fn world() -> Arc<World> {
    let world = World::new(SandboxClock::system(), demo_app(vec![REDIRECT.into()]));
    seed(&world);
    Arc::new(world)
}

async fn send(world: &Arc<World>, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router(world.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

async fn get(world: &Arc<World>, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    send(world, Request::get(uri).header("host", "127.0.0.1:9").body(Body::empty()).unwrap()).await
}

async fn post_form(world: &Arc<World>, uri: &str, form: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    send(world, request).await
}

async fn post_json(world: &Arc<World>, uri: &str, body: Value) -> (StatusCode, String) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, body) = send(world, request).await;
    (status, body)
}

fn authorize_query(world: &World, extra: &str) -> String {
    format!(
        "client_id={}&redirect_uri={}&response_type=code&scope=instagram_business_basic&state=st8{extra}",
        world.app.client_id,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    )
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn token_for(world: &World, username: &str, kind: TokenKind) -> String {
    let user = world.accounts().into_iter().find(|a| a.username == username).unwrap().user_id;
    world.issue_token(&user, kind, vec!["instagram_business_basic".into()]).0
}

#[tokio::test]
async fn the_login_page_lists_the_accounts_and_refuses_bad_requests() {
    let w = world();
    let (status, _, html) = get(&w, &format!("/oauth/authorize?{}", authorize_query(&w, ""))).await;
    assert_eq!(status, StatusCode::OK);
    for name in ["@evergreen.shop", "@studio.ama", "@pat.personal", "name=\"decision\" value=\"allow\""] {
        assert!(html.contains(name), "{name} missing");
    }
    for (query, why) in [
        (authorize_query(&w, "").replace(&w.app.client_id, "123"), "Invalid platform app"),
        (authorize_query(&w, "").replace("callback", "callback%2F"), "Invalid redirect_uri"),
        (authorize_query(&w, "").replace("instagram_business_basic", "business_basic"), "Invalid Scopes"),
        (
            authorize_query(&w, "").replace("instagram_business_basic", "instagram_business_content_publish"),
            "required",
        ),
        (authorize_query(&w, "").replace("response_type=code", "response_type=token"), "response_type"),
    ] {
        let (status, _, html) = get(&w, &format!("/oauth/authorize?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}");
        assert!(html.contains(why), "{why}: {html}");
    }
}

#[tokio::test]
async fn allowing_redirects_with_a_code_the_state_and_instagrams_fragment() {
    let w = world();
    let user = w.accounts()[0].user_id.clone();
    let form =
        format!("{}&account={user}&granted=instagram_business_basic&decision=allow", authorize_query(&w, ""));
    let (status, headers, _) = post_form(&w, "/oauth/authorize", &form).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?code=AQ")), "{location}");
    assert!(location.ends_with("&state=st8#_"), "{location}");
}

#[tokio::test]
async fn cancelling_redirects_with_access_denied() {
    let w = world();
    let (status, headers, _) =
        post_form(&w, "/oauth/authorize", &format!("{}&decision=cancel", authorize_query(&w, ""))).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers[header::LOCATION].to_str().unwrap(),
        format!(
            "{REDIRECT}?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request.&state=st8"
        )
    );
}

#[tokio::test]
async fn allowing_without_an_account_or_with_a_forged_redirect_is_refused() {
    let w = world();
    let (status, _, _) =
        post_form(&w, "/oauth/authorize", &format!("{}&decision=allow", authorize_query(&w, ""))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let forged = authorize_query(&w, "&decision=allow&account=x").replace("relay.example.test", "evil.test");
    let (status, headers, _) = post_form(&w, "/oauth/authorize", &forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the decision re-checks the redirect URI");
    assert!(!headers.contains_key(header::LOCATION));
}

#[tokio::test]
async fn the_code_exchange_answers_flat_with_a_numeric_user_id_or_wrapped() {
    let w = world();
    let user = w.accounts()[0].user_id.clone();
    // Meta's reference calls the exchange's user_id the app-scoped id, not the professional one.
    let app_scoped = w.accounts()[0].app_scoped_id.clone();
    let form = |code: &str| {
        format!(
            "client_id={}&client_secret={}&grant_type=authorization_code&redirect_uri={}&code={code}",
            w.app.client_id,
            w.app.client_secret,
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        )
    };
    let code = w.issue_code(&user, REDIRECT, vec!["instagram_business_basic".into()]);
    let (status, _, body) = post_form(&w, "/oauth/access_token", &form(&code)).await;
    assert_eq!(status, StatusCode::OK);
    let body = json(&body);
    assert_eq!(body["user_id"].as_u64().map(|id| id.to_string()), Some(app_scoped.clone()), "{body}");
    assert_eq!(body["permissions"], "instagram_business_basic");

    w.set_shapes(evergreen_sandbox::Shapes {
        code_exchange: evergreen_sandbox::ExchangeShape::Wrapped,
        ..w.shapes()
    });
    let code = w.issue_code(&user, REDIRECT, vec!["instagram_business_basic".into()]);
    let body = json(&post_form(&w, "/oauth/access_token", &form(&code)).await.2);
    assert_eq!(body["data"][0]["user_id"], app_scoped);
    assert_eq!(
        body["data"][0]["permissions"], "instagram_business_basic",
        "a comma string, as Meta's guide shows"
    );

    let (status, _, body) = post_form(&w, "/oauth/access_token", &form(&code)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json(&body),
        json!({"error_type": "OAuthException", "code": 400, "error_message": "This authorization code has been used"})
    );
}

#[tokio::test]
async fn graph_errors_carry_code_subcode_and_fbtrace_id() {
    let w = world();
    let token = token_for(&w, "evergreen.shop", TokenKind::LongLived);
    let (status, _, body) =
        get(&w, &format!("/refresh_access_token?grant_type=ig_refresh_token&access_token={token}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = &json(&body)["error"];
    assert_eq!(error["code"], 100, "too new to refresh: {error}");
    assert!(error["fbtrace_id"].as_str().unwrap().len() > 8);

    w.clock.advance(chrono::Duration::days(61));
    let error =
        json(&get(&w, &format!("/v23.0/me?fields=username&access_token={token}")).await.2)["error"].clone();
    assert_eq!((error["code"].clone(), error["error_subcode"].clone()), (json!(190), json!(463)));
    assert!(error["message"].as_str().unwrap().contains("Session has expired on"));
}

#[tokio::test]
async fn refresh_is_get_only_and_unknown_paths_answer_code_100() {
    let w = world();
    let token = token_for(&w, "evergreen.shop", TokenKind::LongLived);
    let request =
        Request::post(format!("/refresh_access_token?grant_type=ig_refresh_token&access_token={token}"))
            .body(Body::empty())
            .unwrap();
    let (status, _, body) = send(&w, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json(&body)["error"]["message"].as_str().unwrap().starts_with("Unsupported post request"));
    for path in ["/v23.0/you", "/vX/me", "/graph/v23.0/me"] {
        let error = json(&get(&w, &format!("{path}?access_token={token}")).await.2)["error"].clone();
        assert_eq!(error["code"], 100, "{path}");
    }
}

#[tokio::test]
async fn me_answers_the_fields_asked_for_and_refuses_unknown_ones() {
    let w = world();
    let token = token_for(&w, "studio.ama", TokenKind::LongLived);
    let body = json(
        &get(&w, &format!("/v23.0/me?fields=user_id,username,account_type&access_token={token}")).await.2,
    );
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    assert_eq!(body["account_type"], "MEDIA_CREATOR");
    let error = json(&get(&w, &format!("/v23.0/me?fields=username,password&access_token={token}")).await.2);
    assert_eq!(error["error"]["code"], 100);
}

#[tokio::test]
async fn media_pages_carry_a_next_link_only_when_more_remain() {
    let w = world();
    let token = token_for(&w, "evergreen.shop", TokenKind::LongLived);
    let first =
        json(&get(&w, &format!("/v23.0/me/media?fields=id,timestamp&limit=10&access_token={token}")).await.2);
    assert_eq!(first["data"].as_array().unwrap().len(), 10);
    assert!(first["data"][0]["timestamp"].as_str().unwrap().ends_with("+0000"));
    let after = first["paging"]["cursors"]["after"].as_str().unwrap();
    assert!(first["paging"]["next"].as_str().unwrap().contains("after="));
    let rest = json(
        &get(&w, &format!("/v23.0/me/media?fields=id&limit=100&after={after}&access_token={token}")).await.2,
    );
    assert!(rest["paging"].get("next").is_none(), "last page: {}", rest["paging"]);
    let bad = json(&get(&w, &format!("/v23.0/me/media?after=%21%21&access_token={token}")).await.2);
    assert_eq!(bad["error"]["code"], 100);
}

#[tokio::test]
async fn the_controls_refuse_bad_input() {
    let w = world();
    let user = w.accounts()[0].user_id.clone();
    assert_eq!(post_json(&w, "/_sandbox/clock", json!({})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(post_json(&w, "/_sandbox/clock", json!({"advance_secs": 3600})).await.0, StatusCode::OK);
    assert_eq!(
        post_json(&w, "/_sandbox/accounts", json!({"username": "<script>", "account_type": "BUSINESS"}))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post_json(&w, "/_sandbox/accounts", json!({"username": "new.brand", "account_type": "TEAPOT"}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, body) =
        post_json(&w, "/_sandbox/accounts", json!({"username": "new.brand", "account_type": "BUSINESS"}))
            .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(json(&body)["username"], "new.brand");
    assert_eq!(
        post_json(&w, &format!("/_sandbox/accounts/{user}/revoke"), json!({"subcode": 190})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post_json(&w, "/_sandbox/faults", json!({"kind": "http_500", "endpoint": "nowhere"})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post_json(
            &w,
            "/_sandbox/faults",
            json!({"kind": "rate_limit", "code": 80001, "count": 2, "endpoint": "refresh"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(w.faults().len(), 1);
}

#[tokio::test]
async fn the_clock_moves_token_expiry() {
    let w = world();
    let token = token_for(&w, "evergreen.shop", TokenKind::ShortLived);
    let me = format!("/v23.0/me?fields=username&access_token={token}");
    assert_eq!(get(&w, &me).await.0, StatusCode::OK);
    post_json(&w, "/_sandbox/clock", json!({"advance_secs": 3601})).await;
    assert_eq!(get(&w, &me).await.0, StatusCode::BAD_REQUEST, "a short-lived token lives an hour");
}

#[tokio::test]
async fn a_persisted_sandbox_remembers_its_tokens_but_never_writes_one() {
    let dir = std::env::temp_dir().join(format!("sandbox-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("instagram.json");
    let _ = std::fs::remove_file(&path);
    let first = World::new(SandboxClock::system(), demo_app(vec![REDIRECT.into()]))
        .persisted_at(path.clone())
        .unwrap();
    seed(&first);
    let token = token_for(&first, "evergreen.shop", TokenKind::LongLived);
    first.revoke(&first.accounts()[1].user_id.clone(), 460);
    drop(first);

    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains(&token), "the state file holds digests, not tokens");
    let again = Arc::new(
        World::new(SandboxClock::system(), demo_app(vec![REDIRECT.into()]))
            .persisted_at(path.clone())
            .unwrap(),
    );
    assert_eq!(again.accounts().len(), 5, "three Instagram accounts and two Threads profiles");
    assert!(!again.accounts()[0].posts.is_empty(), "posts survive too");
    let (status, _, _) = get(&again, &format!("/v23.0/me?fields=username&access_token={token}")).await;
    assert_eq!(status, StatusCode::OK, "a token issued before the restart still works");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_refresh_may_end_the_token_it_renewed_when_told_to() {
    for ends in [false, true] {
        let w = world();
        w.set_shapes(evergreen_sandbox::Shapes { refresh_ends_old_token: ends, ..w.shapes() });
        let old = token_for(&w, "evergreen.shop", TokenKind::LongLived);
        w.clock.advance(chrono::Duration::hours(25));
        let (status, _, body) =
            get(&w, &format!("/refresh_access_token?grant_type=ig_refresh_token&access_token={old}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let new = json(&body)["access_token"].as_str().unwrap().to_string();
        assert_ne!(new, old);
        let (old_status, _, old_body) =
            get(&w, &format!("/v23.0/me?fields=username&access_token={old}")).await;
        if ends {
            assert_eq!(json(&old_body)["error"]["error_subcode"], 467);
        } else {
            assert_eq!(old_status, StatusCode::OK);
        }
        let (new_status, _, _) = get(&w, &format!("/v23.0/me?fields=username&access_token={new}")).await;
        assert_eq!(new_status, StatusCode::OK);
    }
}

/// Threads, on its own address: its app, its profiles, its grant types and fields (Meta's
/// Threads pages, `crates/instagram/tests/fixtures/meta/threads/`).
mod threads {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use evergreen_sandbox::world::TokenKind;
    use evergreen_sandbox::{SandboxClock, World, demo_app, demo_threads_app, router, seed, threads_router};
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    const REDIRECT: &str = "https://relay.example.test/v1/callback/threads";

    fn world() -> Arc<World> {
        let world = World::new(SandboxClock::system(), demo_app(vec![super::REDIRECT.into()]))
            .with_threads(demo_threads_app(vec![REDIRECT.into()]));
        seed(&world);
        Arc::new(world)
    }

    async fn on(app: axum::Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let response = app.oneshot(request).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn get(world: &Arc<World>, uri: &str) -> (StatusCode, String) {
        let request = Request::get(uri).header("host", "127.0.0.1:9").body(Body::empty()).unwrap();
        let (status, _, body) = on(threads_router(world.clone()), request).await;
        (status, body)
    }

    async fn post_form(
        app: axum::Router,
        uri: &str,
        form: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        on(app, request).await
    }

    fn json(body: &str) -> Value {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
    }

    fn user(world: &World, username: &str) -> String {
        world.accounts().into_iter().find(|a| a.username == username).unwrap().user_id
    }

    fn encode(text: &str) -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }

    #[tokio::test]
    async fn the_authorization_window_lists_threads_profiles_and_wants_threads_basic() {
        let world = world();
        let app = world.threads_app.clone().unwrap();
        let query = |scope: &str| {
            format!(
                "/oauth/authorize?client_id={}&redirect_uri={}&scope={scope}&response_type=code&state=st8",
                app.client_id,
                encode(REDIRECT)
            )
        };
        let (status, page) = get(&world, &query("threads_basic")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("@harbour.cafe") && page.contains("@north.bakery"), "{page}");
        assert!(!page.contains("@evergreen.shop"), "Instagram accounts are not Threads profiles");
        let (status, page) = get(&world, &query("instagram_business_basic")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        let (status, page) = get(&world, &query("threads_content_publish")).await;
        assert!(status == StatusCode::BAD_REQUEST && page.contains("threads_basic is required"), "{page}");
        // Instagram's app id means nothing to Threads.
        let wrong = query("threads_basic").replace(&app.client_id, &world.app.client_id);
        assert_eq!(get(&world, &wrong).await.0, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn a_code_becomes_a_short_then_a_long_lived_token_with_threads_own_app_and_grants() {
        let world = world();
        let app = world.threads_app.clone().unwrap();
        let code = world.issue_code(&user(&world, "harbour.cafe"), REDIRECT, vec!["threads_basic".into()]);
        let form = |secret: &str, code: &str| {
            format!(
                "client_id={}&client_secret={secret}&code={code}&grant_type=authorization_code&redirect_uri={}",
                app.client_id,
                encode(REDIRECT)
            )
        };
        // Not at Instagram's exchange: a Threads code is no Instagram code.
        let (status, _, _) =
            post_form(router(world.clone()), "/oauth/access_token", &form(&world.app.client_secret, &code))
                .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _, body) =
            post_form(threads_router(world.clone()), "/oauth/access_token", &form(&app.client_secret, &code))
                .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let short = json(&body)["access_token"].as_str().unwrap().to_string();
        assert!(short.starts_with("THAA"));
        let (status, body) = get(
            &world,
            &format!(
                "/access_token?grant_type=ig_exchange_token&client_secret={}&access_token={short}",
                app.client_secret
            ),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "Instagram's grant type: {body}");
        let (status, body) = get(
            &world,
            &format!(
                "/access_token?grant_type=th_exchange_token&client_secret={}&access_token={short}",
                app.client_secret
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(json(&body)["expires_in"], 60 * 86_400);
        assert_eq!(json(&body)["token_type"], "bearer");
    }

    #[tokio::test]
    async fn renewal_takes_th_refresh_token_at_24_hours_and_me_answers_threads_fields() {
        let world = world();
        let (token, _) = world.issue_token(
            &user(&world, "north.bakery"),
            TokenKind::LongLived,
            vec!["threads_basic".into()],
        );
        let refresh = format!("/refresh_access_token?grant_type=th_refresh_token&access_token={token}");
        let (status, body) = get(&world, &refresh).await;
        assert_eq!(
            (status, json(&body)["error"]["code"].as_i64()),
            (StatusCode::BAD_REQUEST, Some(100)),
            "too new"
        );
        world.clock.advance(chrono::Duration::hours(25));
        let (status, body) = get(&world, &refresh).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = get(
            &world,
            &format!("/v1.0/me?fields=id,username,name,threads_profile_picture_url&access_token={token}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let me = json(&body);
        assert_eq!(me["username"], "north.bakery");
        assert_eq!(me["id"], user(&world, "north.bakery"));
        assert!(me["threads_profile_picture_url"].as_str().is_some_and(|u| u.ends_with(".svg")));
        let (status, body) = get(&world, &format!("/v1.0/me?fields=account_type&access_token={token}")).await;
        assert_eq!((status, json(&body)["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(100)));
    }

    #[tokio::test]
    async fn each_network_refuses_the_others_tokens_and_a_checkpoint_names_threads() {
        let world = world();
        let (instagram, _) = world.issue_token(
            &user(&world, "evergreen.shop"),
            TokenKind::LongLived,
            vec!["instagram_business_basic".into()],
        );
        let (status, body) = get(&world, &format!("/v1.0/me?fields=id&access_token={instagram}")).await;
        assert_eq!((status, json(&body)["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(190)));
        let threads_user = user(&world, "harbour.cafe");
        let (threads, _) =
            world.issue_token(&threads_user, TokenKind::LongLived, vec!["threads_basic".into()]);
        let request = Request::get(format!("/v23.0/me?fields=id&access_token={threads}"))
            .header("host", "127.0.0.1:9")
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = on(router(world.clone()), request).await;
        assert_eq!((status, json(&body)["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(190)));
        world.update_account(&threads_user, |a| a.checkpoint = true);
        let (status, body) = get(&world, &format!("/v1.0/me?fields=id&access_token={threads}")).await;
        let error = &json(&body)["error"];
        assert_eq!((status, error["error_subcode"].as_i64()), (StatusCode::BAD_REQUEST, Some(459)));
        assert!(error["message"].as_str().unwrap().contains("www.threads.com"), "{body}");
        // The call log names Threads' endpoints apart.
        let endpoints: Vec<&str> = world.calls(0).iter().map(|c| c.endpoint).collect();
        assert!(endpoints.contains(&"threads_me") && endpoints.contains(&"me"), "{endpoints:?}");
    }
}
