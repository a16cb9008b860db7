//! Accounts as the core knows them: identity, profile, token dates and status. Never a token.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
pub use evergreen_instagram::Network;
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

    /// Read Instagram's spelling (Meta's pages write `Business` / `Media_Creator`, the wire
    /// has been seen upper case: either is read).
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "BUSINESS" => Self::Business,
            "MEDIA_CREATOR" => Self::Creator,
            _ => Self::Other(s.to_string()),
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

/// Why an account is in the state it is: one list, one spelling, one set of words, used by
/// the renewal outcomes, the notifications, reconciliation and the UI (which shows
/// [`words`](Self::words) as sent, rather than keeping its own map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusReason {
    /// Instagram says the user removed the app (subcode 458).
    AppRemoved,
    /// The password changed or Meta reset the session (460).
    PasswordChanged,
    /// Instagram says the token expired (463), or it reached its expiry.
    Expired,
    /// The token expired while Evergreen was not running (or was locked).
    ExpiredWhileClosed,
    /// The Instagram user is not confirmed (464).
    UnconfirmedUser,
    /// The user logged out or the session was invalidated (467, or no subcode).
    LoggedOut,
    /// Instagram wants a login on instagram.com (checkpoint).
    Checkpoint,
    /// Instagram refused a permission Evergreen needs, confirmed by `/me`.
    PermissionMissing,
    /// The vault had no token for the account.
    TokenMissing,
    /// The person reset the vault, erasing every token.
    VaultReset,
    /// A reason a newer version wrote; shown generically.
    Other,
}

impl StatusReason {
    const ALL: [Self; 10] = [
        Self::AppRemoved,
        Self::PasswordChanged,
        Self::Expired,
        Self::ExpiredWhileClosed,
        Self::UnconfirmedUser,
        Self::LoggedOut,
        Self::Checkpoint,
        Self::PermissionMissing,
        Self::TokenMissing,
        Self::VaultReset,
    ];

    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppRemoved => "app_removed",
            Self::PasswordChanged => "password_changed",
            Self::Expired => "expired",
            Self::ExpiredWhileClosed => "expired_while_closed",
            Self::UnconfirmedUser => "unconfirmed_user",
            Self::LoggedOut => "logged_out",
            Self::Checkpoint => "checkpoint",
            Self::PermissionMissing => "permission_missing",
            Self::TokenMissing => "token_missing",
            Self::VaultReset => "vault_reset",
            Self::Other => "other",
        }
    }

    /// Read the stored form; a value this version does not know is [`Self::Other`].
    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|r| r.as_str() == s).unwrap_or(Self::Other)
    }

    /// Instagram's `error_subcode` of a dead token, as a reason.
    pub fn of_dead_token(subcode: Option<i64>) -> Self {
        match subcode {
            Some(458) => Self::AppRemoved,
            Some(460) => Self::PasswordChanged,
            Some(463) => Self::Expired,
            Some(464) => Self::UnconfirmedUser,
            _ => Self::LoggedOut,
        }
    }

    /// What happened to an account of `network`, as a clause that completes "… because" or
    /// follows a colon: calm, never blaming, in the words a social media manager uses.
    pub fn words(self, network: Network) -> String {
        let name = network.name();
        match self {
            Self::AppRemoved => format!("Evergreen was removed from the account's apps on {name}"),
            Self::PasswordChanged => {
                format!("{name} ended the connection after a password change or a security check")
            }
            Self::Expired => "the access expired".into(),
            Self::ExpiredWhileClosed => "the access expired while Evergreen was closed".into(),
            Self::UnconfirmedUser => format!("{name} says the account isn't confirmed yet"),
            Self::LoggedOut => format!("{name} ended the session"),
            Self::Checkpoint => format!("{name} wants a login on {} first", network.site()),
            Self::PermissionMissing => "a permission Evergreen needs was turned off".into(),
            Self::TokenMissing => "Evergreen no longer has this connection saved".into(),
            Self::VaultReset => "the vault was reset, which erased the saved connection".into(),
            Self::Other => format!("{name} ended this connection"),
        }
    }
}

/// What the UI shows for an account's status: the stored one, or one of two live states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayStatus {
    /// As stored.
    Stored(AccountStatus),
    /// A renewal is in flight.
    Refreshing,
    /// The vault is locked, so nothing can be renewed; dates are from the last check.
    Locked,
}

impl DisplayStatus {
    /// Wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stored(s) => s.as_str(),
            Self::Refreshing => "refreshing",
            Self::Locked => "locked",
        }
    }

    /// Whether the person must act: a dead token, a checkpoint, or expiry near.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            Self::Stored(
                AccountStatus::NeedsReconnect | AccountStatus::NeedsInstagramLogin | AccountStatus::Expiring
            )
        )
    }
}

/// An account as listed for the UI and the tray.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    /// The stored metadata.
    pub account: Account,
    /// What to show.
    pub status: DisplayStatus,
    /// The person's label for it ("Harbour Cafe").
    pub label: Option<crate::label::Label>,
}

/// An account's metadata row.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Evergreen's id.
    pub id: AccountId,
    /// Which network the account is on.
    pub network: Network,
    /// The network's id for the account (Instagram's professional `user_id`, Threads' `/me`
    /// `id`): with the network, the natural key.
    pub network_user_id: String,
    /// The app-scoped id (`/me`'s `id`, the code exchange's `user_id`), when known.
    pub app_scoped_id: Option<String>,
    /// The handle, without `@`.
    pub username: String,
    /// Business or creator.
    pub account_type: AccountType,
    /// The avatar, as Instagram last reported it.
    pub profile_picture_url: Option<String>,
    /// Stored status.
    pub status: AccountStatus,
    /// Why the status is what it is.
    pub status_reason: Option<StatusReason>,
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
