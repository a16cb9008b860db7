//! The Graph hosts, `graph.instagram.com` and `graph.threads.net`: the long-lived exchange,
//! renewal, `/me` and (Instagram's) `/me/media`. Both take the same shapes on Meta's pages,
//! with their own grant types (`ig_exchange_token`/`ig_refresh_token`,
//! `th_exchange_token`/`th_refresh_token`) and their own `/me` fields.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::errors::{graph_error, unsupported};
use crate::world::{Account, MIN_REFRESH_AGE, Network, Token, TokenKind, World};

/// A network's grant types: the long-lived exchange's and renewal's.
fn grants(network: Network) -> (&'static str, &'static str) {
    match network {
        Network::Instagram => ("ig_exchange_token", "ig_refresh_token"),
        Network::Threads => ("th_exchange_token", "th_refresh_token"),
    }
}

type Params = Query<HashMap<String, String>>;

/// Meta's date format in "Session has expired on …".
fn meta_date(at: DateTime<Utc>) -> String {
    at.format("%A, %d-%b-%y %H:%M:%S UTC").to_string()
}

fn oauth_error(code: i64, subcode: Option<i64>, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, subcode, message, "OAuthException")
}

/// Check a token as the Graph API does, in the order it does: shape, existence, revocation,
/// expiry, then the account's checkpoint. A token of the other network is one this host
/// cannot parse.
fn validate(
    world: &World,
    network: Network,
    params: &HashMap<String, String>,
) -> Result<(String, Token, Account), Response> {
    let Some(value) = params.get("access_token").filter(|t| !t.is_empty()) else {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            2500,
            None,
            "An active access token must be used to query information about the current user.",
            "OAuthException",
        ));
    };
    if value.starts_with("IGQV") {
        // A Basic Display token (that API is gone): Instagram answers as for a wrong host.
        return Err(unsupported("GET", "me"));
    }
    let Some(token) =
        world.token(value).filter(|t| world.account(&t.user_id).is_none_or(|a| a.network == network))
    else {
        return Err(oauth_error(190, None, "Invalid OAuth access token - Cannot parse access token"));
    };
    let now = world.now();
    if let Some(subcode) = token.revoked {
        let message = match subcode {
            458 => "Error validating access token: The user has not authorized application.".to_string(),
            460 => "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.".to_string(),
            463 => format!("Error validating access token: Session has expired on {}. The current time is {}.", meta_date(token.expires_at), meta_date(now)),
            464 => "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.".to_string(),
            _ => "Error validating access token: The session is invalid because the user logged out.".to_string(),
        };
        return Err(oauth_error(190, Some(subcode), &message));
    }
    if now >= token.expires_at {
        return Err(oauth_error(
            190,
            Some(463),
            &format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                meta_date(token.expires_at),
                meta_date(now)
            ),
        ));
    }
    let account = world.account(&token.user_id).ok_or_else(|| {
        oauth_error(190, Some(458), "Error validating access token: The user has not authorized application.")
    })?;
    if account.checkpoint {
        let site = if network == Network::Threads { "www.threads.com" } else { "www.instagram.com" };
        return Err(oauth_error(
            190,
            Some(459),
            &format!(
                "Error validating access token: You cannot access the app till you log in to {site} and follow the instructions given."
            ),
        ));
    }
    Ok((value.clone(), token, account))
}

fn require(params: &HashMap<String, String>, name: &str) -> Result<String, Response> {
    params.get(name).filter(|v| !v.is_empty()).cloned().ok_or_else(|| {
        graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            &format!("Missing required parameter: {name}"),
            "OAuthException",
        )
    })
}

fn long_lived_answer(token: &str, expires_at: DateTime<Utc>, issued_at: DateTime<Utc>) -> Response {
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": (expires_at - issued_at).num_seconds(),
    }))
    .into_response()
}

