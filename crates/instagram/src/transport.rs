//! How every call to a network goes out and comes back: one HTTP client with timeouts, a
//! bounded body wiped after use, and every failure an [`ApiError`] naming the network and
//! holding no secret. Each network's client ([`crate::Client`], [`crate::threads::Client`])
//! only says which request to send.

use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{ApiError, Transport, Usage};
use crate::wire::{LongLivedToken, ShortLivedToken};
use crate::{AccessToken, AppCredentials, ClientSecret, Network};

/// Largest answer read, in bytes: Meta's are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

/// Sends a network's requests.
#[derive(Clone)]
pub(crate) struct Caller {
    http: reqwest::Client,
    network: Network,
}

impl Caller {
    /// A caller with a connect timeout of at most 10 s and `timeout` per call.
    pub(crate) fn new(network: Network, timeout: Duration) -> Self {
        let http = crate::http::builder()
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("Evergreen/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with these settings always builds");
        Self { http, network }
    }

    /// The HTTP client, to build a request with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Send, read a bounded body, parse or classify. `secrets` are scrubbed from any text that
    /// ends up in an error.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        secrets: &[&str],
    ) -> Result<T, ApiError> {
        let network = self.network;
        let mut response = request.send().await.map_err(|e| ApiError::from_reqwest(network, &e))?;
        let status = response.status().as_u16();
        let usage = Usage::from_headers(response.headers());
        let body = read_bounded(network, &mut response).await?;
        if !(200..300).contains(&status) {
            return Err(ApiError::from_answer(network, status, &body, &usage, secrets));
        }
        serde_json::from_slice(&body).map_err(|_| {
            ApiError::transport(
                network,
                Transport::Malformed,
                Some(status),
                format!("{network} sent an answer Evergreen could not read"),
            )
        })
    }
}

/// Meta's three token grants, the same on every network but for the address and the grant's
/// name (`ig_…`, `th_…`): each network's client says which.
impl Caller {
    /// `POST url` with the authorization code (needs the secret): a short-lived token.
    pub(crate) async fn exchange_code(
        &self,
        url: Url,
        app: &AppCredentials,
        code: &str,
    ) -> Result<ShortLivedToken, ApiError> {
        let form = [
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.expose()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", app.redirect_uri.as_str()),
            ("code", code),
        ];
        self.call(self.http.post(url).form(&form), &[app.client_secret.expose(), code]).await
    }

    /// `GET url?grant_type=…&client_secret=…&access_token=…` (needs the secret): the
    /// short-lived token exchanged for a long-lived one.
    pub(crate) async fn exchange_long_lived(
        &self,
        url: &Url,
        grant_type: &str,
        secret: &ClientSecret,
        short: &AccessToken,
    ) -> Result<LongLivedToken, ApiError> {
        let query = [
            ("grant_type", grant_type),
            ("client_secret", secret.expose()),
            ("access_token", short.expose()),
        ];
        self.call(self.http.get(with_query(url, &query)), &[secret.expose(), short.expose()]).await
    }

    /// `GET url?grant_type=…&access_token=…` (no secret): a long-lived token renewed.
    pub(crate) async fn refresh(
        &self,
        url: &Url,
        grant_type: &str,
        token: &AccessToken,
    ) -> Result<LongLivedToken, ApiError> {
        let query = [("grant_type", grant_type), ("access_token", token.expose())];
        self.call(self.http.get(with_query(url, &query)), &[token.expose()]).await
    }
}

/// `base` with `pairs` as its query, built in one buffer of ours that is wiped when dropped:
/// the query carries a token or the secret, and building it pair by pair (as `url` and
/// `serde_urlencoded` do) leaves a copy in every buffer it outgrows. The `Url` itself belongs
/// to the HTTP stack from here (SECURITY.md).
pub(crate) fn with_query(base: &Url, pairs: &[(&str, &str)]) -> Url {
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
async fn read_bounded(
    network: Network,
    response: &mut reqwest::Response,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response.chunk().await.map_err(|e| ApiError::from_reqwest(network, &e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::transport(
                network,
                Transport::Malformed,
                Some(response.status().as_u16()),
                format!("{network} sent an answer far larger than expected"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
