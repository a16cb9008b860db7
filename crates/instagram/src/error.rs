//! Meta's failures, classified once, here, into what the rest of the product does about them
//! (see `reference/instagram-platform.md`, "Errors"; Threads answers in the same Graph API
//! shape, and its table is the Graph API's own, `classify`).
//!
//! The rule that matters most: only a classified authentication error kills an account.
//! Anything not understood is transient, so an outage never causes "reconnect" spam.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::Network;
use crate::scrub::scrub;

/// What the product should do about a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorClass {
    /// The token is dead (expired, revoked, password changed, app removed): only a new
    /// connection helps. `subcode` is Instagram's reason when given.
    TokenDead {
        /// Instagram's `error_subcode` (458, 460, 463, 464, 467, …).
        subcode: Option<i64>,
    },
    /// Instagram wants the user to log in on instagram.com first (checkpoint, subcode 459).
    LoginRequired,
    /// The token lacks a permission; reconnect and grant it.
    PermissionMissing,
    /// Throttled: wait at least `retry_after` (when Instagram said how long).
    RateLimited {
        /// From `X-Business-Use-Case-Usage` (`estimated_time_to_regain_access`) or `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Worth retrying with backoff: 5xx, timeouts, network failures, codes 1/2/341, malformed
    /// answers, and anything not recognised.
    Transient,
    /// Our request was wrong (code 100: wrong host, method, or a Basic Display token). Do
    /// not retry in a loop.
    ClientBug,
}

/// How a call failed at the transport level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Instagram answered with an error.
    Answered,
    /// No answer in time.
    Timeout,
    /// Could not connect, or the connection dropped.
    Network,
    /// An answer that is not what Instagram sends (HTML, empty, wrong JSON, too large).
    Malformed,
}

/// A failed call to a network. Holds no token, code, secret or URL: the message is scrubbed
/// and the transport error is reduced to its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Who was called.
    pub network: Network,
    /// What to do about it.
    pub class: ErrorClass,
    /// How it failed.
    pub transport: Transport,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Instagram's `code`.
    pub code: Option<i64>,
    /// Instagram's `error_subcode`.
    pub subcode: Option<i64>,
    /// Instagram's message (scrubbed), or ours for transport failures.
    pub message: String,
    /// Instagram's `fbtrace_id`, for support requests.
    pub fbtrace_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let network = self.network;
        match (self.status, self.code) {
            (Some(status), Some(code)) => {
                write!(f, "{network} answered {status} (code {code}): {}", self.message)
            }
            (Some(status), None) => write!(f, "{network} answered {status}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// A transport failure (no usable answer).
    pub(crate) fn transport(
        network: Network,
        transport: Transport,
        status: Option<u16>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            network,
            class: ErrorClass::Transient,
            transport,
            status,
            code: None,
            subcode: None,
            message: message.into(),
            fbtrace_id: None,
        }
    }

    /// From a reqwest failure, keeping only its kind (reqwest's own text carries the URL).
    pub(crate) fn from_reqwest(network: Network, error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::transport(network, Transport::Timeout, None, format!("{network} did not answer in time"))
        } else if error.is_connect() {
            Self::transport(network, Transport::Network, None, format!("Could not reach {network}"))
        } else {
            Self::transport(
                network,
                Transport::Network,
                None,
                format!("The connection to {network} broke off"),
            )
        }
    }

    /// Classify an error answer from its status, body and usage headers.
    pub(crate) fn from_answer(
        network: Network,
        status: u16,
        body: &[u8],
        usage: &Usage,
        known_secrets: &[&str],
    ) -> Self {
        let Some(body) = ErrorBody::parse(body) else {
            let class = if status == 429 {
                ErrorClass::RateLimited { retry_after: usage.retry_after() }
            } else {
                ErrorClass::Transient
            };
            let message = if (500..600).contains(&status) {
                format!("{network} is having trouble right now")
            } else {
                format!("{network} sent an answer Evergreen could not read")
            };
            return Self { class, ..Self::transport(network, Transport::Malformed, Some(status), message) };
        };
        let message = scrub(&body.message, known_secrets);
        let class = if body.flat {
            // The OAuth host's `code` is only the HTTP status: a 4xx there is a refusal of
            // this request (used or wrong code, wrong secret) that retrying cannot change.
            if (500..600).contains(&status) { ErrorClass::Transient } else { ErrorClass::ClientBug }
        } else {
            classify(network, status, body.code, body.subcode, &message, usage)
        };
        Self {
            network,
            class,
            transport: Transport::Answered,
            status: Some(status),
            code: body.code,
            subcode: body.subcode,
            message,
            fbtrace_id: body.fbtrace_id,
        }
    }
}

