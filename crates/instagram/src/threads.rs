//! The Threads API, as Evergreen uses it: its login page, the code exchange, the long-lived
//! exchange (both the relay's, with the Threads app's secret), renewal and `/me` (the app's).
//! Meta's pages, quoted in `tests/fixtures/meta/threads/`:
//!
//! * the Authorization Window is `https://threads.com/oauth/authorize` (older pages say
//!   `threads.net`); `client_id`, `redirect_uri`, `scope`, `response_type=code`, `state`; the
//!   code lives an hour and is used once;
//! * `POST https://graph.threads.net/oauth/access_token` (`client_id`, `client_secret`,
//!   `code`, `grant_type=authorization_code`, `redirect_uri`) → `{access_token, user_id}`;
//! * `GET https://graph.threads.net/access_token?grant_type=th_exchange_token&client_secret&access_token`
//!   → `{access_token, token_type, expires_in}` (60 days);
//! * `GET https://graph.threads.net/refresh_access_token?grant_type=th_refresh_token&access_token`
//!   → the same, once the token is 24 hours old and alive, with `threads_basic` granted;
//! * `GET https://graph.threads.net/v1.0/me?fields=id,username,name,threads_profile_picture_url`.
//!
//! Errors come in the Graph API's shape and are classified by its table
//! ([`crate::classify`] with [`Network::Threads`]).

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::error::ApiError;
use crate::transport::{Caller, with_query};
use crate::wire::{Id, LongLivedToken, Me, ShortLivedToken};
use crate::{AccessToken, AppCredentials, ClientSecret, Network};

/// Where Threads lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The Authorization Window's host (`https://threads.com`).
    pub www: Url,
    /// Tokens and the Graph API (`https://graph.threads.net`).
    pub graph: Url,
    /// Graph API version for `/me` (`v1.0`).
    pub version: String,
}

impl Endpoints {
    /// Threads itself.
    pub fn threads() -> Self {
        Self {
            www: Url::parse("https://threads.com").expect("static url"),
            graph: Url::parse("https://graph.threads.net").expect("static url"),
            version: "v1.0".into(),
        }
    }

    /// Every host at `base` (the sandbox serves Threads' paths on an address of their own).
    pub fn single_host(base: &Url) -> Self {
        Self { www: base.clone(), graph: base.clone(), version: "v1.0".into() }
    }
}

/// Threads permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Profile and posts, and renewal: all Evergreen needs.
    Basic,
    /// Publishing.
    ContentPublish,
}

impl Scope {
    /// Threads' name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "threads_basic",
            Self::ContentPublish => "threads_content_publish",
        }
    }

    /// Read Threads' name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Basic, Self::ContentPublish].into_iter().find(|scope| scope.as_str() == s)
    }
}

/// What to put on the Authorization Window.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The Threads app id.
    pub client_id: &'a str,
    /// Must match a registered one exactly.
    pub redirect_uri: &'a str,
    /// At least [`Scope::Basic`].
    pub scopes: &'a [Scope],
    /// Echoed back on the redirect.
    pub state: &'a str,
}

/// Talks to Threads (or whatever [`Endpoints`] point at).
#[derive(Clone)]
pub struct Client {
    caller: Caller,
    endpoints: Endpoints,
}

impl Client {
    /// A client with a 30 s timeout per call.
    pub fn new(endpoints: Endpoints) -> Self {
        Self::with_timeout(endpoints, Duration::from_secs(30))
    }

    /// The same with another per-call timeout.
    pub fn with_timeout(endpoints: Endpoints, timeout: Duration) -> Self {
        Self { caller: Caller::new(Network::Threads, timeout), endpoints }
    }

    /// The configured endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The Authorization Window's URL, to open in the user's browser.
    pub fn authorize_url(&self, request: &AuthorizeRequest<'_>) -> Url {
        let mut url = self.endpoints.www.join("oauth/authorize").expect("static path");
        let scopes: Vec<&str> = request.scopes.iter().map(|s| s.as_str()).collect();
        url.query_pairs_mut()
            .append_pair("client_id", request.client_id)
            .append_pair("redirect_uri", request.redirect_uri)
            .append_pair("scope", &scopes.join(","))
            .append_pair("response_type", "code")
            .append_pair("state", request.state);
        url
    }

    /// Exchange the authorization code for a short-lived token (needs the secret).
    pub async fn exchange_code(&self, app: &AppCredentials, code: &str) -> Result<ShortLivedToken, ApiError> {
        let url = self.endpoints.graph.join("oauth/access_token").expect("static path");
        self.caller.exchange_code(url, app, code).await
    }

    /// Exchange a short-lived token for a long-lived one (needs the secret).
    pub async fn exchange_long_lived(
        &self,
        secret: &ClientSecret,
        short: &AccessToken,
    ) -> Result<LongLivedToken, ApiError> {
        let url = self.endpoints.graph.join("access_token").expect("static path");
        self.caller.exchange_long_lived(&url, "th_exchange_token", secret, short).await
    }

    /// Renew a long-lived token (no secret; the token must be at least 24 h old and alive).
    pub async fn refresh(&self, token: &AccessToken) -> Result<LongLivedToken, ApiError> {
        let url = self.endpoints.graph.join("refresh_access_token").expect("static path");
        self.caller.refresh(&url, "th_refresh_token", token).await
    }

    /// The Threads profile behind `token`, as the product's profile: Threads has no account
    /// type, follower count or post count in `/me`, so those are `None`.
    pub async fn me(&self, token: &AccessToken) -> Result<Me, ApiError> {
        let url = self
            .endpoints
            .graph
            .join(&format!("{}/me", self.endpoints.version))
            .expect("version and path are valid");
        let query =
            [("fields", "id,username,name,threads_profile_picture_url"), ("access_token", token.expose())];
        let profile: Profile =
            self.caller.call(self.caller.http().get(with_query(&url, &query)), &[token.expose()]).await?;
        Ok(profile.into())
    }
}

/// `/me` as Threads answers it.
#[derive(Deserialize)]
struct Profile {
    id: Id,
    username: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    threads_profile_picture_url: Option<String>,
}

impl From<Profile> for Me {
    fn from(profile: Profile) -> Self {
        Me {
            user_id: profile.id.clone(),
            id: Some(profile.id),
            username: profile.username,
            name: profile.name,
            account_type: None,
            profile_picture_url: profile.threads_profile_picture_url,
            followers_count: None,
            media_count: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_window_has_every_parameter_encoded() {
        let client = Client::new(Endpoints::threads());
        let url = client.authorize_url(&AuthorizeRequest {
            client_id: "990602627938098",
            redirect_uri: "https://relay.example.com/v1/callback/threads",
            scopes: &[Scope::Basic],
            state: "st4te",
        });
        assert_eq!(
            url.as_str(),
            "https://threads.com/oauth/authorize?client_id=990602627938098\
             &redirect_uri=https%3A%2F%2Frelay.example.com%2Fv1%2Fcallback%2Fthreads&scope=threads_basic\
             &response_type=code&state=st4te"
        );
    }

    #[test]
    fn scopes_read_back() {
        for scope in [Scope::Basic, Scope::ContentPublish] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("instagram_business_basic"), None);
    }
}
