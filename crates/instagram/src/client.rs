//! The HTTP client. Hosts and API version are configuration, so the sandbox (or anything
//! else) can stand in for Instagram; every call has a timeout; every failure is an
//! [`ApiError`] that holds no secret.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{ApiError, Transport, Usage};
use crate::wire::{LongLivedToken, Me, MediaPage, ShortLivedToken};
use crate::{AccessToken, ClientSecret};

/// Largest answer read, in bytes: Instagram's are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

/// Where Instagram lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The login page (`https://www.instagram.com`).
    pub www: Url,
    /// The OAuth code exchange (`https://api.instagram.com`).
    pub api: Url,
    /// Tokens, refresh and the Graph API (`https://graph.instagram.com`).
    pub graph: Url,
    /// Graph API version for `/me` and `/me/media` (`v23.0`).
    pub version: String,
}

impl Endpoints {
    /// Instagram itself.
    pub fn instagram() -> Self {
        Self {
            www: Url::parse("https://www.instagram.com").expect("static url"),
            api: Url::parse("https://api.instagram.com").expect("static url"),
            graph: Url::parse("https://graph.instagram.com").expect("static url"),
            version: "v23.0".into(),
        }
    }

    /// Every host at `base` (the sandbox serves all of Instagram's paths on one address).
    pub fn single_host(base: &Url) -> Self {
        Self { www: base.clone(), api: base.clone(), graph: base.clone(), version: "v23.0".into() }
    }
}

/// Instagram Login permissions (the `business_*` names were retired on 27 Jan 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Profile and media: all Evergreen needs.
    BusinessBasic,
    /// Publishing.
    ContentPublish,
    /// Comments.
    ManageComments,
    /// Messages.
    ManageMessages,
}

impl Scope {
    /// Instagram's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BusinessBasic => "instagram_business_basic",
            Self::ContentPublish => "instagram_business_content_publish",
            Self::ManageComments => "instagram_business_manage_comments",
            Self::ManageMessages => "instagram_business_manage_messages",
        }
    }

    /// Read Instagram's name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::BusinessBasic, Self::ContentPublish, Self::ManageComments, Self::ManageMessages]
            .into_iter()
            .find(|scope| scope.as_str() == s)
    }
}

/// The app's registration with Meta, as the relay holds it.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    /// The Instagram app id.
    pub client_id: String,
    /// The secret; never leaves the relay.
    pub client_secret: ClientSecret,
    /// The exact https redirect registered with Meta.
    pub redirect_uri: String,
}

/// What to put on the login page.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The Instagram app id.
    pub client_id: &'a str,
    /// Must match the registered one exactly.
    pub redirect_uri: &'a str,
    /// At least [`Scope::BusinessBasic`].
    pub scopes: &'a [Scope],
    /// Echoed back on the redirect.
    pub state: &'a str,
    /// Ask for a fresh login ("Connect another account").
    pub force_authentication: bool,
}

/// Requested scopes that were not granted.
pub fn missing_scopes(requested: &[Scope], granted: &[String]) -> Vec<Scope> {
    requested.iter().copied().filter(|s| !granted.iter().any(|g| g == s.as_str())).collect()
}

/// Talks to Instagram (or whatever [`Endpoints`] point at).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoints: Endpoints,
}

impl Client {
    /// A client with a 10 s connect timeout and a 30 s overall timeout per call.
    pub fn new(endpoints: Endpoints) -> Self {
        Self::with_timeout(endpoints, Duration::from_secs(30))
    }

    /// The same with another per-call timeout.
    pub fn with_timeout(endpoints: Endpoints, timeout: Duration) -> Self {
        let http = crate::http::builder()
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("Evergreen/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with these settings always builds");
        Self { http, endpoints }
    }

    /// The configured endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The login page URL to open in the user's browser.
    pub fn authorize_url(&self, request: &AuthorizeRequest<'_>) -> Url {
        let mut url = self.endpoints.www.join("oauth/authorize").expect("static path");
        {
            let scopes: Vec<&str> = request.scopes.iter().map(|s| s.as_str()).collect();
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", request.client_id)
                .append_pair("redirect_uri", request.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &scopes.join(","))
                .append_pair("state", request.state)
                .append_pair("enable_fb_login", "0");
            if request.force_authentication {
                query.append_pair("force_authentication", "1");
            }
        }
        url
    }

    /// Exchange the authorization code for a short-lived token (needs the secret).
    pub async fn exchange_code(&self, app: &AppCredentials, code: &str) -> Result<ShortLivedToken, ApiError> {
        let url = self.endpoints.api.join("oauth/access_token").expect("static path");
        let form = [
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", app.redirect_uri.as_str()),
            ("code", code),
        ];
        self.call(self.http.post(url).form(&form), &[app.client_secret.expose(), code]).await
    }

    /// Exchange a short-lived token for a long-lived one (needs the secret).
    pub async fn exchange_long_lived(
        &self,
        secret: &ClientSecret,
        short: &AccessToken,
    ) -> Result<LongLivedToken, ApiError> {
        let url = self.endpoints.graph.join("access_token").expect("static path");
        let query = [
            ("grant_type", "ig_exchange_token"),
            ("client_secret", secret.expose()),
            ("access_token", short.expose()),
        ];
        self.call(self.http.get(with_query(&url, &query)), &[secret.expose(), short.expose()]).await
    }

