//! The page the browser shows after Instagram sends it back: it opens Evergreen through the
//! deep link, and keeps the link as a button for browsers that ask first. It never prints a
//! token or a handoff id as text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f6f7f5;color:#16201b;margin:0}
main{max-width:440px;margin:12vh auto;background:#fff;border:1px solid #d5dcd6;border-radius:14px;padding:32px;text-align:center}
h1{font-size:1.35rem;margin:0 0 8px}p{color:#4b5a52;line-height:1.5}
a.button{display:inline-block;margin:16px 0 8px;padding:10px 18px;border-radius:8px;background:#13734a;color:#fff;font-weight:600;text-decoration:none}
@media (prefers-color-scheme:dark){body{background:#0f1512;color:#e8efe9}main{background:#17201b;border-color:#2c3a33}p{color:#a9b8af}a.button{background:#3fbf83;color:#062015}}";

/// Where the browser goes next.
pub enum Return {
    /// The sign-in worked: open the app with this deep link.
    Connected(String),
    /// It failed for `reason`: still send the app the error link, so it can say so.
    Failed {
        /// The deep link carrying `error=…`.
        link: String,
        /// In plain words.
        reason: String,
    },
    /// Nothing to return to (an unknown or incomplete callback).
    Dead(String),
}

/// The page for `outcome`.
pub fn render(outcome: &Return) -> Response {
    let (status, title, text, link, button) = match outcome {
        Return::Connected(link) => (
            StatusCode::OK,
            "Instagram connected",
            "Returning to Evergreen… If your browser asks, allow it to open Evergreen. You can close this tab afterwards.".to_string(),
            Some(link.as_str()),
            "Open Evergreen",
        ),
        Return::Failed { link, reason } => (
            StatusCode::OK,
            "The sign-in didn't finish",
            format!("{reason} Return to Evergreen to try again."),
            Some(link.as_str()),
            "Return to Evergreen",
        ),
        Return::Dead(reason) => (StatusCode::BAD_REQUEST, "This sign-in can't continue", reason.clone(), None, ""),
    };
    let refresh = link
        .map(|l| format!("<meta http-equiv=\"refresh\" content=\"0;url={}\">", escape(l)))
        .unwrap_or_default();
    let action = link
        .map(|l| {
            format!(
                "<a class=\"button\" id=\"open-evergreen\" href=\"{0}\" data-deep-link=\"{0}\">{button}</a>",
                escape(l)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · Evergreen</title>{refresh}<style>{STYLE}</style></head><body><main><h1>{title}</h1><p>{}</p>{action}\
         </main></body></html>",
        escape(&text)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    response
}
