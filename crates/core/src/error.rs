//! The core's error type and the stable codes that cross IPC.
//!
//! Every module has its own `thiserror` enum; [`Error`] gathers them and [`Error::code`]
//! classifies each into a [`Code`]. The `Display` text of an [`Error`] is written for a
//! social media manager: it says what happened and what to do, and never holds a secret.

use crate::{connect, deep_link, profile, refresh, store, vault};

/// Every error code that crosses IPC: the shell's own failures (a browser, the autostart
/// entry) are here too, so this is the whole list. Most errors are shown by their message
/// alone; a code is kept apart only while someone tells it apart: the UI branches on a few
/// (`wrong_passphrase`, `weak_passphrase`, `vault_damaged`, and the sign-in service's address
/// errors), a link's notice carries its code to the page, and the tests assert each. Add a
/// variant only for such a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// A deep link that is malformed: wrong scheme, path, parameters or encoding.
    InvalidLink,
    /// A well-formed link whose `state` this app never issued.
    LinkNotOurs,
    /// A link that answers a flow which already finished.
    LinkAlreadyUsed,
    /// A link that answers a flow older than its time limit (or the relay's session expired).
    LinkExpired,
    /// The person cancelled on Instagram's page.
    ConnectCancelled,
    /// The account is not a business or creator account.
    NotProfessional,
    /// A permission was not granted.
    PermissionsMissing,
    /// Instagram is down or throttling: try again later.
    InstagramUnavailable,
    /// Instagram refused the sign-in.
    InstagramRefused,
    /// Instagram wants a login on instagram.com before this sign-in (a checkpoint).
    InstagramLoginRequired,
    /// Instagram ended the new connection at once: log out and in again.
    InstagramSessionRejected,
    /// The relay cannot be reached: check the connection.
    RelayUnreachable,
    /// The relay is full or limiting: try again in a minute.
    RelayBusy,
    /// The relay is not one to trust as configured (plain http, a login page elsewhere).
    RelayUntrusted,
    /// No sign-in service is set up: Settings → Sign-in service.
    NoSignInService,
    /// The address answers but is not an Evergreen sign-in service: the field shows the error.
    NotASignInService,
    /// The flow cannot finish (handoff gone, wrong flow, odd relay answer): start again.
    ConnectFailed,
    /// No vault yet: the UI shows "Create your vault".
    VaultMissing,
    /// Creating a vault where one exists: the UI shows "Unlock".
    VaultExists,
    /// The vault is locked: the UI shows "Unlock".
    VaultLocked,
    /// The passphrase does not open the vault: the field shows the error.
    WrongPassphrase,
    /// The new passphrase is too short: the field shows the error.
    WeakPassphrase,
    /// A vault file is damaged: the UI offers "Restore last good copy" or "Reset".
    VaultDamaged,
    /// The login keyring did not do what automatic unlock needed: the setting shows why.
    LoginKeyring,
    /// The account named does not exist (any more): the UI refreshes its list.
    UnknownAccount,
    /// A setting is out of bounds: the form shows the message on its field.
    InvalidSettings,
    /// A label was refused: the label field shows the message.
    InvalidLabel,
    /// Instagram could not be read for the dashboard: the UI shows last known data.
    InstagramUnreachable,
    /// The disk or the database refused: the UI shows the message and a retry.
    Storage,
    /// Another copy of Evergreen uses this profile: the shell says so and exits.
    ProfileInUse,
    /// The account has no token to read Instagram with: the dashboard offers Reconnect.
    NeedsReconnect,
    /// The system browser would not open: the connect card offers "Copy link".
    BrowserUnavailable,
    /// The desktop's autostart entry could not be written or removed: the setting says so.
    AutostartFailed,
    /// Anything else, or an answer the UI could not read; logged in full, shown generically.
    Internal,
}