/// The decision table. Order matters: a checkpoint arrives as code 190 with subcode 459, so it
/// is checked before "code 190 means dead".
///
/// Both networks answer in the Graph API's error shape, and the Graph API's own table
/// (*Handling Errors*, `tests/fixtures/meta/threads/error.graph_api.table.json`) is the common
/// part: 190 and 102 a dead token, subcode 459 a checkpoint, 10 and 200–299 a missing
/// permission, 4, 17, 32 and 613 throttling, 100 our request. Instagram adds its own: the
/// business use case limits (80000–80014) and the messages its pages quote. Threads documents
/// no table of its own (its Troubleshooting page covers publishing only), so a Threads answer
/// is read by the Graph API's table alone, and anything else is transient: whichever answer
/// comes, a token is given up only on a code that means it.
pub fn classify(
    network: Network,
    status: u16,
    code: Option<i64>,
    subcode: Option<i64>,
    message: &str,
    usage: &Usage,
) -> ErrorClass {
    let lower = message.to_ascii_lowercase();
    let says = |needle: &str| network == Network::Instagram && lower.contains(&needle.to_ascii_lowercase());
    if subcode == Some(459)
        || says("You cannot access the app till you log in to www.instagram.com")
        || says("Session key is malformed")
    {
        return ErrorClass::LoginRequired;
    }
    if matches!(code, Some(190) | Some(102))
        || says("Session has expired")
        || says("session has been invalidated")
        || (network == Network::Instagram && message.contains("REVOKED_ACCESS_TOKEN"))
    {
        return ErrorClass::TokenDead { subcode };
    }
    if matches!(code, Some(10) | Some(200..=299)) {
        return ErrorClass::PermissionMissing;
    }
    let business_use_case = network == Network::Instagram && matches!(code, Some(80000..=80014));
    if status == 429 || matches!(code, Some(4) | Some(17) | Some(32) | Some(613)) || business_use_case {
        return ErrorClass::RateLimited { retry_after: usage.retry_after() };
    }
    if code == Some(100) {
        return ErrorClass::ClientBug;
    }
    ErrorClass::Transient
}

/// Instagram's two error shapes: `{"error": {...}}` from the Graph hosts, and the flat
/// `{"error_type", "code", "error_message"}` the OAuth host has been seen to send.
#[derive(Debug, Default)]
struct ErrorBody {
    message: String,
    code: Option<i64>,
    subcode: Option<i64>,
    fbtrace_id: Option<String>,
    /// The OAuth host's flat shape, whose `code` is an HTTP status.
    flat: bool,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Graph {
            error: GraphError,
        }
        #[derive(Deserialize)]
        struct GraphError {
            message: Option<String>,
            code: Option<i64>,
            error_subcode: Option<i64>,
            error_user_msg: Option<String>,
            fbtrace_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct Flat {
            error_type: Option<String>,
            code: Option<i64>,
            error_message: String,
        }
        if let Ok(Graph { error }) = serde_json::from_slice::<Graph>(body) {
            return Some(Self {
                message: error.message.or(error.error_user_msg).unwrap_or_else(|| "(no message)".into()),
                code: error.code,
                subcode: error.error_subcode,
                fbtrace_id: error.fbtrace_id,
                flat: false,
            });
        }
        if let Ok(flat) = serde_json::from_slice::<Flat>(body) {
            let _ = flat.error_type;
            return Some(Self {
                message: flat.error_message,
                code: flat.code,
                flat: true,
                ..Self::default()
            });
        }
        None
    }
}

/// Meta's usage headers, read on every answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Highest percentage of any app-level quota (`X-App-Usage`); above ~90 throttling is near.
    pub app_percent: Option<u32>,
    /// `estimated_time_to_regain_access` from `X-Business-Use-Case-Usage`, in minutes.
    pub regain_minutes: Option<u64>,
    /// `Retry-After`, in seconds.
    pub retry_after_secs: Option<u64>,
}

