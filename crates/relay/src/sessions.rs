//! `POST /v1/sessions`: an app starts a sign-in with its PKCE challenge and the network to
//! connect (`instagram` when it names none, as apps before Threads did), and gets that
//! network's login URL back.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use evergreen_instagram::{AuthorizeRequest, Network, threads};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::extract::{AppJson, ClientIp};
use crate::pkce::{is_challenge, random_id};
use crate::state::AppState;
use crate::store::Session;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sessions", post(create))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSession {
    code_challenge: String,
    code_challenge_method: String,
    #[serde(default)]
    force_authentication: bool,
    #[serde(default)]
    network: Option<String>,
}

#[derive(Serialize)]
struct Created {
    state: String,
    authorize_url: String,
    expires_in: u64,
}

async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(body): AppJson<NewSession>,
) -> Result<(StatusCode, Json<Created>), Error> {
    if body.code_challenge_method != "S256" {
        return Err(Error::BadRequest("code_challenge_method must be S256".into()));
    }
    if !is_challenge(&body.code_challenge) {
        return Err(Error::BadRequest("code_challenge must be 43 base64url characters (S256)".into()));
    }
    let network = match body.network.as_deref() {
        None => Network::Instagram,
        Some(word) => Network::parse(word).ok_or_else(|| {
            Error::BadRequest(format!(
                "network must be one of: {}",
                Network::ALL.map(Network::as_str).join(", ")
            ))
        })?,
    };
    let now = (state.now)();
    let ttl = chrono::Duration::from_std(state.config.session_ttl).expect("a small duration");
    let session = Session {
        network,
        state: random_id(),
        client: ip,
        challenge: body.code_challenge,
        expires_at: now + ttl,
    };
    let redirect_uri = state.config.redirect_uri_for(network);
    let authorize_url = match network {
        Network::Instagram => state.instagram.authorize_url(&AuthorizeRequest {
            client_id: &state.config.client_id,
            redirect_uri: &redirect_uri,
            scopes: &state.config.scopes,
            state: &session.state,
            force_authentication: body.force_authentication,
        }),
        Network::Threads => {
            let (Some(app), Some(client)) = (&state.config.threads, &state.threads) else {
                return Err(Error::NetworkNotOffered(network));
            };
            client.authorize_url(&threads::AuthorizeRequest {
                client_id: &app.client_id,
                redirect_uri: &redirect_uri,
                scopes: &[threads::Scope::Basic],
                state: &session.state,
            })
        }
    };
    let created = Created {
        state: session.state.clone(),
        authorize_url: authorize_url.to_string(),
        expires_in: state.config.session_ttl.as_secs(),
    };
    // Counted against the client's limit in the same step (one round trip on Redis).
    state.store.insert_session(session, now).await?;
    tracing::info!("sign-in started");
    Ok((StatusCode::CREATED, Json(created)))
}
