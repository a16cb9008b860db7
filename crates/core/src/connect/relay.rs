//! The app's side of the relay's API (`crates/relay` documents the other side). Our own wire
//! types: the core never depends on the relay crate, and the end-to-end tests check the two
//! agree.

use std::time::Duration;

use evergreen_instagram::{AccessToken, Network, Url};
use serde::{Deserialize, Serialize};

use zeroize::Zeroizing;

use super::Error;

/// Largest answer read from the relay: every valid one is under a kilobyte or two.
const MAX_ANSWER: usize = 64 * 1024;

/// Talks to the relay at `base`.
#[derive(Clone)]
pub struct RelayClient {
    http: reqwest::Client,
    base: Url,
}

#[derive(Serialize)]
struct NewSession<'a> {
    code_challenge: &'a str,
    code_challenge_method: &'static str,
    force_authentication: bool,
    /// Named only for another network than Instagram: a relay from before Threads refuses a
    /// field it does not know, and connects Instagram accounts as it always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'static str>,
}

/// A sign-in the relay started.
/// Characters that change how the text around them reads without showing themselves: bidi
/// marks, overrides and isolates (a name that shows one host and ends in another), zero-width
/// and filler characters, soft hyphens, variation selectors, tags, private use, and any
/// space but the plain one (line and paragraph separators among them). The relay refuses the
/// same set for its name (`relay/src/config.rs`, written again: it does not depend on the core).
fn is_invisible(c: char) -> bool {
    (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{E000}'..='\u{F8FF}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{10FFFF}'
        )
}

#[derive(Deserialize)]
pub struct SessionStarted {
    /// The flow's `state`.
    pub state: String,
    /// Instagram's login page for it.
    pub authorize_url: String,
}

#[derive(Serialize)]
struct Redeem<'a> {
    handoff: &'a str,
    code_verifier: &'a str,
}

fn instagram() -> Network {
    Network::Instagram
}

/// What a redeemed handoff holds.
#[derive(Deserialize)]
pub struct Handoff {
    /// The network the token is for (a relay from before Threads names none: Instagram).
    #[serde(default = "instagram")]
    pub network: Network,
    /// The long-lived token.
    #[serde(deserialize_with = "evergreen_instagram::serde_expose::deserialize")]
    pub access_token: AccessToken,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// The professional account id.
    pub user_id: String,
    /// The app-scoped id (`/me`'s `id`), when the relay read it.
    #[serde(default)]
    pub app_scoped_id: Option<String>,
    /// The flow's `state`, echoed: the handoff must answer the flow that redeems it.
    pub state: String,
    /// Handle.
    pub username: String,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: String,
    /// Avatar.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff")
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What a sign-in service says about itself (`GET /v1/info`), shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceInfo {
    /// Its name, e.g. the agency's.
    pub name: String,
    /// The relay's version.
    pub version: String,
    /// The Instagram app whose login page people will see.
    pub instagram_app_id: String,
    /// The permissions it asks Instagram for.
    pub permissions: Vec<String>,
    /// The networks it connects, in its words (a relay from before Threads lists none).
    #[serde(default)]
    networks: Vec<String>,
    /// The Threads app whose login page people will see, when it connects Threads.
    #[serde(default)]
    pub threads_app_id: Option<String>,
}

/// `GET /v1/info`: an Evergreen relay says so, and the API it speaks.
#[derive(Deserialize)]
struct InfoAnswer {
    service: String,
    api: u32,
    #[serde(flatten)]
    info: ServiceInfo,
}

/// What identifies an Evergreen relay's `/v1/info` (the relay crate's `SERVICE`/`API_VERSION`;
/// the end-to-end tests check the two agree).
const SERVICE: &str = "evergreen-relay";
const API_VERSION: u32 = 1;

impl ServiceInfo {
    /// The networks it connects that this Evergreen knows, in the app's order: Instagram
    /// always (every relay has its app), others as it lists them. A network this Evergreen
    /// does not know yet is left out, not an error: a newer relay still serves it.
    pub fn networks(&self) -> Vec<Network> {
        Network::ALL
            .into_iter()
            .filter(|network| {
                *network == Network::Instagram || self.networks.iter().any(|word| word == network.as_str())
            })
            .collect()
    }

