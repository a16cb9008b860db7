//! `POST /v1/handoff`: the app proves it holds the verifier and collects the token, once.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use zeroize::Zeroize;

use crate::error::Error;
use crate::extract::{AppJson, ClientIp};
use crate::pkce::{challenge_of, is_verifier};
use crate::state::AppState;
use crate::store::Redeemed;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/handoff", post(redeem))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Redeem {
    handoff: String,
    code_verifier: String,
}

async fn redeem(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(mut body): AppJson<Redeem>,
) -> Result<Response, Error> {
    if body.handoff.is_empty() || body.handoff.len() > 128 {
        return Err(Error::BadRequest("handoff must be 1 to 128 characters".into()));
    }
    if !is_verifier(&body.code_verifier) {
        body.code_verifier.zeroize();
        return Err(Error::BadRequest("code_verifier must be 43 to 128 unreserved characters".into()));
    }
    let now = (state.now)();
    let challenge = challenge_of(&body.code_verifier);
    body.code_verifier.zeroize();
    match state.store.redeem(&body.handoff, &challenge, ip, now).await? {
        Redeemed::Handoff(handoff) => {
            tracing::info!(outcome = "redeemed", "handoff collected");
            let mut response = Json(&handoff.payload).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Redeemed::Unknown => Err(Error::UnknownHandoff),
        Redeemed::Expired => Err(Error::ExpiredHandoff),
        Redeemed::WrongVerifier => {
            tracing::warn!(outcome = "wrong_verifier", "handoff refused");
            Err(Error::WrongVerifier)
        }
    }
}
