//! What crosses IPC, converted by hand from core types. Every field here is a promise to the
//! UI's zod schemas; none ever carries a token.

use chrono::{DateTime, SecondsFormat, Utc};
use evergreen_core::AccountView;
use evergreen_core::vault::VaultState;
use serde::Serialize;

/// `app_info`: what the shell knows about itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The profile's data directory.
    pub data_dir: String,
    /// `missing`, `locked` or `unlocked`.
    pub vault: &'static str,
    /// Demo mode: sandbox Instagram and an in-process relay.
    pub demo: bool,
    /// Whether Instagram answered the last call (`null` before any).
    pub online: Option<bool>,
}

/// The wire form of a vault state.
pub fn vault_state(state: VaultState) -> &'static str {
    match state {
        VaultState::Missing => "missing",
        VaultState::Locked => "locked",
        VaultState::Unlocked => "unlocked",
    }
}

/// How a delivered link ended, for the banner that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// An account was connected (or reconnected).
    Connected,
    /// The sign-in ended without a connection (cancelled, refused by Instagram, …).
    Failed,
    /// The link itself was refused (malformed, not ours, used, expired); nothing changed.
    Refused,
}

/// The outcome of one delivered link.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkNotice {
    /// Identifies the notice for dismissal.
    pub id: u64,
    /// How it ended.
    pub kind: NoticeKind,
    /// The error code when it did not connect (the UI branches on it).
    pub code: Option<&'static str>,
    /// What to tell the user.
    pub message: String,
    /// The flow the link answered, when it named one (the waiting dialog matches on it).
    pub state: Option<String>,
    /// The account connected.
    pub account_id: Option<String>,
    /// Its handle.
    pub username: Option<String>,
}

/// A started connect flow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectStarted {
    /// The flow's state.
    pub state: String,
    /// Instagram's login page ("Copy link").
    pub authorize_url: String,
    /// Whether the browser opened it.
    pub browser_opened: bool,
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An account for the UI. Times are RFC 3339 in UTC.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDto {
    /// Evergreen's id.
    pub id: String,
    /// Instagram's user id.
    pub instagram_user_id: String,
    /// Handle without `@`.
    pub username: String,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: String,
    /// Avatar.
    pub profile_picture_url: Option<String>,
    /// `connected`, `refreshing`, `expiring`, `needs_reconnect`, `needs_instagram_login`, `locked`.
    pub status: &'static str,
    /// Why, as a stable reason code.
    pub status_reason: Option<String>,
    /// When the token dies.
    pub token_expires_at: String,
    /// When it was issued.
    pub token_refreshed_at: String,
    /// When `/me` last answered.
    pub last_validated_at: Option<String>,
    /// When the next renewal is due.
    pub next_refresh_at: Option<String>,
}

impl From<AccountView> for AccountDto {
    fn from(view: AccountView) -> Self {
        let a = view.account;
        Self {
            id: a.id.to_string(),
            instagram_user_id: a.instagram_user_id,
            username: a.username,
            account_type: a.account_type.as_str().to_string(),
            profile_picture_url: a.profile_picture_url,
            status: view.status.as_str(),
            status_reason: a.status_reason,
            token_expires_at: time(a.token_expires_at),
            token_refreshed_at: time(a.token_refreshed_at),
            last_validated_at: a.last_validated_at.map(time),
            next_refresh_at: a.next_refresh_at.map(time),
        }
    }
}
