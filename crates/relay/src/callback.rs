//! `GET /v1/callback` (Instagram's redirect) and `GET /v1/callback/threads` (Threads'): exchange
//! the code (with that network's secret) for a short-lived token, then a long-lived one, read
//! `/me`, park the result as a one-time handoff, and send the browser back to the app with only
//! the handoff id, on the network's deep link (`app.evergreen:/oauth/instagram`,
//! `app.evergreen:/oauth/threads`). A sign-in started for one network finishes only on its
//! own callback.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use evergreen_instagram::{
    ApiError, ErrorClass, LongLivedToken, Me, Network, ShortLivedToken, missing_scopes,
};
use url::form_urlencoded;

use crate::page::{Return, render};
use crate::pkce::random_id;
use crate::state::AppState;
use crate::store::{Handoff, HandoffPayload, Refused};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/callback", get(|state, query| callback(state, query, Network::Instagram)))
        .route("/v1/callback/threads", get(|state, query| callback(state, query, Network::Threads)))
}

/// Why a sign-in failed, as the app's deep link names it (`error=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The person chose Cancel at Instagram.
    Cancelled,
    /// The account is personal, not business or creator.
    NotProfessional,
    /// A permission was unticked.
    PermissionsMissing,
    /// Instagram is down or unreachable.
    InstagramUnavailable,
    /// Instagram said no.
    InstagramRefused,
    /// The session ran out before Instagram came back.
    SessionExpired,
    /// The relay's store is full.
    Busy,
    /// Instagram wants a login on instagram.com first (a checkpoint, subcode 459).
    Checkpoint,
    /// Instagram refused the new token at once (a dead-token answer during sign-in).
    SessionRejected,
}

impl Failure {
    fn code(self) -> &'static str {
        match self {
            Self::Cancelled => "access_denied",
            Self::NotProfessional => "not_professional",
            Self::PermissionsMissing => "permissions_missing",
            Self::InstagramUnavailable => "instagram_unavailable",
            Self::InstagramRefused => "instagram_refused",
            Self::SessionExpired => "session_expired",
            Self::Busy => "busy",
            Self::Checkpoint => "checkpoint",
            Self::SessionRejected => "session_rejected",
        }
    }

    fn reason(self, network: Network) -> String {
        let site = match network {
            Network::Instagram => "instagram.com",
            Network::Threads => "threads.com",
        };
        match self {
            Self::Cancelled => format!("You cancelled the {network} login."),
            Self::NotProfessional => format!(
                "{network} refused: this is not a professional account. Only Business and Creator accounts can connect."
            ),
            Self::PermissionsMissing => format!("{network} didn't grant the permissions Evergreen needs."),
            Self::InstagramUnavailable => format!("{network} is having trouble right now."),
            Self::InstagramRefused => format!("{network} refused the sign-in."),
            Self::SessionExpired => "This sign-in took too long and expired.".into(),
            Self::Busy => "The sign-in service is busy.".into(),
            Self::Checkpoint => format!("{network} wants you to confirm this login on {site} first."),
            Self::SessionRejected => format!("{network} ended this sign-in straight away."),
        }
    }

    fn from_api(error: &ApiError) -> Self {
        match error.class {
            ErrorClass::Transient | ErrorClass::RateLimited { .. } => Self::InstagramUnavailable,
            ErrorClass::LoginRequired => Self::Checkpoint,
            ErrorClass::TokenDead { .. } => Self::SessionRejected,
            ErrorClass::PermissionMissing => Self::PermissionsMissing,
            ErrorClass::ClientBug => Self::InstagramRefused,
        }
    }
}

fn deep_link(scheme: &str, network: Network, params: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    format!("{scheme}:/oauth/{}?{query}", network.as_str())
}

async fn callback(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    network: Network,
) -> Response {
    let Some(flow_state) = params.get("state").filter(|s| !s.is_empty() && s.len() <= 128) else {
        tracing::info!(outcome = "no_state", "callback refused");
        return render(&Return::Dead(format!(
            "The link from {network} is incomplete. Go back to Evergreen and choose Connect again."
        )));
    };
    let taken = match state.store.take_session(flow_state).await {
        Ok(taken) => taken,
        Err(reason) => {
            // Whether the session is still there is unknown: the app is told to try again
            // (under the state it sent, which it checks against its own flow).
            tracing::warn!(%reason, outcome = Failure::Busy.code(), "callback refused");
            let link = deep_link(
                &state.config.app_scheme,
                network,
                &[
                    ("error", Failure::Busy.code()),
                    ("error_description", &Failure::Busy.reason(network)),
                    ("state", flow_state),
                ],
            );
            return render(&Return::Failed { link, reason: Failure::Busy.reason(network) });
        }
    };
    let Some(session) = taken else {
        tracing::info!(outcome = "unknown_state", "callback refused");
        return render(&Return::Dead(
            "This sign-in has expired or was already finished. Go back to Evergreen and choose Connect again.".into(),
        ));
    };
    if session.network != network {
        // Taken, so it is over: a code for one network never finishes another's sign-in.
        tracing::warn!(started = %session.network, came_back = %network, outcome = "wrong_network", "callback refused");
        return render(&Return::Dead(format!(
            "This sign-in was started for {} and came back from {network}. Go back to Evergreen and choose Connect again.",
            session.network
        )));
    }
    let scheme = state.config.app_scheme.clone();
    let fail = |failure: Failure, detail: Option<&str>| {
        tracing::info!(outcome = failure.code(), "sign-in failed");
        let reason = failure.reason(network);
        let description = detail.map_or_else(|| reason.clone(), |d| format!("{reason} {d}"));
        let link = deep_link(
            &scheme,
            network,
            &[("error", failure.code()), ("error_description", &description), ("state", &session.state)],
        );
        render(&Return::Failed { link, reason })
    };
    let now = (state.now)();
    if now >= session.expires_at {
        return fail(Failure::SessionExpired, None);
    }
    if let Some(error) = params.get("error") {
        return if error == "access_denied" {
            fail(Failure::Cancelled, None)
        } else {
            fail(Failure::InstagramRefused, None)
        };
    }
    let Some(code) = params.get("code").filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return fail(Failure::InstagramRefused, Some(&format!("{network} sent no authorization code.")));
    };

    let exchanged = match network {
        Network::Instagram => exchange(&state, code, &session.state).await,
        Network::Threads => exchange_threads(&state, code, &session.state).await,
    };
    match exchanged {
        Ok(payload) => {
            let handoff_id = random_id();
            let ttl = chrono::Duration::from_std(state.config.handoff_ttl).expect("a small duration");
            let handoff = Handoff { challenge: session.challenge.clone(), payload, expires_at: now + ttl };
            if let Err(refused) = state.store.insert_handoff(handoff_id.clone(), handoff, now).await {
                if let Refused::Unavailable(reason) = refused {
                    tracing::warn!(%reason, "session store unavailable");
                }
                return fail(Failure::Busy, None);
            }
            tracing::info!(outcome = "handoff_ready", "sign-in finished");
            render(&Return::Connected(deep_link(
                &scheme,
                network,
                &[("handoff", &handoff_id), ("state", &session.state)],
            )))
        }
        Err((failure, detail)) => fail(failure, detail.as_deref()),
    }
}

