//! The HTTP client. Hosts and API version are configuration, so the sandbox (or anything
//! else) can stand in for Instagram; every call has a timeout; every failure is an
//! [`ApiError`] that holds no secret.

use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use crate::error::{ApiError, Usage};
use crate::transport::{Caller, with_query};
use crate::wire::{LongLivedToken, Me, MediaPage, ShortLivedToken};
use crate::{AccessToken, ClientSecret, Network};

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
    caller: Caller,
    endpoints: Endpoints,
}

impl Client {
    /// A client with a 10 s connect timeout and a 30 s overall timeout per call.
    pub fn new(endpoints: Endpoints) -> Self {
        Self::with_timeout(endpoints, Duration::from_secs(30))
    }

    /// The same with another per-call timeout.
    pub fn with_timeout(endpoints: Endpoints, timeout: Duration) -> Self {
        Self { caller: Caller::new(Network::Instagram, timeout), endpoints }
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
        self.caller.exchange_code(url, app, code).await
    }

    /// Exchange a short-lived token for a long-lived one (needs the secret).
    pub async fn exchange_long_lived(
        &self,
        secret: &ClientSecret,
        short: &AccessToken,
    ) -> Result<LongLivedToken, ApiError> {
        let url = self.endpoints.graph.join("access_token").expect("static path");
        self.caller.exchange_long_lived(&url, "ig_exchange_token", secret, short).await
    }

    /// Renew a long-lived token (no secret; the token must be at least 24 h old and alive).
    pub async fn refresh(&self, token: &AccessToken) -> Result<LongLivedToken, ApiError> {
        let url = self.endpoints.graph.join("refresh_access_token").expect("static path");
        self.caller.refresh(&url, "ig_refresh_token", token).await
    }

    /// The account behind `token`.
    pub async fn me(&self, token: &AccessToken) -> Result<Me, ApiError> {
        let url = self.graph_path("me");
        let fields = "id,user_id,username,name,account_type,profile_picture_url,followers_count,media_count";
        let query = [("fields", fields), ("access_token", token.expose())];
        self.caller.call(self.caller.http().get(with_query(&url, &query)), &[token.expose()]).await
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
        self.caller.call(self.caller.http().get(with_query(&url, &query)), &[token.expose()]).await
    }

    fn graph_path(&self, path: &str) -> Url {
        self.endpoints
            .graph
            .join(&format!("{}/{path}", self.endpoints.version))
            .expect("version and path are valid")
    }
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