    /// Renew a long-lived token (no secret; the token must be at least 24 h old and alive).
    pub async fn refresh(&self, token: &AccessToken) -> Result<LongLivedToken, ApiError> {
        let url = self.endpoints.graph.join("refresh_access_token").expect("static path");
        let query = [("grant_type", "ig_refresh_token"), ("access_token", token.expose())];
        self.call(self.http.get(with_query(&url, &query)), &[token.expose()]).await
    }

    /// The account behind `token`.
    pub async fn me(&self, token: &AccessToken) -> Result<Me, ApiError> {
        let url = self.graph_path("me");
        let fields = "id,user_id,username,name,account_type,profile_picture_url,followers_count,media_count";
        let query = [("fields", fields), ("access_token", token.expose())];
        self.call(self.http.get(with_query(&url, &query)), &[token.expose()]).await
    }

    /// A page of the account's posts, newest first; `after` from the previous page.
    pub async fn media(
        &self,
        token: &AccessToken,
        after: Option<&str>,
        limit: u8,
    ) -> Result<MediaPage, ApiError> {
        let url = self.graph_path("me/media");
        let limit = limit.clamp(1, 100).to_string();
        let mut query = vec![
            ("fields", "id,caption,media_type,media_url,thumbnail_url,permalink,timestamp"),
            ("limit", limit.as_str()),
            ("access_token", token.expose()),
        ];
        if let Some(after) = after {
            query.push(("after", after));
        }
        self.call(self.http.get(with_query(&url, &query)), &[token.expose()]).await
    }

    fn graph_path(&self, path: &str) -> Url {
        self.endpoints
            .graph
            .join(&format!("{}/{path}", self.endpoints.version))
            .expect("version and path are valid")
    }

    /// Send, read a bounded body, parse or classify. `secrets` are scrubbed from any text that
    /// ends up in an error.
    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        secrets: &[&str],
    ) -> Result<T, ApiError> {
        let mut response = request.send().await.map_err(|e| ApiError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let usage = Usage::from_headers(response.headers());
        let body = read_bounded(&mut response).await?;
        if !(200..300).contains(&status) {
            return Err(ApiError::from_answer(status, &body, &usage, secrets));
        }
        serde_json::from_slice(&body).map_err(|_| {
            ApiError::transport(
                Transport::Malformed,
                Some(status),
                "Instagram sent an answer Evergreen could not read",
            )
        })
    }
}

/// `base` with `pairs` as its query, built in one buffer of ours that is wiped when dropped:
/// the query carries a token or the secret, and building it pair by pair (as `url` and
/// `serde_urlencoded` do) leaves a copy in every buffer it outgrows. The `Url` itself belongs
/// to the HTTP stack from here (SECURITY.md).
fn with_query(base: &Url, pairs: &[(&str, &str)]) -> Url {
    let encoded = pairs.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum::<usize>();
    let mut text = Zeroizing::new(String::with_capacity(base.as_str().len() + encoded + 1));
    text.push_str(base.as_str());
    for (i, (key, value)) in pairs.iter().enumerate() {
        text.push(if i == 0 { '?' } else { '&' });
        text.extend(url::form_urlencoded::byte_serialize(key.as_bytes()));
        text.push('=');
        text.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
    }
    Url::parse(&text).expect("a valid base with an encoded query is a valid URL")
}

/// The body, in a buffer wiped when dropped: a token's answer holds the token.
async fn read_bounded(response: &mut reqwest::Response) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response.chunk().await.map_err(|e| ApiError::from_reqwest(&e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::transport(
                Transport::Malformed,
                Some(response.status().as_u16()),
                "Instagram sent an answer far larger than expected",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The usage headers of an answer (exposed for callers that pace themselves).
pub fn usage_of(headers: &HeaderMap) -> Usage {
    Usage::from_headers(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_has_every_parameter_encoded() {
        let client = Client::new(Endpoints::instagram());
        let url = client.authorize_url(&AuthorizeRequest {
            client_id: "990602627938098",
            redirect_uri: "https://relay.example.com/v1/callback",
            scopes: &[Scope::BusinessBasic, Scope::ManageComments],
            state: "st4te",
            force_authentication: true,
        });
        assert_eq!(
            url.as_str(),
            "https://www.instagram.com/oauth/authorize?client_id=990602627938098\
             &redirect_uri=https%3A%2F%2Frelay.example.com%2Fv1%2Fcallback&response_type=code\
             &scope=instagram_business_basic%2Cinstagram_business_manage_comments&state=st4te\
             &enable_fb_login=0&force_authentication=1"
        );
    }

    #[test]
    fn missing_scopes_are_reported() {
        let granted = vec!["instagram_business_basic".to_string()];
        assert!(missing_scopes(&[Scope::BusinessBasic], &granted).is_empty());
        assert_eq!(
            missing_scopes(&[Scope::BusinessBasic, Scope::ContentPublish], &granted),
            [Scope::ContentPublish]
        );
    }
}