/// A failed call during a sign-in, logged (never a value) and named for the app.
fn failed(e: ApiError) -> (Failure, Option<String>) {
    tracing::warn!(network = %e.network, class = ?e.class, status = ?e.status, code = ?e.code, fbtrace_id = ?e.fbtrace_id, "call failed");
    (Failure::from_api(&e), None)
}

/// Whether the code's answer and `/me` name one account. Like with like: Meta calls the
/// exchange's `user_id` app-scoped, which is `/me`'s `id`; Instagram's `/me` also has the
/// professional `user_id`. Either is accepted while Meta's wording stays ambiguous; which one
/// matched is logged, never the ids.
fn one_account(short: &ShortLivedToken, me: &Me) -> Result<(), (Failure, Option<String>)> {
    let matched = if me.id.as_ref().is_some_and(|id| id.0 == short.user_id) {
        "app_scoped_id"
    } else if me.user_id.0 == short.user_id {
        "professional_id"
    } else {
        tracing::warn!("the code and the token name different accounts");
        return Err((Failure::InstagramRefused, None));
    };
    tracing::info!(matched, "the code and the token name one account");
    Ok(())
}

/// Threads: code → short-lived → long-lived → `/me`. Threads' code exchange lists no
/// permissions: `/me`, which needs `threads_basic`, is the check.
async fn exchange_threads(
    state: &AppState,
    code: &str,
    flow_state: &str,
) -> Result<HandoffPayload, (Failure, Option<String>)> {
    let (Some(app), Some(client)) = (&state.config.threads, &state.threads) else {
        // Only a session started for Threads comes here, and those need the app.
        return Err((Failure::InstagramRefused, None));
    };
    let credentials = evergreen_instagram::AppCredentials {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        redirect_uri: state.config.redirect_uri_for(Network::Threads),
    };
    let short = client.exchange_code(&credentials, code).await.map_err(failed)?;
    let long = client.exchange_long_lived(&app.client_secret, &short.token).await.map_err(failed)?;
    let me = client.me(&long.token).await.map_err(failed)?;
    one_account(&short, &me)?;
    Ok(handoff_payload(Network::Threads, short, long, me, flow_state))
}

/// What the app collects: the long-lived token and who it is, on `network`.
fn handoff_payload(
    network: Network,
    short: ShortLivedToken,
    long: LongLivedToken,
    me: Me,
    flow_state: &str,
) -> HandoffPayload {
    HandoffPayload {
        network,
        access_token: long.token,
        expires_in: long.expires_in.as_secs(),
        user_id: me.user_id.0,
        app_scoped_id: me.id.map(|id| id.0),
        state: flow_state.to_string(),
        username: me.username,
        name: me.name,
        account_type: me.account_type.unwrap_or_default(),
        profile_picture_url: me.profile_picture_url,
        permissions: short.permissions.unwrap_or_default(),
    }
}

/// Instagram: code → short-lived → long-lived → `/me`, with the checks between.
async fn exchange(
    state: &AppState,
    code: &str,
    flow_state: &str,
) -> Result<HandoffPayload, (Failure, Option<String>)> {
    let api = failed;
    let app = evergreen_instagram::AppCredentials {
        client_id: state.config.client_id.clone(),
        client_secret: state.config.client_secret.clone(),
        redirect_uri: state.config.redirect_uri(),
    };
    let short = state.instagram.exchange_code(&app, code).await.map_err(api)?;
    // Meta's reference shows an answer that lists no permissions: then `/me` below is the
    // check (it needs `instagram_business_basic`).
    if let Some(granted) = &short.permissions {
        let missing = missing_scopes(&state.config.scopes, granted);
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            return Err((Failure::PermissionsMissing, Some(format!("Missing: {}.", names.join(", ")))));
        }
    }
    let long =
        state.instagram.exchange_long_lived(&state.config.client_secret, &short.token).await.map_err(api)?;
    let me = state.instagram.me(&long.token).await.map_err(api)?;
    if !me.is_professional() {
        return Err((Failure::NotProfessional, None));
    }
    one_account(&short, &me)?;
    Ok(handoff_payload(Network::Instagram, short, long, me, flow_state))
}