impl Code {
    /// The wire form, `snake_case`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidLink => "invalid_link",
            Self::LinkNotOurs => "link_not_ours",
            Self::LinkAlreadyUsed => "link_already_used",
            Self::LinkExpired => "link_expired",
            Self::ConnectCancelled => "connect_cancelled",
            Self::NotProfessional => "not_professional",
            Self::PermissionsMissing => "permissions_missing",
            Self::InstagramUnavailable => "instagram_unavailable",
            Self::InstagramRefused => "instagram_refused",
            Self::InstagramLoginRequired => "instagram_login_required",
            Self::InstagramSessionRejected => "instagram_session_rejected",
            Self::RelayUnreachable => "relay_unreachable",
            Self::RelayBusy => "relay_busy",
            Self::RelayUntrusted => "relay_untrusted",
            Self::NoSignInService => "no_sign_in_service",
            Self::NotASignInService => "not_a_sign_in_service",
            Self::ConnectFailed => "connect_failed",
            Self::VaultMissing => "vault_missing",
            Self::VaultExists => "vault_exists",
            Self::VaultLocked => "vault_locked",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::WeakPassphrase => "weak_passphrase",
            Self::VaultDamaged => "vault_damaged",
            Self::LoginKeyring => "login_keyring",
            Self::UnknownAccount => "unknown_account",
            Self::InvalidSettings => "invalid_settings",
            Self::InvalidLabel => "invalid_label",
            Self::InstagramUnreachable => "instagram_unreachable",
            Self::Storage => "storage",
            Self::ProfileInUse => "profile_in_use",
            Self::NeedsReconnect => "needs_reconnect",
            Self::BrowserUnavailable => "browser_unavailable",
            Self::AutostartFailed => "autostart_failed",
            Self::Internal => "internal",
        }
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Anything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A link refused by [`deep_link::DeepLink::parse`].
    #[error("This link can't be used: {0}. Start the connection again from Evergreen.")]
    InvalidLink(#[from] deep_link::Error),
    /// A well-formed link refused by the connect flow.
    #[error(transparent)]
    Connect(#[from] connect::Error),
    /// The vault refused.
    #[error(transparent)]
    Vault(#[from] vault::Error),
    /// Automatic unlock could not be turned on: the keyring refused (nothing changed).
    #[error(
        "{0}, so automatic unlock couldn't be turned on. Nothing was changed; check your keyring and try again."
    )]
    AutoUnlockNotTurnedOn(crate::keyring::Error),
    /// The keyring refused, and taking the vault's half back failed too.
    #[error(
        "{0}, so automatic unlock couldn't be turned on, and Evergreen couldn't fully undo it: the next start will ask for the passphrase. Turn automatic unlock off and on again in Settings."
    )]
    AutoUnlockHalfOn(crate::keyring::Error),
    /// Automatic unlock is off, but the keyring kept its item.
    #[error(
        "Automatic unlock is off, but Evergreen couldn't remove its key from your login keyring. Delete “Evergreen vault key” in your keyring's app; to be sure no copy of it opens the vault, also change your passphrase."
    )]
    KeyringItemLeft(crate::keyring::Error),
    /// The metadata store refused.
    #[error(transparent)]
    Store(store::Error),
    /// No such account.
    #[error("That account is no longer connected. The list has been refreshed.")]
    UnknownAccount,
    /// A setting out of bounds.
    #[error("{0}")]
    InvalidSettings(#[from] refresh::InvalidPolicy),
    /// A label the person typed was refused.
    #[error(transparent)]
    InvalidLabel(#[from] crate::label::LabelError),
    /// Reading Instagram live failed.
    #[error(transparent)]
    Live(#[from] profile::LiveError),
    /// The profile is in use by another process.
    #[error(transparent)]
    Profile(#[from] crate::paths::ClaimError),
    /// The profile was closed (the app moved between real and demo) while this was asked.
    #[error(
        "Evergreen switched between your real accounts and the pretend Instagram while this was happening. Try again."
    )]
    Closed,
    /// A bug or an environment failure the user cannot fix by retrying differently.
    #[error("Something went wrong inside Evergreen. Try again; if it keeps happening, restart Evergreen.")]
    Internal(String),
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Self::InvalidLink(_) => Code::InvalidLink,
            Self::Connect(e) => match e {
                connect::Error::LinkNotOurs => Code::LinkNotOurs,
                connect::Error::LinkAlreadyUsed => Code::LinkAlreadyUsed,
                connect::Error::LinkExpired => Code::LinkExpired,
                connect::Error::Cancelled => Code::ConnectCancelled,
                connect::Error::NotProfessional => Code::NotProfessional,
                connect::Error::PermissionsMissing => Code::PermissionsMissing,
                connect::Error::InstagramUnavailable => Code::InstagramUnavailable,
                connect::Error::InstagramRefused => Code::InstagramRefused,
                connect::Error::CheckpointAtSignIn => Code::InstagramLoginRequired,
                connect::Error::SessionRejected => Code::InstagramSessionRejected,
                connect::Error::RelayUnreachable => Code::RelayUnreachable,
                connect::Error::RelayBusy => Code::RelayBusy,
                connect::Error::LinkWrongFlow
                | connect::Error::RelayRefused
                | connect::Error::HandoffGone
                | connect::Error::IdentityMismatch
                | connect::Error::UnknownNetwork
                | connect::Error::NetworkNotOffered => Code::ConnectFailed,
                connect::Error::IdentityUnconfirmed => Code::InstagramUnavailable,
                connect::Error::RelayNotHttps | connect::Error::LoginPageNotInstagram => Code::RelayUntrusted,
                connect::Error::NoSignInService => Code::NoSignInService,
                connect::Error::NotASignInService => Code::NotASignInService,
                connect::Error::ServiceAddressInvalid => Code::InvalidSettings,
            },
            Self::Vault(e) => match e {
                vault::Error::Missing => Code::VaultMissing,
                vault::Error::AlreadyExists => Code::VaultExists,
                vault::Error::Locked => Code::VaultLocked,
                vault::Error::WrongPassphrase => Code::WrongPassphrase,
                vault::Error::WeakPassphrase => Code::WeakPassphrase,
                vault::Error::Damaged { .. } => Code::VaultDamaged,
                vault::Error::NoKeyringWrap | vault::Error::WrongKeyringKey => Code::LoginKeyring,
                vault::Error::Io(_) => Code::Storage,
                vault::Error::Internal(_) => Code::Internal,
            },
            Self::AutoUnlockNotTurnedOn(_) | Self::AutoUnlockHalfOn(_) | Self::KeyringItemLeft(_) => {
                Code::LoginKeyring
            }
            Self::Store(_) => Code::Storage,
            Self::UnknownAccount => Code::UnknownAccount,
            Self::InvalidSettings(_) => Code::InvalidSettings,
            Self::InvalidLabel(_) => Code::InvalidLabel,
            Self::Live(profile::LiveError::NoToken) => Code::NeedsReconnect,
            Self::Live(profile::LiveError::Instagram(_)) => Code::InstagramUnreachable,
            Self::Profile(crate::paths::ClaimError::InUse) => Code::ProfileInUse,
            Self::Profile(crate::paths::ClaimError::Io(_)) => Code::Storage,
            Self::Closed | Self::Internal(_) => Code::Internal,
        }
    }
}

