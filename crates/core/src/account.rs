//! Accounts as the core knows them: identity, profile, token dates and status. Never a token.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Evergreen's own id for a connected account (stable across reconnects; Instagram's
/// `user_id` is the natural key, this is what the vault and the UI use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(Uuid);

impl AccountId {
    /// A fresh random id.
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for AccountId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Not an account id: what the UI gets told when it sends something else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("that is not an account id")]
pub struct BadAccountId;

impl FromStr for AccountId {
    type Err = BadAccountId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self).map_err(|_| BadAccountId)
    }
}

/// Instagram's professional account kinds. Anything else cannot use Instagram Login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountType {
    /// `BUSINESS`.
    Business,
    /// `MEDIA_CREATOR`.
    Creator,
    /// A value Instagram may add later; kept verbatim.
    Other(String),
}

impl AccountType {
    /// Instagram's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Business => "BUSINESS",
            Self::Creator => "MEDIA_CREATOR",
            Self::Other(s) => s,
        }
    }

    /// Read Instagram's spelling.
    pub fn parse(s: &str) -> Self {
        match s {
            "BUSINESS" => Self::Business,
            "MEDIA_CREATOR" => Self::Creator,
            other => Self::Other(other.to_string()),
        }
    }
}

/// The status stored with an account. The UI shows two more that are never stored:
/// `refreshing` (a refresh is in flight) and `locked` (the vault is locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// The token is alive and renewals work.
    Connected,
    /// Inside the warning window and the last renewal did not succeed.
    Expiring,
    /// The token is dead (expired or ended by Instagram): only a new connection helps.
    NeedsReconnect,
    /// Instagram wants the user to confirm a login on instagram.com first (checkpoint).
    NeedsInstagramLogin,
}

impl AccountStatus {
    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Expiring => "expiring",
            Self::NeedsReconnect => "needs_reconnect",
            Self::NeedsInstagramLogin => "needs_instagram_login",
        }
    }

    /// Read the stored form; unknown values are treated as needing a reconnect, the safe side.
    pub fn parse(s: &str) -> Self {
        match s {
            "connected" => Self::Connected,
            "expiring" => Self::Expiring,
            "needs_instagram_login" => Self::NeedsInstagramLogin,
            _ => Self::NeedsReconnect,
        }
    }

    /// Whether the account has a token worth refreshing.
    pub fn is_alive(self) -> bool {
        matches!(self, Self::Connected | Self::Expiring)
    }
}

/// An account's metadata row.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Evergreen's id.
    pub id: AccountId,
    /// Instagram's `user_id` (the professional account id): the natural key.
    pub instagram_user_id: String,
    /// The handle, without `@`.
    pub username: String,
    /// Business or creator.
    pub account_type: AccountType,
    /// The avatar, as Instagram last reported it.
    pub profile_picture_url: Option<String>,
    /// Stored status.
    pub status: AccountStatus,
    /// Why the status is what it is, as a stable reason code (`password_changed`, …).
    pub status_reason: Option<String>,
    /// When the current token dies.
    pub token_expires_at: DateTime<Utc>,
    /// When the current token was issued (connect or last refresh).
    pub token_refreshed_at: DateTime<Utc>,
    /// When `/me` last answered for this token.
    pub last_validated_at: Option<DateTime<Utc>>,
    /// When the next refresh is due.
    pub next_refresh_at: Option<DateTime<Utc>>,
    /// Renewal attempts that failed in a row (reset by a success).
    pub refresh_failures: u32,
    /// When renewals started failing, while they still do.
    pub failing_since: Option<DateTime<Utc>>,
    /// First connected.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
