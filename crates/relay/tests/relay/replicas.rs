//! Several replicas on one Redis: a sign-in may touch a different replica at every step, a
//! replica may restart between steps, Redis may restart or stall, and no step may be done
//! twice. Each test has its own `redis-server` (see `redis_server.rs`).

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use evergreen_relay::config::StoreConfig;
use serde_json::json;

use evergreen_relay::AppState;

use crate::flow::captured_log;
use crate::lossy_link::LossyLink;
use crate::support::{HANDOFF_KEY, Relay, Store, challenge_of, link_params};

fn redeem_body(handoff: &str, verifier: &str) -> String {
    json!({"handoff": handoff, "code_verifier": verifier}).to_string()
}

#[tokio::test]
async fn a_sign_in_started_on_one_replica_comes_back_on_another_and_is_redeemed_on_the_first() {
    let relay = Relay::new(Store::Redis).await;
    let (a, b) = (relay.state.clone(), relay.replica());
    let (verifier, state, _) = relay.start_on(&a).await;
    let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
    let page = relay.get_to(&b, &format!("/v1/callback?code={code}&state={state}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let handoff = link_params(&page.deep_link())["handoff"].clone();
    let answer = relay.post_to(&a, "/v1/handoff", redeem_body(&handoff, &verifier)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["username"], "evergreen.shop");
    assert_eq!(answer.json()["state"], state);
    // Taken once, wherever it is asked for again.
    for replica in [&a, &b] {
        let again = relay.post_to(replica, "/v1/handoff", redeem_body(&handoff, &verifier)).await;
        assert_eq!(again.status, StatusCode::GONE);
        let callback = relay.get_to(replica, &format!("/v1/callback?code={code}&state={state}")).await;
        assert_eq!(callback.status, StatusCode::BAD_REQUEST, "a state works once, on any replica");
    }
}

#[tokio::test]
async fn the_same_flow_across_replicas_fails_in_memory_which_is_why_redis_exists() {
    let relay = Relay::new(Store::Memory).await;
    let b = relay.replica();
    let (_, state, _) = relay.start().await;
    let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
    let page = relay.get_to(&b, &format!("/v1/callback?code={code}&state={state}")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_replica_restarted_mid_flow_loses_nothing() {
    let mut relay = Relay::new(Store::Redis).await;
    let (verifier, state, _) = relay.start().await;
    // The replica that started it goes away (a deploy); a new process takes its place.
    relay.state = relay.replica();
    let code = relay.code_for("studio.ama", &["instagram_business_basic"]);
    let page = relay.get(&format!("/v1/callback?code={code}&state={state}")).await;
    let handoff = link_params(&page.deep_link())["handoff"].clone();
    relay.state = relay.replica();
    let answer = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn of_two_redemptions_on_two_replicas_exactly_one_wins() {
    let relay = Relay::new(Store::Redis).await;
    let b = relay.replica();
    for _ in 0..20 {
        let (verifier, _, page) = relay.sign_in("studio.ama").await;
        let body = redeem_body(&link_params(&page.deep_link())["handoff"], &verifier);
        let (one, other) = tokio::join!(
            relay.post_to(&relay.state, "/v1/handoff", body.clone()),
            relay.post_to(&b, "/v1/handoff", body)
        );
        let mut statuses = [one.status.as_u16(), other.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 410]);
    }
}

#[tokio::test]
async fn a_wrong_verifier_on_another_replica_does_not_burn_the_handoff() {
    let relay = Relay::new(Store::Redis).await;
    let b = relay.replica();
    let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
    let handoff = link_params(&page.deep_link())["handoff"].clone();
    let wrong = relay
        .post_to(&b, "/v1/handoff", redeem_body(&handoff, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn rate_limits_and_bounds_hold_across_replicas() {
    let relay = Relay::with(Store::Redis, |c| {
        c.sessions_per_minute = 3;
        c.trusted_proxies = 1;
    })
    .await;
    let b = relay.replica();
    // One client alternating between replicas gets three, as from one.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let replica = if i % 2 == 0 { &relay.state } else { &b };
        let request = axum::http::Request::post("/v1/sessions")
            .header("content-type", "application/json")
            .header("x-forwarded-for", "203.0.113.7")
            .body(axum::body::Body::from(
                json!({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})
                    .to_string(),
            ))
            .unwrap();
        statuses.push(relay.send_to(replica, request).await.status.as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429, 429]);

    let bounded = Relay::with(Store::Redis, |c| {
        c.max_sessions = 4;
        c.sessions_per_minute = 1_000;
    })
    .await;
    let other = bounded.replica();
    for i in 0..4 {
        bounded.start_on(if i % 2 == 0 { &bounded.state } else { &other }).await;
    }
    let full = bounded
        .post_to(
            &other,
            "/v1/sessions",
            json!({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})
                .to_string(),
        )
        .await;
    assert_eq!((full.status, full.json()["code"].clone()), (StatusCode::SERVICE_UNAVAILABLE, json!("busy")));
}

#[tokio::test]
async fn redis_holds_no_token_and_nothing_that_names_the_account_or_the_sign_in() {
    let mut relay = Relay::new(Store::Redis).await;
    let (_, waiting_state, _) = relay.start().await;
    let (verifier, state, page) = relay.sign_in("evergreen.shop").await;
    let handoff = link_params(&page.deep_link())["handoff"].clone();
    let held = relay.redis().dump();
    assert!(held.iter().any(|(key, _)| is_record(key, "h")), "{held:?}");
    assert!(held.iter().any(|(key, _)| is_record(key, "s")), "{held:?}");
    let answer = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
    let payload = answer.json();
    let token = payload["access_token"].as_str().unwrap();
    let user_id = payload["user_id"].as_str().unwrap();
    // Neither what a callback is answered by (a state) nor what a redemption names (a handoff
    // id): a reader of Redis can neither finish another's sign-in nor try their handoff.
    for secret in [token, &verifier, "evergreen.shop", user_id, &state, &waiting_state, &handoff] {
        for (key, value) in &held {
            assert!(!key.contains(secret) && !value.contains(secret), "{key} holds {secret} in the clear");
        }
    }
    // Every key lives no longer than its record: nothing without an expiry but the bounds' sets,
    // which hold only keyed names.
    let keys: Vec<String> = relay.redis().command(redis::cmd("KEYS").arg("*")).unwrap();
    for key in keys {
        let ttl: i64 = relay.redis().command(redis::cmd("PTTL").arg(&key)).unwrap();
        if ttl == -2 {
            continue; // a retry memo, gone on time since KEYS listed it
        }
        let kind: String = relay.redis().command(redis::cmd("TYPE").arg(&key)).unwrap();
        assert!(ttl > 0 || kind == "zset", "{key} ({kind}) has no expiry");
    }
}

/// Whether `key` is a record of `kind` (`s` a session, `h` a handoff): `<prefix>v1:<key's
/// fingerprint>:<kind>:<name>`.
fn is_record(key: &str, kind: &str) -> bool {
    let parts: Vec<&str> = key.split(':').collect();
    matches!(parts.as_slice(), ["evergreen-relay", "v1", _, k, _] if *k == kind)
}

/// A Redis writer puts a key of another type (a hash) where a record lives.
fn put_a_hash_at(relay: &mut Relay, key: &str) {
    let _: () = relay.redis().command(redis::cmd("DEL").arg(key)).unwrap();
    let _: () = relay.redis().command(redis::cmd("HSET").arg(key).arg("f").arg("v")).unwrap();
}

/// The one session Redis holds that `before` did not.
fn new_session_key(before: &[(String, String)], after: &[(String, String)]) -> (String, String) {
    after
        .iter()
        .find(|(key, _)| is_record(key, "s") && !before.iter().any(|(k, _)| k == key))
        .cloned()
        .expect("a new session in Redis")
}

#[tokio::test]
async fn a_sign_in_whose_record_a_redis_writer_replaced_is_refused_not_finished() {
    // Someone who can write to Redis (but has no relay key) swaps a victim's waiting sign-in for
    // one they started with their own verifier, or for one they wrote by hand: if the relay
    // finished it, the victim's token would wait under the writer's challenge.
    let buffer = captured_log();
    let mut relay = Relay::new(Store::Redis).await;
    for forge in [
        "another sign-in's record",
        "a record written by hand",
        "bytes that are not text",
        "a key of another type",
    ] {
        let empty = relay.redis().dump();
        let (_, victim_state, _) = relay.start().await;
        let with_victim = relay.redis().dump();
        let (victim_key, _) = new_session_key(&empty, &with_victim);
        let (_, _, _) = relay.start().await;
        let (_, attacker_record) = new_session_key(&with_victim, &relay.redis().dump());
        let forged: Vec<u8> = match forge {
            "a record written by hand" => json!({
                "client": "127.0.0.1", "challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "expires_ms": 4_102_444_800_000_i64, "sealed": ""
            })
            .to_string()
            .into_bytes(),
            "bytes that are not text" => vec![0xff, 0xfe, b'{'],
            _ => attacker_record.into_bytes(),
        };
        if forge == "a key of another type" {
            put_a_hash_at(&mut relay, &victim_key);
        } else {
            let _: () = relay
                .redis()
                .command(redis::cmd("SET").arg(&victim_key).arg(forged).arg("PX").arg(600_000))
                .unwrap();
        }

        let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
        let page = relay.get(&format!("/v1/callback?code={code}&state={victim_state}")).await;
        // Refused for good, as a sign-in that is gone: waiting would not make it open.
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{forge}: {}", page.body);
        assert!(page.body.contains("choose Connect again"), "{forge}: {}", page.body);
        assert!(!page.body.contains("handoff="), "{forge}");
        let held = relay.redis().dump();
        assert_eq!(
            held.iter().filter(|(k, _)| is_record(k, "h")).count(),
            0,
            "{forge}: no token was fetched"
        );
        assert!(!held.iter().any(|(k, _)| *k == victim_key), "{forge}: gone, not left to answer busy");
    }
    let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert!(log.contains("does not open with this relay's key"), "the operator is told: {log}");
}

#[tokio::test]
async fn a_handoff_a_redis_writer_altered_gives_no_token_to_anyone() {
    // The writer keeps the sealed token but changes what is beside it in the clear: their own
    // challenge (so that their verifier would redeem it), or a longer life.
    for alter in ["challenge", "expires_ms", "a key of another type"] {
        let mut relay = Relay::new(Store::Redis).await;
        let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
        let handoff = link_params(&page.deep_link())["handoff"].clone();
        let (key, value) =
            relay.redis().dump().into_iter().find(|(k, _)| is_record(k, "h")).expect("a handoff in Redis");
        let mut record: serde_json::Value = serde_json::from_str(&value).unwrap();
        let attacker_verifier = "attacker-verifier-attacker-verifier-attacker-0123";
        let redeemer = match alter {
            "challenge" => {
                record["challenge"] = json!(challenge_of(attacker_verifier));
                attacker_verifier.to_string()
            }
            "expires_ms" => {
                record["expires_ms"] = json!(record["expires_ms"].as_i64().unwrap() + 3_600_000);
                verifier
            }
            _ => verifier,
        };
        if alter == "a key of another type" {
            put_a_hash_at(&mut relay, &key);
        } else {
            let _: () = relay
                .redis()
                .command(redis::cmd("SET").arg(&key).arg(record.to_string()).arg("PX").arg(600_000))
                .unwrap();
        }
        let answer = relay.post("/v1/handoff", redeem_body(&handoff, &redeemer)).await;
        assert_eq!(
            (answer.status, answer.json()["code"].clone()),
            (StatusCode::GONE, json!("unknown_handoff")),
            "{alter}"
        );
        assert!(!answer.body.contains("IGAA"), "{alter}");
        assert!(
            !relay.redis().dump().iter().any(|(k, _)| *k == key),
            "{alter}: gone, not left to answer busy"
        );
    }
}

#[tokio::test]
async fn replicas_with_another_key_touch_none_of_each_others_records_and_the_log_says_so() {
    // A key rotated (or one replica given the wrong key): each key's replicas keep their own
    // sign-ins; one that crosses over is unknown there, and nothing of the other key's is lost.
    let buffer = captured_log();
    let mut relay = Relay::new(Store::Redis).await;
    let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
    let handoff = link_params(&page.deep_link())["handoff"].clone();
    let mut config = (*relay.state.config).clone();
    let url = relay.redis.as_ref().unwrap().url();
    config.use_redis(&url, "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=").unwrap();
    let other_key = evergreen_relay::AppState::with_clock(config, relay.state.now.clone());
    let answer = relay.post_to(&other_key, "/v1/handoff", redeem_body(&handoff, &verifier)).await;
    assert_eq!((answer.status, answer.json()["code"].clone()), (StatusCode::GONE, json!("unknown_handoff")));
    assert!(!answer.body.contains("IGAA"));
    let (verifier_b, _, page_b) = relay.sign_in_on(&other_key, "evergreen.shop").await;
    let handoff_b = link_params(&page_b.deep_link())["handoff"].clone();

    // Both keys in use this minute: the purges say so.
    let now = (relay.state.now)();
    relay.state.store.purge(now).await.unwrap();
    other_key.store.purge(now).await.unwrap();
    let keys: usize = relay.redis().command(redis::cmd("ZCARD").arg("evergreen-relay:keys")).unwrap();
    assert_eq!(keys, 2);
    let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert!(log.contains("different RELAY_HANDOFF_KEYs"), "{log}");

    // The first key's replicas never noticed, and the second's have their own.
    let answer = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = relay.post_to(&other_key, "/v1/handoff", redeem_body(&handoff_b, &verifier_b)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn an_answer_lost_on_its_way_back_from_redis_is_found_again_by_the_retry() {
    // Nine sign-ins per client at most: a start that ran twice would find itself the tenth.
    let relay = Relay::with(Store::Redis, |c| {
        c.sessions_per_minute = 1_000;
        c.max_sessions_per_client = 9;
    })
    .await;
    // Every script loaded in Redis first, so the answer lost is the script's own rather than a
    // NOSCRIPT the driver would answer by sending the script again.
    let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
    let warm =
        relay.post("/v1/handoff", redeem_body(&link_params(&page.deep_link())["handoff"], &verifier)).await;
    assert_eq!(warm.status, StatusCode::OK);
    let link = LossyLink::to(relay.redis.as_ref().unwrap().socket());
    let mut config = (*relay.state.config).clone();
    config.use_redis(&link.url(), HANDOFF_KEY).unwrap();
    let linked = evergreen_relay::AppState::with_clock(config, relay.state.now.clone());
    // The replica's connection opened first (and its scripts loaded), so the answer lost is a
    // request's.
    relay.start_on(&linked).await;

    link.lose_next_answer();
    let (verifier, state, _) = relay.start_on(&linked).await;
    assert!(link.has_lost_it(), "the start's answer was lost, and the start still succeeded");

    let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
    link.lose_next_answer();
    let page = relay.get_to(&linked, &format!("/v1/callback?code={code}&state={state}")).await;
    assert!(link.has_lost_it());
    let params = link_params(&page.deep_link());
    assert!(params.contains_key("handoff"), "the session taken once, its answer found again: {params:?}");

    link.lose_next_answer();
    let body = redeem_body(&params["handoff"], &verifier);
    let answer = relay.post_to(&linked, "/v1/handoff", body.clone()).await;
    assert!(link.has_lost_it());
    assert_eq!(answer.status, StatusCode::OK, "redeemed, its answer found again: {}", answer.body);
    assert_eq!(answer.json()["username"], "evergreen.shop");
    // Still once: the memo is the retry's alone.
    assert_eq!(relay.post("/v1/handoff", body).await.status, StatusCode::GONE);

    // A redemption that found its handoff expired (and deleted it) says so again on its retry,
    // rather than "unknown".
    let (verifier, _, page) = relay.sign_in_on(&linked, "evergreen.shop").await;
    relay.advance(chrono::Duration::minutes(3));
    link.lose_next_answer();
    let body = redeem_body(&link_params(&page.deep_link())["handoff"], &verifier);
    let answer = relay.post_to(&linked, "/v1/handoff", body).await;
    assert!(link.has_lost_it());
    assert_eq!((answer.status, answer.json()["code"].clone()), (StatusCode::GONE, json!("expired_handoff")));
}

/// What the app would be told on starting a sign-in now.
async fn start_status(relay: &Relay) -> (StatusCode, String, Option<String>) {
    start_status_on(relay, &relay.state).await
}

/// [`start_status`] on the replica `on`.
async fn start_status_on(relay: &Relay, on: &AppState) -> (StatusCode, String, Option<String>) {
    let answer = relay
        .post_to(
            on,
            "/v1/sessions",
            json!({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})
                .to_string(),
        )
        .await;
    let retry = answer.headers.get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let code =
        if answer.status == StatusCode::CREATED { String::new() } else { answer.json()["code"].to_string() };
    (answer.status, code, retry)
}

#[tokio::test]
async fn redis_restarted_mid_flow_fails_the_flows_in_flight_clearly_and_new_ones_work() {
    let mut relay = Relay::new(Store::Redis).await;
    let (_, waiting_state, _) = relay.start().await;
    let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
    let handoff = link_params(&page.deep_link())["handoff"].clone();

    relay.redis().stop();
    // While it is down: 503 with the usual code, at once (the socket refuses).
    let started = Instant::now();
    let (status, code, retry) = start_status(&relay).await;
    assert_eq!((status, code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "\"unavailable\""));
    assert_eq!(retry.as_deref(), Some("30"));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let redeem = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
    assert_eq!(
        (redeem.status, redeem.json()["code"].clone()),
        (StatusCode::SERVICE_UNAVAILABLE, json!("unavailable"))
    );
    // A callback arriving now sends the app "busy" under its own state, so it can say so.
    let code = relay.code_for("evergreen.shop", &["instagram_business_basic"]);
    let callback = relay.get(&format!("/v1/callback?code={code}&state={waiting_state}")).await;
    let params = link_params(&callback.deep_link());
    assert_eq!((params["error"].as_str(), params["state"].as_str()), ("busy", waiting_state.as_str()));
    assert_eq!(relay.get("/healthz").await.status, StatusCode::OK, "the process itself is fine");

    relay.redis().start_again();
    // Back by itself: what was in flight is gone (persistence is off), and says so.
    let redeem = relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await;
    assert_eq!((redeem.status, redeem.json()["code"].clone()), (StatusCode::GONE, json!("unknown_handoff")));
    let late = relay.get(&format!("/v1/callback?code={code}&state={waiting_state}")).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.body.contains("choose Connect again"), "{}", late.body);
    // New sign-ins work from the first request.
    let (verifier, _, page) = relay.sign_in("evergreen.shop").await;
    let handoff = link_params(&page.deep_link())["handoff"].clone();
    assert_eq!(relay.post("/v1/handoff", redeem_body(&handoff, &verifier)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_redis_that_stops_answering_is_503_within_the_timeout_never_a_hang() {
    let mut relay = Relay::with(Store::Redis, |c| {
        if let StoreConfig::Redis(redis) = &mut c.store {
            redis.timeout = Duration::from_millis(200);
        }
    })
    .await;
    relay.start().await;
    relay.redis().freeze();
    for _ in 0..3 {
        let started = Instant::now();
        let (status, code, _) = start_status(&relay).await;
        assert_eq!((status, code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "\"unavailable\""));
        // The limit's call and nothing after it: within one timeout and a margin.
        assert!(started.elapsed() < Duration::from_millis(200 + 500), "{:?}", started.elapsed());
    }
    relay.redis().thaw();
    assert_eq!(start_status(&relay).await.0, StatusCode::CREATED, "recovered by itself");
}

#[tokio::test]
async fn a_redis_that_refused_the_relays_connection_is_connected_to_again_once_it_accepts() {
    // Redis restarted with its password not yet applied: it refuses the relay's AUTH, a refusal
    // the connection manager alone would keep answering for ever.
    let mut relay = Relay::with(Store::Redis, with_redis_password("rotated-in")).await;
    for _ in 0..2 {
        let (status, code, _) = start_status(&relay).await;
        assert_eq!((status, code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "\"unavailable\""));
    }
    let applied: String =
        relay.redis().command(redis::cmd("CONFIG").arg("SET").arg("requirepass").arg("rotated-in")).unwrap();
    assert_eq!(applied, "OK");
    assert_eq!(created_again(&relay).await, StatusCode::CREATED, "connected again once Redis accepted");
}

/// A relay that gives Redis `password`, whether Redis asks for one yet or not.
fn with_redis_password(password: &'static str) -> impl FnOnce(&mut evergreen_relay::Config) {
    move |c| {
        if let StoreConfig::Redis(redis) = &mut c.store {
            let settings = redis.connection.redis_settings().clone().set_password(password);
            redis.connection = redis.connection.clone().set_redis_settings(settings);
        }
    }
}

/// A start after the connection may be made anew (a second later): the first request finds
/// the refused connection and replaces it, the next connects. By itself: no restart of the
/// relay.
async fn created_again(relay: &Relay) -> StatusCode {
    relay.advance(chrono::Duration::seconds(2));
    match start_status(relay).await.0 {
        StatusCode::CREATED => StatusCode::CREATED,
        _ => start_status(relay).await.0,
    }
}

/// Connections Redis has accepted since it started (the test's own one-off ones included).
fn connections_received(relay: &mut Relay) -> u64 {
    let info: String = relay.redis().command(redis::cmd("INFO").arg("stats")).unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("total_connections_received:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO stats counts connections")
}

#[tokio::test]
async fn a_redis_that_refuses_every_connection_is_asked_for_one_at_most_once_a_second() {
    let mut relay = Relay::with(Store::Redis, with_redis_password("not-applied")).await;
    let before = connections_received(&mut relay);
    for _ in 0..20 {
        assert_eq!(start_status(&relay).await.0, StatusCode::SERVICE_UNAVAILABLE);
    }
    // The first connection and one made anew, each tried twice (the manager's one retry);
    // this count's own connection is the last.
    assert_eq!(connections_received(&mut relay) - before, 2 * 2 + 1, "twenty refusals, two connections");
    relay.advance(chrono::Duration::seconds(2));
    for _ in 0..20 {
        assert_eq!(start_status(&relay).await.0, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(connections_received(&mut relay) - before, 5 + 2 + 1, "a second later, one more");
}

#[tokio::test]
async fn a_redis_restarted_without_its_password_is_connected_to_again_once_it_has_it() {
    // The relay worked; Redis restarts, and its password is applied only a moment later. The
    // connection manager reconnects after the restart, is refused, and would keep that refusal.
    let mut relay = Relay::with(Store::Redis, with_redis_password("rotated-in")).await;
    let require = || redis::cmd("CONFIG").arg("SET").arg("requirepass").arg("rotated-in").clone();
    assert_eq!(relay.redis().command::<String>(&mut require()).unwrap(), "OK");
    assert_eq!(start_status(&relay).await.0, StatusCode::CREATED, "working before the restart");
    relay.redis().stop();
    relay.redis().start_again();
    for _ in 0..3 {
        let (status, code, _) = start_status(&relay).await;
        assert_eq!((status, code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "\"unavailable\""));
    }
    assert_eq!(relay.redis().command::<String>(&mut require()).unwrap(), "OK");
    assert_eq!(created_again(&relay).await, StatusCode::CREATED, "connected again once Redis had it");
}

#[tokio::test]
async fn a_refusal_on_a_working_connection_keeps_it() {
    // Out of memory (`noeviction`): the call is refused, the connection is fine and is kept.
    let mut relay = Relay::new(Store::Redis).await;
    assert_eq!(start_status(&relay).await.0, StatusCode::CREATED);
    let set = |bytes: &str| redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(bytes).clone();
    assert_eq!(relay.redis().command::<String>(&mut set("1")).unwrap(), "OK");
    // The relay's connections, by id (the test's own one-off connection lists itself as running
    // `client`).
    let relays = |relay: &mut Relay| -> Vec<String> {
        let list = relay.redis().command::<String>(redis::cmd("CLIENT").arg("LIST")).unwrap();
        list.lines()
            .filter(|line| !line.contains("cmd=client"))
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .collect()
    };
    let before = relays(&mut relay);
    assert_eq!(before.len(), 1, "{before:?}");
    for _ in 0..5 {
        assert_eq!(start_status(&relay).await.0, StatusCode::SERVICE_UNAVAILABLE, "refused: out of memory");
    }
    assert_eq!(relays(&mut relay), before, "the same connection: a refusal on a working one keeps it");
    assert_eq!(relay.redis().command::<String>(&mut set("256mb")).unwrap(), "OK");
    assert_eq!(start_status(&relay).await.0, StatusCode::CREATED);
}
