//! The login page and the code exchange, of each network: `www.instagram.com/oauth/authorize`
//! and `api.instagram.com/oauth/access_token` for Instagram; `threads.com/oauth/authorize` and
//! `graph.threads.net/oauth/access_token` for Threads (the same parameters and rules on Meta's
//! pages: `client_id`, `redirect_uri` matched exactly, `scope`, `response_type=code`, `state`;
//! single-use codes; `#_` on the success redirect).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form, Json};
use serde_json::json;
use url::Url;

use crate::errors::flat_error;
use crate::pages;
use crate::world::{ExchangeShape, Network, TokenKind, World};

/// Every permission Instagram Login knows; `instagram_business_basic` is required.
pub const SCOPES: [&str; 4] = [
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
];

/// Every permission the Threads API lists on its Authorization Window page; `threads_basic`
/// is required.
pub const THREADS_SCOPES: [&str; 5] = [
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_insights",
];

/// A network's permissions, and the one it requires.
fn scopes_of(network: Network) -> (&'static [&'static str], &'static str) {
    match network {
        Network::Instagram => (&SCOPES, "instagram_business_basic"),
        Network::Threads => (&THREADS_SCOPES, "threads_basic"),
    }
}

/// A validated authorization request.
pub struct Authorize {
    /// On which network.
    pub network: Network,
    /// Where to send the browser back.
    pub redirect_uri: String,
    /// Requested permissions.
    pub scopes: Vec<String>,
    /// Echoed back.
    pub state: Option<String>,
    /// `force_authentication=1`.
    pub force: bool,
}

/// Check the request as Instagram does before showing anything; an error is a page, not a
/// redirect (a wrong `redirect_uri` must never be followed).
fn check(world: &World, network: Network, params: &HashMap<String, String>) -> Result<Authorize, Response> {
    let page = |title: &str, detail: &str| {
        (StatusCode::BAD_REQUEST, Html(pages::error(title, detail))).into_response()
    };
    let Some(app) = world.app_of(network).filter(|app| params.get("client_id") == Some(&app.client_id))
    else {
        return Err(page("Invalid Request", "Invalid platform app"));
    };
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !app.redirect_uris.contains(&redirect_uri) {
        return Err(page(
            "Invalid Request",
            "Invalid redirect_uri: the URL must exactly match one of the valid OAuth redirect URIs of the app",
        ));
    }
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err(page("Invalid Request", "response_type must be code"));
    }
    let scopes: Vec<String> = params
        .get("scope")
        .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
        .unwrap_or_default();
    let (known, required) = scopes_of(network);
    if let Some(bad) = scopes.iter().find(|s| !known.contains(&s.as_str())) {
        return Err(page("Invalid Scopes", &format!("Invalid Scopes: {bad}")));
    }
    if !scopes.iter().any(|s| s == required) {
        return Err(page("Invalid Scopes", &format!("{required} is required")));
    }
    Ok(Authorize {
        network,
        redirect_uri,
        scopes,
        state: params.get("state").cloned(),
        force: params.get("force_authentication").is_some_and(|v| v == "1"),
    })
}

/// `GET /oauth/authorize`: the page where a test person picks an account and allows or cancels.
pub async fn page(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match check(&world, network, &params) {
        Ok(request) => Html(pages::authorize(&world, &request, &params)).into_response(),
        Err(page) => page,
    }
}

/// `POST /oauth/authorize`: the person's decision. Redirects to the app's `redirect_uri` with
/// `code` (and Instagram's trailing `#_`) or with `error=access_denied`.
pub async fn decide(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let params: HashMap<String, String> =
        pairs.iter().filter(|(k, _)| k != "granted").map(|(k, v)| (k.clone(), v.clone())).collect();
    let request = match check(&world, network, &params) {
        Ok(r) => r,
        Err(page) => return page,
    };
    let mut target = Url::parse(&request.redirect_uri).expect("registered redirect URIs are valid URLs");
    let decision = params.get("decision").map(String::as_str);
    let fragment = {
        let mut query = target.query_pairs_mut();
        match decision {
            Some("allow") => {
                let Some(account) =
                    params.get("account").and_then(|id| world.account(id)).filter(|a| a.network == network)
                else {
                    drop(query);
                    return (
                        StatusCode::BAD_REQUEST,
                        Html(pages::error("Choose an account", "No such account")),
                    )
                        .into_response();
                };
                let granted: Vec<String> = pairs
                    .iter()
                    .filter(|(k, v)| k == "granted" && request.scopes.contains(v))
                    .map(|(_, v)| v.clone())
                    .collect();
                let code = world.issue_code(&account.user_id, &request.redirect_uri, granted);
                query.append_pair("code", &code);
                if let Some(state) = &request.state {
                    query.append_pair("state", state);
                }
                Some("_")
            }
            _ => {
                query
                    .append_pair("error", "access_denied")
                    .append_pair("error_reason", "user_denied")
                    .append_pair("error_description", "The user denied your request.");
                if let Some(state) = &request.state {
                    query.append_pair("state", state);
                }
                None
            }
        }
    };
    target.set_fragment(fragment);
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// `POST /oauth/access_token`: code → short-lived token (needs the secret).
pub async fn exchange(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).filter(|v| !v.is_empty());
    for required in ["client_id", "client_secret", "grant_type", "redirect_uri", "code"] {
        if field(required).is_none() {
            return flat_error(&format!("Missing required field {required}"));
        }
    }
    if field("grant_type").map(String::as_str) != Some("authorization_code") {
        return flat_error("Unsupported grant_type");
    }
    let Some(app) = world.app_of(network).filter(|app| field("client_id") == Some(&app.client_id)) else {
        return flat_error("Invalid platform app");
    };
    if field("client_secret") != Some(&app.client_secret) {
        return flat_error("Error validating client secret.");
    }
    let grant = match world.redeem_code(network, &form["code"], &form["redirect_uri"]) {
        Ok(g) => g,
        Err(reason) => return flat_error(reason),
    };
    let (token, _) = world.issue_token(&grant.user_id, TokenKind::ShortLived, grant.scopes.clone());
    // Meta calls this `user_id` the app-scoped id (`/me`'s `id`), not the professional
    // `user_id` `/me` also reports: the two differ, as they do for Meta.
    let app_scoped = world.account(&grant.user_id).map(|a| a.app_scoped_id).unwrap_or_default();
    let body = match world.shapes().code_exchange {
        ExchangeShape::Flat => {
            // Seen in the wild: a JSON number (beyond 2^53) and a comma string.
            let user_id: u64 = app_scoped.parse().unwrap_or_default();
            json!({ "access_token": token, "user_id": user_id, "permissions": grant.scopes.join(",") })
        }
        // Meta's Business Login guide: wrapped, the id a string, the permissions a comma string.
        ExchangeShape::Wrapped => json!({
            "data": [{ "access_token": token, "user_id": app_scoped, "permissions": grant.scopes.join(",") }]
        }),
        // Meta's `oauth/access_token` reference: flat, the id a number, no permissions.
        ExchangeShape::Bare => {
            let user_id: u64 = app_scoped.parse().unwrap_or_default();
            json!({ "access_token": token, "user_id": user_id })
        }
    };
    Json(body).into_response()
}
