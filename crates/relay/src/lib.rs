//! Evergreen's sign-in relay (DESIGN §1). Instagram's code exchange needs the app's client
//! secret, which must never ship in a desktop binary, and its redirect must be https; so the
//! relay receives Instagram's redirect, exchanges the code, and parks the long-lived token as
//! a one-time *handoff* that only the app holding the PKCE verifier can collect.
//!
//! * `POST /v1/sessions` `{code_challenge, code_challenge_method: "S256", force_authentication}`
//!   → `201 {state, authorize_url, expires_in}`. Sessions live 10 minutes.
//! * `GET /v1/callback` (Instagram's redirect) → a page that opens
//!   `app.evergreen:/oauth/instagram?handoff=…&state=…` (or `?error=…&error_description=…&state=…`).
//! * `POST /v1/handoff` `{handoff, code_verifier}` → the token and profile, exactly once.
//!   Handoffs live 2 minutes.
//! * `GET /v1/info` → `{service: "evergreen-relay", api: 1, name, version, instagram_app_id,
//!   permissions, networks, threads_app_id}`: what the app shows a person choosing this sign-in service, and how it
//!   tells an Evergreen relay from any other web server.
//! * `GET /healthz` (alive), `GET /metrics` (what it holds, with `Authorization: Bearer
//!   <metrics_token>`; absent unless one is configured).
//!
//! Errors are `{code, message}` with a precise status. Sessions and handoffs are bounded (full
//! → 503), starts and redemptions are rate limited per client (429). The relay logs matched
//! paths and outcomes, never a token, code, verifier, handoff id or the secret, and writes
//! nothing to disk.
#![deny(missing_docs)]

mod callback;
pub mod config;
mod error;
mod extract;
mod handoff;
mod limit;
mod page;
mod pkce;
mod server;
mod sessions;
pub mod state;
pub mod store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::{Args, Config, ConfigError};
pub use error::Error;
pub use server::serve;
pub use state::AppState;

/// Largest request body: every valid one is a few hundred bytes.
const MAX_BODY: usize = 4 * 1024;
/// Longest a request may take (a callback makes three calls to Instagram in a row).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(45);

/// The relay as a router: every area merged, then the layers, then the state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(sessions::router())
        .merge(callback::router())
        .merge(handoff::router())
        .route("/v1/info", get(info))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn(log_internal_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::GATEWAY_TIMEOUT, REQUEST_TIMEOUT))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // The matched path, never the raw URI: ours carry codes, states and handoff ids.
            let path = request.extensions().get::<MatchedPath>().map_or("(unmatched)", MatchedPath::as_str);
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path, id)
        }))
        .layer(SetRequestIdLayer::x_request_id(Counter::default()))
        // Outermost: an id a client sends is dropped, so every logged id is ours (a client
        // could otherwise write what it likes into our log lines and echo it back).
        .layer(tower::util::MapRequestLayer::new(|mut request: Request| {
            request.headers_mut().remove("x-request-id");
            request
        }))
        .with_state(state)
}

/// Alive, and nothing more: anyone can ask.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// What identifies an Evergreen relay in `GET /v1/info` (the app checks both).
pub const SERVICE: &str = "evergreen-relay";
/// The version of the app-facing API (`/v1/…`).
pub const API_VERSION: u32 = 1;

/// Who this relay is, for the app's "Sign-in service" settings: public, like the login page.
async fn info(State(state): State<AppState>) -> Json<serde_json::Value> {
    let config = &state.config;
    Json(serde_json::json!({
        "service": SERVICE,
        "api": API_VERSION,
        "name": config.name,
        "version": env!("CARGO_PKG_VERSION"),
        "instagram_app_id": config.client_id,
        "permissions": config.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "networks": config.networks().iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "threads_app_id": config.threads.as_ref().map(|app| app.client_id.as_str()),
    }))
}

/// What the relay holds, for whoever has the metrics token; without one configured there is
/// no such endpoint (404).
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Result<Response, Error> {
    let Some(token) = &state.config.metrics_token else {
        return Ok(axum::http::StatusCode::NOT_FOUND.into_response());
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !pkce::constant_time_eq(given.as_bytes(), token.expose().as_bytes()) {
        return Err(Error::Forbidden);
    }
    let (sessions, handoffs) = state.store.counts((state.now)()).await?;
    Ok(Json(serde_json::json!({ "sessions": sessions, "handoffs": handoffs })).into_response())
}

/// Log internal errors in full, inside the request's span; the client saw a generic body.
async fn log_internal_errors(request: Request, next: Next) -> impl IntoResponse {
    let response: Response = next.run(request).await;
    if let Some(error) = response.extensions().get::<error::InternalError>() {
        tracing::error!(error = %error.0, "internal error");
    }
    response
}

/// Request ids: a process-wide counter is enough to follow one request through the log.
#[derive(Clone, Default)]
struct Counter(std::sync::Arc<AtomicU64>);

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        HeaderValue::from_str(&format!("r{n}")).ok().map(RequestId::new)
    }
}
