//! `/_sandbox/…`: the controls, kept apart from Instagram's paths. JSON in, JSON out.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::faults::Fault;
use crate::world::{AccountType, Shapes, World};

/// The control routes.
pub fn router() -> Router<Arc<World>> {
    Router::new()
        .route("/", get(help))
        .route("/clock", get(clock).post(move_clock))
        .route("/accounts", get(accounts).post(create_account))
        .route("/accounts/{user_id}", get(account).patch(update_account))
        .route("/accounts/{user_id}/revoke", post(revoke))
        .route("/accounts/{user_id}/checkpoint", post(checkpoint))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/latency", post(set_latency))
        .route("/shapes", get(shapes).post(set_shapes))
        .route("/calls", get(calls))
        .route("/stats", get(stats))
        .route("/stats/reset", post(reset_stats))
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn help() -> Json<serde_json::Value> {
    Json(json!({
        "clock": "GET; POST {\"set\": RFC 3339} or {\"advance_secs\": n}",
        "accounts": "GET; POST {username, account_type: BUSINESS|MEDIA_CREATOR|PERSONAL, name?, followers_count?}",
        "accounts/{user_id}": "GET; PATCH {username?, name?, profile_picture_url?, followers_count?}",
        "accounts/{user_id}/revoke": "POST {subcode: 458|460|463|464|467}",
        "accounts/{user_id}/checkpoint": "POST {on: bool}",
        "faults": "GET; POST {kind, count?, endpoint?, code?, ms?}; DELETE",
        "latency": "POST {ms}",
        "shapes": "GET; POST {code_exchange: flat|wrapped, refresh_ends_old_token: bool}",
        "calls": "GET ?since=seq",
        "stats": "GET; POST stats/reset",
    }))
}

async fn clock(State(world): State<Arc<World>>) -> Json<serde_json::Value> {
    Json(json!({ "now": world.now() }))
}

#[derive(Deserialize)]
struct MoveClock {
    set: Option<DateTime<Utc>>,
    advance_secs: Option<i64>,
}

async fn move_clock(State(world): State<Arc<World>>, Json(body): Json<MoveClock>) -> Response {
    match (body.set, body.advance_secs) {
        (Some(at), None) => world.clock.set(at),
        (None, Some(secs)) if secs.unsigned_abs() <= 10 * 365 * 86_400 => {
            world.clock.advance(Duration::seconds(secs))
        }
        _ => return bad("give exactly one of set (RFC 3339) or advance_secs (within ten years)"),
    }
    Json(json!({ "now": world.now() })).into_response()
}

async fn accounts(State(world): State<Arc<World>>) -> Json<serde_json::Value> {
    Json(json!(world.accounts()))
}

async fn account(State(world): State<Arc<World>>, Path(user_id): Path<String>) -> Response {
    match world.account(&user_id) {
        Some(a) => Json(json!(a)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "no such account" }))).into_response(),
    }
}

#[derive(Deserialize)]
struct NewAccount {
    username: String,
    account_type: AccountType,
    name: Option<String>,
    followers_count: Option<u64>,
}

fn valid_username(u: &str) -> bool {
    (1..=30).contains(&u.len()) && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

async fn create_account(State(world): State<Arc<World>>, Json(body): Json<NewAccount>) -> Response {
    if !valid_username(&body.username) {
        return bad("username: 1 to 30 letters, digits, '.' or '_'");
    }
    let name = body.name.unwrap_or_else(|| body.username.clone());
    let account =
        world.create_account(&body.username, &name, body.account_type, body.followers_count.unwrap_or(1_200));
    (StatusCode::CREATED, Json(json!(account))).into_response()
}

#[derive(Deserialize)]
struct AccountChange {
    username: Option<String>,
    name: Option<String>,
    profile_picture_url: Option<String>,
    followers_count: Option<u64>,
}

async fn update_account(
    State(world): State<Arc<World>>,
    Path(user_id): Path<String>,
    Json(change): Json<AccountChange>,
) -> Response {
    if change.username.as_deref().is_some_and(|u| !valid_username(u)) {
        return bad("username: 1 to 30 letters, digits, '.' or '_'");
    }
    let found = world.update_account(&user_id, |a| {
        if let Some(u) = change.username {
            a.username = u;
        }
        if let Some(n) = change.name {
            a.name = n;
        }
        if let Some(p) = change.profile_picture_url {
            a.profile_picture_url = Some(p);
        }
        if let Some(f) = change.followers_count {
            a.followers_count = f;
        }
    });
    if found { account(State(world), Path(user_id)).await } else { bad("no such account") }
}

#[derive(Deserialize)]
struct Revoke {
    subcode: i64,
}

async fn revoke(
    State(world): State<Arc<World>>,
    Path(user_id): Path<String>,
    Json(body): Json<Revoke>,
) -> Response {
    if ![458, 460, 463, 464, 467].contains(&body.subcode) {
        return bad("subcode: one of 458, 460, 463, 464, 467");
    }
    if world.account(&user_id).is_none() {
        return bad("no such account");
    }
    Json(json!({ "revoked": world.revoke(&user_id, body.subcode) })).into_response()
}

#[derive(Deserialize)]
struct Checkpoint {
    on: bool,
}

async fn checkpoint(
    State(world): State<Arc<World>>,
    Path(user_id): Path<String>,
    Json(body): Json<Checkpoint>,
) -> Response {
    if world.update_account(&user_id, |a| a.checkpoint = body.on) {
        Json(json!({ "checkpoint": body.on })).into_response()
    } else {
        bad("no such account")
    }
}

async fn faults(State(world): State<Arc<World>>) -> Json<serde_json::Value> {
    Json(json!(world.faults()))
}

async fn add_fault(State(world): State<Arc<World>>, Json(fault): Json<Fault>) -> Response {
    const ENDPOINTS: [&str; 5] = ["code_exchange", "long_lived_exchange", "refresh", "me", "media"];
    if fault.count == 0 || fault.count > 1_000_000 {
        return bad("count: 1 to 1,000,000");
    }
    if fault.endpoint.as_deref().is_some_and(|e| !ENDPOINTS.contains(&e)) {
        return bad("endpoint: code_exchange, long_lived_exchange, refresh, me or media");
    }
    world.add_fault(fault);
    (StatusCode::CREATED, Json(json!(world.faults()))).into_response()
}

async fn clear_faults(State(world): State<Arc<World>>) -> StatusCode {
    world.clear_faults();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Latency {
    ms: u64,
}

async fn set_latency(State(world): State<Arc<World>>, Json(body): Json<Latency>) -> Json<serde_json::Value> {
    world.set_latency_ms(body.ms);
    Json(json!({ "ms": world.latency_ms() }))
}

async fn shapes(State(world): State<Arc<World>>) -> Json<serde_json::Value> {
    Json(json!(world.shapes()))
}

async fn set_shapes(State(world): State<Arc<World>>, Json(shapes): Json<Shapes>) -> Json<serde_json::Value> {
    world.set_shapes(shapes);
    Json(json!(world.shapes()))
}

#[derive(Deserialize)]
struct Since {
    since: Option<u64>,
}

async fn calls(State(world): State<Arc<World>>, Query(q): Query<Since>) -> Json<serde_json::Value> {
    Json(json!(world.calls(q.since.unwrap_or(0))))
}

async fn stats(State(world): State<Arc<World>>) -> Json<serde_json::Value> {
    Json(json!(world.stats()))
}

async fn reset_stats(State(world): State<Arc<World>>) -> Json<serde_json::Value> {
    world.reset_stats();
    Json(json!(world.stats()))
}