impl From<store::Error> for Error {
    fn from(error: store::Error) -> Self {
        match error {
            // A stale handle of a profile moved away from: the same as any other refusal of a
            // closed profile.
            store::Error::Closed => Self::Closed,
            other => Self::Store(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_and_serialize_as_their_wire_form() {
        let all = [
            Code::InvalidLink,
            Code::LinkNotOurs,
            Code::LinkAlreadyUsed,
            Code::LinkExpired,
            Code::ConnectCancelled,
            Code::NotProfessional,
            Code::PermissionsMissing,
            Code::InstagramUnavailable,
            Code::InstagramRefused,
            Code::InstagramLoginRequired,
            Code::InstagramSessionRejected,
            Code::RelayUnreachable,
            Code::RelayBusy,
            Code::RelayUntrusted,
            Code::NoSignInService,
            Code::NotASignInService,
            Code::ConnectFailed,
            Code::VaultMissing,
            Code::VaultExists,
            Code::VaultLocked,
            Code::WrongPassphrase,
            Code::WeakPassphrase,
            Code::VaultDamaged,
            Code::LoginKeyring,
            Code::UnknownAccount,
            Code::InvalidSettings,
            Code::InvalidLabel,
            Code::InstagramUnreachable,
            Code::Storage,
            Code::ProfileInUse,
            Code::NeedsReconnect,
            Code::BrowserUnavailable,
            Code::AutostartFailed,
            Code::Internal,
        ];
        let words: std::collections::HashSet<_> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(words.len(), all.len(), "no two codes share a wire form");
        for code in all {
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code:?}");
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(code.as_str()));
        }
    }

    #[test]
    fn an_account_without_a_token_needs_reconnect_as_its_message_says() {
        let error = Error::Live(profile::LiveError::NoToken);
        assert_eq!(
            (error.code().as_str(), error.to_string().as_str()),
            ("needs_reconnect", "This account needs Reconnect before Evergreen can read it.")
        );
    }
}
