//! Faults queued through the control API and served instead of (or before) real answers.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::errors::graph_error;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with Instagram's "unknown error" body.
    #[serde(rename = "http_500")]
    Http500,
    /// HTTP 400, code 2: "Service temporarily unavailable".
    #[serde(rename = "code_2")]
    Code2,
    /// A rate limit: code 4 (app), 17 (user), 32 (page), 613 (custom) or 80000–80014
    /// (business use case), with the usage headers Meta sends.
    RateLimit {
        /// Instagram's code.
        code: i64,
    },
    /// HTTP 429 with `Retry-After`.
    #[serde(rename = "http_429")]
    Http429,
    /// Code 10: the token lacks a permission for this call.
    Permission,
    /// Code 190 with `subcode`: Instagram says the token is dead (without revoking it, so the
    /// same token may work again: an answer to be careful with).
    Dead {
        /// 458, 460, 463, 464, 467.
        subcode: i64,
    },
    /// Answer normally, but only after this long.
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Never answer (the client's timeout ends it).
    Timeout,
    /// Send headers, then break the connection.
    Drop,
    /// HTTP 200 with JSON that is not what was asked for.
    MalformedJson,
    /// HTTP 502 with an HTML page, as a proxy in front of Instagram would.
    HtmlError,
}

/// A queued fault: `kind`, for the next `count` calls to `endpoint` (any when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many calls it answers.
    #[serde(default = "one")]
    pub count: u32,
    /// `code_exchange`, `long_lived_exchange`, `refresh`, `me`, `media`; any when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// `kind` for the next `count` calls to any endpoint.
    pub fn new(kind: FaultKind, count: u32) -> Self {
        Self { kind, count, endpoint: None }
    }

    /// Only for calls to `endpoint`.
    pub fn on(mut self, endpoint: &str) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Whether it answers a call to `endpoint`.
    pub fn applies_to(&self, endpoint: &str) -> bool {
        self.count > 0 && self.endpoint.as_deref().is_none_or(|e| e == endpoint)
    }

    /// A short name for the call log.
    pub fn name(&self) -> String {
        match &self.kind {
            FaultKind::RateLimit { code } => format!("rate_limit_{code}"),
            FaultKind::Dead { subcode } => format!("dead_{subcode}"),
            FaultKind::Latency { ms } => format!("latency_{ms}ms"),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from))
                .unwrap_or_default(),
        }
    }
}

/// How long a "timeout" call hangs before giving up on its own.
pub const HANG: Duration = Duration::from_secs(600);

/// The answer for a fault that replaces the real one; `None` for latency (the caller sleeps
/// and goes on).
pub async fn answer(kind: &FaultKind, user_id: Option<&str>) -> Option<Response> {
    Some(match kind {
        FaultKind::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            return None;
        }
        FaultKind::Http500 => graph_error(StatusCode::INTERNAL_SERVER_ERROR, 1, None, "An unknown error occurred", "OAuthException"),
        FaultKind::Code2 => graph_error(
            StatusCode::BAD_REQUEST,
            2,
            None,
            "An unexpected error has occurred. Please retry your request later.",
            "OAuthException",
        ),
        FaultKind::RateLimit { code } => rate_limited(*code, user_id),
        FaultKind::Dead { subcode } => graph_error(
            StatusCode::BAD_REQUEST,
            190,
            Some(*subcode),
            "Error validating access token: The session has been invalidated.",
            "OAuthException",
        ),
        FaultKind::Permission => graph_error(
            StatusCode::FORBIDDEN,
            10,
            None,
            "Application does not have permission for this action",
            "OAuthException",
        ),
        FaultKind::Http429 => {
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            response.headers_mut().insert("retry-after", HeaderValue::from_static("120"));
            response
        }
        FaultKind::Timeout => {
            tokio::time::sleep(HANG).await;
            graph_error(StatusCode::GATEWAY_TIMEOUT, 2, None, "Request timed out", "OAuthException")
        }
        FaultKind::Drop => {
            let broken = futures_util::stream::once(async {
                Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection dropped by the sandbox"))
            });
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(broken))
                .expect("static response")
        }
        FaultKind::MalformedJson => (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"data": "this is not what you asked for", "paging": 7"#,
        )
            .into_response(),
        FaultKind::HtmlError => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
    })
}

fn rate_limited(code: i64, user_id: Option<&str>) -> Response {
    let message = match code {
        4 => "Application request limit reached",
        17 => "User request limit reached",
        32 => "Page request limit reached",
        613 => "Calls to this api have exceeded the rate limit.",
        _ => "There have been too many calls to this Instagram account. Wait a bit and try again.",
    };
    let mut response = graph_error(StatusCode::BAD_REQUEST, code, None, message, "IGApiException");
    let headers = response.headers_mut();
    if (80000..=80014).contains(&code) {
        let buc = serde_json::json!({
            user_id.unwrap_or("17841400000000000"): [{
                "type": "instagram",
                "call_count": 100,
                "total_cputime": 25,
                "total_time": 40,
                "estimated_time_to_regain_access": 15,
            }]
        });
        headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_str(&buc.to_string()).expect("ascii json"),
        );
    } else {
        headers.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":100,"total_cputime":48,"total_time":71}"#),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_read_from_json() {
        let f: Fault = serde_json::from_str(r#"{"kind":"http_500","endpoint":"nowhere"}"#).unwrap();
        assert_eq!(f, Fault { kind: FaultKind::Http500, count: 1, endpoint: Some("nowhere".into()) });
        assert_eq!(f.name(), "http_500");
        let f: Fault = serde_json::from_str(r#"{"kind":"rate_limit","code":80001,"count":2}"#).unwrap();
        assert_eq!(f.kind, FaultKind::RateLimit { code: 80001 });
        assert_eq!(f.name(), "rate_limit_80001");
    }
}