/// `GET /access_token?grant_type=ig_exchange_token|th_exchange_token&client_secret&access_token`.
pub async fn exchange(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Query(params): Params,
) -> Response {
    let grant = match require(&params, "grant_type") {
        Ok(g) => g,
        Err(e) => return e,
    };
    if grant != grants(network).0 {
        return oauth_error(100, None, "Unsupported grant_type");
    }
    match require(&params, "client_secret") {
        Ok(secret) if world.app_of(network).is_some_and(|app| secret == app.client_secret) => {}
        Ok(_) => return oauth_error(101, None, "Error validating client secret."),
        Err(e) => return e,
    }
    let (_, token, _) = match validate(&world, network, &params) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if token.kind != TokenKind::ShortLived {
        return oauth_error(100, None, "Only short-lived tokens can be exchanged for a long-lived token");
    }
    let (value, long) = world.issue_token(&token.user_id, TokenKind::LongLived, token.scopes);
    long_lived_answer(&value, long.expires_at, long.issued_at)
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token|th_refresh_token&access_token`.
pub async fn refresh(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Query(params): Params,
) -> Response {
    match require(&params, "grant_type") {
        Ok(g) if g == grants(network).1 => {}
        Ok(_) => return oauth_error(100, None, "Unsupported grant_type"),
        Err(e) => return e,
    }
    let (_, token, _) = match validate(&world, network, &params) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if token.kind != TokenKind::LongLived {
        return oauth_error(100, None, "Only long-lived tokens can be refreshed");
    }
    let now = world.now();
    if now - token.issued_at < MIN_REFRESH_AGE {
        // Unverified wording: Instagram refuses tokens under 24 hours old.
        return oauth_error(
            100,
            None,
            "The access token is too new to be refreshed. Tokens can be refreshed once they are at least 24 hours old.",
        );
    }
    let (value, fresh) = world.issue_token(&token.user_id, TokenKind::LongLived, token.scopes);
    if world.shapes().refresh_ends_old_token
        && let Some(old) = params.get("access_token")
    {
        world.revoke_token(old, 467);
    }
    long_lived_answer(&value, fresh.expires_at, fresh.issued_at)
}

/// The address clients reached us at, for URLs we hand out.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn fields<'a>(params: &'a HashMap<String, String>, default: &'a str) -> Vec<&'a str> {
    params
        .get("fields")
        .map_or(default, String::as_str)
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect()
}

fn check_version(version: &str) -> Result<(), Response> {
    let ok = version.strip_prefix('v').and_then(|v| v.split_once('.')).is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    });
    if ok { Ok(()) } else { Err(unsupported("GET", version)) }
}

/// A versioned Graph read (`/{version}/me…`): the version Instagram would route, then the
/// token, in the order Instagram answers their errors.
fn versioned(
    world: &World,
    network: Network,
    version: &str,
    params: &HashMap<String, String>,
) -> Result<(String, Token, Account), Response> {
    check_version(version)?;
    validate(world, network, params)
}

/// `GET /{version}/me?fields=…&access_token`.
pub async fn me(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (_, _, account) = match versioned(&world, network, &version, &params) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let base = base_url(&headers);
    if network == Network::Threads {
        return threads_me(&account, &base, &params);
    }
    let mut out = Map::new();
    for field in fields(&params, "id,username") {
        let value = match field {
            "user_id" => json!(account.user_id),
            "id" => json!(account.app_scoped_id),
            "username" => json!(account.username),
            "name" => json!(account.name),
            "account_type" => json!(account.account_type),
            "profile_picture_url" => json!(
                account
                    .profile_picture_url
                    .clone()
                    .unwrap_or_else(|| format!("{base}/cdn/avatar/{}.svg", account.user_id))
            ),
            "followers_count" => json!(account.followers_count),
            "follows_count" => json!(account.followers_count / 7),
            "media_count" => json!(account.posts.len()),
            unknown => {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    None,
                    &format!("Tried accessing nonexisting field ({unknown}) on node type (User)"),
                    "IGApiException",
                );
            }
        };
        out.insert(field.to_string(), value);
    }
    Json(Value::Object(out)).into_response()
}

/// Threads' `/me`: the fields its *Retrieve Threads Profiles* page lists.
fn threads_me(account: &Account, base: &str, params: &HashMap<String, String>) -> Response {
    let mut out = Map::new();
    for field in fields(params, "id") {
        let value = match field {
            "id" => json!(account.user_id),
            "username" => json!(account.username),
            "name" => json!(account.name),
            "threads_profile_picture_url" => json!(
                account
                    .profile_picture_url
                    .clone()
                    .unwrap_or_else(|| format!("{base}/cdn/avatar/{}.svg", account.user_id))
            ),
            "threads_biography" => json!(format!("{} on Threads.", account.name)),
            "is_verified" => json!(false),
            unknown => {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    None,
                    &format!("Tried accessing nonexisting field ({unknown}) on node type (ThreadsUser)"),
                    "THApiException",
                );
            }
        };
        out.insert(field.to_string(), value);
    }
    Json(Value::Object(out)).into_response()
}

/// `GET /{version}/me/media?fields=…&limit&after&access_token`.
pub async fn media(
    State(world): State<Arc<World>>,
    Extension(network): Extension<Network>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (token_value, _, account) = match versioned(&world, network, &version, &params) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let limit: usize = params.get("limit").and_then(|l| l.parse().ok()).unwrap_or(25).clamp(1, 100);
    let offset = match params.get("after") {
        None => 0,
        Some(cursor) => match decode_cursor(cursor) {
            Some(o) => o,
            None => {
                return graph_error(StatusCode::BAD_REQUEST, 100, None, "Invalid cursor", "IGApiException");
            }
        },
    };
    let base = base_url(&headers);
    let wanted = fields(&params, "id");
    let mut data = Vec::new();
    for post in account.posts.iter().skip(offset).take(limit) {
        let mut item = Map::new();
        for field in &wanted {
            let value = match *field {
                "id" => json!(post.id),
                "caption" => json!(post.caption),
                "media_type" => json!(post.media_type),
                "media_url" => json!(format!("{base}/cdn/media/{}.svg", post.id)),
                "thumbnail_url" if post.media_type.as_str() == "VIDEO" => {
                    json!(format!("{base}/cdn/media/{}.svg", post.id))
                }
                "thumbnail_url" => continue,
                "permalink" => {
                    json!(format!("https://www.instagram.com/p/{}/", &post.id[post.id.len() - 8..]))
                }
                "timestamp" => json!(post.timestamp.format("%Y-%m-%dT%H:%M:%S+0000").to_string()),
                "username" => json!(account.username),
                unknown => {
                    return graph_error(
                        StatusCode::BAD_REQUEST,
                        100,
                        None,
                        &format!("Tried accessing nonexisting field ({unknown}) on node type (Media)"),
                        "IGApiException",
                    );
                }
            };
            item.insert(field.to_string(), value);
        }
        data.push(Value::Object(item));
    }
    let end = offset + data.len();
    let mut paging = json!({
        "cursors": { "before": encode_cursor(offset), "after": encode_cursor(end) }
    });
    if end < account.posts.len() {
        // Faithfully, the next-page URL carries the token: clients must never log it.
        paging["next"] = json!(format!(
            "{base}/{version}/me/media?fields={}&limit={limit}&access_token={token_value}&after={}",
            wanted.join(","),
            encode_cursor(end)
        ));
    }
    Json(json!({ "data": data, "paging": paging })).into_response()
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&raw).ok()?.strip_prefix("offset:")?.parse().ok()
}

/// Any other method or path: code 100, as Instagram answers a POST to refresh or a wrong host.
pub async fn unsupported_request(method: Method, uri: Uri) -> Response {
    unsupported(method.as_str(), uri.path().trim_start_matches('/'))
}
