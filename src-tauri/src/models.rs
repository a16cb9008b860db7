//! What crosses IPC, converted by hand from core types. Every field here is a promise to the
//! UI's zod schemas (`ui/src/lib/schemas.ts`); none ever carries a token.

use serde::Serialize;

/// `app_info`: what the shell knows about itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The profile's data directory.
    pub data_dir: String,
    /// Whether a vault has been created in it.
    pub vault_exists: bool,
    /// Demo mode: sandbox Instagram and an in-process relay.
    pub demo: bool,
}

/// How a delivered link ended, for the banner that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The link was refused; nothing changed.
    Refused,
    /// The link was accepted.
    Accepted,
}

/// The outcome of one delivered link.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkNotice {
    /// Identifies the notice for dismissal.
    pub id: u64,
    /// How it ended.
    pub kind: NoticeKind,
    /// The error code when refused (the UI branches on it).
    pub code: Option<&'static str>,
    /// What to tell the user.
    pub message: String,
}