impl Usage {
    /// Read the headers; anything malformed is ignored.
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let app_percent = text("x-app-usage").and_then(|v| {
            let v: serde_json::Value = serde_json::from_str(v).ok()?;
            ["call_count", "total_cputime", "total_time"].iter().filter_map(|k| v.get(k)?.as_u64()).max()
        });
        let regain_minutes = text("x-business-use-case-usage").and_then(|v| {
            let v: serde_json::Value = serde_json::from_str(v).ok()?;
            v.as_object()?
                .values()
                .filter_map(|entries| entries.as_array())
                .flatten()
                .filter_map(|e| e.get("estimated_time_to_regain_access")?.as_u64())
                .max()
        });
        let retry_after_secs = text("retry-after").and_then(|v| v.trim().parse().ok());
        Self { app_percent: app_percent.map(|p| p.min(10_000) as u32), regain_minutes, retry_after_secs }
    }

    /// How long to wait before trying again, when the answer says.
    pub fn retry_after(&self) -> Option<Duration> {
        let regain = self.regain_minutes.filter(|m| *m > 0).map(|m| Duration::from_secs(m.min(24 * 60) * 60));
        let header = self.retry_after_secs.map(|s| Duration::from_secs(s.min(24 * 3600)));
        regain.max(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(status: u16, code: Option<i64>, subcode: Option<i64>, message: &str, expected: ErrorClass) {
        assert_eq!(classify(Network::Instagram, status, code, subcode, message, &Usage::default()), expected);
    }

    #[test]
    fn the_reference_table() {
        use ErrorClass::*;
        for subcode in [None, Some(458), Some(460), Some(463), Some(464), Some(467)] {
            check(400, Some(190), subcode, "Error validating access token", TokenDead { subcode });
        }
        check(400, Some(102), None, "Session key invalid", TokenDead { subcode: None });
        check(
            400,
            None,
            None,
            "Error validating access token: Session has expired on Friday",
            TokenDead { subcode: None },
        );
        check(
            401,
            Some(1),
            None,
            "The session has been invalidated because the user changed their password",
            TokenDead { subcode: None },
        );
        check(400, None, None, "REVOKED_ACCESS_TOKEN", TokenDead { subcode: None });
        check(400, Some(190), Some(459), "Error validating access token", LoginRequired);
        check(
            400,
            Some(190),
            None,
            "You cannot access the app till you log in to www.instagram.com and follow the instructions given.",
            LoginRequired,
        );
        check(400, None, None, "Session key is malformed", LoginRequired);
        check(403, Some(10), None, "Application does not have permission for this action", PermissionMissing);
        check(400, Some(200), None, "Requires instagram_business_basic permission", PermissionMissing);
        check(400, Some(299), None, "permission", PermissionMissing);
        for code in [4, 17, 32, 613, 80000, 80001, 80014] {
            check(
                400,
                Some(code),
                None,
                "Application request limit reached",
                RateLimited { retry_after: None },
            );
        }
        check(429, None, None, "Too many calls", RateLimited { retry_after: None });
        for code in [1, 2, 341] {
            check(500, Some(code), None, "An unknown error occurred", Transient);
        }
        check(400, None, None, "An unknown error occurred", Transient);
        check(503, None, None, "Service temporarily unavailable", Transient);
        check(400, Some(100), None, "Unsupported request - method type: get", ClientBug);
        check(400, Some(12345), None, "Something new from Meta", Transient);
    }

    /// Threads: the Graph API's table, nothing of Instagram's own.
    #[test]
    fn the_threads_table() {
        use ErrorClass::*;
        let threads = |status, code, subcode, message: &str| {
            classify(Network::Threads, status, code, subcode, message, &Usage::default())
        };
        for subcode in [None, Some(458), Some(460), Some(463), Some(464), Some(467), Some(492)] {
            assert_eq!(
                threads(400, Some(190), subcode, "Error validating access token"),
                TokenDead { subcode }
            );
        }
        assert_eq!(threads(400, Some(102), None, ""), TokenDead { subcode: None });
        assert_eq!(threads(400, Some(190), Some(459), ""), LoginRequired);
        assert_eq!(threads(403, Some(10), None, ""), PermissionMissing);
        assert_eq!(threads(400, Some(200), None, ""), PermissionMissing);
        for code in [4, 17, 32, 613] {
            assert_eq!(threads(400, Some(code), None, ""), RateLimited { retry_after: None });
        }
        assert_eq!(threads(429, None, None, ""), RateLimited { retry_after: None });
        assert_eq!(threads(400, Some(100), None, ""), ClientBug);
        // Instagram's own codes and words mean nothing on Threads: never a dead account.
        assert_eq!(threads(400, Some(80001), None, ""), Transient);
        assert_eq!(threads(400, None, None, "REVOKED_ACCESS_TOKEN"), Transient);
        assert_eq!(threads(401, Some(1), None, "Session has expired"), Transient);
        assert_eq!(threads(400, Some(12345), None, "Something new from Meta"), Transient);
    }

    #[test]
    fn rate_limit_waits_as_the_headers_say() {
        let usage = Usage { app_percent: Some(100), regain_minutes: Some(12), retry_after_secs: None };
        assert_eq!(
            classify(Network::Instagram, 400, Some(80001), None, "limit", &usage),
            ErrorClass::RateLimited { retry_after: Some(Duration::from_secs(720)) }
        );
    }

    #[test]
    fn both_error_shapes_parse() {
        let graph = br#"{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190,"error_subcode":467,"fbtrace_id":"AbC"}}"#;
        let e = ApiError::from_answer(Network::Instagram, 400, graph, &Usage::default(), &[]);
        assert_eq!(e.class, ErrorClass::TokenDead { subcode: Some(467) });
        assert_eq!(e.fbtrace_id.as_deref(), Some("AbC"));
        let flat =
            br#"{"error_type":"OAuthException","code":400,"error_message":"Invalid authorization code"}"#;
        let e = ApiError::from_answer(Network::Instagram, 400, flat, &Usage::default(), &[]);
        assert_eq!(
            (e.code, e.message.as_str(), e.class),
            (Some(400), "Invalid authorization code", ErrorClass::ClientBug)
        );
    }

    #[test]
    fn unreadable_error_bodies_are_malformed_and_transient() {
        for body in [&b"<html>502 Bad Gateway</html>"[..], b"", b"{", b"[]", b"{\"error\":5}"] {
            let e = ApiError::from_answer(Network::Threads, 502, body, &Usage::default(), &[]);
            assert_eq!((e.class, e.transport), (ErrorClass::Transient, Transport::Malformed));
        }
    }
}
