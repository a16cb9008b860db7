//! One error type becomes every error response: a precise status and a stable `code` for
//! client mistakes; a generic body (and a log line, never a secret) for our own failures.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body or parameters are not what the endpoint takes.
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than any valid request.
    #[error("The request is too large.")]
    TooLarge,
    /// The handoff never existed or was already redeemed.
    #[error("This sign-in was already collected or never existed. Start again from Evergreen.")]
    UnknownHandoff,
    /// The handoff's two minutes ran out.
    #[error("This sign-in expired before Evergreen collected it. Start again from Evergreen.")]
    ExpiredHandoff,
    /// The verifier does not match the challenge of the session that made the handoff.
    #[error("This sign-in belongs to another request. Start again from Evergreen.")]
    WrongVerifier,
    /// Too many requests from this client.
    #[error("Too many attempts. Wait a minute and try again.")]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The bounded store is full.
    #[error("The sign-in service is busy. Try again in a minute.")]
    Busy,
    /// This service has no app on that network.
    #[error("This sign-in service does not connect {} accounts. Ask whoever runs it, or choose another.", .0.name())]
    NetworkNotOffered(evergreen_instagram::Network),
    /// This client already has as many sign-ins waiting as it may.
    #[error("Too many sign-ins are waiting from this network. Finish or cancel one, or wait ten minutes.")]
    TooManySignIns,
    /// The shared session store (Redis) did not answer in time: the relay recovers by itself
    /// when it does.
    #[error("The sign-in service is busy. Try again in a minute.")]
    StoreUnavailable(#[source] crate::store::Unavailable),
    /// `/metrics` without the right token.
    #[error("Not allowed.")]
    Forbidden,
    /// Our own failure: logged, never detailed to the client.
    #[error("Something went wrong at the sign-in service. Try again.")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize)]
struct Body {
    code: &'static str,
    message: String,
}

impl Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::NetworkNotOffered(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnknownHandoff | Self::ExpiredHandoff => StatusCode::GONE,
            Self::WrongVerifier => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } | Self::TooManySignIns => StatusCode::TOO_MANY_REQUESTS,
            Self::Forbidden => StatusCode::UNAUTHORIZED,
            Self::Busy | Self::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::TooLarge => "too_large",
            Self::UnknownHandoff => "unknown_handoff",
            Self::ExpiredHandoff => "expired_handoff",
            Self::WrongVerifier => "wrong_verifier",
            Self::RateLimited { .. } => "rate_limited",
            Self::Busy => "busy",
            Self::NetworkNotOffered(_) => "network_not_offered",
            Self::StoreUnavailable(_) => "unavailable",
            Self::TooManySignIns => "too_many_sessions",
            Self::Forbidden => "forbidden",
            Self::Internal(_) => "internal",
        }
    }
}

/// Carried in the response's extensions so the logging middleware, inside the trace span,
/// can log internal errors in full.
#[derive(Clone)]
pub struct InternalError(pub std::sync::Arc<anyhow::Error>);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = Body { code: self.code(), message: self.to_string() };
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self {
            Self::RateLimited { retry_after_secs } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Internal(error) => {
                response.extensions_mut().insert(InternalError(std::sync::Arc::new(error)));
            }
            Self::StoreUnavailable(reason) => {
                // Said once here, inside the request's span; the client only learns "busy".
                tracing::warn!(%reason, "session store unavailable");
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            _ => {}
        }
        response
    }
}

impl From<crate::store::Unavailable> for Error {
    fn from(e: crate::store::Unavailable) -> Self {
        Self::StoreUnavailable(e)
    }
}

impl From<crate::store::Refused> for Error {
    fn from(refused: crate::store::Refused) -> Self {
        use crate::store::Refused;
        match refused {
            Refused::Full => Self::Busy,
            Refused::TooManyForClient => Self::TooManySignIns,
            // Up, never down: a client told 1 s when the next place comes in 1.4 s is refused
            // again.
            Refused::RateLimited { retry_after_ms } => {
                Self::RateLimited { retry_after_secs: retry_after_ms.div_ceil(1000).max(1) }
            }
            Refused::Unavailable(reason) => Self::StoreUnavailable(crate::store::Unavailable(reason)),
        }
    }
}