    /// Whether every field is something a person can be shown: short, printable, and the
    /// app id and permissions in Meta's shapes.
    fn is_presentable(&self) -> bool {
        let printable = |s: &str, max: usize| {
            !s.trim().is_empty()
                && s.chars().count() <= max
                && !s.chars().any(|c| c.is_control() || is_invisible(c))
        };
        printable(&self.name, 60)
            && printable(&self.version, 40)
            && !self.instagram_app_id.is_empty()
            && self.instagram_app_id.len() <= 32
            && self.instagram_app_id.bytes().all(|b| b.is_ascii_digit())
            && self
                .threads_app_id
                .as_ref()
                .is_none_or(|id| !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()))
            && self.networks.len() <= 16
            && self.networks.iter().all(|word| word.len() <= 32)
            && !self.permissions.is_empty()
            && self.permissions.len() <= 16
            && self.permissions.iter().all(|p| {
                !p.is_empty() && p.len() <= 64 && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
    }
}

#[derive(Deserialize)]
struct RelayError {
    code: String,
}

impl RelayClient {
    /// A client for the relay at `base`, 15 s per call.
    pub fn new(base: Url) -> Self {
        let http = evergreen_instagram::http::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .expect("an HTTP client with these settings always builds");
        Self { http, base }
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("static path")
    }

    /// `POST /v1/sessions` for `network`.
    pub async fn start(
        &self,
        network: Network,
        challenge: &str,
        force_authentication: bool,
    ) -> Result<SessionStarted, Error> {
        let body = NewSession {
            code_challenge: challenge,
            code_challenge_method: "S256",
            force_authentication,
            network: (network != Network::Instagram).then(|| network.as_str()),
        };
        self.post("v1/sessions", &body).await
    }

    /// `GET /v1/info`: whether this is an Evergreen relay, and what it says about itself.
    pub async fn info(&self) -> Result<ServiceInfo, Error> {
        let mut response =
            self.http.get(self.url("v1/info")).send().await.map_err(|_| Error::RelayUnreachable)?;
        if !response.status().is_success() {
            return Err(Error::NotASignInService);
        }
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| Error::RelayUnreachable)? {
            if answer.len() + chunk.len() > MAX_ANSWER {
                return Err(Error::NotASignInService);
            }
            answer.extend_from_slice(&chunk);
        }
        match serde_json::from_slice::<InfoAnswer>(&answer) {
            Ok(InfoAnswer { service, api, info })
                if service == SERVICE && api == API_VERSION && info.is_presentable() =>
            {
                Ok(info)
            }
            _ => Err(Error::NotASignInService),
        }
    }

    /// `POST /v1/handoff`: collect the token, once.
    pub async fn redeem(&self, handoff: &str, verifier: &str) -> Result<Handoff, Error> {
        self.post("v1/handoff", &Redeem { handoff, code_verifier: verifier }).await
    }

    /// Post `body` as JSON; read at most [`MAX_ANSWER`] of the answer (wiped after parsing: a
    /// handoff's holds a token) and parse it, or say why the relay refused.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, Error> {
        let mut response =
            self.http.post(self.url(path)).json(body).send().await.map_err(|_| Error::RelayUnreachable)?;
        let status = response.status().as_u16();
        let mut answer = Zeroizing::new(Vec::new());
        while let Some(chunk) = response.chunk().await.map_err(|_| Error::RelayUnreachable)? {
            if answer.len() + chunk.len() > MAX_ANSWER {
                return Err(Error::RelayRefused);
            }
            answer.extend_from_slice(&chunk);
        }
        if !(200..300).contains(&status) {
            let code = serde_json::from_slice::<RelayError>(&answer).map(|e| e.code).unwrap_or_default();
            return Err(refusal(status, &code));
        }
        serde_json::from_slice(&answer).map_err(|_| Error::RelayRefused)
    }
}

fn refusal(status: u16, code: &str) -> Error {
    match (status, code) {
        (_, "unknown_handoff" | "expired_handoff") => Error::HandoffGone,
        (_, "wrong_verifier") => Error::LinkWrongFlow,
        (_, "network_not_offered") => Error::NetworkNotOffered,
        (429 | 503, _) => Error::RelayBusy,
        _ => Error::RelayRefused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A relay whose shared store (Redis) is down answers 503 `unavailable`; a full one 503
    /// `busy`; a limit 429: the person is told the same thing, to try again in a minute.
    #[test]
    fn a_relay_that_cannot_reach_its_store_is_busy_to_the_person() {
        for (status, code) in [(503, "unavailable"), (503, "busy"), (429, "rate_limited"), (503, "")] {
            let error = refusal(status, code);
            assert!(matches!(error, Error::RelayBusy), "{status} {code}");
            assert_eq!(error.to_string(), "The sign-in service is busy. Try again in a minute.");
        }
        assert!(matches!(refusal(410, "unknown_handoff"), Error::HandoffGone));
    }
}
