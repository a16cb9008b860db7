//! Instagram's error answers, in the shapes each host sends.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::world::random_text;

/// The Graph hosts' shape: `{"error": {message, type, code, error_subcode, fbtrace_id}}`.
pub fn graph_error(
    status: StatusCode,
    code: i64,
    subcode: Option<i64>,
    message: &str,
    kind: &str,
) -> Response {
    let mut error = serde_json::json!({
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": format!("A{}", random_text(15)),
    });
    if let Some(subcode) = subcode {
        error["error_subcode"] = subcode.into();
        error["is_transient"] = false.into();
        error["error_user_title"] = "Session expired".into();
        error["error_user_msg"] = "Please log in again.".into();
    }
    (status, Json(serde_json::json!({ "error": error }))).into_response()
}

/// The OAuth host's flat shape: `{"error_type", "code", "error_message"}`.
pub fn flat_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error_type": "OAuthException", "code": 400, "error_message": message })),
    )
        .into_response()
}

/// Code 100: a request Instagram does not serve (wrong host, path or method).
pub fn unsupported(method: &str, what: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        100,
        None,
        &format!(
            "Unsupported {} request. Object with ID '{what}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
            method.to_ascii_lowercase()
        ),
        "IGApiException",
    )
}
